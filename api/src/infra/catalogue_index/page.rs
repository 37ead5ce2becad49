//! Picking one page of matches in a sort order, without ordering every match.

use std::cmp::Ordering;

use roaring::RoaringBitmap;

use super::store::{Order, Slot, Store};

/// Relative cost of handling one match when selecting among matches (collect, partition)
/// against stepping over one slot of a sort order.
const SELECT_COST: usize = 4;

/// The slots at `offset..offset + limit` of the products in `matching` (every product when
/// `None`) sorted by `order`, read backwards when `descending`. `span` is the part of the
/// order the matches can be in (all of it, or the price range's part of the price order).
///
/// Every product: the page is a slice of the order. A filter: either walk the order from the
/// nearer end, stepping over the products that do not match (about `needed × all / matches`
/// steps), or, when that would be longer, collect the matches and select the page among them
/// (linear in the matches, sorting only the page).
pub(super) fn in_order(
    store: &Store,
    order: Order,
    descending: bool,
    matching: Option<&RoaringBitmap>,
    span: std::ops::Range<usize>,
    offset: usize,
    limit: usize,
) -> Vec<Slot> {
    let slots = &store.order(order)[span];
    let Some(matching) = matching else {
        let end = slots.len().min(offset.saturating_add(limit));
        let start = offset.min(end);
        return if descending {
            slots[slots.len() - end..slots.len() - start]
                .iter()
                .rev()
                .copied()
                .collect()
        } else {
            slots[start..end].to_vec()
        };
    };
    let total = matching.len() as usize;
    if offset >= total || limit == 0 {
        return Vec::new();
    }
    let end = total.min(offset + limit);
    // Matches to step over from the front, or from the back.
    let (front, back) = (end, total - offset);
    let walk = front.min(back).saturating_mul(slots.len()) / total;
    if walk > SELECT_COST * total {
        let mut all: Vec<Slot> = matching.iter().collect();
        return select(&mut all, offset, limit, |a, b| {
            let ascending = store.compare(order, *a, *b);
            if descending { ascending.reverse() } else { ascending }
        });
    }
    let matches = |iter: &mut dyn Iterator<Item = Slot>, skip: usize| -> Vec<Slot> {
        iter.filter(|slot| matching.contains(*slot))
            .skip(skip)
            .take(end - offset)
            .collect()
    };
    let mut forwards = slots.iter().copied();
    let mut backwards = slots.iter().rev().copied();
    let (near, far): (&mut dyn Iterator<Item = Slot>, &mut dyn Iterator<Item = Slot>) = if descending {
        (&mut backwards, &mut forwards)
    } else {
        (&mut forwards, &mut backwards)
    };
    if front <= back {
        matches(near, offset)
    } else {
        // From the far end: the page's matches arrive last to first.
        let mut page = matches(far, total - end);
        page.reverse();
        page
    }
}

/// The items at `offset..offset + limit` of `items` sorted by `compare`: partitions around
/// the page's bounds and sorts only the page. Reorders `items`.
pub(super) fn select<T: Copy>(
    items: &mut [T],
    offset: usize,
    limit: usize,
    mut compare: impl FnMut(&T, &T) -> Ordering,
) -> Vec<T> {
    if offset >= items.len() || limit == 0 {
        return Vec::new();
    }
    if offset > 0 {
        items.select_nth_unstable_by(offset, &mut compare);
    }
    let rest = &mut items[offset..];
    if rest.len() > limit {
        rest.select_nth_unstable_by(limit, &mut compare);
    }
    let len = limit.min(rest.len());
    let page = &mut rest[..len];
    page.sort_unstable_by(&mut compare);
    page.to_vec()
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use uuid::Uuid;

    use super::*;
    use crate::domain::{
        catalogue::{ProductDetail, Variant},
        money::Money,
        shelf_price::ShelfPrice,
    };

    /// 300 products: prices and creation times with many ties, so ids break them.
    fn store() -> Store {
        let mut store = Store::default();
        store.upsert((0..300u32).map(|i| {
            let at = Utc.with_ymd_and_hms(2026, 1, 1 + i % 7, 0, 0, 0).unwrap();
            let mut id = [0u8; 16];
            id[..4].copy_from_slice(&(i.wrapping_mul(2_654_435_761)).to_be_bytes());
            let product = ProductDetail {
                id: Uuid::from_bytes(id),
                title: format!("Item {}", i % 11),
                slug: format!("item-{i}"),
                description: String::new(),
                images: Vec::new(),
                price: Money::from_minor("price", i64::from(i % 13) * 100).unwrap(),
                sale_price: None,
                tags: Vec::new(),
                status: crate::domain::catalogue::ProductStatus::Active,
                variants: vec![Variant {
                    id: Uuid::from_u128(u128::from(i) + 1_000),
                    sku: format!("SKU-{i}"),
                    size: "M".into(),
                    color: "Black".into(),
                    price: None,
                    inventory_count: 1,
                }],
                categories: Vec::new(),
                collections: Vec::new(),
                created_at: at,
                updated_at: at,
            };
            let shelf = ShelfPrice::unpromoted(&product);
            (product, shelf)
        }));
        store.sort_orders();
        store
    }

    #[test]
    fn every_way_of_reading_a_page_gives_the_sorted_matches() {
        let store = store();
        // Dense filters walk the order (from the front for early pages, from the back for late
        // ones); sparse ones select among the matches.
        let filters: Vec<RoaringBitmap> = [1, 2, 5, 40, 150]
            .iter()
            .map(|every| (0..300).filter(|slot| slot % every == 0).collect())
            .collect();
        for order in [Order::Created, Order::Price, Order::Title] {
            for descending in [false, true] {
                for matching in filters.iter().map(Some).chain([None]) {
                    let mut expected: Vec<Slot> = match matching {
                        Some(set) => set.iter().collect(),
                        None => (0..300).collect(),
                    };
                    expected.sort_by(|a, b| store.compare(order, *a, *b));
                    if descending {
                        expected.reverse();
                    }
                    for (offset, limit) in [(0, 7), (3, 24), (20, 24), (130, 24), (280, 24), (299, 5), (300, 5)] {
                        let span = 0..store.order(order).len();
                        let page = in_order(&store, order, descending, matching, span, offset, limit);
                        let want: Vec<Slot> = expected.iter().skip(offset).take(limit).copied().collect();
                        assert_eq!(page, want, "{order:?} desc {descending} offset {offset} limit {limit}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_price_sorted_page_with_a_price_range_walks_only_that_part_of_the_order() {
        let store = store();
        // Prices are 0, 100, …, 1200 (by slot % 13); keep 300..=700 and every other slot.
        let (min, max) = (Some(300), Some(700));
        let span = store.price_span(min, max);
        let in_range: Vec<Slot> = store.order(Order::Price)[span.clone()].to_vec();
        assert!(in_range.iter().all(|s| (300..=700).contains(&store.entry(*s).price)));
        assert_eq!(
            in_range.len(),
            (0..300u32).filter(|i| (3..=7).contains(&(i % 13))).count()
        );
        let matching: RoaringBitmap = in_range.iter().copied().filter(|s| s % 2 == 0).collect();
        for descending in [false, true] {
            let mut expected: Vec<Slot> = matching.iter().collect();
            expected.sort_by(|a, b| store.compare(Order::Price, *a, *b));
            if descending {
                expected.reverse();
            }
            for (offset, limit) in [(0, 24), (10, 24), (40, 24), (57, 5)] {
                let page = in_order(
                    &store,
                    Order::Price,
                    descending,
                    Some(&matching),
                    span.clone(),
                    offset,
                    limit,
                );
                let want: Vec<Slot> = expected.iter().skip(offset).take(limit).copied().collect();
                assert_eq!(page, want, "desc {descending} offset {offset}");
            }
        }
        assert_eq!(store.price_span(Some(5_000), None), 300..300);
        assert_eq!(store.price_span(None, Some(-1)), 0..0);
    }

    #[test]
    fn select_returns_the_page_of_the_sorted_items() {
        let items: Vec<u32> = (0..100).map(|i| (i * 37) % 100).collect();
        for (offset, limit) in [(0, 10), (5, 7), (90, 20), (99, 1), (100, 5), (0, 0), (0, 200)] {
            let mut shuffled = items.clone();
            let page = select(&mut shuffled, offset, limit, u32::cmp);
            let expected: Vec<u32> = (0..100).skip(offset).take(limit).collect();
            assert_eq!(page, expected, "offset {offset} limit {limit}");
        }
    }
}
