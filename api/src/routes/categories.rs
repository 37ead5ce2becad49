use std::sync::Arc;

use poem_openapi::{OpenApi, payload::Json};

use super::{ApiTags, AppState, dto::CategoryView};
use crate::error::{ApiError, ReadError};

pub struct CategoriesApi(pub Arc<AppState>);

#[OpenApi(tag = "ApiTags::Catalogue")]
impl CategoriesApi {
    /// Get the category tree
    ///
    /// Active categories as a tree; siblings are ordered by `order`. A category under an
    /// inactive parent is hidden with it.
    #[oai(path = "/categories", method = "get", operation_id = "listCategories")]
    async fn list_categories(&self) -> Result<Json<Vec<CategoryView>>, ReadError> {
        let forest = self.0.catalogue.category_tree().await.map_err(ApiError::from)?;
        Ok(Json(forest.into_iter().map(CategoryView::from).collect()))
    }
}
