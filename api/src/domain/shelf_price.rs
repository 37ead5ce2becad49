//! The shelf price: what one unit costs a shopper who enters no promotion code — the
//! effective price (sale price when set) less the automatic (code-free) promotions running at
//! that moment, by the cart's own rules (`pricing::price_line` with a quantity of one, the
//! store's `PromotionBase`, and `promotion::targets`' matching of categories with their
//! ancestors). Lists, product pages, `minPrice`/`maxPrice` and the price sorts use it, so the
//! price a shopper filters on is the price the cart charges.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    catalogue::{Category, ProductDetail, Promotion},
    category_tree::CategoryTree,
    money::Money,
    pricing::{self, LineInput, Offer, PromotionBase},
};

/// One product's shelf prices, in minor units of the store currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShelfPrice {
    /// For a unit of the product at its own price (variants without a price of their own).
    pub unit: Money,
    /// Per variant, in the product's variant order; empty when every variant costs `unit`.
    variant_units: Box<[Money]>,
}

impl ShelfPrice {
    /// A product priced with no promotion: its effective price.
    pub fn unpromoted(product: &ProductDetail) -> Self {
        ShelfPricing::default().price(product)
    }

    /// The shelf price of the product's variant at `index` (its position in `variants`).
    pub fn variant_unit(&self, index: usize) -> Money {
        self.variant_units.get(index).copied().unwrap_or(self.unit)
    }
}

/// The automatic promotions running at one moment, ready to price products; valid until
/// [`ShelfPricing::valid_until`], when one of them starts or ends.
#[derive(Debug, Clone, Default)]
pub struct ShelfPricing {
    offers: Vec<Offer>,
    base: PromotionBase,
    /// Per visible category: itself and its ancestors (a promotion on a category covers
    /// everything below it). Hidden categories match nothing, as in the cart.
    category_targets: HashMap<Uuid, Vec<Uuid>>,
    valid_until: Option<DateTime<Utc>>,
}

impl ShelfPricing {
    /// The pricing at `now` from the switched-on promotions (coded ones are ignored: they
    /// apply only once entered) and every category.
    pub fn at(now: DateTime<Utc>, promotions: &[Promotion], categories: &[Category], base: PromotionBase) -> Self {
        let automatic = promotions.iter().filter(|p| p.active && p.code.is_none());
        let valid_until = automatic
            .clone()
            .flat_map(|p| [p.start_date, p.end_date])
            .filter(|moment| *moment > now)
            .min();
        let tree = CategoryTree::new(categories);
        let category_targets = categories
            .iter()
            .filter(|c| tree.is_visible(c.id))
            .map(|c| (c.id, tree.ancestor_ids(c.id)))
            .collect();
        Self {
            offers: automatic
                .filter(|p| p.is_running_at(now))
                .map(Promotion::offer)
                .collect(),
            base,
            category_targets,
            valid_until,
        }
    }

    /// When the set of running automatic promotions next changes (a start or an end);
    /// `None` when none is scheduled. Prices from this pricing are exact until then.
    pub fn valid_until(&self) -> Option<DateTime<Utc>> {
        self.valid_until
    }

    /// Whether these prices still hold at `now`.
    pub fn holds_at(&self, now: DateTime<Utc>) -> bool {
        self.valid_until.is_none_or(|until| now < until)
    }

    /// The product's shelf prices.
    pub fn price(&self, product: &ProductDetail) -> ShelfPrice {
        let category_ids: Vec<Uuid> = product
            .categories
            .iter()
            .filter_map(|c| self.category_targets.get(&c.id))
            .flatten()
            .copied()
            .collect();
        let collection_ids: Vec<Uuid> = product.collections.iter().map(|c| c.id).collect();
        let unit_of = |list: Money, sale: Option<Money>| {
            let (unit_price, eligible) = pricing::promotion_base(self.base, list, sale);
            if !eligible || self.offers.is_empty() {
                return unit_price;
            }
            let line = LineInput {
                product_id: product.id,
                category_ids: category_ids.clone(),
                collection_ids: collection_ids.clone(),
                unit_price,
                quantity: 1,
            };
            let priced = pricing::price_line(&line, &self.offers);
            Money::from_minor("unit price", priced.total).unwrap_or_default()
        };
        let unit = unit_of(product.price, product.sale_price);
        let variant_units = if product.variants.iter().any(|v| v.price.is_some()) {
            product
                .variants
                .iter()
                .map(|v| {
                    let (list, sale) = product.variant_prices(v);
                    unit_of(list, sale)
                })
                .collect()
        } else {
            Box::default()
        };
        ShelfPrice { unit, variant_units }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::domain::{
        catalogue::{DiscountType, ProductLink, PromotionScope, Variant},
        promotion,
    };

    fn money(minor: i64) -> Money {
        Money::from_minor("test", minor).unwrap()
    }

    fn category(name: &str, parent: Option<Uuid>, active: bool) -> Category {
        Category {
            id: Uuid::now_v7(),
            name: name.into(),
            slug: name.into(),
            description: None,
            image: None,
            parent_id: parent,
            position: 0,
            active,
        }
    }

    fn link(id: Uuid) -> ProductLink {
        ProductLink {
            id,
            slug: "x".into(),
            name: "x".into(),
        }
    }

    fn promo(scope: PromotionScope, percent: i64, start: DateTime<Utc>, end: DateTime<Utc>) -> Promotion {
        Promotion {
            id: Uuid::now_v7(),
            name: "Sale".into(),
            slug: "sale".into(),
            description: None,
            image: None,
            active: true,
            position: 0,
            discount_type: DiscountType::Percent,
            discount_value: percent,
            start_date: start,
            end_date: end,
            code: None,
            scope,
            stackable: false,
        }
    }

    fn product(categories: Vec<ProductLink>, price: i64, sale: Option<i64>, own: Option<i64>) -> ProductDetail {
        let variant = |sku: &str, price: Option<i64>| Variant {
            id: Uuid::now_v7(),
            sku: sku.into(),
            size: "M".into(),
            color: "Black".into(),
            price: price.map(money),
            inventory_count: 1,
        };
        ProductDetail {
            id: Uuid::now_v7(),
            title: "Jumper".into(),
            slug: "jumper".into(),
            description: String::new(),
            images: vec![],
            price: money(price),
            sale_price: sale.map(money),
            tags: vec![],
            status: crate::domain::catalogue::ProductStatus::Active,
            variants: vec![variant("A", None), variant("B", own)],
            categories,
            collections: vec![],
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn a_category_promotion_prices_products_below_it_and_the_cart_agrees() {
        let now = Utc::now();
        let knitwear = category("knitwear", None, true);
        let jumpers = category("jumpers", Some(knitwear.id), true);
        let categories = vec![knitwear.clone(), jumpers.clone()];
        let sale = promo(
            PromotionScope::Category(knitwear.id),
            15,
            now - Duration::days(1),
            now + Duration::days(1),
        );
        let pricing = ShelfPricing::at(now, std::slice::from_ref(&sale), &categories, PromotionBase::default());
        let jumper = product(vec![link(jumpers.id)], 7900, None, Some(10_000));
        let shelf = pricing.price(&jumper);
        assert_eq!(shelf.unit, money(6715), "79.00 less 15 %");
        assert_eq!(shelf.variant_unit(0), money(6715));
        assert_eq!(
            shelf.variant_unit(1),
            money(8500),
            "a variant's own price is discounted too"
        );

        // The cart prices the same line the same way.
        let tree = CategoryTree::new(&categories);
        let (category_ids, collection_ids) = promotion::targets(&tree, &jumper);
        let line = LineInput {
            product_id: jumper.id,
            category_ids,
            collection_ids,
            unit_price: money(7900),
            quantity: 1,
        };
        assert_eq!(pricing::price_line(&line, &[sale.offer()]).total, shelf.unit.minor());

        let elsewhere = product(vec![], 7900, Some(5000), None);
        assert_eq!(
            pricing.price(&elsewhere).unit,
            money(5000),
            "uncovered: the effective price"
        );
    }

    #[test]
    fn coded_hidden_and_switched_off_promotions_do_not_change_the_shelf_price() {
        let now = Utc::now();
        let hidden = category("hidden", None, false);
        let (start, end) = (now - Duration::days(1), now + Duration::days(1));
        let mut coded = promo(PromotionScope::All, 50, start, end);
        coded.code = Some("HALF".into());
        let mut off = promo(PromotionScope::All, 50, start, end);
        off.active = false;
        let on_hidden = promo(PromotionScope::Category(hidden.id), 50, start, end);
        let pricing = ShelfPricing::at(
            now,
            &[coded, off, on_hidden],
            std::slice::from_ref(&hidden),
            PromotionBase::default(),
        );
        let item = product(vec![link(hidden.id)], 4000, None, None);
        assert_eq!(pricing.price(&item), ShelfPrice::unpromoted(&item));
        assert_eq!(pricing.price(&item).unit, money(4000));
    }

    #[test]
    fn prices_hold_until_the_next_start_or_end_of_an_automatic_promotion() {
        let now = Utc::now();
        let starts = now + Duration::hours(2);
        let ends = now + Duration::hours(5);
        let later = promo(PromotionScope::All, 10, starts, ends);
        let running = promo(
            PromotionScope::All,
            20,
            now - Duration::hours(1),
            now + Duration::hours(3),
        );
        let all = [later, running];
        let item = product(vec![], 10_000, None, None);

        let before = ShelfPricing::at(now, &all, &[], PromotionBase::default());
        assert_eq!(before.valid_until(), Some(starts));
        assert!(before.holds_at(starts - Duration::nanoseconds(1)) && !before.holds_at(starts));
        assert_eq!(before.price(&item).unit, money(8000));

        let both = ShelfPricing::at(starts, &all, &[], PromotionBase::default());
        assert_eq!(both.price(&item).unit, money(8000), "the larger non-stackable wins");
        assert_eq!(both.valid_until(), Some(now + Duration::hours(3)));

        let after_first_end = ShelfPricing::at(now + Duration::hours(3), &all, &[], PromotionBase::default());
        assert_eq!(after_first_end.price(&item).unit, money(9000));
        let after_all = ShelfPricing::at(ends, &all, &[], PromotionBase::default());
        assert_eq!(
            (after_all.price(&item).unit, after_all.valid_until()),
            (money(10_000), None)
        );
    }

    #[test]
    fn full_price_only_leaves_sale_items_at_their_sale_price() {
        let now = Utc::now();
        let sitewide = promo(
            PromotionScope::All,
            10,
            now - Duration::days(1),
            now + Duration::days(1),
        );
        let pricing = ShelfPricing::at(now, &[sitewide], &[], PromotionBase::FullPriceOnly);
        assert_eq!(
            pricing.price(&product(vec![], 5000, Some(4000), None)).unit,
            money(4000)
        );
        assert_eq!(pricing.price(&product(vec![], 5000, None, None)).unit, money(4500));
    }
}
