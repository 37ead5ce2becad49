//! Storage behind one trait per aggregate. The traits speak in domain records only, so a
//! non-SQL backend can implement them; `sea` is the SQLite and PostgreSQL implementation.
//!
//! About 480 lines: the traits and the records they speak in, listed together so that the
//! contract suite and every backend read one page.

use std::sync::Arc;

use async_trait::async_trait;
use uuid::Uuid;

use crate::domain::{
    audit::{AuditEntry, AuditFilter, AuditRecord},
    catalogue::{
        Category, Collection, NewCategory, NewCollection, NewProduct, NewPromotion, NewVariant, ProductDetail,
        ProductSummary, Promotion,
    },
    cms::{CmsPage, CmsPagePatch, NewCmsPage},
    erasure::{ErasureOutcome, ErasureRequest},
    money::Money,
    order::{CustomerOrders, Order, OrderFilter, OrderLine, OrderSummary, PaymentStatus, Shipment, ShippingAddress},
    order_status::{OrderStatus, Transition},
    pagination::{Page, PageRequest},
    pricing::Totals,
    product_edit::{ProductPatch, ProductRemoval, VariantPatch},
    product_image::{NewProductImage, ProductImage},
    product_query::ProductSort,
    search::SearchTerms,
    stock::{AdjustOutcome, StockAdjustment, StockMovement},
    taxonomy::{TaxonEdit, TaxonFields, TaxonPatch, TaxonRemoval, Taxonomy},
    user::{NewUser, Role, RoleChange, User, UserQuery},
};

pub mod entities;
pub mod migrations;
pub mod redis;
pub mod sales_rollup_sql;
pub mod sea;

#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// A uniqueness rule was broken; the string names what collided.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A referenced record does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The backend could not be reached or timed out.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    #[error("storage error: {0}")]
    Other(String),
}

pub type RepoResult<T> = Result<T, RepoError>;

/// A product list query with names already resolved to ids by the service.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProductListQuery {
    /// Products linked to any of these categories.
    pub category_ids: Option<Vec<Uuid>>,
    pub collection_id: Option<Uuid>,
    pub min_price: Option<Money>,
    pub max_price: Option<Money>,
    pub search: Option<SearchTerms>,
    pub tag: Option<String>,
    pub in_stock: Option<bool>,
    /// Products with a variant whose size is one of these (when not empty) and whose colour
    /// is one of `colors` (when not empty): both in the same variant.
    pub sizes: Vec<String>,
    pub colors: Vec<String>,
    pub sort: ProductSort,
    pub page: PageRequest,
}

impl ProductListQuery {
    /// Every product, in `sort` order: one `page` of the whole catalogue.
    pub fn unfiltered(sort: ProductSort, page: PageRequest) -> Self {
        Self {
            category_ids: None,
            collection_id: None,
            min_price: None,
            max_price: None,
            search: None,
            tag: None,
            in_stock: None,
            sizes: Vec::new(),
            colors: Vec::new(),
            sort,
            page,
        }
    }
}

#[async_trait]
pub trait CategoryRepo: Send + Sync {
    async fn upsert(&self, category: NewCategory) -> RepoResult<Uuid>;
    /// Every category, active or not; the tree is small and read whole.
    async fn list_all(&self) -> RepoResult<Vec<Category>>;
}

#[async_trait]
pub trait CollectionRepo: Send + Sync {
    async fn upsert(&self, collection: NewCollection) -> RepoResult<Uuid>;
    /// Every collection, ordered by position then name.
    async fn list_all(&self) -> RepoResult<Vec<Collection>>;
    async fn find_by_slug(&self, slug: &str) -> RepoResult<Option<Collection>>;
}

#[async_trait]
pub trait PromotionRepo: Send + Sync {
    async fn upsert(&self, promotion: NewPromotion) -> RepoResult<Uuid>;
    /// Promotions switched on, ordered by position; the caller checks their time window.
    async fn list_active(&self) -> RepoResult<Vec<Promotion>>;
    /// Every promotion, switched on or not, ordered by position.
    async fn list_all(&self) -> RepoResult<Vec<Promotion>>;
    /// Staff create a promotion with its audit record. `Conflict("slug")` or
    /// `Conflict("code")` when taken (codes whatever their case).
    async fn create(&self, promotion: NewPromotion, audit: AuditRecord) -> RepoResult<Uuid>;
    /// Applies `patch` to the promotion as it is inside the transaction; `Invalid` when the
    /// result breaks a rule (`promotion_edit::check`).
    async fn update(
        &self,
        id: Uuid,
        patch: &crate::domain::promotion_edit::PromotionPatch,
        audit: AuditRecord,
    ) -> RepoResult<EditOutcome>;
    /// `false` when there is no such promotion.
    async fn delete(&self, id: Uuid, audit: AuditRecord) -> RepoResult<bool>;
}

#[async_trait]
pub trait ProductRepo: Send + Sync {
    /// Creates the product or replaces the one with the same slug, variants and links included.
    async fn upsert(&self, product: NewProduct) -> RepoResult<Uuid>;
    /// Bulk seeding: inserts the products whose slug is not taken yet, with their variants and
    /// links, in one transaction of a few multi-row statements (all inserted, or none; a SKU
    /// taken by another product is `Conflict`). Returns how many were inserted.
    async fn insert_new(&self, products: Vec<NewProduct>) -> RepoResult<u64>;
    async fn list(&self, query: &ProductListQuery) -> RepoResult<Page<ProductSummary>>;
    async fn find_by_slug(&self, slug: &str) -> RepoResult<Option<ProductDetail>>;
    /// The products among `ids` that exist, in one batch (a fixed number of statements).
    async fn find_by_ids(&self, ids: &[Uuid]) -> RepoResult<Vec<ProductDetail>>;
    async fn count(&self) -> RepoResult<u64>;
    /// Up to `limit` products with an id greater than `after` (all when `None`), in id order,
    /// with everything their page shows; a fixed number of statements per call. The catalogue
    /// index is built from these.
    async fn details_after(&self, after: Option<Uuid>, limit: u64) -> RepoResult<Vec<ProductDetail>>;

    // The change feed. Every write above, and every order write that moves stock, records the
    // products it changed under a new catalogue version in its own transaction; versions are
    // consecutive and become visible in order, so a reader that has seen version `n` has seen
    // every version before it.

    /// The last catalogue version recorded (0 before any change).
    async fn catalogue_version(&self) -> RepoResult<i64>;
    /// The changes recorded at versions after `after_version`, up to `through_version`
    /// included, oldest first.
    async fn catalogue_changes(&self, after_version: i64, through_version: i64) -> RepoResult<Vec<CatalogueChange>>;
    /// The products linked to any of these categories or collections, switched on or not.
    async fn linked_to(&self, categories: &[Uuid], collections: &[Uuid]) -> RepoResult<Vec<Uuid>>;
    /// Records that the products `ids` changed through a write made outside this repository
    /// (an operator's SQL fix, a test), so every catalogue index picks them up.
    async fn record_changes(&self, ids: &[Uuid]) -> RepoResult<()>;
    /// Deletes changes recorded before `cutoff`; returns how many went.
    async fn prune_catalogue_changes(&self, cutoff: chrono::DateTime<chrono::Utc>) -> RepoResult<u64>;
}

/// One product changed at one catalogue version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogueChange {
    pub version: i64,
    pub product_id: Uuid,
}

/// What the staff list of pages narrows to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageFilter {
    pub published: Option<bool>,
    /// Part of the title or slug, case-insensitive.
    pub search: Option<String>,
}

/// CMS pages. Staff writes run in one transaction with their audit record; a slug taken by
/// another page is `Conflict("slug")`.
#[async_trait]
pub trait PageRepo: Send + Sync {
    /// Seeding: creates the page or replaces the one with the same slug (not audited).
    async fn upsert(&self, page: NewCmsPage) -> RepoResult<Uuid>;
    async fn find_by_slug(&self, slug: &str) -> RepoResult<Option<CmsPage>>;
    async fn find(&self, id: Uuid) -> RepoResult<Option<CmsPage>>;
    /// The slugs that are `base` or start with `base-`, for `product_edit::first_free_slug`.
    async fn slugs_like(&self, base: &str) -> RepoResult<std::collections::BTreeSet<String>>;
    /// By slug.
    async fn list(&self, filter: &PageFilter, page: PageRequest) -> RepoResult<Page<CmsPage>>;
    async fn create(&self, page: NewCmsPage, audit: AuditRecord) -> RepoResult<CmsPage>;
    /// `None` when there is no such page; an empty change writes nothing.
    async fn update(&self, id: Uuid, patch: &CmsPagePatch, audit: AuditRecord) -> RepoResult<Option<CmsPage>>;
    /// `false` when there is no such page.
    async fn delete(&self, id: Uuid, audit: AuditRecord) -> RepoResult<bool>;
}

/// A message sent through the contact form.
#[derive(Debug, Clone)]
pub struct NewContactMessage {
    pub name: String,
    pub email: String,
    pub subject: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactMessage {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub subject: String,
    pub message: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When staff marked it handled; `None` while it waits for an answer.
    pub handled_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[async_trait]
pub trait ContactRepo: Send + Sync {
    /// Stores the message under `id` and, in the same transaction, the jobs it causes in the
    /// job outbox: both are kept, or neither.
    async fn create(
        &self,
        id: Uuid,
        message: NewContactMessage,
        jobs: Vec<NewDeferredJob>,
    ) -> RepoResult<ContactMessage>;
    async fn find(&self, id: Uuid) -> RepoResult<Option<ContactMessage>>;
    /// Newest first.
    async fn list_recent(&self, limit: u64) -> RepoResult<Vec<ContactMessage>>;
    /// The messages sent from `email` (case-insensitive), newest first.
    async fn by_email(&self, email: &str) -> RepoResult<Vec<ContactMessage>>;
    /// The inbox, newest first: handled messages, unhandled ones, or all.
    async fn list(&self, handled: Option<bool>, page: PageRequest) -> RepoResult<Page<ContactMessage>>;
    /// Marks the message handled (now) or not, with its audit record, in one transaction;
    /// `None` when there is no such message. Marking it as it already is changes nothing.
    async fn set_handled(&self, id: Uuid, handled: bool, audit: AuditRecord) -> RepoResult<Option<ContactMessage>>;
}

/// Receipts of completed idempotent jobs (see `jobs::Job::idempotency_key`).
#[async_trait]
pub trait JobReceiptRepo: Send + Sync {
    async fn is_completed(&self, idempotency_key: &str) -> RepoResult<bool>;
    /// Records completion; recording a key twice is not an error.
    async fn record(&self, idempotency_key: &str, job_name: &str, at: chrono::DateTime<chrono::Utc>) -> RepoResult<()>;
}

/// A job to queue later: what `jobs::JobEnvelope` holds, with its queue's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDeferredJob {
    pub queue: String,
    pub name: String,
    /// The job's payload as JSON text.
    pub payload: String,
    pub idempotency_key: Option<String>,
}

/// A job kept in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeferredJob {
    pub id: Uuid,
    pub job: NewDeferredJob,
    /// Relay attempts that failed so far, and the last one's error.
    pub attempts: i32,
    pub last_error: Option<String>,
}

/// Jobs that could not be queued when their cause happened (the queue unreachable), kept in
/// the database until the relay queues them (`jobs::OutboxRelay`).
#[async_trait]
pub trait JobOutboxRepo: Send + Sync {
    async fn defer(&self, job: NewDeferredJob) -> RepoResult<Uuid>;
    /// Oldest first.
    async fn oldest(&self, limit: u64) -> RepoResult<Vec<DeferredJob>>;
    async fn remove(&self, id: Uuid) -> RepoResult<()>;
    /// Counts a failed relay attempt and keeps its error.
    async fn failed_attempt(&self, id: Uuid, error: &str) -> RepoResult<()>;
    async fn count(&self) -> RepoResult<u64>;
}

#[async_trait]
pub trait CartRepo: Send + Sync {
    /// The user's cart id, creating an empty cart on first use.
    async fn get_or_create(&self, user_id: Uuid) -> RepoResult<Uuid>;
    /// Marks the cart as used at `at` (every change to its lines does this).
    async fn touch(&self, cart_id: Uuid, at: chrono::DateTime<chrono::Utc>) -> RepoResult<()>;
    /// Deletes up to `limit` carts, lines included, untouched since `cutoff`; returns how many.
    async fn delete_untouched_since(&self, cutoff: chrono::DateTime<chrono::Utc>, limit: u64) -> RepoResult<u64>;
    async fn count(&self) -> RepoResult<u64>;
    /// The cart's lines, oldest first.
    async fn lines(&self, cart_id: Uuid) -> RepoResult<Vec<CartLine>>;
    /// Adds `quantity` of the variant (to an existing line if there is one) unless the line
    /// would exceed `max`; returns the line's new quantity, or `Conflict("max_quantity")`.
    async fn add(&self, cart_id: Uuid, product_id: Uuid, variant_id: Uuid, quantity: u32, max: u32) -> RepoResult<u32>;
    /// `false` when the cart has no such line.
    async fn set_quantity(&self, cart_id: Uuid, line_id: Uuid, quantity: u32) -> RepoResult<bool>;
    async fn remove(&self, cart_id: Uuid, line_id: Uuid) -> RepoResult<bool>;
    async fn promo_code(&self, cart_id: Uuid) -> RepoResult<Option<String>>;
    async fn set_promo_code(&self, cart_id: Uuid, code: Option<&str>) -> RepoResult<()>;
    /// After checkout: removes the lines of these variants and the promotion code.
    async fn remove_ordered(&self, cart_id: Uuid, variant_ids: &[Uuid]) -> RepoResult<()>;
}

/// An order ready to be stored: priced, its address checked, by the service.
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub id: Uuid,
    pub user_id: Uuid,
    pub customer_email: String,
    pub currency: String,
    pub totals: Totals,
    pub promo_code: Option<String>,
    pub shipping_address: ShippingAddress,
    pub payment_provider: String,
    pub payment_method: String,
    pub idempotency_key: String,
    pub request_hash: String,
    pub lines: Vec<NewOrderLine>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone)]
pub struct NewOrderLine {
    /// With `product_id` and `variant_id` set.
    pub line: OrderLine,
    /// The catalogue prices the line was priced from; placing fails if they changed since.
    pub priced_from: PricedFrom,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PricedFrom {
    pub product_price: i64,
    pub product_sale_price: Option<i64>,
    pub variant_price: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceOutcome {
    /// Stored as `pending_payment` with its stock taken.
    Placed,
    /// The user already has an order with this idempotency key; nothing was written.
    KeyTaken,
    /// Fewer units of this variant are left than the order needs (`available`); nothing was
    /// written.
    OutOfStock { variant_id: Uuid, available: u32 },
    /// A price changed after the cart was priced; nothing was written.
    PriceChanged,
}

/// A status change with what comes with it, applied only if the order is still in the
/// transition's `from`.
#[derive(Debug, Clone)]
pub struct StatusChange {
    pub transition: Transition,
    pub payment_status: Option<PaymentStatus>,
    pub payment_reference: Option<String>,
    pub payment_failure: Option<String>,
    /// Put the order's units back in stock.
    pub restock: bool,
    pub note: Option<String>,
    pub shipment: Option<Shipment>,
    pub actor_id: Option<Uuid>,
    pub at: chrono::DateTime<chrono::Utc>,
    /// Jobs the change causes (the shopper's email), kept in the job outbox in the change's
    /// own transaction: written if and only if the change is.
    pub jobs: Vec<NewDeferredJob>,
    /// The audit record of a staff change, stored in the change's own transaction.
    pub audit: Option<AuditRecord>,
}

impl StatusChange {
    pub fn new(transition: Transition) -> Self {
        Self {
            transition,
            payment_status: None,
            payment_reference: None,
            payment_failure: None,
            restock: false,
            note: None,
            shipment: None,
            actor_id: None,
            at: chrono::Utc::now(),
            jobs: Vec::new(),
            audit: None,
        }
    }
}

/// What a payment provider reported, recorded without a status change.
#[derive(Debug, Clone)]
pub struct PaymentUpdate {
    pub status: PaymentStatus,
    pub reference: Option<String>,
    pub client_secret: Option<String>,
    pub failure: Option<String>,
}

#[async_trait]
pub trait OrderRepo: Send + Sync {
    /// In one transaction: stores the order as `pending_payment` with its lines and first
    /// history entry, and takes each line's units from stock with a conditional decrement,
    /// so stock never goes below zero under any concurrency.
    async fn place(&self, order: NewOrder) -> RepoResult<PlaceOutcome>;
    /// Stores orders as they stand elsewhere (history brought from another platform, benchmark
    /// data): status, payment, lines and history as given, in one transaction; no stock is
    /// taken and nothing is sent. Orders whose id is stored already are left as they are;
    /// answers how many were added.
    async fn import(&self, orders: Vec<Order>) -> RepoResult<u64>;
    /// After a bulk import: fresh planner statistics for orders and their lines (and, on
    /// PostgreSQL, a vacuum, so index-only scans need not visit the table). Without them the
    /// planner takes a million new orders for a few thousand and picks slow plans.
    async fn refresh_statistics(&self) -> RepoResult<()>;
    async fn find(&self, id: Uuid) -> RepoResult<Option<Order>>;
    async fn find_by_idempotency_key(&self, user_id: Uuid, key: &str) -> RepoResult<Option<Order>>;
    async fn find_by_payment_reference(&self, reference: &str) -> RepoResult<Option<Order>>;
    /// The user's orders, newest first.
    async fn list_for_user(&self, user_id: Uuid, page: PageRequest) -> RepoResult<Page<OrderSummary>>;
    /// Every order of the user, whole (lines and history), newest first, in a fixed number of
    /// statements: their data export.
    async fn all_for_user(&self, user_id: Uuid) -> RepoResult<Vec<Order>>;
    /// The customer's order count, what they have paid (orders whose payment succeeded), and
    /// their newest order.
    async fn customer_orders(&self, user_id: Uuid) -> RepoResult<CustomerOrders>;
    /// Every order matching `filter`, newest first.
    async fn list(&self, filter: &OrderFilter, page: PageRequest) -> RepoResult<Page<OrderSummary>>;
    /// Applies `change` in one transaction if the order is still in `change.from`; `false`
    /// (and nothing written) when it is not.
    async fn change_status(&self, id: Uuid, change: StatusChange) -> RepoResult<bool>;
    /// Records the provider's answer while the order is in `while_in`; `false` when it is not.
    /// A recorded success is only ever replaced by its refund.
    async fn update_payment(&self, id: Uuid, while_in: OrderStatus, update: PaymentUpdate) -> RepoResult<bool>;
    /// Moves the payment from `from` to `to` while the order is in `while_in`, as one
    /// conditional update: of concurrent callers exactly one gets `true`. Claims a refund retry
    /// (`refund_failed` → `succeeded`) and records a refund's failure (the reverse).
    async fn swap_payment_status(
        &self,
        id: Uuid,
        while_in: OrderStatus,
        from: PaymentStatus,
        to: PaymentStatus,
    ) -> RepoResult<bool>;
    /// Orders still `pending_payment` that were placed before `cutoff`, oldest first.
    async fn pending_payment_before(&self, cutoff: chrono::DateTime<chrono::Utc>, limit: u64) -> RepoResult<Vec<Uuid>>;
    /// Notes a provider's webhook event; `false` when it was noted before.
    async fn record_payment_event(
        &self,
        provider: &str,
        event_id: &str,
        kind: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> RepoResult<bool>;
    /// Forgets an event whose handling failed, so the provider's retry is handled again.
    async fn forget_payment_event(&self, provider: &str, event_id: &str) -> RepoResult<()>;
    /// Re-encrypts up to `batch` shipping addresses not under the current key; returns how many.
    async fn reencrypt(&self, batch: u64) -> RepoResult<u64>;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartLine {
    pub id: Uuid,
    pub product_id: Uuid,
    pub variant_id: Uuid,
    pub quantity: u32,
}

/// A user with the hash login checks against.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

#[async_trait]
pub trait UserRepo: Send + Sync {
    /// Stores the user under `id` and, in the same transaction, the jobs the sign-up causes
    /// (the verification email) in the job outbox: both are kept, or neither. Fails with
    /// `Conflict("email")` when the address is taken.
    async fn create(&self, id: Uuid, user: NewUser, jobs: Vec<NewDeferredJob>) -> RepoResult<User>;
    async fn find_by_email(&self, email: &str) -> RepoResult<Option<User>>;
    async fn find_by_id(&self, id: Uuid) -> RepoResult<Option<User>>;
    async fn credentials_by_email(&self, email: &str) -> RepoResult<Option<Credentials>>;
    async fn credentials_by_id(&self, id: Uuid) -> RepoResult<Option<Credentials>>;
    async fn set_password_hash(&self, id: Uuid, hash: &str) -> RepoResult<()>;
    /// Sets the verification time unless already verified.
    async fn mark_email_verified(&self, id: Uuid, at: chrono::DateTime<chrono::Utc>) -> RepoResult<()>;
    async fn set_name(&self, id: Uuid, name: &str) -> RepoResult<User>;
    /// The accounts matching `query`, in its order.
    async fn list(&self, query: &UserQuery, page: PageRequest) -> RepoResult<Page<User>>;
    async fn count(&self) -> RepoResult<u64>;
    /// Re-encrypts up to `batch` values not under the current key, and re-indexes names whose
    /// blind index is stale (a new search key); returns how many rows changed.
    async fn reencrypt(&self, batch: u64) -> RepoResult<u64>;
    /// Indexes up to `batch` names that have no blind index yet (rows from before the index
    /// existed); returns how many.
    async fn index_names(&self, batch: u64) -> RepoResult<u64>;
    /// Sets the role in one transaction with its audit record, refusing to demote the last
    /// admin (checked with every admin row locked, so two admins demoting each other at once
    /// cannot both succeed).
    async fn set_role(&self, id: Uuid, role: Role, audit: AuditRecord) -> RepoResult<RoleChange>;
    /// Erases the account's personal data in one transaction (what goes and what stays:
    /// `domain::erasure`), stores the receipt and the request's audit record, and refuses to
    /// erase the last admin (checked with every admin row locked, as `set_role` does). An
    /// erased account is gone for every other method here: not found, not listed.
    async fn erase(&self, id: Uuid, request: ErasureRequest) -> RepoResult<ErasureOutcome>;
}

/// What a one-time emailed token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    VerifyEmail,
    ResetPassword,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    pub id: Uuid,
    pub user_id: Uuid,
    pub family_id: Uuid,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone)]
pub struct NewRefreshToken {
    pub id: Uuid,
    pub user_id: Uuid,
    pub family_id: Uuid,
    pub token_hash: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// Refresh-token families, one-time tokens and revoked access tokens.
#[async_trait]
pub trait SessionRepo: Send + Sync {
    async fn create_refresh(&self, token: NewRefreshToken) -> RepoResult<()>;
    async fn find_refresh(&self, token_hash: &str) -> RepoResult<Option<RefreshToken>>;
    /// Revokes `old` in favour of `new`, atomically and only if `old` is still live: of many
    /// concurrent rotations of one token exactly one returns `true`.
    async fn rotate_refresh(
        &self,
        old: Uuid,
        new: NewRefreshToken,
        now: chrono::DateTime<chrono::Utc>,
    ) -> RepoResult<bool>;
    async fn revoke_family(&self, family_id: Uuid, now: chrono::DateTime<chrono::Utc>) -> RepoResult<u64>;
    /// Revokes every live family of the user except `keep`; returns the families it ended, so
    /// their access tokens can be refused too.
    async fn revoke_user_sessions(
        &self,
        user_id: Uuid,
        keep: Option<Uuid>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> RepoResult<Vec<Uuid>>;
    /// Stores a one-time token, making the user's earlier unused ones of that purpose void.
    async fn create_user_token(
        &self,
        user_id: Uuid,
        purpose: TokenPurpose,
        token_hash: &str,
        expires_at: chrono::DateTime<chrono::Utc>,
    ) -> RepoResult<()>;
    /// Uses the token once: its user, or `None` when unknown, used, expired or of another purpose.
    async fn consume_user_token(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: chrono::DateTime<chrono::Utc>,
    ) -> RepoResult<Option<Uuid>>;
}

/// Access tokens refused before they expire (logout). In the database by default, in Redis
/// when configured.
#[async_trait]
pub trait AccessDenylist: Send + Sync {
    /// Refuses an access token id (`jti`) or a whole session (`sid`) until `expires_at`.
    async fn deny(&self, id: Uuid, expires_at: chrono::DateTime<chrono::Utc>) -> RepoResult<()>;
    /// Whether any of `ids` (a token's `jti` and `sid`) is refused: one round trip.
    async fn is_denied(&self, ids: &[Uuid]) -> RepoResult<bool>;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub id: Uuid,
    pub user_id: Uuid,
    pub fields: AddressFields,
    pub is_default: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

pub use crate::domain::address::AddressFields;

/// A user's address book; every call is scoped to the owner.
#[async_trait]
pub trait AddressRepo: Send + Sync {
    /// Default first, then oldest first.
    async fn list(&self, user_id: Uuid) -> RepoResult<Vec<Address>>;
    async fn find(&self, user_id: Uuid, id: Uuid) -> RepoResult<Option<Address>>;
    /// Fails with `Conflict("address_limit")` when the user already has `max`. The first
    /// address becomes the default.
    async fn create(&self, user_id: Uuid, fields: AddressFields, make_default: bool, max: u64) -> RepoResult<Address>;
    async fn update(
        &self,
        user_id: Uuid,
        id: Uuid,
        fields: AddressFields,
        make_default: bool,
    ) -> RepoResult<Option<Address>>;
    /// Deleting the default promotes the oldest remaining address.
    async fn delete(&self, user_id: Uuid, id: Uuid) -> RepoResult<bool>;
    /// Re-encrypts up to `batch` rows not under the current key; returns how many.
    async fn reencrypt(&self, batch: u64) -> RepoResult<u64>;
}

/// The audit log of staff writes. Writes through the other repositories take their record
/// and store it in their own transaction; `record` is for a write whose own storage is
/// elsewhere (a job in Redis).
#[async_trait]
pub trait AuditRepo: Send + Sync {
    async fn record(&self, record: &AuditRecord) -> RepoResult<Uuid>;
    /// The entries matching `filter`, newest first.
    async fn list(&self, filter: &AuditFilter, page: PageRequest) -> RepoResult<Page<AuditEntry>>;
}

/// The staff product list's filters and order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminProductQuery {
    /// Title containing it, or slug or a variant's SKU equal to it (case-insensitive).
    pub search: Option<String>,
    pub category_id: Option<Uuid>,
    pub collection_id: Option<Uuid>,
    pub status: Option<crate::domain::catalogue::ProductStatus>,
    /// Products with a variant holding at most this many units.
    pub low_stock: Option<i32>,
    pub sort: AdminProductSort,
    pub page: PageRequest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AdminProductSort {
    #[default]
    Newest,
    Oldest,
    TitleAsc,
    TitleDesc,
    PriceAsc,
    PriceDesc,
    RecentlyUpdated,
}

/// What a staff edit came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditOutcome {
    Applied,
    NotFound,
    /// The result would break a rule (see `ProductPatch::apply`); nothing was written.
    Invalid(Vec<crate::domain::InvalidField>),
}

/// Staff edits of products and variants. Each write runs in one transaction with its audit
/// record (completed here with the fields before and after) and its catalogue change.
#[async_trait]
pub trait CatalogueEditRepo: Send + Sync {
    /// The product slugs equal to `base` or starting with `base-`.
    async fn slugs_like(&self, base: &str) -> RepoResult<std::collections::BTreeSet<String>>;
    /// Creates the product with its variants (initial stock recorded as movements).
    /// `Conflict("slug")` when the slug is taken, `Conflict("sku")` when a SKU is.
    async fn create(&self, product: NewProduct, audit: AuditRecord) -> RepoResult<Uuid>;
    /// Applies `patch` to the product as it is inside the transaction, so concurrent patches
    /// each see the other's result. `Conflict("slug")` when the new slug is taken.
    async fn update(&self, id: Uuid, patch: &ProductPatch, audit: AuditRecord) -> RepoResult<EditOutcome>;
    /// Deletes the product, or archives it when orders name it.
    async fn remove(&self, id: Uuid, audit: AuditRecord) -> RepoResult<ProductRemoval>;
    /// `None` when there is no such product; `Conflict("sku")` when the SKU is taken.
    async fn add_variant(&self, product_id: Uuid, variant: NewVariant, audit: AuditRecord) -> RepoResult<Option<Uuid>>;
    async fn update_variant(
        &self,
        product_id: Uuid,
        variant_id: Uuid,
        patch: &VariantPatch,
        audit: AuditRecord,
    ) -> RepoResult<EditOutcome>;
    /// `Invalid` naming `variantId` for the last variant of an active product.
    async fn remove_variant(&self, product_id: Uuid, variant_id: Uuid, audit: AuditRecord) -> RepoResult<EditOutcome>;
    /// The ids of one page of products matching `query`, in its order, and the total.
    async fn list(&self, query: &AdminProductQuery) -> RepoResult<Page<Uuid>>;
}

/// What adding an image came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageAdded {
    Added(ProductImage),
    NoSuchProduct,
    /// The product already holds the most images it may.
    Full,
}

/// What reordering a product's images came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImagesReordered {
    /// The images in their new order.
    Reordered(Vec<ProductImage>),
    NoSuchProduct,
    /// The ids were not exactly the product's image ids; nothing was written.
    Invalid(crate::domain::InvalidField),
}

/// A product's images: rows that are the truth, and the product's ordered `images` URL list
/// (what the storefront reads) kept equal to them in the same transaction. Each write stores
/// its audit record (target filled in here) and the product's catalogue change with it.
#[async_trait]
pub trait ProductImageRepo: Send + Sync {
    /// Each listed product's images, in order (products without images are absent).
    async fn for_products(
        &self,
        product_ids: &[Uuid],
    ) -> RepoResult<std::collections::HashMap<Uuid, Vec<ProductImage>>>;
    /// Adds `image` after the product's last one, unless it holds `max` already. Concurrent
    /// adds to one product get distinct positions.
    async fn add(
        &self,
        product_id: Uuid,
        image: NewProductImage,
        max: usize,
        audit: AuditRecord,
    ) -> RepoResult<ImageAdded>;
    /// Removes the product's image `image_id` and closes the gap; `None` when the product has
    /// no such image.
    async fn remove(&self, product_id: Uuid, image_id: Uuid, audit: AuditRecord) -> RepoResult<Option<ProductImage>>;
    /// Puts the product's images in the order of `image_ids`, which must name each exactly once.
    async fn reorder(&self, product_id: Uuid, image_ids: &[Uuid], audit: AuditRecord) -> RepoResult<ImagesReordered>;
    /// Whether any image row still refers to the stored object `key`.
    async fn key_in_use(&self, key: &str) -> RepoResult<bool>;
}

/// Staff edits of categories and collections. Each write runs in one transaction with its
/// audit record (completed with the fields before and after) and, when products' links
/// move, their catalogue change.
#[async_trait]
pub trait TaxonomyEditRepo: Send + Sync {
    /// The slugs of `kind` equal to `base` or starting with `base-`.
    async fn slugs_like(&self, kind: Taxonomy, base: &str) -> RepoResult<std::collections::BTreeSet<String>>;
    /// The new record's id, or `Err(NoSuchParent)` for a parent that does not exist.
    /// `Conflict("slug")` when the slug is taken.
    async fn create(
        &self,
        kind: Taxonomy,
        fields: TaxonFields,
        audit: AuditRecord,
    ) -> RepoResult<Result<Uuid, TaxonEdit>>;
    /// Applies `patch` to the record as it is inside the transaction; a category is never
    /// moved under itself (`Cycle`). `Conflict("slug")` when the new slug is taken.
    async fn update(&self, kind: Taxonomy, id: Uuid, patch: &TaxonPatch, audit: AuditRecord) -> RepoResult<TaxonEdit>;
    /// Deletes the record when nothing uses it, or moves what does (child categories, product
    /// links, promotions scoped to it) to `reassign_to` first.
    async fn delete(
        &self,
        kind: Taxonomy,
        id: Uuid,
        reassign_to: Option<Uuid>,
        audit: AuditRecord,
    ) -> RepoResult<TaxonRemoval>;
}

/// Aggregate reads for staff reports: computed by the database, never by loading orders.
#[async_trait]
pub trait ReportRepo: Send + Sync {
    /// Variants holding at most `threshold` units (archived products left out), with their
    /// units sold since `since`, soonest to run out first (at the pace of those sales; the
    /// unsold after them, lowest stock first).
    async fn low_stock(
        &self,
        threshold: i32,
        since: chrono::DateTime<chrono::Utc>,
        page: PageRequest,
    ) -> RepoResult<Page<crate::domain::inventory::LowStockLine>>;
    /// The sales figures of each half-open interval `[from, to)` (they may overlap), in their
    /// order: what `domain::sales` counts, in one statement over the 15-minute rollup
    /// (`domain::sales_rollup`) and, for parts off a slot boundary, the orders.
    async fn sales(
        &self,
        intervals: &[(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)],
    ) -> RepoResult<Vec<crate::domain::sales::SalesFigures>>;
    /// The `limit` products that sold the most units in orders placed in `[from, to)` and
    /// still counted as sold, then by revenue, then by title; from the rollups by UTC month
    /// and day and, for partial days, the orders.
    async fn top_products(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
        limit: u64,
    ) -> RepoResult<Vec<crate::domain::sales::TopProduct>>;
    /// Empties the sales rollups and sums them again from the orders, in one transaction
    /// (PostgreSQL: status changes wait for it). For orders changed outside the repositories,
    /// e.g. by hand in SQL; `beeget reports rebuild`.
    async fn rebuild_sales_rollups(&self) -> RepoResult<()>;
    /// How many orders are in each status (statuses without orders left out).
    async fn orders_by_status(&self) -> RepoResult<Vec<(OrderStatus, u64)>>;
}

/// Staff stock adjustments and their history.
#[async_trait]
pub trait StockRepo: Send + Sync {
    /// In one transaction: moves the variant's stock by the adjustment's delta with a
    /// conditional increment (applied only if the result stays within 0 to `MAX_STOCK`, so
    /// concurrent adjustments and orders all count and stock never goes below zero), records
    /// the movement, the catalogue change, and `audit` completed with the stock before and
    /// after. Nothing is written unless the outcome is `Adjusted`.
    async fn adjust(
        &self,
        product_id: Uuid,
        variant_id: Uuid,
        adjustment: &StockAdjustment,
        audit: AuditRecord,
    ) -> RepoResult<AdjustOutcome>;
    /// The variant's movements, newest first.
    async fn movements(&self, variant_id: Uuid, page: PageRequest) -> RepoResult<Page<StockMovement>>;
}

/// Health and pool figures of the backend, for `/readyz` and `/metrics`.
#[async_trait]
pub trait StoreHealth: Send + Sync {
    async fn ping(&self) -> RepoResult<()>;
    /// `(open connections, idle connections)`.
    fn pool_state(&self) -> (u32, u32);
    fn backend_name(&self) -> &'static str;
}

/// Every repository of one backend.
#[derive(Clone)]
pub struct Repos {
    pub categories: Arc<dyn CategoryRepo>,
    pub collections: Arc<dyn CollectionRepo>,
    pub promotions: Arc<dyn PromotionRepo>,
    pub products: Arc<dyn ProductRepo>,
    pub pages: Arc<dyn PageRepo>,
    pub users: Arc<dyn UserRepo>,
    pub contact: Arc<dyn ContactRepo>,
    pub carts: Arc<dyn CartRepo>,
    pub orders: Arc<dyn OrderRepo>,
    pub job_receipts: Arc<dyn JobReceiptRepo>,
    pub job_outbox: Arc<dyn JobOutboxRepo>,
    pub sessions: Arc<dyn SessionRepo>,
    pub addresses: Arc<dyn AddressRepo>,
    pub audit: Arc<dyn AuditRepo>,
    pub stock: Arc<dyn StockRepo>,
    pub catalogue_edits: Arc<dyn CatalogueEditRepo>,
    pub product_images: Arc<dyn ProductImageRepo>,
    pub taxonomy_edits: Arc<dyn TaxonomyEditRepo>,
    pub reports: Arc<dyn ReportRepo>,
    pub health: Arc<dyn StoreHealth>,
}
