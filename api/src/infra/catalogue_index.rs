//! The catalogue index: an in-memory tantivy index of every product, which answers a product
//! list query (filters, sort, page and total) and a product page without SQL. Our code is
//! only the mapping from a [`ProductDetail`] to a document (its fields, and the product itself
//! stored compressed for the page) and from a [`ProductListQuery`] to tantivy's queries and
//! sort keys; filtering, counting and ordering are tantivy's.
//!
//! The order is the repository's, ties included: every sort ends with the product id (its
//! bytes, as SQL compares UUIDs), ascending for `price_asc` and `title_asc`, descending for
//! `newest` and `price_desc`. Titles compare by their bytes (SQLite's `BINARY` collation, and
//! PostgreSQL's `C` collation, which the databases here use).
//!
//! Search: every term must match, as the start of a word of the title, the description or a
//! tag, after English stemming on both sides (`dresses` finds "dress", `lin` finds "linen").
//! Relevance is BM25 with the title weighted 10, the description 5 and tags 1 (the weights
//! the SQLite search used); a whole-word match counts fully, a prefix-only match half. Ties
//! in relevance go newest first, then by id.

use std::{
    ops::Bound,
    sync::{Mutex, PoisonError},
};

use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Searcher, TantivyDocument, Term,
    collector::{
        Count, TopDocs,
        sort_key::{SortBySimilarityScore, SortByStaticFastValue, SortByString},
    },
    query::{AllQuery, BooleanQuery, BoostQuery, Occur, Query, RangeQuery, RegexQuery, TermQuery, TermSetQuery},
    schema::{FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value},
    tokenizer::TextAnalyzer,
};
use uuid::Uuid;

use crate::{
    domain::{catalogue::ProductDetail, product_query::ProductSort},
    repos::ProductListQuery,
};

/// Heap for the index writer; tantivy's minimum is 15 MB per thread.
const WRITER_HEAP_BYTES: usize = 50_000_000;

/// One page of a list: the products in order, and how many match in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexPage {
    pub products: Vec<ProductDetail>,
    pub total: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("catalogue index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// A stored product could not be written or read back.
    #[error("catalogue index: stored product: {0}")]
    Stored(#[from] serde_json::Error),
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    /// The id's first and last eight bytes as big-endian numbers: comparing (high, low)
    /// compares the id's bytes, as SQL does, without reading a byte string per match.
    id_high: Field,
    id_low: Field,
    slug: Field,
    /// The whole product, as JSON (compressed by the document store).
    stored: Field,
    title: Field,
    title_words: Field,
    description_words: Field,
    tag_words: Field,
    tag: Field,
    category: Field,
    collection: Field,
    price: Field,
    created: Field,
    in_stock: Field,
}

const ID: &str = "id";
const ID_HIGH: &str = "id_high";
const ID_LOW: &str = "id_low";
/// tantivy's English analyzer: words, lower-cased, stemmed.
const STEMMED: &str = "en_stem";
const TITLE: &str = "title";
const PRICE: &str = "price";
const CREATED: &str = "created";

impl Fields {
    fn schema() -> (Schema, Self) {
        let mut builder = Schema::builder();
        let words = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(STEMMED)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let fields = Fields {
            id: builder.add_bytes_field(ID, INDEXED),
            id_high: builder.add_u64_field(ID_HIGH, FAST),
            id_low: builder.add_u64_field(ID_LOW, FAST),
            slug: builder.add_text_field("slug", STRING),
            stored: builder.add_bytes_field("product", STORED),
            title: builder.add_text_field(TITLE, FAST),
            title_words: builder.add_text_field("title_words", words.clone()),
            description_words: builder.add_text_field("description_words", words.clone()),
            tag_words: builder.add_text_field("tag_words", words),
            tag: builder.add_text_field("tag", STRING),
            category: builder.add_text_field("category", STRING),
            collection: builder.add_text_field("collection", STRING),
            price: builder.add_i64_field(PRICE, FAST | INDEXED),
            created: builder.add_i64_field(CREATED, FAST),
            in_stock: builder.add_u64_field("in_stock", INDEXED),
        };
        (builder.build(), fields)
    }

    fn document(&self, p: &ProductDetail) -> Result<TantivyDocument, IndexError> {
        let mut doc = TantivyDocument::default();
        doc.add_bytes(self.id, p.id.as_bytes());
        let (high, low) = p.id.as_u64_pair();
        doc.add_u64(self.id_high, high);
        doc.add_u64(self.id_low, low);
        doc.add_text(self.slug, &p.slug);
        doc.add_bytes(self.stored, &serde_json::to_vec(p)?);
        doc.add_text(self.title, &p.title);
        doc.add_text(self.title_words, &p.title);
        doc.add_text(self.description_words, &p.description);
        for tag in &p.tags {
            doc.add_text(self.tag, tag);
            doc.add_text(self.tag_words, tag);
        }
        for link in &p.categories {
            doc.add_text(self.category, link.id.to_string());
        }
        for link in &p.collections {
            doc.add_text(self.collection, link.id.to_string());
        }
        doc.add_i64(self.price, p.effective_price().minor());
        // Nanoseconds: the databases keep at least microseconds, so no two instants collide.
        doc.add_i64(self.created, p.created_at.timestamp_nanos_opt().unwrap_or(i64::MAX));
        doc.add_u64(self.in_stock, u64::from(p.inventory_count() > 0));
        Ok(doc)
    }

    /// The product stored in the document at `address`.
    fn stored(&self, searcher: &Searcher, address: DocAddress) -> Result<ProductDetail, IndexError> {
        let doc: TantivyDocument = searcher.doc(address)?;
        let bytes = doc
            .get_first(self.stored)
            .and_then(|v| v.as_bytes())
            .unwrap_or_default();
        Ok(serde_json::from_slice(bytes)?)
    }

    /// One search term: a word of the title, description or tags that is the term or starts
    /// with it, stemmed as the words were.
    fn search_term(&self, term: &str, analyzer: &mut TextAnalyzer) -> Box<dyn Query> {
        let mut stems = Vec::new();
        analyzer
            .token_stream(term)
            .process(&mut |token| stems.push(token.text.clone()));
        let mut either: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for stem in &stems {
            // Terms are letters and digits only (`SearchTerms`), so the stem needs no escaping.
            let prefix = format!("{stem}.*");
            for (field, weight) in [
                (self.title_words, 10.0),
                (self.description_words, 5.0),
                (self.tag_words, 1.0),
            ] {
                let exact = TermQuery::new(Term::from_field_text(field, stem), IndexRecordOption::WithFreqs);
                either.push((Occur::Should, Box::new(BoostQuery::new(Box::new(exact), weight))));
                if let Ok(starts) = RegexQuery::from_pattern(&prefix, field) {
                    either.push((Occur::Should, Box::new(BoostQuery::new(Box::new(starts), weight / 2.0))));
                }
            }
        }
        Box::new(BooleanQuery::new(either))
    }

    fn id_term(&self, id: Uuid) -> Term {
        Term::from_field_bytes(self.id, id.as_bytes())
    }

    /// The query's filters and search terms as one tantivy query (every one must hold).
    fn filter(&self, q: &ProductListQuery, analyzer: &mut TextAnalyzer) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if let Some(search) = &q.search {
            for term in search.terms() {
                clauses.push((Occur::Must, self.search_term(term, analyzer)));
            }
        }
        let text = |field: Field, value: &str| Term::from_field_text(field, value);
        if let Some(ids) = &q.category_ids {
            let terms = ids.iter().map(|id| text(self.category, &id.to_string()));
            clauses.push((Occur::Must, Box::new(TermSetQuery::new(terms))));
        }
        if let Some(id) = q.collection_id {
            let term = text(self.collection, &id.to_string());
            clauses.push((Occur::Must, Box::new(TermQuery::new(term, IndexRecordOption::Basic))));
        }
        if let Some(tag) = &q.tag {
            let term = text(self.tag, tag);
            clauses.push((Occur::Must, Box::new(TermQuery::new(term, IndexRecordOption::Basic))));
        }
        if q.min_price.is_some() || q.max_price.is_some() {
            let bound = |price: Option<crate::domain::money::Money>| {
                price.map_or(Bound::Unbounded, |p| {
                    Bound::Included(Term::from_field_i64(self.price, p.minor()))
                })
            };
            let range = RangeQuery::new(bound(q.min_price), bound(q.max_price));
            clauses.push((Occur::Must, Box::new(range)));
        }
        if let Some(in_stock) = q.in_stock {
            let term = Term::from_field_u64(self.in_stock, u64::from(in_stock));
            clauses.push((Occur::Must, Box::new(TermQuery::new(term, IndexRecordOption::Basic))));
        }
        if clauses.is_empty() {
            Box::new(AllQuery)
        } else {
            Box::new(BooleanQuery::new(clauses))
        }
    }
}

/// The index and its one writer; share it behind an `Arc`.
pub struct CatalogueIndex {
    fields: Fields,
    /// The analyzer the word fields were indexed with, for the search terms.
    analyzer: TextAnalyzer,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
}

impl CatalogueIndex {
    /// An empty index in memory.
    pub fn new() -> Result<Self, IndexError> {
        let (schema, fields) = Fields::schema();
        let index = Index::create_in_ram(schema);
        let analyzer = index
            .tokenizers()
            .get(STEMMED)
            .expect("tantivy registers its English stemmer");
        let writer = index.writer_with_num_threads(1, WRITER_HEAP_BYTES)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Self {
            fields,
            analyzer,
            reader,
            writer: Mutex::new(writer),
        })
    }

    /// Adds or replaces (by id) `products` and removes the products `removed`, then makes the
    /// change visible to the next read before returning. Blocking (a commit): call it from a
    /// blocking task.
    pub fn apply(&self, products: &[ProductDetail], removed: &[Uuid]) -> Result<(), IndexError> {
        let mut writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        for id in removed {
            writer.delete_term(self.fields.id_term(*id));
        }
        for product in products {
            writer.delete_term(self.fields.id_term(product.id));
            writer.add_document(self.fields.document(product)?)?;
        }
        writer.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// Empties the index (before a rebuild).
    pub fn clear(&self) -> Result<(), IndexError> {
        let mut writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        writer.delete_all_documents()?;
        writer.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// How many products the index holds.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The product with this slug.
    pub fn find_by_slug(&self, slug: &str) -> Result<Option<ProductDetail>, IndexError> {
        let searcher = self.reader.searcher();
        let query = TermQuery::new(Term::from_field_text(self.fields.slug, slug), IndexRecordOption::Basic);
        let hits = searcher.search(&query, &TopDocs::with_limit(1).order_by_score())?;
        hits.first()
            .map(|(_, address)| self.fields.stored(&searcher, *address))
            .transpose()
    }

    /// The page of products and the total for `q`, in the repository's order (for a search
    /// sorted by relevance, BM25 as described above).
    pub fn list(&self, q: &ProductListQuery) -> Result<IndexPage, IndexError> {
        let searcher = self.reader.searcher();
        let mut analyzer = self.analyzer.clone();
        let filter = self.fields.filter(q, &mut analyzer);
        let top = TopDocs::with_limit(q.page.limit() as usize).and_offset(q.page.offset() as usize);
        let high = || SortByStaticFastValue::<u64>::for_field(ID_HIGH);
        let low = || SortByStaticFastValue::<u64>::for_field(ID_LOW);
        // The sort key, then the id in the same direction.
        macro_rules! ranked {
            ($key:expr, $order:expr) => {{
                let by = (($key, $order), (high(), $order), (low(), $order));
                let (total, hits) = searcher.search(&filter, &(Count, top.order_by(by)))?;
                (
                    total,
                    hits.into_iter()
                        .map(|(_, address)| address)
                        .collect::<Vec<DocAddress>>(),
                )
            }};
        }
        let (total, addresses) = match q.sort {
            ProductSort::PriceAsc => ranked!(SortByStaticFastValue::<i64>::for_field(PRICE), Order::Asc),
            ProductSort::PriceDesc => ranked!(SortByStaticFastValue::<i64>::for_field(PRICE), Order::Desc),
            ProductSort::TitleAsc => ranked!(SortByString::for_field(TITLE), Order::Asc),
            ProductSort::Relevance if q.search.is_some() => {
                let by = (
                    (SortBySimilarityScore, Order::Desc),
                    (SortByStaticFastValue::<i64>::for_field(CREATED), Order::Desc),
                    (high(), Order::Desc),
                    (low(), Order::Desc),
                );
                let (total, hits) = searcher.search(&filter, &(Count, top.order_by(by)))?;
                (total, hits.into_iter().map(|(_, address)| address).collect())
            }
            // Relevance without a search is newest first, as in the repository.
            ProductSort::Newest | ProductSort::Relevance => {
                ranked!(SortByStaticFastValue::<i64>::for_field(CREATED), Order::Desc)
            }
        };
        let products = addresses
            .into_iter()
            .map(|address| self.fields.stored(&searcher, address))
            .collect::<Result<_, _>>()?;
        Ok(IndexPage {
            products,
            total: total as u64,
        })
    }
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
                &[
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
        index.apply(&[sold_out.clone()], &[Uuid::from_bytes([3; 16])]).unwrap();
        assert_eq!(search(&index, "linen", ProductSort::Relevance), [1, 4]);
        assert_eq!(search(&index, "coat", ProductSort::Relevance), [2]);
        assert_eq!(index.len(), 3);
        assert_eq!(index.find_by_slug("product-2").unwrap(), Some(sold_out));
        assert_eq!(index.find_by_slug("product-3").unwrap(), None);
    }
}
