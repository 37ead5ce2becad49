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
mod store;
mod text;

use std::sync::{Arc, PoisonError, RwLock};

use roaring::RoaringBitmap;
use uuid::Uuid;

use self::store::{Order, Slot, Store};
use crate::{
    domain::{catalogue::ProductDetail, product_query::ProductSort},
    repos::ProductListQuery,
};

/// One page of a list: the products in order, and how many match in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexPage {
    pub products: Vec<Arc<ProductDetail>>,
    pub total: u64,
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
    pub fn apply(&self, products: Vec<ProductDetail>, removed: &[Uuid]) -> Result<(), IndexError> {
        if self.load(products, removed)? {
            self.text.publish()?;
        }
        Ok(())
    }

    /// [`Self::apply`] without making new words searchable: for a build, which calls
    /// [`Self::publish`] once at its end. Returns whether words changed.
    pub fn load(&self, products: Vec<ProductDetail>, removed: &[Uuid]) -> Result<bool, IndexError> {
        let (upserted, removed) = {
            let mut store = self.write();
            let removed = store.remove(removed);
            let upserted = store.upsert(products);
            store.sort_orders();
            (upserted, removed)
        };
        for id in &removed {
            self.text.stage_removal(*id);
        }
        for (slot, product) in &upserted.reworded {
            self.text.stage(*slot, product)?;
        }
        Ok(!removed.is_empty() || !upserted.reworded.is_empty())
    }

    /// Makes every loaded product searchable.
    pub fn publish(&self) -> Result<(), IndexError> {
        Ok(self.text.publish()?)
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
    pub fn find_by_slug(&self, slug: &str) -> Option<Arc<ProductDetail>> {
        self.read().by_slug(slug).map(|entry| entry.product.clone())
    }

    /// The page of products and the total for `q`, in the repository's order (for a search
    /// sorted by relevance, BM25 as described in `text`).
    pub fn list(&self, q: &ProductListQuery) -> Result<IndexPage, IndexError> {
        let relevance = q.sort == ProductSort::Relevance && q.search.is_some();
        let hits = q
            .search
            .as_ref()
            .map(|terms| self.text.search(terms, relevance))
            .transpose()?;
        let store = self.read();
        let filter = filter(&store, q, hits.as_deref());
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
                let page = page::in_order(&store, order, descending, filter.as_ref(), offset, limit);
                (page, total)
            }
        };
        Ok(IndexPage {
            products: slots
                .into_iter()
                .map(|slot| store.entry(slot).product.clone())
                .collect(),
            total,
        })
    }
}

/// The slots matching every filter of `q` and the search `hits`; `None` when nothing filters.
fn filter(store: &Store, q: &ProductListQuery, hits: Option<&[(Slot, f32)]>) -> Option<RoaringBitmap> {
    let mut sets: Vec<std::borrow::Cow<'_, RoaringBitmap>> = Vec::new();
    let empty = || std::borrow::Cow::Owned(RoaringBitmap::new());
    if let Some(ids) = &q.category_ids {
        let mut any = RoaringBitmap::new();
        for set in ids.iter().filter_map(|id| store.category(id)) {
            any |= set;
        }
        sets.push(std::borrow::Cow::Owned(any));
    }
    if let Some(id) = &q.collection_id {
        sets.push(store.collection(id).map_or_else(empty, std::borrow::Cow::Borrowed));
    }
    if let Some(tag) = &q.tag {
        sets.push(store.tag(tag).map_or_else(empty, std::borrow::Cow::Borrowed));
    }
    match q.in_stock {
        Some(true) => sets.push(std::borrow::Cow::Borrowed(store.in_stock())),
        Some(false) => sets.push(std::borrow::Cow::Owned(store.all() - store.in_stock())),
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
        sets.push(std::borrow::Cow::Owned(
            RoaringBitmap::from_sorted_iter(slots).expect("sorted and unique"),
        ));
    }
    // The smallest first: each intersection is then at most that small.
    sets.sort_by_key(|set| set.len());
    let mut sets = sets.into_iter();
    let mut matching = sets.next().map(std::borrow::Cow::into_owned);
    for set in sets {
        if let Some(matching) = &mut matching {
            *matching &= set.as_ref();
        }
    }
    if q.min_price.is_some() || q.max_price.is_some() {
        let price = |p: Option<crate::domain::money::Money>| p.map(|p| p.minor());
        matching = Some(store.price_range(matching.as_ref(), price(q.min_price), price(q.max_price)));
    }
    matching
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

    fn index() -> CatalogueIndex {
        let index = CatalogueIndex::new().unwrap();
        index
            .apply(
                vec![
                    product(1, "Linen Midi Dress", "A breezy summer dress.", &["summer"], 8900),
                    product(2, "Wool Coat", "Pairs well with a linen scarf.", &[], 19900),
                    product(3, "Dresser Cover", "For the bedroom.", &["home"], 2900),
                    product(4, "Cotton Tee", "Soft and plain.", &["linen-look"], 1900),
                ],
                &[],
            )
            .unwrap();
        index
    }

    fn search(index: &CatalogueIndex, words: &str, sort: ProductSort) -> Vec<u8> {
        let q = ProductListQuery {
            search: SearchTerms::parse("search", words).unwrap(),
            ..ProductListQuery::unfiltered(sort, PageRequest::default())
        };
        let page = index.list(&q).unwrap();
        assert_eq!(page.total as usize, page.products.len());
        page.products.iter().map(|p| p.id.as_bytes()[0]).collect()
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
            .apply(vec![sold_out.clone()], &[Uuid::from_bytes([3; 16])])
            .unwrap();
        assert_eq!(search(&index, "linen", ProductSort::Relevance), [1, 4]);
        assert_eq!(search(&index, "coat", ProductSort::Relevance), [2]);
        assert_eq!(index.len(), 3);
        assert_eq!(index.find_by_slug("product-2").as_deref(), Some(&sold_out));
        assert_eq!(index.find_by_slug("product-3"), None);
    }
}
