use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "promotions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub image: Option<String>,
    pub active: bool,
    pub position: i32,
    pub discount_type: String,
    pub discount_value: i64,
    pub start_date: DateTimeUtc,
    pub end_date: DateTimeUtc,
    pub code: Option<String>,
    pub scope_kind: String,
    pub scope_category_id: Option<Uuid>,
    pub scope_collection_id: Option<Uuid>,
    pub scope_product_id: Option<Uuid>,
    pub stackable: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
