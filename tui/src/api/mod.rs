//! The console's view of the admin API: every call is a [`Request`] value answered by a
//! [`Reply`], behind the [`AdminApi`] trait. Production uses [`ClientApi`] (the generated
//! `beeget-client`); tests use [`FakeApi`]. Requests as data keep `update` pure: it returns
//! the calls to make, and tests can assert on them without a network.

mod client;
mod fake;

pub use client::ClientApi;
pub use fake::FakeApi;

use async_trait::async_trait;
use beeget_client::types;

/// Page and size of a paged list (`page` from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub page: u64,
    pub limit: u64,
}

impl Default for Paging {
    fn default() -> Self {
        Self { page: 1, limit: 20 }
    }
}

/// `GET /admin/orders` filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderQuery {
    pub paging: Paging,
    /// Free text: order number or customer email.
    pub q: Option<String>,
    pub status: Option<types::OrderStatus>,
    pub payment_status: Option<types::PaymentStatus>,
    /// Inclusive UTC dates, `YYYY-MM-DD`.
    pub from: Option<String>,
    pub to: Option<String>,
}

/// `GET /admin/products` filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductQuery {
    pub paging: Paging,
    pub search: Option<String>,
    pub status: Option<types::ProductStatus>,
    pub sort: Option<types::AdminProductSort>,
}

/// `GET /admin/users` filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserQuery {
    pub paging: Paging,
    pub search: Option<String>,
    pub role: Option<types::Role>,
    pub sort: Option<types::UserSort>,
}

/// One call to the API.
#[derive(Debug, Clone)]
pub enum Request {
    Login {
        email: String,
        password: String,
    },
    Logout,
    Dashboard,
    Orders(OrderQuery),
    Order(String),
    SetOrderStatus {
        id: String,
        change: types::OrderStatusChangeRequest,
    },
    Products(ProductQuery),
    Product(String),
    CreateProduct(types::NewAdminProduct),
    UpdateProduct {
        id: String,
        patch: types::AdminProductPatch,
    },
    DeleteProduct(String),
    CreateVariant {
        product_id: String,
        variant: types::NewAdminVariant,
    },
    AdjustStock {
        product_id: String,
        variant_id: String,
        adjustment: types::StockAdjustmentRequest,
    },
    UpdateVariant {
        product_id: String,
        variant_id: String,
        patch: types::AdminVariantPatch,
    },
    DeleteVariant {
        product_id: String,
        variant_id: String,
    },
    /// The image file at `path` (read by the implementation), added to the product's images.
    UploadImage {
        product_id: String,
        path: String,
    },
    Categories,
    CreateCategory(types::NewAdminCategory),
    UpdateCategory {
        id: String,
        patch: types::AdminCategoryPatch,
        /// Fields to empty that the typed patch cannot carry.
        clear: Clear,
    },
    /// `reassign_to`: the category that takes over its children, products and promotions
    /// (without it the API refuses to delete a category in use: 409 `in_use`).
    DeleteCategory {
        id: String,
        reassign_to: Option<String>,
    },
    Collections,
    CreateCollection(types::NewAdminCollection),
    UpdateCollection {
        id: String,
        patch: types::AdminCollectionPatch,
    },
    /// `reassign_to`: the collection that takes over its products and promotions (without it
    /// the API refuses to delete a collection in use: 409 `in_use`).
    DeleteCollection {
        id: String,
        reassign_to: Option<String>,
    },
    Promotions,
    CreatePromotion(types::NewAdminPromotion),
    UpdatePromotion {
        id: String,
        patch: types::AdminPromotionPatch,
        /// Fields to empty that the typed patch cannot carry.
        clear: Clear,
    },
    DeletePromotion(String),
    Users(UserQuery),
    User(String),
    /// Erases the account's personal data (`DELETE /admin/users/{id}`); cannot be undone.
    EraseUser(String),
    SetUserRole {
        id: String,
        role: types::Role,
    },
    /// Inclusive dates `YYYY-MM-DD` in the store's time zone.
    SalesReport {
        start: String,
        end: String,
        group_by: types::SalesGrouping,
    },
    SalesCsv {
        start: String,
        end: String,
        group_by: types::SalesGrouping,
    },
    Inventory {
        threshold: Option<i64>,
        paging: Paging,
    },
    Pages {
        paging: Paging,
        search: Option<String>,
    },
    Page(String),
    CreatePage(types::NewAdminPage),
    UpdatePage {
        id: String,
        patch: types::AdminPagePatch,
        /// Fields to empty that the typed patch cannot carry.
        clear: Clear,
    },
    DeletePage(String),
    PreviewPage(String),
    ContactMessages {
        paging: Paging,
        handled: Option<bool>,
    },
    SetContactHandled {
        id: String,
        handled: bool,
    },
    Jobs {
        paging: Paging,
        status: Option<types::JobStatus>,
    },
    RetryJob(String),
    Audit {
        paging: Paging,
        target_type: Option<types::AuditTargetType>,
    },
}

/// What a [`Request`] answered.
// Replies vary in size with the API's shapes and live only until a screen takes them in.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Reply {
    /// Signed in as this staff member (tokens stay inside the [`AdminApi`]).
    LoggedIn {
        email: String,
    },
    Dashboard(types::Dashboard),
    Orders(types::OrderPage),
    Order(types::Order),
    Products(types::AdminProductPage),
    Product(types::AdminProduct),
    Variant(types::AdminVariant),
    StockMovement(types::StockMovement),
    Image(types::AdminProductImage),
    Categories(Vec<types::AdminCategory>),
    Category(types::AdminCategory),
    Collections(Vec<types::AdminCollection>),
    Collection(types::AdminCollection),
    Promotions(Vec<types::AdminPromotion>),
    Promotion(types::AdminPromotion),
    Users(types::UserPage),
    User(types::AdminUserView),
    Sales(types::SalesReport),
    Csv(String),
    Inventory(types::InventoryReport),
    Pages(types::AdminPagePage),
    Page(types::AdminPage),
    Preview(types::Page),
    ContactMessages(types::ContactMessagePage),
    ContactMessage(types::ContactMessage),
    Jobs(types::JobPage),
    JobRetried,
    Audit(types::AuditPage),
    /// A write that answers with no body (deletes, sign-out).
    Done,
}

/// What a patch empties beyond what its generated type can say. The generated patch types
/// leave out `None` and empty lists when they serialise, so `"parentId": null` (back to the
/// top level), `"code": null` (no code) and `"contentBlocks": []` (no blocks) are added here,
/// to the same request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Clear(Vec<(&'static str, Emptied)>);

/// How a cleared field is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emptied {
    /// `null`: the value is removed.
    Null,
    /// `[]`: the list is emptied.
    List,
}

impl Clear {
    /// Sets `field` to `null`.
    pub fn null(mut self, field: &'static str) -> Self {
        self.0.push((field, Emptied::Null));
        self
    }

    /// Sets `field` to `[]`.
    pub fn list(mut self, field: &'static str) -> Self {
        self.0.push((field, Emptied::List));
        self
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `field` is cleared.
    pub fn names(&self, field: &str) -> bool {
        self.0.iter().any(|(f, _)| *f == field)
    }

    /// Writes the cleared fields into a patch's JSON.
    pub fn apply(&self, patch: &mut serde_json::Value) {
        for (field, how) in &self.0 {
            patch[*field] = match how {
                Emptied::Null => serde_json::Value::Null,
                Emptied::List => serde_json::Value::Array(Vec::new()),
            };
        }
    }
}

/// A request body from its JSON form (the API's field names), checked against the schema's
/// limits by the generated types. `null` fields are left out, so a patch only names what is
/// set. Errors: the generated type's message (a value too long, a control character…).
pub fn body<T: serde::de::DeserializeOwned>(mut value: serde_json::Value) -> Result<T, String> {
    if let serde_json::Value::Object(fields) = &mut value {
        fields.retain(|_, v| !v.is_null());
    }
    serde_json::from_value(value).map_err(|e| e.to_string())
}

/// Why a call failed: the API's problem (code, fields, request id) or a transport failure.
pub type Failure = beeget_client::ApiError;

/// True when the failure means the session is over (sign in again).
pub fn session_ended(failure: &Failure) -> bool {
    failure.status() == Some(401)
}

/// The admin API as the console uses it.
#[async_trait]
pub trait AdminApi: Send + Sync {
    /// Makes one call. Implementations keep the session (tokens) themselves and refresh it
    /// before it expires; a session that cannot be renewed fails with status 401.
    async fn send(&self, request: Request) -> Result<Reply, Failure>;
}
