//! Cart and order pricing: which promotions apply to each line, how much they take off, and
//! the totals. Pure arithmetic in integer minor units; storage and HTTP never price.
//!
//! The rules, in one place:
//! - A line's subtotal is unit price × quantity; the unit price is the effective price (sale
//!   price when there is one), which promotions then reduce (`store`'s default rule).
//! - A percent promotion takes `subtotal × percent / 100`, rounded half up to a minor unit,
//!   so each line is within half a minor unit of the exact amount. A fixed promotion takes
//!   its amount per unit.
//! - Of the non-stackable promotions that apply to a line, only the largest discount counts;
//!   stackable ones add to it. A line's discount never exceeds its subtotal.
//! - Shipping is a flat rate, free when the discounted subtotal reaches the threshold, and
//!   nothing for an empty cart.

use std::collections::HashSet;

use uuid::Uuid;

use super::money::Money;

/// How sale prices and promotions combine (the store's rule, from config).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PromotionBase {
    /// Promotions reduce the sale price when there is one (the default).
    #[default]
    EffectivePrice,
    /// A sale price already is the offer: promotions reduce only items not on sale.
    FullPriceOnly,
}

/// The unit price promotions start from, and whether they may apply at all.
pub fn promotion_base(rule: PromotionBase, list: Money, sale: Option<Money>) -> (Money, bool) {
    let unit = super::money::effective_price(list, sale);
    match rule {
        PromotionBase::EffectivePrice => (unit, true),
        PromotionBase::FullPriceOnly => (unit, sale.is_none()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discount {
    /// Whole percent, 1 to 100.
    Percent(u8),
    /// Minor units off each unit.
    Fixed(Money),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Sitewide,
    /// The category and every category below it (the caller resolves descendants).
    Categories(HashSet<Uuid>),
    Collection(Uuid),
    Product(Uuid),
}

/// A promotion as pricing sees it: already known to be running and, if coded, entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub promotion_id: Uuid,
    pub discount: Discount,
    pub scope: Scope,
    pub stackable: bool,
}

/// One cart line to price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineInput {
    pub product_id: Uuid,
    /// The product's own categories (descendant matching happens through `Scope`).
    pub category_ids: Vec<Uuid>,
    pub collection_ids: Vec<Uuid>,
    pub unit_price: Money,
    pub quantity: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedLine {
    pub unit_price: i64,
    pub quantity: u32,
    pub subtotal: i64,
    pub discount: i64,
    pub total: i64,
    /// The promotions that took something off, best first.
    pub applied: Vec<Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShippingRule {
    pub flat_rate: Money,
    /// Free shipping from this discounted subtotal on; `None` never.
    pub free_over: Option<Money>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    pub subtotal: i64,
    pub discount: i64,
    pub shipping: i64,
    pub total: i64,
}

impl Scope {
    /// Whether a product in these categories (with their ancestors) and collections is covered.
    pub fn covers_product(&self, product_id: Uuid, category_ids: &[Uuid], collection_ids: &[Uuid]) -> bool {
        match self {
            Scope::Sitewide => true,
            Scope::Categories(ids) => category_ids.iter().any(|c| ids.contains(c)),
            Scope::Collection(id) => collection_ids.contains(id),
            Scope::Product(id) => product_id == *id,
        }
    }

    fn covers(&self, line: &LineInput) -> bool {
        self.covers_product(line.product_id, &line.category_ids, &line.collection_ids)
    }
}

/// What `discount` takes off a line of `quantity` units at `unit_price`, before capping.
fn amount(discount: Discount, unit_price: i64, quantity: u32) -> i64 {
    let subtotal = unit_price * i64::from(quantity);
    match discount {
        // Half up: (x * p + 50) / 100 for non-negative x.
        Discount::Percent(p) => (subtotal * i64::from(p.min(100)) + 50) / 100,
        Discount::Fixed(off) => off.minor().min(unit_price) * i64::from(quantity),
    }
}

pub fn price_line(line: &LineInput, offers: &[Offer]) -> PricedLine {
    let unit = line.unit_price.minor();
    let subtotal = unit * i64::from(line.quantity);
    let mut best: Option<(i64, Uuid)> = None;
    let mut stacked: Vec<(i64, Uuid)> = Vec::new();
    for offer in offers.iter().filter(|o| o.scope.covers(line)) {
        let off = amount(offer.discount, unit, line.quantity);
        if off == 0 {
            continue;
        }
        if offer.stackable {
            stacked.push((off, offer.promotion_id));
        } else if best.is_none_or(|(b, _)| off > b) {
            best = Some((off, offer.promotion_id));
        }
    }
    let mut applied: Vec<(i64, Uuid)> = best.into_iter().chain(stacked).collect();
    applied.sort_by_key(|&(off, _)| std::cmp::Reverse(off));
    let discount = applied.iter().map(|(off, _)| off).sum::<i64>().min(subtotal);
    PricedLine {
        unit_price: unit,
        quantity: line.quantity,
        subtotal,
        discount,
        total: subtotal - discount,
        applied: applied.into_iter().map(|(_, id)| id).collect(),
    }
}

pub fn totals(lines: &[PricedLine], shipping: ShippingRule) -> Totals {
    let subtotal: i64 = lines.iter().map(|l| l.subtotal).sum();
    let discount: i64 = lines.iter().map(|l| l.discount).sum();
    let goods = subtotal - discount;
    let shipping = if lines.is_empty() || shipping.free_over.is_some_and(|free| goods >= free.minor()) {
        0
    } else {
        shipping.flat_rate.minor()
    };
    Totals {
        subtotal,
        discount,
        shipping,
        total: goods + shipping,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn money(minor: i64) -> Money {
        Money::from_minor("test", minor).unwrap()
    }

    fn line(product: Uuid, unit: i64, quantity: u32) -> LineInput {
        LineInput {
            product_id: product,
            category_ids: vec![],
            collection_ids: vec![],
            unit_price: money(unit),
            quantity,
        }
    }

    fn offer(discount: Discount, scope: Scope, stackable: bool) -> Offer {
        Offer {
            promotion_id: Uuid::now_v7(),
            discount,
            scope,
            stackable,
        }
    }

    #[test]
    fn best_single_discount_wins_unless_stackable() {
        let product = Uuid::now_v7();
        let ten = offer(Discount::Percent(10), Scope::Sitewide, false);
        let twenty = offer(Discount::Percent(20), Scope::Product(product), false);
        let five_off = offer(Discount::Fixed(money(500)), Scope::Sitewide, true);
        let priced = price_line(&line(product, 10_000, 2), &[ten, twenty.clone(), five_off.clone()]);
        assert_eq!(priced.subtotal, 20_000);
        // 20 % of 200.00 = 40.00, plus 5.00 off each of 2 units (stackable) = 50.00.
        assert_eq!(priced.discount, 5_000);
        assert_eq!(priced.applied, vec![twenty.promotion_id, five_off.promotion_id]);
        assert_eq!(priced.total, 15_000);
    }

    #[test]
    fn scopes_and_caps() {
        let category = Uuid::now_v7();
        let collection = Uuid::now_v7();
        let mut l = line(Uuid::now_v7(), 1_000, 1);
        l.category_ids = vec![category];
        l.collection_ids = vec![collection];
        let other = Uuid::now_v7();
        assert_eq!(
            price_line(
                &l,
                &[offer(Discount::Percent(50), Scope::Categories([other].into()), false)]
            )
            .discount,
            0
        );
        assert_eq!(
            price_line(
                &l,
                &[offer(
                    Discount::Percent(50),
                    Scope::Categories([other, category].into()),
                    false
                )]
            )
            .discount,
            500
        );
        assert_eq!(
            price_line(
                &l,
                &[offer(Discount::Percent(30), Scope::Collection(collection), false)]
            )
            .discount,
            300
        );
        let huge = offer(Discount::Fixed(money(5_000)), Scope::Sitewide, true);
        let also = offer(Discount::Percent(90), Scope::Sitewide, false);
        let priced = price_line(&l, &[huge, also]);
        assert_eq!((priced.discount, priced.total), (1_000, 0), "never below zero");
    }

    #[test]
    fn sale_prices_and_promotions_combine_by_the_store_rule() {
        let (list, sale) = (money(10_000), Some(money(8_000)));
        assert_eq!(
            promotion_base(PromotionBase::EffectivePrice, list, sale),
            (money(8_000), true)
        );
        assert_eq!(
            promotion_base(PromotionBase::FullPriceOnly, list, sale),
            (money(8_000), false)
        );
        assert_eq!(promotion_base(PromotionBase::FullPriceOnly, list, None), (list, true));
    }

    #[test]
    fn percent_rounds_half_up_per_line() {
        // 15 % of 0.33 = 0.0495 → 0.05; of 0.30 = 0.045 → 0.05 (half up); of 0.29 = 0.0435 → 0.04.
        for (unit, expected) in [(33, 5), (30, 5), (29, 4)] {
            let priced = price_line(
                &line(Uuid::now_v7(), unit, 1),
                &[offer(Discount::Percent(15), Scope::Sitewide, false)],
            );
            assert_eq!(priced.discount, expected, "{unit}");
        }
    }

    #[test]
    fn shipping_is_flat_free_over_threshold_and_nothing_when_empty() {
        let rule = ShippingRule {
            flat_rate: money(695),
            free_over: Some(money(10_000)),
        };
        let cheap = price_line(&line(Uuid::now_v7(), 2_000, 1), &[]);
        assert_eq!(totals(&[cheap], rule).shipping, 695);
        let big = price_line(&line(Uuid::now_v7(), 10_000, 1), &[]);
        assert_eq!(totals(&[big], rule).shipping, 0);
        let discounted = price_line(
            &line(Uuid::now_v7(), 10_000, 1),
            &[offer(Discount::Percent(10), Scope::Sitewide, false)],
        );
        assert_eq!(
            totals(&[discounted], rule).shipping,
            695,
            "threshold is after discounts"
        );
        assert_eq!(totals(&[], rule), Totals::default());
    }

    fn any_discount() -> impl Strategy<Value = Discount> {
        prop_oneof![
            (1u8..=100).prop_map(Discount::Percent),
            (0i64..50_000).prop_map(|m| Discount::Fixed(Money::from_minor("d", m).unwrap())),
        ]
    }

    fn any_offers(product: Uuid) -> impl Strategy<Value = Vec<Offer>> {
        proptest::collection::vec(
            (any_discount(), any::<bool>(), any::<bool>()).prop_map(move |(discount, sitewide, stackable)| Offer {
                promotion_id: Uuid::now_v7(),
                discount,
                scope: if sitewide {
                    Scope::Sitewide
                } else {
                    Scope::Product(product)
                },
                stackable,
            }),
            0..5,
        )
    }

    proptest! {
        #[test]
        fn totals_add_up_and_never_go_negative(
            units in proptest::collection::vec((0i64..1_000_000, 1u32..100), 0..8),
            flat in 0i64..5_000,
            free_over in proptest::option::of(0i64..1_000_000),
            seed_offers in any_offers(Uuid::nil()),
        ) {
            let product = Uuid::nil();
            let lines: Vec<PricedLine> = units
                .iter()
                .map(|(unit, qty)| price_line(&line(product, *unit, *qty), &seed_offers))
                .collect();
            let rule = ShippingRule { flat_rate: money(flat), free_over: free_over.map(money) };
            let t = totals(&lines, rule);
            prop_assert_eq!(t.subtotal, lines.iter().map(|l| l.subtotal).sum::<i64>());
            prop_assert_eq!(t.discount, lines.iter().map(|l| l.discount).sum::<i64>());
            prop_assert_eq!(t.total, t.subtotal - t.discount + t.shipping);
            prop_assert!(t.total >= 0 && t.discount >= 0 && t.shipping >= 0);
            for l in &lines {
                prop_assert!(l.discount >= 0 && l.discount <= l.subtotal);
                prop_assert_eq!(l.total, l.subtotal - l.discount);
                prop_assert_eq!(l.subtotal, l.unit_price * i64::from(l.quantity));
            }
        }

        #[test]
        fn percent_rounding_is_within_half_a_minor_unit_per_line(
            unit in 0i64..10_000_000,
            qty in 1u32..100,
            percent in 1u8..=100,
        ) {
            let priced = price_line(
                &line(Uuid::nil(), unit, qty),
                &[offer(Discount::Percent(percent), Scope::Sitewide, false)],
            );
            // Compare in hundredths of a minor unit to stay in integers.
            let exact_hundredths = priced.subtotal * i64::from(percent);
            let error = (priced.discount * 100 - exact_hundredths).abs();
            prop_assert!(error <= 50, "discount {} vs exact {}/100", priced.discount, exact_hundredths);
        }

        #[test]
        fn the_best_non_stackable_offer_is_never_beaten_by_a_worse_one(
            unit in 1i64..1_000_000,
            qty in 1u32..20,
            discounts in proptest::collection::vec(any_discount(), 1..6),
        ) {
            let l = line(Uuid::nil(), unit, qty);
            let offers: Vec<Offer> = discounts.iter().map(|d| offer(*d, Scope::Sitewide, false)).collect();
            let priced = price_line(&l, &offers);
            let best = offers.iter().map(|o| price_line(&l, std::slice::from_ref(o)).discount).max().unwrap();
            prop_assert_eq!(priced.discount, best);
            prop_assert!(priced.applied.len() <= 1);
        }
    }
}
