use std::sync::Arc;

use poem::web::Data;

use chrono::Utc;
use poem_openapi::{OpenApi, payload::Json};

use super::{ApiTags, AppState, dto::PromotionView};
use crate::http::problem::operation_errors;

operation_errors!(
    /// Errors of `listPromotions`.
    pub enum ListPromotionsError {
        TooManyRequests,
        Unavailable,
    }
);

pub struct PromotionsApi;

#[OpenApi(tag = "ApiTags::Catalogue")]
impl PromotionsApi {
    /// List running promotions
    ///
    /// Promotions that are switched on and whose window contains now (`startDate <= now < endDate`).
    #[oai(path = "/promotions", method = "get", operation_id = "listPromotions")]
    async fn list_promotions(
        &self,
        state: Data<&Arc<AppState>>,
    ) -> Result<Json<Vec<PromotionView>>, ListPromotionsError> {
        let currency = state.config.currency();
        let promotions = state.catalogue.running_promotions(Utc::now()).await?;
        Ok(Json(
            promotions
                .into_iter()
                .map(|p| PromotionView::new(p, &currency))
                .collect(),
        ))
    }
}
