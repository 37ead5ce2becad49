//! HTTP routes: parse, call a service, map the result. One file per resource.

use std::sync::Arc;

use poem::http::StatusCode;
use poem_openapi::{OpenApiService, Tags, payload::Json};

use crate::{
    config::Config,
    error::{ApiError, Problem},
    repos::Repos,
    services::{ServiceError, catalogue::CatalogueService, content::ContentService},
};

mod categories;
mod collections;
mod content;
pub mod dto;
mod health;
mod products;
mod promotions;

#[derive(Tags)]
pub enum ApiTags {
    /// Products, the category tree, collections and promotions.
    Catalogue,
    /// CMS pages and the contact form.
    Content,
    /// Liveness, readiness and metrics for operators.
    Operations,
}

/// What every route handler may reach.
pub struct AppState {
    pub config: Arc<Config>,
    pub repos: Repos,
    pub catalogue: CatalogueService,
    pub content: ContentService,
    pub jobs: crate::jobs::JobQueue,
}

pub type Api = (
    products::ProductsApi,
    categories::CategoriesApi,
    collections::CollectionsApi,
    promotions::PromotionsApi,
    content::ContentApi,
    health::HealthApi,
);

pub fn api(state: Arc<AppState>) -> Api {
    (
        products::ProductsApi(state.clone()),
        categories::CategoriesApi(state.clone()),
        collections::CollectionsApi(state.clone()),
        promotions::PromotionsApi(state.clone()),
        content::ContentApi(state.clone()),
        health::HealthApi(state),
    )
}

/// The OpenAPI service; its spec lists `server.base_path` as the server URL when one is set.
pub fn openapi_service(state: Arc<AppState>) -> OpenApiService<Api, ()> {
    let base_path = state.config.server.base_path.clone();
    let service = OpenApiService::new(api(state), "Beeget API", env!("CARGO_PKG_VERSION")).description(
        "Catalogue, accounts, cart, orders and administration for the Beeget Fashion store. \
             Money is an integer number of minor units in the store currency; errors are \
             application/problem+json.",
    );
    if base_path.is_empty() {
        service
    } else {
        service.server(base_path)
    }
}

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        match err {
            ServiceError::NotFound(what) => ApiError::not_found(what),
            ServiceError::Invalid(errors) => ApiError::validation(errors),
            ServiceError::Conflict(code) => ApiError::Conflict(Json(Problem::new(StatusCode::CONFLICT, &code, None))),
            ServiceError::Storage(e) => e.into(),
        }
    }
}
