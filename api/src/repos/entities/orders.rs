use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub status: String,
    pub currency: String,
    pub subtotal: i64,
    pub discount_total: i64,
    pub shipping_total: i64,
    pub total: i64,
    /// The sum of the lines' quantities (fixed once placed), so reports need not read lines.
    pub units: i64,
    pub promotion_code: Option<String>,
    pub shipping_address: Json,
    pub customer_email: String,
    pub payment_provider: String,
    pub payment_reference: Option<String>,
    pub payment_status: String,
    pub idempotency_key: Option<String>,
    pub request_hash: Option<String>,
    pub payment_method: Option<String>,
    pub payment_client_secret: Option<String>,
    pub payment_failure: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Set when the customer's account was erased: email and address are gone, totals kept.
    pub customer_erased_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
