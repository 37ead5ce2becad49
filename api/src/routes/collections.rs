use std::sync::Arc;

use poem::web::Data;

use poem_openapi::{OpenApi, payload::Json};

use super::{ApiTags, AppState, dto::CollectionView};
use crate::http::problem::operation_errors;

operation_errors!(
    /// Errors of `listCollections`.
    pub enum ListCollectionsError {
        TooManyRequests,
        Unavailable,
    }
);

pub struct CollectionsApi;

#[OpenApi(tag = "ApiTags::Catalogue")]
impl CollectionsApi {
    /// List collections
    ///
    /// Active collections ordered by `order`.
    #[oai(path = "/collections", method = "get", operation_id = "listCollections")]
    async fn list_collections(
        &self,
        state: Data<&Arc<AppState>>,
    ) -> Result<Json<Vec<CollectionView>>, ListCollectionsError> {
        let collections = state.catalogue.active_collections().await?;
        Ok(Json(collections.into_iter().map(CollectionView::from).collect()))
    }
}
