//! HTTP routes: parse, call a service, map the result. One file per resource.

use std::sync::Arc;

use poem_openapi::{OpenApiService, Tags};

use crate::{
    config::Config,
    repos::Repos,
    services::{
        ServiceError, auth::AuthService, catalogue::CatalogueService, content::ContentService, profile::ProfileService,
    },
};

mod admin;
mod auth;
mod cart;
mod categories;
mod cms_blocks;
mod collections;
mod content;
pub mod dto;
mod health;
mod orders;
mod payments;
pub(crate) mod personal_data;
mod products;
mod promotions;
mod security;
pub(crate) mod users;

#[derive(Tags)]
pub enum ApiTags {
    /// Products, the category tree, collections and promotions.
    Catalogue,
    /// CMS pages and the contact form.
    Content,
    /// Liveness, readiness and metrics for operators.
    Operations,
    /// Registration, email verification, sign-in, token refresh and password reset.
    Auth,
    /// The signed-in shopper's profile and address book.
    Users,
    /// The signed-in shopper's cart, priced with running promotions.
    Cart,
    /// Checkout, the shopper's orders and their tracking.
    Orders,
    /// Callbacks from the payment provider.
    Payments,
    /// Staff only: an admin account is required, checked against storage on every call.
    Admin,
    /// Staff only: sales and inventory figures, computed by the database.
    Reports,
}

/// What every route handler may reach.
pub struct AppState {
    pub config: Arc<Config>,
    pub repos: Repos,
    pub catalogue: CatalogueService,
    /// Staff changes to the catalogue.
    pub catalogue_admin: crate::services::catalogue_admin::CatalogueAdmin,
    /// Staff work on product images.
    pub product_images: crate::services::product_images::ProductImages,
    /// Staff changes to categories and collections.
    pub taxonomy_admin: crate::services::taxonomy_admin::TaxonomyAdmin,
    /// Staff changes to promotions.
    pub promotion_admin: crate::services::promotion_admin::PromotionAdmin,
    pub page_admin: crate::services::page_admin::PageAdmin,
    pub content: ContentService,
    pub jobs: crate::jobs::JobQueue,
    pub auth: AuthService,
    pub profile: ProfileService,
    /// Data export and erasure.
    pub gdpr: crate::services::gdpr::GdprService,
    pub cart: crate::services::cart::CartService,
    pub orders: crate::services::orders::OrderService,
    pub limiter: Arc<crate::infra::rate_limit::RateLimiter>,
    /// Whether this process's job workers run (none are started when `jobs.run_in_server` is
    /// off); readiness reports a stopped one.
    pub workers: crate::jobs::WorkerHealth,
}

pub type Api = (
    products::ProductsApi,
    categories::CategoriesApi,
    collections::CollectionsApi,
    promotions::PromotionsApi,
    content::ContentApi,
    auth::AuthApi,
    users::UsersApi,
    personal_data::PersonalDataApi,
    cart::CartApi,
    orders::OrdersApi,
    payments::PaymentsApi,
    admin::AdminApi,
    health::HealthApi,
);

/// The operations, as stateless values: each reaches the [`AppState`] through `Data`, so the
/// spec is generated without opening a database or a queue.
pub fn api() -> Api {
    (
        products::ProductsApi,
        categories::CategoriesApi,
        collections::CollectionsApi,
        promotions::PromotionsApi,
        content::ContentApi,
        auth::AuthApi,
        users::UsersApi,
        personal_data::PersonalDataApi,
        cart::CartApi,
        orders::OrdersApi,
        payments::PaymentsApi,
        admin::api(),
        health::HealthApi,
    )
}

/// The OpenAPI service; its spec lists `base_path` (`server.base_path`) as the server URL
/// when one is set.
pub fn openapi_service(base_path: &str) -> OpenApiService<Api, ()> {
    let service = OpenApiService::new(api(), "Beeget API", env!("CARGO_PKG_VERSION")).description(
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

/// An id from a path or a body: anything that is not a UUID names nothing that exists.
pub(crate) fn parse_id(raw: &str, what: &'static str) -> Result<uuid::Uuid, ServiceError> {
    uuid::Uuid::parse_str(raw).map_err(|_| ServiceError::NotFound(what))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use poem_openapi::OpenApi;

    /// poem-openapi keeps one path item per path from only one of the API groups that declare
    /// it, silently dropping the other group's methods: each path must belong to one group.
    #[test]
    fn each_path_is_declared_by_one_api_group() {
        let mut owners: HashMap<String, usize> = HashMap::new();
        for (group, meta) in <super::Api as OpenApi>::meta().into_iter().enumerate() {
            for path in meta.paths {
                if let Some(other) = owners.insert(path.path.clone(), group) {
                    assert_eq!(other, group, "{} is declared in two API groups", path.path);
                }
            }
        }
    }
}
