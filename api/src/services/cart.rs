//! The shopper's cart: lines, stock checks, promotion codes, and its priced view.

use std::collections::HashMap;

use chrono::Utc;
use uuid::Uuid;

use super::{ServiceError, ServiceResult, catalogue::CatalogueService};
use crate::{
    config::Config,
    domain::{
        InvalidField,
        catalogue::{ProductDetail, Promotion, Variant},
        category_tree::CategoryTree,
        money::{Currency, Money},
        pricing::{self, LineInput, Offer, PricedLine, PromotionBase, ShippingRule, Totals},
        promotion,
    },
    repos::{RepoError, Repos},
};

/// Most units of one variant a cart line holds.
pub const MAX_QUANTITY: u32 = 99;

/// Why a line cannot be bought as it stands; such lines are shown, not priced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineProblem {
    /// The product or the variant no longer exists.
    Unavailable,
    OutOfStock,
    /// Fewer in stock than the line's quantity.
    InsufficientStock {
        available: u32,
    },
}

#[derive(Debug, Clone)]
pub struct CartLineView {
    pub id: Uuid,
    pub product: Option<ProductDetail>,
    pub variant: Option<Variant>,
    pub quantity: u32,
    pub priced: Option<PricedLine>,
    pub problem: Option<LineProblem>,
}

#[derive(Debug, Clone)]
pub struct CartView {
    pub lines: Vec<CartLineView>,
    pub promo_code: Option<String>,
    pub totals: Totals,
    pub currency: Currency,
}

#[derive(Clone)]
pub struct CartService {
    repos: Repos,
    catalogue: CatalogueService,
    shipping: ShippingRule,
    base: PromotionBase,
    currency: Currency,
}

fn quantity(field: &str, qty: i64) -> Result<u32, InvalidField> {
    if (1..=i64::from(MAX_QUANTITY)).contains(&qty) {
        Ok(qty as u32)
    } else {
        Err(InvalidField::new(field, format!("must be 1 to {MAX_QUANTITY}")))
    }
}

fn money(minor: i64) -> Money {
    Money::from_minor("price", minor.max(0)).unwrap_or_default()
}

fn available(variant: &Variant) -> u32 {
    variant.inventory_count.max(0) as u32
}

impl CartService {
    pub fn new(repos: Repos, catalogue: CatalogueService, config: &Config) -> Self {
        Self {
            repos,
            catalogue,
            shipping: ShippingRule {
                flat_rate: money(config.shipping.flat_rate),
                free_over: (config.shipping.free_over > 0).then(|| money(config.shipping.free_over)),
            },
            base: config.pricing.promotions_apply_to.into(),
            currency: config.currency(),
        }
    }

    pub async fn view(&self, user_id: Uuid) -> ServiceResult<CartView> {
        let cart = self.repos.carts.get_or_create(user_id).await?;
        self.priced(cart).await
    }

    /// The cart priced; after a change the caller already knows which cart it is.
    async fn priced(&self, cart: Uuid) -> ServiceResult<CartView> {
        let lines = self.repos.carts.lines(cart).await?;
        let promo_code = self.repos.carts.promo_code(cart).await?;
        let product_ids: Vec<Uuid> = lines.iter().map(|l| l.product_id).collect();
        let products: HashMap<Uuid, ProductDetail> = self
            .repos
            .products
            .find_by_ids(&product_ids)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let categories = self.catalogue.all_categories().await?;
        let tree = CategoryTree::new(&categories);
        let now = Utc::now();
        let offers: Vec<Offer> = self
            .catalogue
            .running_promotions(now)
            .await?
            .iter()
            .filter(|p| match (&p.code, &promo_code) {
                (None, _) => true,
                (Some(code), Some(entered)) => code.eq_ignore_ascii_case(entered),
                (Some(_), None) => false,
            })
            .map(Promotion::offer)
            .collect();

        let mut views = Vec::with_capacity(lines.len());
        for line in lines {
            let product = products.get(&line.product_id).cloned();
            let variant = product
                .as_ref()
                .and_then(|p| p.variants.iter().find(|v| v.id == line.variant_id).cloned());
            let (problem, priced) = match (&product, &variant) {
                (Some(product), Some(variant)) if product.status.is_on_sale() => {
                    let stock = available(variant);
                    let problem = if stock == 0 {
                        Some(LineProblem::OutOfStock)
                    } else if stock < line.quantity {
                        Some(LineProblem::InsufficientStock { available: stock })
                    } else {
                        None
                    };
                    let (list, sale) = product.variant_prices(variant);
                    let (unit_price, eligible) = pricing::promotion_base(self.base, list, sale);
                    let (category_ids, collection_ids) = promotion::targets(&tree, product);
                    let input = LineInput {
                        product_id: product.id,
                        category_ids,
                        collection_ids,
                        unit_price,
                        quantity: line.quantity,
                    };
                    let line_offers: &[Offer] = if eligible { &offers } else { &[] };
                    (problem, Some(pricing::price_line(&input, line_offers)))
                }
                _ => (Some(LineProblem::Unavailable), None),
            };
            views.push(CartLineView {
                id: line.id,
                product,
                variant,
                quantity: line.quantity,
                // Lines that cannot be bought are shown with their price but left out of the totals.
                priced,
                problem,
            });
        }
        let buyable: Vec<PricedLine> = views
            .iter()
            .filter(|v| v.problem.is_none())
            .filter_map(|v| v.priced.clone())
            .collect();
        Ok(CartView {
            totals: pricing::totals(&buyable, self.shipping),
            lines: views,
            promo_code,
            currency: self.currency.clone(),
        })
    }

    /// Adds units of a variant. `variant_id` may be left out for a product with one variant.
    pub async fn add(
        &self,
        user_id: Uuid,
        product_id: Uuid,
        variant_id: Option<Uuid>,
        qty: i64,
    ) -> ServiceResult<CartView> {
        let qty = quantity("qty", qty)?;
        let product = self
            .repos
            .products
            .find_by_ids(&[product_id])
            .await?
            .pop()
            .filter(|p| p.status.is_on_sale())
            .ok_or(ServiceError::NotFound("product"))?;
        let variant = match variant_id {
            Some(id) => product
                .variants
                .iter()
                .find(|v| v.id == id)
                .ok_or_else(|| InvalidField::new("variantId", "is not a variant of this product"))?,
            None if product.variants.len() == 1 => &product.variants[0],
            None => {
                return Err(InvalidField::new(
                    "variantId",
                    format!("is required: this product comes in {} variants", product.variants.len()),
                )
                .into());
            }
        };
        let cart = self.repos.carts.get_or_create(user_id).await?;
        let in_cart = self
            .repos
            .carts
            .lines(cart)
            .await?
            .iter()
            .find(|l| l.variant_id == variant.id)
            .map_or(0, |l| l.quantity);
        let stock = available(variant);
        if in_cart + qty > stock {
            return Err(ServiceError::InsufficientStock { available: stock });
        }
        self.repos
            .carts
            .add(cart, product.id, variant.id, qty, MAX_QUANTITY)
            .await
            .map_err(|e| match e {
                RepoError::Conflict(_) => {
                    InvalidField::new("qty", format!("a line holds at most {MAX_QUANTITY}")).into()
                }
                other => ServiceError::from(other),
            })?;
        self.priced(cart).await
    }

    pub async fn set_quantity(&self, user_id: Uuid, line_id: Uuid, qty: i64) -> ServiceResult<CartView> {
        let qty = quantity("qty", qty)?;
        let cart = self.repos.carts.get_or_create(user_id).await?;
        let line = self
            .repos
            .carts
            .lines(cart)
            .await?
            .into_iter()
            .find(|l| l.id == line_id)
            .ok_or(ServiceError::NotFound("cart line"))?;
        let stock = self
            .repos
            .products
            .find_by_ids(&[line.product_id])
            .await?
            .pop()
            .filter(|p| p.status.is_on_sale())
            .and_then(|p| p.variants.into_iter().find(|v| v.id == line.variant_id))
            .map_or(0, |v| available(&v));
        if qty > stock {
            return Err(ServiceError::InsufficientStock { available: stock });
        }
        if !self.repos.carts.set_quantity(cart, line_id, qty).await? {
            return Err(ServiceError::NotFound("cart line"));
        }
        self.priced(cart).await
    }

    pub async fn remove(&self, user_id: Uuid, line_id: Uuid) -> ServiceResult<CartView> {
        let cart = self.repos.carts.get_or_create(user_id).await?;
        if !self.repos.carts.remove(cart, line_id).await? {
            return Err(ServiceError::NotFound("cart line"));
        }
        self.priced(cart).await
    }

    /// Applies a promotion code; an unknown, finished or future code is refused, saying which,
    /// on `field` (`code` for the cart's own request, `promoCode` at checkout).
    pub async fn apply_code(&self, user_id: Uuid, code: &str, field: &str) -> ServiceResult<CartView> {
        let promotions = self.repos.promotions.list_active().await?;
        let promotion = promotion::redeemable(&promotions, code, Utc::now(), field)?;
        let cart = self.repos.carts.get_or_create(user_id).await?;
        self.repos.carts.set_promo_code(cart, promotion.code.as_deref()).await?;
        self.priced(cart).await
    }

    pub async fn clear_code(&self, user_id: Uuid) -> ServiceResult<CartView> {
        let cart = self.repos.carts.get_or_create(user_id).await?;
        self.repos.carts.set_promo_code(cart, None).await?;
        self.priced(cart).await
    }
}
