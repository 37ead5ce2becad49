use std::sync::Arc;

use chrono::Utc;
use poem_openapi::{OpenApi, payload::Json};

use super::{ApiTags, AppState, dto::PromotionView};
use crate::error::{ApiError, ReadError};

pub struct PromotionsApi(pub Arc<AppState>);

#[OpenApi(tag = "ApiTags::Catalogue")]
impl PromotionsApi {
    /// List running promotions
    ///
    /// Promotions that are switched on and whose window contains now (`startDate <= now < endDate`).
    #[oai(path = "/promotions", method = "get", operation_id = "listPromotions")]
    async fn list_promotions(&self) -> Result<Json<Vec<PromotionView>>, ReadError> {
        let currency = self.0.config.currency();
        let promotions = self
            .0
            .catalogue
            .running_promotions(Utc::now())
            .await
            .map_err(ApiError::from)?;
        Ok(Json(
            promotions
                .into_iter()
                .map(|p| PromotionView::new(p, &currency))
                .collect(),
        ))
    }
}
