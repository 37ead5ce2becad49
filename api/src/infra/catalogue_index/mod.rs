//! The catalogue index: every product in memory, answering a product list query (filters,
//! sort, page and total) and a product page without SQL.
//!
//! - `store`: the products by slot, a roaring bitmap of slots per filter value (category,
//!   collection, tag, size, colour, price band, in stock) and the slots in each sort order. A
//!   filter is a few bitmap intersections whose count comes with the result; a page is read
//!   off a sort order (skipping slots outside the filter) or, when few products match,
//!   selected among the matches. Neither visits every match of a broad query.
//! - `text`: tantivy, for the words: which products a search matches and their BM25 score.
//!
//! The order is the repository's, ties included: every sort ends with the product id (its
//! bytes, as SQL compares UUIDs), ascending for `price_asc` and `title_asc`, descending for
//! `newest` and `price_desc`. Titles compare by their bytes (SQLite's `BINARY` collation, and
//! PostgreSQL's `C` collation, which the databases here use). Ties in relevance go newest
//! first, then by id.

mod page;
mod prefix;
mod store;
mod text;

use std::{
    borrow::Cow,
    sync::{Arc, PoisonError, RwLock},
};

use roaring::RoaringBitmap;
use uuid::Uuid;

use self::store::{Order, Slot, Store};
use crate::{
    domain::{catalogue::ProductDetail, product_query::ProductSort, shelf_price::ShelfPrice},
    repos::ProductListQuery,
};

/// One page of a list: the products in order, how many match in all, and the facet counts
/// asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexPage {
    pub products: Vec<Shelved>,
    pub total: u64,
    pub facets: FacetCounts,
}

/// A product as the index holds it, with the shelf price it was indexed at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shelved {
    pub product: Arc<ProductDetail>,
    pub shelf: ShelfPrice,
}

/// Which facets to count with a list. Categories and collections are the ones the caller
/// offers (visible ones, in display order): a category with the ids of its visible subtree.
#[derive(Debug, Clone, Default)]
pub struct FacetRequest {
    pub categories: Option<Vec<(Uuid, Vec<Uuid>)>>,
    pub collections: Option<Vec<Uuid>>,
    pub sizes: bool,
    pub colors: bool,
    pub prices: bool,
}

/// Facet counts: `None` for facets not asked for. Categories and collections in the order
/// asked, sizes and colours most products first, price bands cheapest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FacetCounts {
    pub categories: Option<Vec<(Uuid, u64)>>,
    pub collections: Option<Vec<(Uuid, u64)>>,
    pub sizes: Option<Vec<(String, u64)>>,
    pub colors: Option<Vec<(String, u64)>>,
    pub prices: Option<Vec<PriceBucket>>,
}

/// Products whose effective price (minor units) lies in `min..=max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriceBucket {
    pub min: i64,
    pub max: i64,
    pub count: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("catalogue index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
}

/// The index; share it behind an `Arc`. Reads run in parallel; a write holds the store for
/// the time it takes to relink the changed products.
pub struct CatalogueIndex {
    store: RwLock<Store>,
    text: text::TextIndex,
}

impl CatalogueIndex {
    /// An empty index in memory.
    pub fn new() -> Result<Self, IndexError> {
        Ok(Self {
            store: RwLock::new(Store::default()),
            text: text::TextIndex::new()?,
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Store> {
        self.store.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Store> {
        self.store.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds or replaces (by id) `products` and removes the products `removed`, visible to the
    /// next read when this returns. Blocking when words change (a tantivy commit): call it
    /// from a blocking task.
    pub fn apply(&self, products: Vec<(ProductDetail, ShelfPrice)>, removed: &[Uuid]) -> Result<(), IndexError> {
        if self.change(products, removed, true)? {
            self.text.publish()?;
        }
        Ok(())
    }

    /// Loads products for a build, which nothing reads until [`Self::publish`]: the sort
    /// orders and the words are put in order once, there, instead of after every batch.
    pub fn load(&self, products: Vec<(ProductDetail, ShelfPrice)>) -> Result<(), IndexError> {
        self.change(products, &[], false).map(|_| ())
    }

    /// Ends a build: sorts the orders and makes every loaded product searchable.
    pub fn publish(&self) -> Result<(), IndexError> {
        self.write().sort_orders();
        Ok(self.text.publish()?)
    }

    /// Applies a change to the store (sorting its orders when `sorted`, under the same lock,
    /// so no reader sees them out of order) and stages its words. Returns whether words
    /// changed.
    fn change(
        &self,
        products: Vec<(ProductDetail, ShelfPrice)>,
        removed: &[Uuid],
        sorted: bool,
    ) -> Result<bool, IndexError> {
        let (upserted, removed) = {
            let mut store = self.write();
            let removed = store.remove(removed);
            let upserted = store.upsert(products);
            if sorted {
                store.sort_orders();
            }
            (upserted, removed)
        };
        for id in &removed {
            self.text.stage_removal(*id);
        }
        for r in &upserted.reworded {
            self.text.stage(r.slot, &r.product, r.replaces)?;
        }
        Ok(!removed.is_empty() || !upserted.reworded.is_empty())
    }

    /// Gives every product the shelf price `price` says (when automatic promotions start or
    /// end), visible to the next read when this returns; the price order is re-sorted under
    /// the same lock. Returns how many prices changed.
    pub fn reprice(&self, price: impl Fn(&ProductDetail) -> ShelfPrice) -> u64 {
        let mut store = self.write();
        let changed = store.reprice(price);
        store.sort_orders();
        changed
    }

    /// Empties the index (before a rebuild).
    pub fn clear(&self) -> Result<(), IndexError> {
        *self.write() = Store::default();
        Ok(self.text.clear()?)
    }

    /// How many products the index holds.
    pub fn len(&self) -> u64 {
        self.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The product with this slug.
    pub fn find_by_slug(&self, slug: &str) -> Option<Shelved> {
        self.read().by_slug(slug).map(Shelved::from)
    }

    /// The page of products and the total for `q`, in the repository's order (for a search
    /// sorted by relevance, BM25 as described in `text`).
    pub fn list(&self, q: &ProductListQuery) -> Result<IndexPage, IndexError> {
        self.list_with_facets(q, &FacetRequest::default())
    }

    /// [`Self::list`], with the facet counts `request` asks for, from the same snapshot.
    pub fn list_with_facets(&self, q: &ProductListQuery, request: &FacetRequest) -> Result<IndexPage, IndexError> {
        let relevance = q.sort == ProductSort::Relevance && q.search.is_some();
        let hits = q
            .search
            .as_ref()
            .map(|terms| self.text.search(terms, relevance))
            .transpose()?;
        let store = self.read();
        let filters = Filters::new(&store, q, hits.as_deref());
        let filter = filters.matching(&store, None);
        let facets = facets(&store, q, &filters, request);
        let (offset, limit) = (q.page.offset() as usize, q.page.limit() as usize);
        let (slots, total) = match (relevance, hits, &filter) {
            (true, Some(hits), Some(filter)) => {
                let mut matching: Vec<_> = hits.into_iter().filter(|(slot, _)| filter.contains(*slot)).collect();
                let total = matching.len() as u64;
                let page = page::select(&mut matching, offset, limit, |a, b| {
                    b.1.total_cmp(&a.1)
                        .then_with(|| store.compare(Order::Created, b.0, a.0))
                });
                (page.into_iter().map(|(slot, _)| slot).collect(), total)
            }
            _ => {
                let (order, descending) = match q.sort {
                    ProductSort::PriceAsc => (Order::Price, false),
                    ProductSort::PriceDesc => (Order::Price, true),
                    ProductSort::TitleAsc => (Order::Title, false),
                    // Relevance without a search is newest first, as in the repository.
                    ProductSort::Newest | ProductSort::Relevance => (Order::Created, true),
                };
                let total = filter.as_ref().map_or(store.len(), RoaringBitmap::len);
                let span = match (order, filters.price) {
                    (Order::Price, Some((min, max))) => store.price_span(min, max),
                    _ => 0..store.order(order).len(),
                };
                let page = page::in_order(&store, order, descending, filter.as_ref(), span, offset, limit);
                (page, total)
            }
        };
        Ok(IndexPage {
            products: slots.into_iter().map(|slot| Shelved::from(store.entry(slot))).collect(),
            total,
            facets,
        })
    }
}

impl From<&store::Entry> for Shelved {
    fn from(entry: &store::Entry) -> Self {
        Self {
            product: entry.product.clone(),
            shelf: entry.shelf.clone(),
        }
    }
}

/// A filter of a list query, named so a facet can leave its own out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Category,
    Collection,
    Tag,
    Stock,
    Search,
    Variant,
    Price,
}

/// A list query's filters as sets of slots, apart.
struct Filters<'a> {
    parts: Vec<(Part, Cow<'a, RoaringBitmap>)>,
    price: Option<(Option<i64>, Option<i64>)>,
}

impl<'a> Filters<'a> {
    fn new(store: &'a Store, q: &ProductListQuery, hits: Option<&[(Slot, f32)]>) -> Self {
        let mut parts = Vec::new();
        let empty = || Cow::Owned(RoaringBitmap::new());
        if let Some(ids) = &q.category_ids {
            parts.push((
                Part::Category,
                Cow::Owned(any_of(ids.iter().map(|id| store.category(id)))),
            ));
        }
        if let Some(id) = &q.collection_id {
            parts.push((Part::Collection, store.collection(id).map_or_else(empty, Cow::Borrowed)));
        }
        if let Some(tag) = &q.tag {
            parts.push((Part::Tag, store.tag(tag).map_or_else(empty, Cow::Borrowed)));
        }
        match q.in_stock {
            Some(true) => parts.push((Part::Stock, Cow::Borrowed(store.in_stock()))),
            Some(false) => parts.push((Part::Stock, Cow::Owned(store.all() - store.in_stock()))),
            None => {}
        }
        if let Some(hits) = hits {
            let mut slots: Vec<Slot> = hits
                .iter()
                .map(|(slot, _)| *slot)
                .filter(|s| store.is_live(*s))
                .collect();
            slots.sort_unstable();
            slots.dedup();
            let found = RoaringBitmap::from_sorted_iter(slots).expect("sorted and unique");
            parts.push((Part::Search, Cow::Owned(found)));
        }
        if let Some(variants) = variant_set(store, &q.sizes, &q.colors) {
            parts.push((Part::Variant, Cow::Owned(variants)));
        }
        // The smallest first: each intersection is then at most that small.
        parts.sort_by_key(|(_, set)| set.len());
        let price = (q.min_price.is_some() || q.max_price.is_some())
            .then(|| (q.min_price.map(|p| p.minor()), q.max_price.map(|p| p.minor())));
        Self { parts, price }
    }

    /// The slots matching every filter but `except`; `None` when nothing filters.
    fn matching(&self, store: &Store, except: Option<Part>) -> Option<RoaringBitmap> {
        let mut parts = self.parts.iter().filter(|(part, _)| Some(*part) != except);
        let mut matching = parts.next().map(|(_, set)| set.as_ref().clone());
        for (_, set) in parts {
            if let Some(matching) = &mut matching {
                *matching &= set.as_ref();
            }
        }
        match self.price {
            Some((min, max)) if except != Some(Part::Price) => Some(store.price_range(matching.as_ref(), min, max)),
            _ => matching,
        }
    }
}

/// Every slot in any of the sets.
fn any_of<'s>(sets: impl IntoIterator<Item = Option<&'s RoaringBitmap>>) -> RoaringBitmap {
    let mut any = RoaringBitmap::new();
    for set in sets.into_iter().flatten() {
        any |= set;
    }
    any
}

/// Products with a variant of one of `sizes` and one of `colors` (either ignored when empty).
fn variant_set(store: &Store, sizes: &[String], colors: &[String]) -> Option<RoaringBitmap> {
    match (sizes.is_empty(), colors.is_empty()) {
        (true, true) => None,
        (false, true) => Some(any_of(sizes.iter().map(|s| store.sizes().get(s)))),
        (true, false) => Some(any_of(colors.iter().map(|c| store.colors().get(c)))),
        (false, false) => Some(any_of(
            sizes
                .iter()
                .flat_map(|s| colors.iter().map(move |c| store.variant(s, c))),
        )),
    }
}

/// How many of `matching` (every product when `None`) are in `set`.
fn count_in(matching: Option<&RoaringBitmap>, set: &RoaringBitmap) -> u64 {
    matching.map_or_else(|| set.len(), |m| m.intersection_len(set))
}

/// Facet counts for `request`. Each facet counts the products that match every filter but
/// its own (a sidebar then offers the alternatives to the current choice); values no
/// product would match are left out.
fn facets(store: &Store, q: &ProductListQuery, filters: &Filters<'_>, request: &FacetRequest) -> FacetCounts {
    let mut counts = FacetCounts::default();
    if let Some(groups) = &request.categories {
        let base = filters.matching(store, Some(Part::Category));
        counts.categories = Some(
            groups
                .iter()
                .map(|(id, subtree)| {
                    (
                        *id,
                        count_in(base.as_ref(), &any_of(subtree.iter().map(|c| store.category(c)))),
                    )
                })
                .filter(|(_, count)| *count > 0)
                .collect(),
        );
    }
    if let Some(ids) = &request.collections {
        let base = filters.matching(store, Some(Part::Collection));
        counts.collections = Some(
            ids.iter()
                .filter_map(|id| store.collection(id).map(|set| (*id, count_in(base.as_ref(), set))))
                .filter(|(_, count)| *count > 0)
                .collect(),
        );
    }
    if request.sizes || request.colors {
        let base = filters.matching(store, Some(Part::Variant));
        if request.sizes {
            let values = store.sizes().keys().map(|size| {
                let set = variant_set(store, std::slice::from_ref(size), &q.colors).unwrap_or_default();
                (size.clone(), count_in(base.as_ref(), &set))
            });
            counts.sizes = Some(by_count(values));
        }
        if request.colors {
            let values = store.colors().keys().map(|color| {
                let set = variant_set(store, &q.sizes, std::slice::from_ref(color)).unwrap_or_default();
                (color.clone(), count_in(base.as_ref(), &set))
            });
            counts.colors = Some(by_count(values));
        }
    }
    if request.prices {
        let base = filters.matching(store, Some(Part::Price));
        counts.prices = Some(
            store
                .bands()
                .into_iter()
                .map(|(min, max, set)| PriceBucket {
                    min,
                    max,
                    count: count_in(base.as_ref(), set),
                })
                .filter(|bucket| bucket.count > 0)
                .collect(),
        );
    }
    counts
}

/// The values with products, most products first, then by name.
fn by_count(values: impl Iterator<Item = (String, u64)>) -> Vec<(String, u64)> {
    let mut values: Vec<_> = values.filter(|(_, count)| *count > 0).collect();
    values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    values
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::domain::{catalogue::Variant, money::Money, pagination::PageRequest, search::SearchTerms};

    fn product(n: u8, title: &str, description: &str, tags: &[&str], price: i64) -> ProductDetail {
        let at = Utc.with_ymd_and_hms(2026, 1, n.into(), 0, 0, 0).unwrap();
        ProductDetail {
            id: Uuid::from_bytes([n; 16]),
            title: title.into(),
            slug: format!("product-{n}"),
            description: description.into(),
            images: Vec::new(),
            price: Money::from_minor("price", price).unwrap(),
            sale_price: None,
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            status: crate::domain::catalogue::ProductStatus::Active,
            variants: vec![Variant {
                id: Uuid::from_bytes([n + 100; 16]),
                sku: format!("SKU-{n}"),
                size: "M".into(),
                color: "Black".into(),
                price: None,
                inventory_count: 3,
            }],
            categories: Vec::new(),
            collections: Vec::new(),
            created_at: at,
            updated_at: at,
        }
    }

    /// The products at their effective prices, as with no promotion running.
    fn unpromoted(products: Vec<ProductDetail>) -> Vec<(ProductDetail, ShelfPrice)> {
        products
            .into_iter()
            .map(|p| {
                let shelf = ShelfPrice::unpromoted(&p);
                (p, shelf)
            })
            .collect()
    }

    fn index() -> CatalogueIndex {
        let index = CatalogueIndex::new().unwrap();
        index
            .apply(
                unpromoted(vec![
                    product(1, "Linen Midi Dress", "A breezy summer dress.", &["summer"], 8900),
                    product(2, "Wool Coat", "Pairs well with a linen scarf.", &[], 19900),
                    product(3, "Dresser Cover", "For the bedroom.", &["home"], 2900),
                    product(4, "Cotton Tee", "Soft and plain.", &["linen-look"], 1900),
                ]),
                &[],
            )
            .unwrap();
        index
    }

    /// The listed products by their number (the first byte of their id).
    fn numbers(page: &IndexPage) -> Vec<u8> {
        page.products.iter().map(|p| p.product.id.as_bytes()[0]).collect()
    }

    fn search(index: &CatalogueIndex, words: &str, sort: ProductSort) -> Vec<u8> {
        let q = ProductListQuery {
            search: SearchTerms::parse("search", words).unwrap(),
            ..ProductListQuery::unfiltered(sort, PageRequest::default())
        };
        let page = index.list(&q).unwrap();
        assert_eq!(page.total as usize, page.products.len());
        numbers(&page)
    }

    #[test]
    fn a_term_matches_the_start_of_a_stemmed_word_and_title_matches_rank_first() {
        let index = index();
        assert_eq!(search(&index, "dresses", ProductSort::Relevance), [1, 3]);
        assert_eq!(search(&index, "lin", ProductSort::Relevance), [1, 2, 4]);
        assert_eq!(search(&index, "LINEN", ProductSort::PriceAsc), [4, 1, 2]);
    }

    #[test]
    fn every_term_must_match() {
        let index = index();
        assert_eq!(search(&index, "linen dress", ProductSort::Relevance), [1]);
        assert_eq!(
            search(&index, "linen bedroom", ProductSort::Relevance),
            Vec::<u8>::new()
        );
        assert_eq!(search(&index, "xyz", ProductSort::Newest), Vec::<u8>::new());
    }

    #[test]
    fn a_product_indexed_again_replaces_the_old_document_and_a_removed_one_goes() {
        let index = index();
        let mut sold_out = product(2, "Wool Coat", "Plain.", &[], 19900);
        sold_out.variants[0].inventory_count = 0;
        index
            .apply(unpromoted(vec![sold_out.clone()]), &[Uuid::from_bytes([3; 16])])
            .unwrap();
        assert_eq!(search(&index, "linen", ProductSort::Relevance), [1, 4]);
        assert_eq!(search(&index, "coat", ProductSort::Relevance), [2]);
        assert_eq!(index.len(), 3);
        assert_eq!(
            index
                .find_by_slug("product-2")
                .map(|s| ProductDetail::clone(&s.product)),
            Some(sold_out)
        );
        assert_eq!(index.find_by_slug("product-3"), None);
    }

    #[test]
    fn a_changed_price_or_title_moves_the_product_in_its_sort() {
        let index = index();
        let order = |sort| -> Vec<u8> {
            let q = ProductListQuery::unfiltered(sort, PageRequest::default());
            numbers(&index.list(&q).unwrap())
        };
        assert_eq!(order(ProductSort::PriceAsc), [4, 3, 1, 2]);
        index
            .apply(
                unpromoted(vec![product(4, "Zip Tee", "Soft and plain.", &["linen-look"], 99_900)]),
                &[],
            )
            .unwrap();
        assert_eq!(order(ProductSort::PriceAsc), [3, 1, 2, 4]);
        assert_eq!(order(ProductSort::PriceDesc), [4, 2, 1, 3]);
        assert_eq!(order(ProductSort::TitleAsc), [3, 1, 2, 4]);
    }

    #[test]
    fn repricing_moves_products_in_the_price_sort_filter_and_bands() {
        let index = index();
        let listed = |min: Option<i64>, max: Option<i64>| -> (Vec<u8>, Vec<i64>) {
            let q = ProductListQuery {
                min_price: min.map(|m| Money::from_minor("min", m).unwrap()),
                max_price: max.map(|m| Money::from_minor("max", m).unwrap()),
                ..ProductListQuery::unfiltered(ProductSort::PriceAsc, PageRequest::default())
            };
            let request = FacetRequest {
                prices: true,
                ..FacetRequest::default()
            };
            let page = index.list_with_facets(&q, &request).unwrap();
            let ids = numbers(&page);
            let units = page.products.iter().map(|p| p.shelf.unit.minor()).collect();
            let banded: u64 = page.facets.prices.unwrap().iter().map(|b| b.count).sum();
            if (min, max) == (None, None) {
                assert_eq!(banded, page.total, "the bands partition the list");
            }
            (ids, units)
        };
        assert_eq!(listed(None, None), (vec![4, 3, 1, 2], vec![1900, 2900, 8900, 19900]));
        // The coat (id 2) drops to a fifth of its price, as a promotion would take it.
        let changed = index.reprice(|p| {
            let mut shelf = ShelfPrice::unpromoted(p);
            if p.id.as_bytes()[0] == 2 {
                shelf.unit = Money::from_minor("unit", 3980).unwrap();
            }
            shelf
        });
        assert_eq!(changed, 1);
        assert_eq!(listed(None, None), (vec![4, 3, 2, 1], vec![1900, 2900, 3980, 8900]));
        assert_eq!(listed(Some(3000), Some(5000)).0, [2]);
        assert_eq!(listed(Some(19_000), None).0, Vec::<u8>::new());
        assert_eq!(index.find_by_slug("product-2").unwrap().shelf.unit.minor(), 3980);
        // And back when it ends.
        assert_eq!(index.reprice(ShelfPrice::unpromoted), 1);
        assert_eq!(listed(None, None).0, [4, 3, 1, 2]);
    }

    #[test]
    fn a_size_and_a_colour_must_meet_in_one_variant() {
        let index = index();
        // Product 1 comes in M Black and L Ivory: it has an M and an Ivory, but no M Ivory.
        let mut two = product(1, "Linen Midi Dress", "A breezy summer dress.", &["summer"], 8900);
        let mut ivory = two.variants[0].clone();
        ivory.id = Uuid::from_bytes([200; 16]);
        (ivory.size, ivory.color) = ("L".into(), "Ivory".into());
        two.variants.push(ivory);
        index.apply(unpromoted(vec![two]), &[]).unwrap();
        let listed = |sizes: &[&str], colors: &[&str]| -> Vec<u8> {
            let q = ProductListQuery {
                sizes: sizes.iter().map(|s| (*s).to_owned()).collect(),
                colors: colors.iter().map(|c| (*c).to_owned()).collect(),
                ..ProductListQuery::unfiltered(ProductSort::PriceAsc, PageRequest::default())
            };
            numbers(&index.list(&q).unwrap())
        };
        assert_eq!(listed(&["M"], &["Ivory"]), Vec::<u8>::new());
        assert_eq!(listed(&["L"], &["Ivory"]), [1]);
        assert_eq!(listed(&["M"], &["Black"]), [4, 3, 1, 2]);
        assert_eq!(listed(&["M", "L"], &["Ivory"]), [1]);
        assert_eq!(listed(&["L"], &[]), [1]);
    }
}
