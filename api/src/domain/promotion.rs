//! When a promotion is running, and the offer pricing makes of it.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    InvalidField,
    catalogue::ProductDetail,
    catalogue::{DiscountType, Promotion, PromotionScope},
    category_tree::CategoryTree,
    money::Money,
    pricing::{Discount, Offer, Scope},
};

/// The promotion whose code is `entered` (compared case-insensitively, surrounding spaces
/// ignored) if a shopper may redeem it at `now`; otherwise why not, on the field `field`:
/// unknown, not started yet, or ended.
pub fn redeemable<'a>(
    promotions: &'a [Promotion],
    entered: &str,
    now: DateTime<Utc>,
    field: &str,
) -> Result<&'a Promotion, InvalidField> {
    let entered = entered.trim();
    let promotion = promotions
        .iter()
        .filter(|p| p.active)
        .find(|p| p.code.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(entered)))
        .ok_or_else(|| InvalidField::new(field, "is not a known promotion code"))?;
    if now < promotion.start_date {
        let starts = promotion.start_date.format("%Y-%m-%d");
        return Err(InvalidField::new(
            field,
            format!("is not valid yet: it starts {starts}"),
        ));
    }
    if now >= promotion.end_date {
        let ended = promotion.end_date.format("%Y-%m-%d");
        return Err(InvalidField::new(field, format!("has expired: it ended {ended}")));
    }
    Ok(promotion)
}

/// What promotions are matched on for a product: its visible categories with their ancestors
/// (a promotion on a category covers everything below it), and its collections. The product
/// page and the cart both price with this.
pub fn targets(tree: &CategoryTree, product: &ProductDetail) -> (Vec<Uuid>, Vec<Uuid>) {
    let categories = product
        .categories
        .iter()
        .filter(|c| tree.is_visible(c.id))
        .flat_map(|c| tree.ancestor_ids(c.id))
        .collect();
    (categories, product.collections.iter().map(|c| c.id).collect())
}

impl Promotion {
    /// Running now: switched on, started, and not yet ended (`start <= now < end`).
    pub fn is_running_at(&self, now: DateTime<Utc>) -> bool {
        self.active && self.start_date <= now && now < self.end_date
    }

    /// The promotion as pricing applies it.
    pub fn offer(&self) -> Offer {
        Offer {
            promotion_id: self.id,
            discount: match self.discount_type {
                DiscountType::Percent => Discount::Percent(self.discount_value.clamp(0, 100) as u8),
                DiscountType::Fixed => {
                    Discount::Fixed(Money::from_minor("discount", self.discount_value.max(0)).unwrap_or_default())
                }
            },
            scope: match self.scope {
                PromotionScope::All => Scope::Sitewide,
                PromotionScope::Category(id) => Scope::Categories(HashSet::from([id])),
                PromotionScope::Collection(id) => Scope::Collection(id),
                PromotionScope::Product(id) => Scope::Product(id),
            },
            stackable: self.stackable,
        }
    }

    /// Whether it applies to the product, given its categories (with their ancestors) and
    /// collections. Pricing decides with the same rule.
    pub fn applies_to(&self, product_id: Uuid, category_ids_with_ancestors: &[Uuid], collection_ids: &[Uuid]) -> bool {
        self.offer()
            .scope
            .covers_product(product_id, category_ids_with_ancestors, collection_ids)
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn promo(start: i64, end: i64, active: bool, scope: PromotionScope) -> Promotion {
        let now = Utc::now();
        Promotion {
            id: Uuid::now_v7(),
            name: "Sale".into(),
            slug: "sale".into(),
            description: None,
            image: None,
            active,
            position: 0,
            discount_type: DiscountType::Percent,
            discount_value: 10,
            start_date: now + Duration::days(start),
            end_date: now + Duration::days(end),
            code: None,
            scope,
            stackable: false,
        }
    }

    #[test]
    fn running_window_is_half_open() {
        let now = Utc::now();
        assert!(promo(-1, 1, true, PromotionScope::All).is_running_at(now));
        assert!(!promo(-1, 1, false, PromotionScope::All).is_running_at(now));
        assert!(!promo(-5, -1, true, PromotionScope::All).is_running_at(now));
        assert!(!promo(1, 5, true, PromotionScope::All).is_running_at(now));
        let p = promo(-1, 1, true, PromotionScope::All);
        assert!(p.is_running_at(p.start_date));
        assert!(!p.is_running_at(p.end_date));
    }

    #[test]
    fn scope_matching() {
        let (cat, col, product, other) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        assert!(promo(-1, 1, true, PromotionScope::Category(cat)).applies_to(product, &[cat], &[]));
        assert!(!promo(-1, 1, true, PromotionScope::Category(cat)).applies_to(product, &[], &[cat]));
        assert!(promo(-1, 1, true, PromotionScope::Collection(col)).applies_to(product, &[], &[col]));
        assert!(promo(-1, 1, true, PromotionScope::All).applies_to(product, &[], &[]));
        assert!(promo(-1, 1, true, PromotionScope::Product(product)).applies_to(product, &[], &[]));
        assert!(!promo(-1, 1, true, PromotionScope::Product(product)).applies_to(other, &[cat], &[col]));
    }

    #[test]
    fn offers_carry_discount_scope_and_stacking() {
        let mut p = promo(-1, 1, true, PromotionScope::All);
        p.stackable = true;
        p.discount_type = DiscountType::Fixed;
        p.discount_value = 500;
        let offer = p.offer();
        assert_eq!(offer.discount, Discount::Fixed(Money::from_minor("x", 500).unwrap()));
        assert!(offer.stackable);
        assert_eq!(offer.scope, Scope::Sitewide);
    }
}
