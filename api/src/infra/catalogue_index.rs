//! The catalogue index: an in-memory tantivy index of every product, which answers a product
//! list query (filters, sort, page and total) without SQL. Our code is only the mapping from
//! a product to a document (`IndexedProduct`) and from a [`ProductListQuery`] to tantivy's
//! queries and sort keys; filtering, counting and ordering are tantivy's.
//!
//! The order is the repository's, ties included: every sort ends with the product id (its
//! bytes, as SQL compares UUIDs), ascending for `price_asc` and `title_asc`, descending for
//! `newest` and `price_desc`. Titles compare by their bytes (SQLite's `BINARY` collation, and
//! PostgreSQL's `C` collation, which the databases here use).
//!
//! Search (`ProductListQuery::search`) is not answered here yet: [`CatalogueIndex::list`]
//! returns `None` for it and the caller keeps asking the database.

use std::{
    ops::Bound,
    sync::{Mutex, PoisonError},
};

use tantivy::{
    Index, IndexReader, IndexWriter, Order, ReloadPolicy, TantivyDocument, Term,
    collector::{
        Count, TopDocs,
        sort_key::{SortByBytes, SortByStaticFastValue, SortByString},
    },
    query::{AllQuery, BooleanQuery, Occur, Query, RangeQuery, TermQuery, TermSetQuery},
    schema::{FAST, Field, INDEXED, IndexRecordOption, STRING, Schema},
};
use uuid::Uuid;

use crate::{
    domain::{catalogue::IndexedProduct, product_query::ProductSort},
    repos::ProductListQuery,
};

/// Heap for the index writer; tantivy's minimum is 15 MB per thread.
const WRITER_HEAP_BYTES: usize = 50_000_000;

/// One page of a list: the products' ids in order, and how many match in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexPage {
    pub ids: Vec<Uuid>,
    pub total: u64,
}

#[derive(Debug, thiserror::Error)]
#[error("catalogue index: {0}")]
pub struct IndexError(#[from] tantivy::TantivyError);

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    title: Field,
    tag: Field,
    category: Field,
    collection: Field,
    price: Field,
    created: Field,
    in_stock: Field,
}

const ID: &str = "id";
const TITLE: &str = "title";
const PRICE: &str = "price";
const CREATED: &str = "created";

impl Fields {
    fn schema() -> (Schema, Self) {
        let mut builder = Schema::builder();
        let fields = Fields {
            id: builder.add_bytes_field(ID, FAST | INDEXED),
            title: builder.add_text_field(TITLE, FAST),
            tag: builder.add_text_field("tag", STRING),
            category: builder.add_text_field("category", STRING),
            collection: builder.add_text_field("collection", STRING),
            price: builder.add_i64_field(PRICE, FAST | INDEXED),
            created: builder.add_i64_field(CREATED, FAST),
            in_stock: builder.add_u64_field("in_stock", INDEXED),
        };
        (builder.build(), fields)
    }

    fn document(&self, p: &IndexedProduct) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_bytes(self.id, p.id.as_bytes());
        doc.add_text(self.title, &p.title);
        for tag in &p.tags {
            doc.add_text(self.tag, tag);
        }
        for id in &p.category_ids {
            doc.add_text(self.category, id.to_string());
        }
        for id in &p.collection_ids {
            doc.add_text(self.collection, id.to_string());
        }
        doc.add_i64(self.price, p.effective_price);
        // Nanoseconds: the databases keep at least microseconds, so no two instants collide.
        doc.add_i64(self.created, p.created_at.timestamp_nanos_opt().unwrap_or(i64::MAX));
        doc.add_u64(self.in_stock, u64::from(p.in_stock));
        doc
    }

    fn id_term(&self, id: Uuid) -> Term {
        Term::from_field_bytes(self.id, id.as_bytes())
    }

    /// The query's filters as one tantivy query (every filter must hold).
    fn filter(&self, q: &ProductListQuery) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
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
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
}

impl CatalogueIndex {
    /// An empty index in memory.
    pub fn new() -> Result<Self, IndexError> {
        let (schema, fields) = Fields::schema();
        let index = Index::create_in_ram(schema);
        let writer = index.writer_with_num_threads(1, WRITER_HEAP_BYTES)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Self {
            fields,
            reader,
            writer: Mutex::new(writer),
        })
    }

    /// Adds `products`, replacing any already indexed under the same id, and makes them
    /// visible to the next [`list`](Self::list) before returning.
    pub fn upsert(&self, products: &[IndexedProduct]) -> Result<(), IndexError> {
        let mut writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        for product in products {
            writer.delete_term(self.fields.id_term(product.id));
            writer.add_document(self.fields.document(product))?;
        }
        writer.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// The page of ids and the total for `q`, in the repository's order; `None` for a
    /// search, which the index does not answer yet.
    pub fn list(&self, q: &ProductListQuery) -> Result<Option<IndexPage>, IndexError> {
        if q.search.is_some() {
            return Ok(None);
        }
        let searcher = self.reader.searcher();
        let filter = self.fields.filter(q);
        let top = TopDocs::with_limit(q.page.limit() as usize).and_offset(q.page.offset() as usize);
        // The sort key, then the id in the same direction; only the ids are kept.
        macro_rules! ranked {
            ($key:expr, $order:expr) => {{
                let by = (($key, $order), (SortByBytes::for_field(ID), $order));
                let (total, hits) = searcher.search(&filter, &(Count, top.order_by(by)))?;
                (
                    total,
                    hits.into_iter()
                        .map(|((_, id), _)| id)
                        .collect::<Vec<Option<Vec<u8>>>>(),
                )
            }};
        }
        let (total, ids) = match q.sort {
            ProductSort::PriceAsc => ranked!(SortByStaticFastValue::<i64>::for_field(PRICE), Order::Asc),
            ProductSort::PriceDesc => ranked!(SortByStaticFastValue::<i64>::for_field(PRICE), Order::Desc),
            ProductSort::TitleAsc => ranked!(SortByString::for_field(TITLE), Order::Asc),
            // Relevance without a search is newest first, as in the repository.
            ProductSort::Newest | ProductSort::Relevance => {
                ranked!(SortByStaticFastValue::<i64>::for_field(CREATED), Order::Desc)
            }
        };
        let ids = ids
            .into_iter()
            .map(|bytes| bytes.and_then(|b| Uuid::from_slice(&b).ok()).unwrap_or_default())
            .collect();
        Ok(Some(IndexPage {
            ids,
            total: total as u64,
        }))
    }
}
