use std::sync::Arc;

use poem::web::Data;

use poem_openapi::{OpenApi, payload::Json};

use super::{ApiTags, AppState, dto::CategoryView};
use crate::http::problem::operation_errors;

operation_errors!(
    /// Errors of `listCategories`.
    pub enum ListCategoriesError {
        TooManyRequests,
        Unavailable,
    }
);

pub struct CategoriesApi;

#[OpenApi(tag = "ApiTags::Catalogue")]
impl CategoriesApi {
    /// Get the category tree
    ///
    /// Active categories as a tree; siblings are ordered by `order`. A category under an
    /// inactive parent is hidden with it.
    #[oai(path = "/categories", method = "get", operation_id = "listCategories")]
    async fn list_categories(
        &self,
        state: Data<&Arc<AppState>>,
    ) -> Result<Json<Vec<CategoryView>>, ListCategoriesError> {
        let forest = state.catalogue.category_tree().await?;
        Ok(Json(forest.into_iter().map(CategoryView::from).collect()))
    }
}
