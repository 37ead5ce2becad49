//! Staff operations under `/admin/*`, one file per resource. Every operation checks the
//! caller's admin role against storage (`BearerAuth::admin`) before anything else.

mod audit;
mod cms;
mod contact;

pub(super) use audit::AuditEntryView;
pub(super) use contact::ContactMessageView;

mod csv;
mod fields;
mod jobs;
mod orders;
pub(super) mod product_images;
mod products;
mod promotions;
mod reports;
mod taxonomy;
mod users;

/// The admin operations, as one member of the API tuple.
pub type AdminApi = (
    users::AdminUsersApi,
    orders::AdminOrdersApi,
    products::AdminProductsApi,
    product_images::AdminProductImagesApi,
    taxonomy::AdminTaxonomyApi,
    promotions::AdminPromotionsApi,
    contact::AdminContactApi,
    cms::AdminCmsApi,
    jobs::AdminJobsApi,
    reports::AdminReportsApi,
    audit::AuditApi,
);

pub fn api() -> AdminApi {
    (
        users::AdminUsersApi,
        orders::AdminOrdersApi,
        products::AdminProductsApi,
        product_images::AdminProductImagesApi,
        taxonomy::AdminTaxonomyApi,
        promotions::AdminPromotionsApi,
        contact::AdminContactApi,
        cms::AdminCmsApi,
        jobs::AdminJobsApi,
        reports::AdminReportsApi,
        audit::AuditApi,
    )
}
