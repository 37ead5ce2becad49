//! The products the index holds, each in a numbered slot, with what queries combine: a
//! roaring bitmap of slots per category, collection, tag, size, colour and price band, one of
//! the products in stock and one of every product; and the slots in each sort order. A
//! filter is a few bitmap intersections (word-parallel, and the count is kept with the
//! bitmap), so counting a broad filter does not visit its matches one by one.
//!
//! Slots are never reused until the store is cleared: a slot the text index still returns
//! for a removed product is simply not live.

use std::{
    cmp::Ordering,
    collections::{BTreeSet, HashMap},
    hash::Hash,
    sync::{Arc, LazyLock},
};

use roaring::RoaringBitmap;
use uuid::Uuid;

use crate::domain::{catalogue::ProductDetail, shelf_price::ShelfPrice};

/// A product's position in the store.
pub(super) type Slot = u32;

/// What the sorts compare, read once per product.
pub(super) struct Entry {
    pub product: Arc<ProductDetail>,
    /// What a unit costs with no code entered (after automatic promotions).
    pub shelf: ShelfPrice,
    /// `shelf.unit` in minor units: what `minPrice`/`maxPrice` and price sorts use.
    pub price: i64,
    /// Nanoseconds since the epoch: the databases keep at least microseconds.
    pub created: i64,
    /// The id as a big-endian number: comparing it compares the id's bytes, as SQL does.
    pub id: u128,
}

impl Entry {
    fn new(product: ProductDetail, shelf: ShelfPrice) -> Self {
        Self {
            price: shelf.unit.minor(),
            shelf,
            created: product.created_at.timestamp_nanos_opt().unwrap_or(i64::MAX),
            id: product.id.as_u128(),
            product: Arc::new(product),
        }
    }

    fn sizes(&self) -> BTreeSet<&str> {
        self.product.variants.iter().map(|v| v.size.as_str()).collect()
    }

    fn colors(&self) -> BTreeSet<&str> {
        self.product.variants.iter().map(|v| v.color.as_str()).collect()
    }

    fn kinds(&self) -> BTreeSet<(String, String)> {
        self.product
            .variants
            .iter()
            .map(|v| (v.size.clone(), v.color.clone()))
            .collect()
    }
}

/// The orders the store keeps, each ascending with the id breaking ties; the descending
/// sorts read them backwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Order {
    Created = 0,
    Price = 1,
    Title = 2,
}

const ORDERS: [Order; 3] = [Order::Created, Order::Price, Order::Title];

/// Price bands on round steps, ten per decade (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a
/// power of ten, in minor units): the lowest price of each band, ascending, the first band
/// holding zero. A price range is whole bands plus its two edge bands, checked product by
/// product; the price facet counts whole bands.
static BAND_FLOORS: LazyLock<Vec<i64>> = LazyLock::new(|| {
    const STEPS: [i64; 10] = [10, 12, 15, 20, 25, 30, 40, 50, 60, 80];
    let mut floors = vec![i64::MIN, 1];
    let mut decade: i64 = 1;
    while let Some(next_decade) = decade.checked_mul(10) {
        for step in STEPS {
            let floor = step * decade / 10;
            if floor > *floors.last().expect("not empty") {
                floors.push(floor);
            }
        }
        decade = next_decade;
    }
    floors
});

fn band(price: i64) -> usize {
    BAND_FLOORS.partition_point(|floor| *floor <= price) - 1
}

#[derive(Default)]
pub(super) struct Store {
    entries: Vec<Option<Entry>>,
    by_id: HashMap<Uuid, Slot>,
    by_slug: HashMap<String, Slot>,
    live: RoaringBitmap,
    in_stock: RoaringBitmap,
    categories: HashMap<Uuid, RoaringBitmap>,
    collections: HashMap<Uuid, RoaringBitmap>,
    tags: HashMap<String, RoaringBitmap>,
    sizes: HashMap<String, RoaringBitmap>,
    colors: HashMap<String, RoaringBitmap>,
    /// By (size, colour) of a variant: a size and colour filter asks for both in one variant.
    variants: HashMap<(String, String), RoaringBitmap>,
    bands: HashMap<usize, RoaringBitmap>,
    orders: [Vec<Slot>; 3],
    /// Orders with slots appended out of place, sorted by [`Store::sort_orders`].
    unsorted: [bool; 3],
}

/// What an upsert changed in the words a search sees.
pub(super) struct Upserted {
    /// Products whose title, description or tags are new or changed.
    pub reworded: Vec<Reworded>,
}

/// A product whose words the text index must (re)take.
pub(super) struct Reworded {
    pub slot: Slot,
    pub product: Arc<ProductDetail>,
    /// Whether the text index may hold older words for it (a new product has none to delete).
    pub replaces: bool,
}

impl Store {
    pub(super) fn len(&self) -> u64 {
        self.live.len()
    }

    pub(super) fn entry(&self, slot: Slot) -> &Entry {
        self.entries[slot as usize]
            .as_ref()
            .expect("slots in sets and orders are live")
    }

    pub(super) fn is_live(&self, slot: Slot) -> bool {
        self.live.contains(slot)
    }

    pub(super) fn by_slug(&self, slug: &str) -> Option<&Entry> {
        self.by_slug.get(slug).map(|slot| self.entry(*slot))
    }

    /// Adds or replaces products (by id). Orders are left for [`Store::sort_orders`].
    pub(super) fn upsert(&mut self, products: impl IntoIterator<Item = (ProductDetail, ShelfPrice)>) -> Upserted {
        let mut reworded = Vec::new();
        // Per order, the slots whose key changed: taken out and put back in one pass each.
        let mut moved: [RoaringBitmap; 3] = Default::default();
        for (product, shelf) in products {
            let entry = Entry::new(product, shelf);
            let slot = match self.by_id.get(&entry.product.id) {
                Some(&slot) => {
                    let old = self.entries[slot as usize].take().expect("indexed ids are live");
                    self.unlink(slot, &old);
                    let (p, o) = (&entry.product, &old.product);
                    if (p.title.as_str(), p.description.as_str(), &p.tags)
                        != (o.title.as_str(), o.description.as_str(), &o.tags)
                    {
                        reworded.push(Reworded {
                            slot,
                            product: entry.product.clone(),
                            replaces: true,
                        });
                    }
                    let changed = [
                        old.created != entry.created,
                        old.price != entry.price,
                        p.title != o.title,
                    ];
                    for order in ORDERS.into_iter().filter(|o| changed[*o as usize]) {
                        moved[order as usize].insert(slot);
                    }
                    slot
                }
                None => {
                    let slot = Slot::try_from(self.entries.len()).expect("fewer than 4 billion products");
                    self.entries.push(None);
                    self.by_id.insert(entry.product.id, slot);
                    reworded.push(Reworded {
                        slot,
                        product: entry.product.clone(),
                        replaces: false,
                    });
                    for order in ORDERS {
                        self.orders[order as usize].push(slot);
                        self.unsorted[order as usize] = true;
                    }
                    slot
                }
            };
            self.link(slot, &entry);
            self.entries[slot as usize] = Some(entry);
        }
        for order in ORDERS {
            self.reposition(order, &moved[order as usize]);
        }
        Upserted { reworded }
    }

    /// Gives every product the shelf price `price` says, moving those whose price changed
    /// to their new price band and marking the price order for [`Store::sort_orders`].
    /// Returns how many prices changed.
    pub(super) fn reprice(&mut self, price: impl Fn(&ProductDetail) -> ShelfPrice) -> u64 {
        let mut moved = RoaringBitmap::new();
        for slot in &self.live {
            let entry = self.entries[slot as usize].as_mut().expect("live slots hold entries");
            let shelf = price(&entry.product);
            let unit = shelf.unit.minor();
            if unit != entry.price {
                remove_from(&mut self.bands, &band(entry.price), slot);
                self.bands.entry(band(unit)).or_default().insert(slot);
                entry.price = unit;
                moved.insert(slot);
            }
            entry.shelf = shelf;
        }
        self.reposition(Order::Price, &moved);
        moved.len()
    }

    /// Takes `moved` out of `order` and appends them, to be sorted into place.
    fn reposition(&mut self, order: Order, moved: &RoaringBitmap) {
        if !moved.is_empty() {
            let slots = &mut self.orders[order as usize];
            slots.retain(|s| !moved.contains(*s));
            slots.extend(moved.iter());
            self.unsorted[order as usize] = true;
        }
    }

    /// Removes products; returns those it held.
    pub(super) fn remove(&mut self, ids: &[Uuid]) -> Vec<Uuid> {
        let mut gone = RoaringBitmap::new();
        let mut removed = Vec::new();
        for id in ids {
            let Some(slot) = self.by_id.remove(id) else { continue };
            let old = self.entries[slot as usize].take().expect("indexed ids are live");
            self.unlink(slot, &old);
            gone.insert(slot);
            removed.push(*id);
        }
        if !gone.is_empty() {
            for order in &mut self.orders {
                order.retain(|s| !gone.contains(*s));
            }
        }
        removed
    }

    /// Puts every order back in order: a stable sort, which finds the sorted run already
    /// there and merges the few appended slots into it.
    pub(super) fn sort_orders(&mut self) {
        for order in ORDERS {
            if std::mem::take(&mut self.unsorted[order as usize]) {
                let mut slots = std::mem::take(&mut self.orders[order as usize]);
                slots.sort_by(|a, b| self.compare(order, *a, *b));
                self.orders[order as usize] = slots;
            }
        }
    }

    pub(super) fn order(&self, order: Order) -> &[Slot] {
        &self.orders[order as usize]
    }

    /// The positions in the price order of the products priced `min..=max`: a price-sorted
    /// page with a price filter walks only these (the rest cannot match).
    pub(super) fn price_span(&self, min: Option<i64>, max: Option<i64>) -> std::ops::Range<usize> {
        let by_price = self.order(Order::Price);
        let price = |slot: &Slot| self.entry(*slot).price;
        let start = min.map_or(0, |min| by_price.partition_point(|s| price(s) < min));
        let end = max.map_or(by_price.len(), |max| by_price.partition_point(|s| price(s) <= max));
        start..end.max(start)
    }

    /// Compares two live slots by `order`'s key, then by id.
    pub(super) fn compare(&self, order: Order, a: Slot, b: Slot) -> Ordering {
        let (a, b) = (self.entry(a), self.entry(b));
        let key = match order {
            Order::Created => a.created.cmp(&b.created),
            Order::Price => a.price.cmp(&b.price),
            Order::Title => a.product.title.as_bytes().cmp(b.product.title.as_bytes()),
        };
        key.then(a.id.cmp(&b.id))
    }

    pub(super) fn all(&self) -> &RoaringBitmap {
        &self.live
    }

    pub(super) fn in_stock(&self) -> &RoaringBitmap {
        &self.in_stock
    }

    pub(super) fn category(&self, id: &Uuid) -> Option<&RoaringBitmap> {
        self.categories.get(id)
    }

    pub(super) fn collection(&self, id: &Uuid) -> Option<&RoaringBitmap> {
        self.collections.get(id)
    }

    pub(super) fn tag(&self, tag: &str) -> Option<&RoaringBitmap> {
        self.tags.get(tag)
    }

    /// Every size some product has, with its products.
    pub(super) fn sizes(&self) -> &HashMap<String, RoaringBitmap> {
        &self.sizes
    }

    /// Every colour some product has, with its products.
    pub(super) fn colors(&self) -> &HashMap<String, RoaringBitmap> {
        &self.colors
    }

    /// The products with a variant of this size and colour.
    pub(super) fn variant(&self, size: &str, color: &str) -> Option<&RoaringBitmap> {
        self.variants.get(&(size.to_owned(), color.to_owned()))
    }

    /// The non-empty price bands, cheapest first: (lowest price, highest price, products),
    /// prices in minor units, never below zero.
    pub(super) fn bands(&self) -> Vec<(i64, i64, &RoaringBitmap)> {
        let mut bands: Vec<_> = self
            .bands
            .iter()
            .map(|(band, members)| {
                let floor = BAND_FLOORS[*band].max(0);
                let ceiling = BAND_FLOORS.get(band + 1).map_or(i64::MAX, |next| next - 1);
                (floor, ceiling, members)
            })
            .collect();
        bands.sort_by_key(|(floor, _, _)| *floor);
        bands
    }

    /// The slots of `within` (every product when `None`) whose price lies in `min..=max`.
    pub(super) fn price_range(
        &self,
        within: Option<&RoaringBitmap>,
        min: Option<i64>,
        max: Option<i64>,
    ) -> RoaringBitmap {
        let (low, high) = (min.unwrap_or(i64::MIN), max.unwrap_or(i64::MAX));
        let mut out = RoaringBitmap::new();
        if low > high {
            return out;
        }
        let (first, last) = (band(low), band(high));
        for b in first..=last {
            let Some(members) = self.bands.get(&b) else { continue };
            let part = match within {
                Some(within) => members & within,
                None => members.clone(),
            };
            let whole = BAND_FLOORS[b] >= low && BAND_FLOORS.get(b + 1).is_none_or(|next| next - 1 <= high);
            if whole {
                out |= part;
            } else {
                let price = |slot: &u32| (low..=high).contains(&self.entry(*slot).price);
                out |= RoaringBitmap::from_sorted_iter(part.iter().filter(price)).expect("ascending");
            }
        }
        out
    }

    fn link(&mut self, slot: Slot, entry: &Entry) {
        self.live.insert(slot);
        self.by_slug.insert(entry.product.slug.clone(), slot);
        if entry.product.inventory_count() > 0 {
            self.in_stock.insert(slot);
        }
        let p = &entry.product;
        for link in &p.categories {
            self.categories.entry(link.id).or_default().insert(slot);
        }
        for link in &p.collections {
            self.collections.entry(link.id).or_default().insert(slot);
        }
        for tag in &p.tags {
            member_of(&mut self.tags, tag).insert(slot);
        }
        for size in entry.sizes() {
            member_of(&mut self.sizes, size).insert(slot);
        }
        for color in entry.colors() {
            member_of(&mut self.colors, color).insert(slot);
        }
        for kind in entry.kinds() {
            self.variants.entry(kind).or_default().insert(slot);
        }
        self.bands.entry(band(entry.price)).or_default().insert(slot);
    }

    fn unlink(&mut self, slot: Slot, entry: &Entry) {
        self.live.remove(slot);
        if self.by_slug.get(&entry.product.slug) == Some(&slot) {
            self.by_slug.remove(&entry.product.slug);
        }
        self.in_stock.remove(slot);
        let p = &entry.product;
        for link in &p.categories {
            remove_from(&mut self.categories, &link.id, slot);
        }
        for link in &p.collections {
            remove_from(&mut self.collections, &link.id, slot);
        }
        for tag in &p.tags {
            remove_from(&mut self.tags, tag.as_str(), slot);
        }
        for size in entry.sizes() {
            remove_from(&mut self.sizes, size, slot);
        }
        for color in entry.colors() {
            remove_from(&mut self.colors, color, slot);
        }
        for kind in entry.kinds() {
            remove_from(&mut self.variants, &kind, slot);
        }
        remove_from(&mut self.bands, &band(entry.price), slot);
    }
}

fn member_of<'a>(sets: &'a mut HashMap<String, RoaringBitmap>, value: &str) -> &'a mut RoaringBitmap {
    if !sets.contains_key(value) {
        sets.insert(value.to_owned(), RoaringBitmap::new());
    }
    sets.get_mut(value).expect("inserted above")
}

/// Removes `slot` from the set for `key`, and the set once empty (a value no product has).
fn remove_from<K, Q>(sets: &mut HashMap<K, RoaringBitmap>, key: &Q, slot: Slot)
where
    K: std::borrow::Borrow<Q> + Eq + Hash,
    Q: Eq + Hash + ?Sized,
{
    if let Some(set) = sets.get_mut(key) {
        set.remove(slot);
        if set.is_empty() {
            sets.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_cover_every_price_once_on_round_steps() {
        assert_eq!(band(i64::MIN), 0);
        assert_eq!(band(0), 0);
        assert_eq!(band(1), 1);
        for price in [5, 99, 100, 101, 1_999, 2_000, 14_999, 1_000_000, i64::MAX] {
            let b = band(price);
            assert!(BAND_FLOORS[b] <= price, "{price}");
            assert!(BAND_FLOORS.get(b + 1).is_none_or(|next| *next > price), "{price}");
        }
        let floors_from_ten: Vec<i64> = BAND_FLOORS
            .iter()
            .copied()
            .filter(|f| (1_000..=10_000).contains(f))
            .collect();
        assert_eq!(
            floors_from_ten,
            [
                1_000, 1_200, 1_500, 2_000, 2_500, 3_000, 4_000, 5_000, 6_000, 8_000, 10_000
            ]
        );
    }
}
