//! Storage behind one trait per aggregate. The traits speak in domain records only, so a
//! non-SQL backend can implement them; `sea` is the SQLite and PostgreSQL implementation.

use std::sync::Arc;

use async_trait::async_trait;
use uuid::Uuid;

use crate::domain::{
    catalogue::{
        Category, CmsPage, Collection, NewCategory, NewCmsPage, NewCollection, NewProduct, NewPromotion, ProductDetail,
        ProductSummary, Promotion,
    },
    money::Money,
    pagination::{Page, PageRequest},
    product_query::ProductSort,
    search::SearchTerms,
    user::{NewUser, User},
};

pub mod entities;
pub mod migrations;
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
    pub sort: ProductSort,
    pub page: PageRequest,
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
}

#[async_trait]
pub trait ProductRepo: Send + Sync {
    /// Creates the product or replaces the one with the same slug, variants and links included.
    async fn upsert(&self, product: NewProduct) -> RepoResult<Uuid>;
    async fn list(&self, query: &ProductListQuery) -> RepoResult<Page<ProductSummary>>;
    async fn find_by_slug(&self, slug: &str) -> RepoResult<Option<ProductDetail>>;
    async fn count(&self) -> RepoResult<u64>;
}

#[async_trait]
pub trait PageRepo: Send + Sync {
    async fn upsert(&self, page: NewCmsPage) -> RepoResult<Uuid>;
    async fn find_by_slug(&self, slug: &str) -> RepoResult<Option<CmsPage>>;
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
}

#[async_trait]
pub trait ContactRepo: Send + Sync {
    async fn create(&self, message: NewContactMessage) -> RepoResult<ContactMessage>;
    async fn find(&self, id: Uuid) -> RepoResult<Option<ContactMessage>>;
    /// Newest first.
    async fn list_recent(&self, limit: u64) -> RepoResult<Vec<ContactMessage>>;
}

/// Receipts of completed idempotent jobs (see `jobs::Job::idempotency_key`).
#[async_trait]
pub trait JobReceiptRepo: Send + Sync {
    async fn is_completed(&self, idempotency_key: &str) -> RepoResult<bool>;
    /// Records completion; recording a key twice is not an error.
    async fn record(&self, idempotency_key: &str, job_name: &str, at: chrono::DateTime<chrono::Utc>) -> RepoResult<()>;
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
}

#[async_trait]
pub trait UserRepo: Send + Sync {
    /// Fails with `Conflict("email")` when the address is taken.
    async fn create(&self, user: NewUser) -> RepoResult<User>;
    async fn find_by_email(&self, email: &str) -> RepoResult<Option<User>>;
    async fn count(&self) -> RepoResult<u64>;
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
    pub job_receipts: Arc<dyn JobReceiptRepo>,
    pub health: Arc<dyn StoreHealth>,
}
