//! Wire types. Domain records never reach the wire directly; each has an explicit conversion.

use chrono::{DateTime, Utc};
use poem_openapi::{Enum, Object};

use crate::domain::{
    catalogue::{Collection, DiscountType, ProductLink, ProductSummary, Promotion, PromotionScope},
    category_tree::CategoryNode,
    money::{Currency, effective_price},
};
use crate::services::catalogue::{FacetValue, ProductListing, ProductPage as ProductPageData};

/// A product as lists show it.
#[derive(Object, Debug, Clone)]
#[oai(rename = "ProductSummary", rename_all = "camelCase")]
pub struct ProductListItem {
    pub id: String,
    pub title: String,
    pub slug: String,
    /// List price in minor units.
    pub price: i64,
    /// Sale price in minor units, when on sale.
    #[oai(nullable)]
    pub sale_price: Option<i64>,
    /// What the shopper pays before promotions: `salePrice` when set, else `price`.
    pub effective_price: i64,
    /// What one unit costs with no promotion code (the shelf price): `effectivePrice` less
    /// the automatic promotions running now, as the cart's line total for one unit comes
    /// to. `minPrice`, `maxPrice` and the price sorts use this figure; it changes the moment
    /// such a promotion starts or ends.
    pub calculated_price: i64,
    pub currency: String,
    /// URL of the first image.
    #[oai(nullable)]
    pub image: Option<String>,
    pub in_stock: bool,
}

impl ProductListItem {
    pub fn new(p: &ProductSummary, currency: &Currency) -> Self {
        Self {
            id: p.id.to_string(),
            title: p.title.clone(),
            slug: p.slug.clone(),
            price: p.price.minor(),
            sale_price: p.sale_price.map(|m| m.minor()),
            effective_price: p.effective_price.minor(),
            calculated_price: p.unit_price.minor(),
            currency: currency.to_string(),
            image: p.image.clone(),
            in_stock: p.inventory_count > 0,
        }
    }
}

/// One page of products.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase")]
pub struct ProductPage {
    pub items: Vec<ProductListItem>,
    pub page: u64,
    pub limit: u64,
    /// Matching products across all pages.
    pub total: u64,
    /// The facet counts asked for with `facets`; absent when none were.
    #[oai(skip_serializing_if_is_none)]
    pub facets: Option<ProductFacets>,
}

impl ProductPage {
    pub fn new(listing: &ProductListing, currency: &Currency) -> Self {
        let page = &listing.page;
        let f = &listing.facets;
        let asked = f.categories.is_some()
            || f.collections.is_some()
            || f.sizes.is_some()
            || f.colors.is_some()
            || f.prices.is_some();
        let values = |values: &Option<Vec<FacetValue>>| {
            values
                .as_ref()
                .map(|values| values.iter().map(FacetValueView::new).collect())
        };
        Self {
            page: page.request.page(),
            limit: page.request.limit(),
            total: page.total,
            items: page.items.iter().map(|p| ProductListItem::new(p, currency)).collect(),
            facets: asked.then(|| ProductFacets {
                category: values(&f.categories),
                collection: values(&f.collections),
                size: values(&f.sizes),
                color: values(&f.colors),
                price: f.prices.as_ref().map(|buckets| {
                    buckets
                        .iter()
                        .map(|b| PriceFacetBucket {
                            min: b.min,
                            max: b.max,
                            count: b.count,
                            currency: currency.as_str().to_owned(),
                        })
                        .collect()
                }),
            }),
        }
    }
}

/// Counts for a filter sidebar, computed with the page. Each facet counts the products that
/// match every filter except its own, so it shows the alternatives to the current choice;
/// values no product would match are left out. A facet not asked for is absent.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase")]
pub struct ProductFacets {
    /// The subcategories of `category` (the top-level categories without it), each counting
    /// the products in its subtree; in display order. `value` is the category slug.
    #[oai(skip_serializing_if_is_none)]
    pub category: Option<Vec<FacetValueView>>,
    /// Active collections in display order; `value` is the collection slug.
    #[oai(skip_serializing_if_is_none)]
    pub collection: Option<Vec<FacetValueView>>,
    /// Variant sizes, most products first; `value` goes back as `size=`.
    #[oai(skip_serializing_if_is_none)]
    pub size: Option<Vec<FacetValueView>>,
    /// Variant colours, most products first; `value` goes back as `color=`.
    #[oai(skip_serializing_if_is_none)]
    pub color: Option<Vec<FacetValueView>>,
    /// Effective-price bands on round steps (10, 12, 15, 20, 25, 30, 40, 50, 60, 80 and 100
    /// units per decade), cheapest first; `min`/`max` go back as `minPrice`/`maxPrice`.
    #[oai(skip_serializing_if_is_none)]
    pub price: Option<Vec<PriceFacetBucket>>,
}

/// One facet value.
#[derive(Object, Debug, Clone)]
#[oai(rename = "FacetValue", rename_all = "camelCase")]
pub struct FacetValueView {
    /// What to send back as the filter.
    pub value: String,
    /// What to show.
    pub label: String,
    /// Products matching.
    pub count: u64,
}

impl FacetValueView {
    fn new(v: &FacetValue) -> Self {
        Self {
            value: v.value.clone(),
            label: v.label.clone(),
            count: v.count,
        }
    }
}

/// Products whose effective price lies in `min..=max` (minor units).
#[derive(Object, Debug, Clone)]
#[oai(rename = "PriceFacet", rename_all = "camelCase")]
pub struct PriceFacetBucket {
    pub min: i64,
    pub max: i64,
    pub count: u64,
    pub currency: String,
}

/// A size/colour variant of a product.
#[derive(Object, Debug, Clone)]
#[oai(rename = "Variant", rename_all = "camelCase")]
pub struct VariantView {
    pub id: String,
    pub sku: String,
    pub size: String,
    pub color: String,
    /// List price of this variant: its own price when it has one, else the product's.
    pub price: i64,
    /// What the shopper pays for this variant before promotions.
    pub effective_price: i64,
    /// What one unit of this variant costs with no promotion code: `effectivePrice` less
    /// the automatic promotions running now, as the cart prices it.
    pub calculated_price: i64,
    pub inventory_count: i32,
    pub in_stock: bool,
}

/// A category or collection a product belongs to.
#[derive(Object, Debug, Clone)]
#[oai(rename = "ProductLink", rename_all = "camelCase")]
pub struct LinkView {
    pub slug: String,
    pub name: String,
}

impl From<ProductLink> for LinkView {
    fn from(l: ProductLink) -> Self {
        Self {
            slug: l.slug,
            name: l.name,
        }
    }
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename = "DiscountType", rename_all = "lowercase")]
pub enum DiscountTypeView {
    Percent,
    Fixed,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename = "PromotionScopeKind", rename_all = "lowercase")]
pub enum ScopeKindView {
    All,
    Category,
    Collection,
    Product,
}

/// What a promotion applies to.
#[derive(Object, Debug, Clone)]
#[oai(rename = "PromotionScope", rename_all = "camelCase")]
pub struct PromotionScopeView {
    pub kind: ScopeKindView,
    /// Id of the category (its subcategories included) when `kind` is `category`.
    #[oai(nullable)]
    pub category_id: Option<String>,
    /// Id of the collection when `kind` is `collection`.
    #[oai(nullable)]
    pub collection_id: Option<String>,
    /// Id of the product when `kind` is `product`.
    #[oai(nullable)]
    pub product_id: Option<String>,
}

/// A promotion.
#[derive(Object, Debug, Clone)]
#[oai(rename = "Promotion", rename_all = "camelCase")]
pub struct PromotionView {
    pub id: String,
    pub name: String,
    pub slug: String,
    #[oai(nullable)]
    pub description: Option<String>,
    #[oai(nullable)]
    pub image: Option<String>,
    pub discount_type: DiscountTypeView,
    /// Whole percent for `percent`; minor units of `currency` for `fixed`.
    pub discount_value: i64,
    pub currency: String,
    pub start_date: DateTime<Utc>,
    pub end_date: DateTime<Utc>,
    /// The code a shopper enters at checkout; absent when the promotion applies automatically.
    #[oai(nullable)]
    pub code: Option<String>,
    pub scope: PromotionScopeView,
    /// Adds to the best other promotion on an item instead of competing with it.
    pub stackable: bool,
    pub order: i32,
}

impl PromotionView {
    pub fn new(p: Promotion, currency: &Currency) -> Self {
        let (kind, category_id, collection_id, product_id) = match p.scope {
            PromotionScope::All => (ScopeKindView::All, None, None, None),
            PromotionScope::Category(id) => (ScopeKindView::Category, Some(id.to_string()), None, None),
            PromotionScope::Collection(id) => (ScopeKindView::Collection, None, Some(id.to_string()), None),
            PromotionScope::Product(id) => (ScopeKindView::Product, None, None, Some(id.to_string())),
        };
        Self {
            id: p.id.to_string(),
            name: p.name,
            slug: p.slug,
            description: p.description,
            image: p.image,
            discount_type: match p.discount_type {
                DiscountType::Percent => DiscountTypeView::Percent,
                DiscountType::Fixed => DiscountTypeView::Fixed,
            },
            discount_value: p.discount_value,
            currency: currency.to_string(),
            start_date: p.start_date,
            end_date: p.end_date,
            code: p.code,
            scope: PromotionScopeView {
                kind,
                category_id,
                collection_id,
                product_id,
            },
            stackable: p.stackable,
            order: p.position,
        }
    }
}

/// A product with its variants, links and running promotions.
#[derive(Object, Debug, Clone)]
#[oai(rename = "Product", rename_all = "camelCase")]
pub struct ProductView {
    pub id: String,
    pub title: String,
    pub slug: String,
    pub description: String,
    pub images: Vec<String>,
    pub price: i64,
    #[oai(nullable)]
    pub sale_price: Option<i64>,
    pub effective_price: i64,
    /// What one unit costs with no promotion code (variants without a price of their own):
    /// `effectivePrice` less the automatic promotions running now, as the cart prices it.
    /// Each variant carries its own.
    pub calculated_price: i64,
    pub currency: String,
    pub tags: Vec<String>,
    /// Sum of the variants' stock.
    pub inventory_count: i64,
    pub in_stock: bool,
    pub variants: Vec<VariantView>,
    pub categories: Vec<LinkView>,
    pub collections: Vec<LinkView>,
    /// Promotions running now that apply to this product.
    pub promotions: Vec<PromotionView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ProductView {
    pub fn new(page: ProductPageData, currency: &Currency) -> Self {
        let ProductPageData {
            product: p,
            shelf,
            promotions,
        } = page;
        let inventory_count = p.inventory_count();
        let effective = effective_price(p.price, p.sale_price);
        let variants = p
            .variants
            .iter()
            .enumerate()
            .map(|(index, v)| {
                let (list, sale) = p.variant_prices(v);
                VariantView {
                    id: v.id.to_string(),
                    price: list.minor(),
                    effective_price: effective_price(list, sale).minor(),
                    calculated_price: shelf.variant_unit(index).minor(),
                    in_stock: v.inventory_count > 0,
                    inventory_count: v.inventory_count,
                    sku: v.sku.clone(),
                    size: v.size.clone(),
                    color: v.color.clone(),
                }
            })
            .collect();
        Self {
            id: p.id.to_string(),
            variants,
            title: p.title,
            slug: p.slug,
            description: p.description,
            images: p.images,
            price: p.price.minor(),
            sale_price: p.sale_price.map(|m| m.minor()),
            effective_price: effective.minor(),
            calculated_price: shelf.unit.minor(),
            currency: currency.to_string(),
            tags: p.tags,
            inventory_count,
            in_stock: inventory_count > 0,
            categories: p.categories.into_iter().map(LinkView::from).collect(),
            collections: p.collections.into_iter().map(LinkView::from).collect(),
            promotions: promotions
                .into_iter()
                .map(|pr| PromotionView::new(pr, currency))
                .collect(),
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// A category with its active subcategories, ordered by `order`.
#[derive(Object, Debug, Clone)]
#[oai(rename = "Category", rename_all = "camelCase")]
pub struct CategoryView {
    pub id: String,
    pub name: String,
    pub slug: String,
    #[oai(nullable)]
    pub description: Option<String>,
    #[oai(nullable)]
    pub image: Option<String>,
    pub order: i32,
    pub children: Vec<CategoryView>,
}

impl From<CategoryNode> for CategoryView {
    fn from(node: CategoryNode) -> Self {
        let c = node.category;
        Self {
            id: c.id.to_string(),
            name: c.name,
            slug: c.slug,
            description: c.description,
            image: c.image,
            order: c.position,
            children: node.children.into_iter().map(CategoryView::from).collect(),
        }
    }
}

/// A curated collection of products.
#[derive(Object, Debug, Clone)]
#[oai(rename = "Collection", rename_all = "camelCase")]
pub struct CollectionView {
    pub id: String,
    pub name: String,
    pub slug: String,
    #[oai(nullable)]
    pub description: Option<String>,
    #[oai(nullable)]
    pub image: Option<String>,
    pub order: i32,
}

impl From<Collection> for CollectionView {
    fn from(c: Collection) -> Self {
        Self {
            id: c.id.to_string(),
            name: c.name,
            slug: c.slug,
            description: c.description,
            image: c.image,
            order: c.position,
        }
    }
}
