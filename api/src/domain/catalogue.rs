//! Catalogue records as the services see them, independent of how a backend stores them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::money::Money;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub image: Option<String>,
    pub active: bool,
    pub position: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub image: Option<String>,
    pub active: bool,
    pub position: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscountType {
    Percent,
    Fixed,
}

impl DiscountType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Percent => "percent",
            Self::Fixed => "fixed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "percent" => Some(Self::Percent),
            "fixed" => Some(Self::Fixed),
            _ => None,
        }
    }
}

/// What a promotion applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromotionScope {
    All,
    Category(Uuid),
    Collection(Uuid),
    Product(Uuid),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promotion {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub image: Option<String>,
    pub active: bool,
    pub position: i32,
    pub discount_type: DiscountType,
    /// Whole percent for `Percent`, minor units for `Fixed`.
    pub discount_value: i64,
    pub start_date: DateTime<Utc>,
    pub end_date: DateTime<Utc>,
    pub code: Option<String>,
    pub scope: PromotionScope,
    /// Adds to the best other discount on a line instead of competing with it.
    pub stackable: bool,
}

/// Where a product is in its life: prepared (`Draft`), on sale (`Active`), withdrawn
/// (`Archived`, kept because orders name it). Only active products reach the storefront; a
/// cart line of another is flagged unavailable and cannot be bought.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum ProductStatus {
    Draft,
    #[default]
    Active,
    Archived,
}

impl ProductStatus {
    pub const ALL: [Self; 3] = [Self::Draft, Self::Active, Self::Archived];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Active => "active",
            Self::Archived => "archived",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// Whether shoppers see and can buy the product.
    pub fn is_on_sale(self) -> bool {
        self == Self::Active
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    pub id: Uuid,
    pub sku: String,
    pub size: String,
    pub color: String,
    /// Overrides the product price for this variant when set.
    pub price: Option<Money>,
    pub inventory_count: i32,
}

/// A product as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductSummary {
    pub id: Uuid,
    pub title: String,
    pub slug: String,
    pub price: Money,
    pub sale_price: Option<Money>,
    pub effective_price: Money,
    /// What one unit costs with no code entered: the effective price less the automatic
    /// promotions running (see `shelf_price`). The storage's own list knows no promotions
    /// and gives the effective price.
    pub unit_price: Money,
    pub image: Option<String>,
    pub inventory_count: i64,
    pub created_at: DateTime<Utc>,
}

/// A link from a product to a category or collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductLink {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
}

/// A product with everything its page shows. Serializable because the catalogue index stores
/// it whole, so a page is read from memory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductDetail {
    pub id: Uuid,
    pub title: String,
    pub slug: String,
    pub description: String,
    pub images: Vec<String>,
    pub price: Money,
    pub sale_price: Option<Money>,
    pub tags: Vec<String>,
    pub status: ProductStatus,
    pub variants: Vec<Variant>,
    pub categories: Vec<ProductLink>,
    pub collections: Vec<ProductLink>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ProductDetail {
    pub fn inventory_count(&self) -> i64 {
        self.variants.iter().map(|v| i64::from(v.inventory_count.max(0))).sum()
    }

    /// The price lists filter and sort on: the sale price when there is one.
    pub fn effective_price(&self) -> Money {
        super::money::effective_price(self.price, self.sale_price)
    }

    /// The product as a list shows it, at the shelf price `unit_price`.
    pub fn summary(&self, unit_price: Money) -> ProductSummary {
        ProductSummary {
            unit_price,
            id: self.id,
            title: self.title.clone(),
            slug: self.slug.clone(),
            price: self.price,
            sale_price: self.sale_price,
            effective_price: self.effective_price(),
            image: self.images.first().cloned(),
            inventory_count: self.inventory_count(),
            created_at: self.created_at,
        }
    }

    /// The list and sale price of one of its variants: the variant's own price overrides the
    /// product's (and its sale), and the product's sale price applies to variants without an
    /// override. The storefront shows it and the cart prices with it.
    pub fn variant_prices(&self, variant: &Variant) -> (Money, Option<Money>) {
        match variant.price {
            Some(own) => (own, None),
            None => (self.price, self.sale_price),
        }
    }
}

/// What a writer supplies to create or replace a product (matched by slug).
#[derive(Debug, Clone)]
pub struct NewProduct {
    pub title: String,
    pub slug: String,
    pub description: String,
    pub images: Vec<String>,
    pub price: Money,
    pub sale_price: Option<Money>,
    pub tags: Vec<String>,
    pub status: ProductStatus,
    pub variants: Vec<NewVariant>,
    pub category_ids: Vec<Uuid>,
    pub collection_ids: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewVariant {
    pub sku: String,
    pub size: String,
    pub color: String,
    pub price: Option<Money>,
    pub inventory_count: i32,
}

/// Create-or-replace input for a category, matched by slug.
#[derive(Debug, Clone)]
pub struct NewCategory {
    pub parent_id: Option<Uuid>,
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub image: Option<String>,
    pub active: bool,
    pub position: i32,
}

/// Create-or-replace input for a collection, matched by slug.
#[derive(Debug, Clone)]
pub struct NewCollection {
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub image: Option<String>,
    pub active: bool,
    pub position: i32,
}

/// Create-or-replace input for a promotion, matched by slug.
#[derive(Debug, Clone)]
pub struct NewPromotion {
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub image: Option<String>,
    pub active: bool,
    pub position: i32,
    pub discount_type: DiscountType,
    pub discount_value: i64,
    pub start_date: DateTime<Utc>,
    pub end_date: DateTime<Utc>,
    pub code: Option<String>,
    pub scope: PromotionScope,
    pub stackable: bool,
}
