//! Full-text search over product titles, descriptions and tags: a tantivy index in memory
//! whose documents carry only the words and the product's slot (see `store`), so a search
//! answers which slots match and how well (BM25). Filters, sorts and pages are the store's.
//!
//! Every term must match, as the start of a word of the title, the description or a tag,
//! after English stemming on both sides (`dresses` finds "dress", `lin` finds "linen").
//! Relevance is BM25 with the title weighted 10, the description 5 and tags 1 (the weights
//! the SQL search uses); a whole-word match counts fully, a prefix-only match half.

use std::sync::{Arc, Mutex, PoisonError};

use tantivy::{
    DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentOrdinal, SegmentReader, TantivyDocument, Term,
    collector::{Collector, SegmentCollector},
    columnar::ColumnValues,
    query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery},
    schema::{FAST, Field, INDEXED, IndexRecordOption, Schema, TextFieldIndexing, TextOptions},
    tokenizer::TextAnalyzer,
};
use uuid::Uuid;

use super::{prefix::PrefixQuery, store::Slot};
use crate::domain::{catalogue::ProductDetail, search::SearchTerms};

/// Heap for the index writer; tantivy's minimum is 15 MB per thread.
const WRITER_HEAP_BYTES: usize = 50_000_000;
/// tantivy's English analyzer: words, lower-cased, stemmed.
const STEMMED: &str = "en_stem";
const SLOT: &str = "slot";

#[derive(Clone, Copy)]
struct Fields {
    /// The product id, to replace or delete its document.
    id: Field,
    slot: Field,
    title: Field,
    description: Field,
    tags: Field,
}

/// The words of every product, by slot.
pub(super) struct TextIndex {
    fields: Fields,
    /// The analyzer the word fields were indexed with, for the search terms.
    analyzer: TextAnalyzer,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
}

impl TextIndex {
    pub(super) fn new() -> tantivy::Result<Self> {
        let mut builder = Schema::builder();
        let words = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(STEMMED)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let fields = Fields {
            id: builder.add_bytes_field("id", INDEXED),
            slot: builder.add_u64_field(SLOT, FAST),
            title: builder.add_text_field("title", words.clone()),
            description: builder.add_text_field("description", words.clone()),
            tags: builder.add_text_field("tags", words),
        };
        let index = Index::create_in_ram(builder.build());
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

    fn writer(&self) -> std::sync::MutexGuard<'_, IndexWriter> {
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn id_term(&self, id: Uuid) -> Term {
        Term::from_field_bytes(self.fields.id, id.as_bytes())
    }

    /// Replaces the product's words (visible after [`Self::publish`]); `replaces` says it may
    /// have older ones to delete (a delete is checked against every document at the commit).
    pub(super) fn stage(&self, slot: Slot, product: &ProductDetail, replaces: bool) -> tantivy::Result<()> {
        let mut doc = TantivyDocument::default();
        doc.add_bytes(self.fields.id, product.id.as_bytes());
        doc.add_u64(self.fields.slot, u64::from(slot));
        doc.add_text(self.fields.title, &product.title);
        doc.add_text(self.fields.description, &product.description);
        for tag in &product.tags {
            doc.add_text(self.fields.tags, tag);
        }
        let writer = self.writer();
        if replaces {
            writer.delete_term(self.id_term(product.id));
        }
        writer.add_document(doc)?;
        Ok(())
    }

    /// Removes the product's words (after [`Self::publish`]).
    pub(super) fn stage_removal(&self, id: Uuid) {
        self.writer().delete_term(self.id_term(id));
    }

    /// Makes what was staged visible to the next search. Blocking (a commit).
    pub(super) fn publish(&self) -> tantivy::Result<()> {
        self.writer().commit()?;
        self.reader.reload()
    }

    /// Removes every document, at once.
    pub(super) fn clear(&self) -> tantivy::Result<()> {
        self.writer().delete_all_documents()?;
        self.publish()
    }

    /// Every slot whose words match all the terms, with its relevance when `scored` (0
    /// otherwise), in no particular order.
    pub(super) fn search(&self, terms: &SearchTerms, scored: bool) -> tantivy::Result<Vec<(Slot, Score)>> {
        let mut analyzer = self.analyzer.clone();
        let clauses = terms
            .terms()
            .iter()
            .map(|term| (Occur::Must, self.term_query(term, &mut analyzer)))
            .collect();
        self.reader
            .searcher()
            .search(&BooleanQuery::new(clauses), &SlotHits { scored })
    }

    /// One search term: a word of the title, description or tags that is the term or starts
    /// with it, stemmed as the words were.
    fn term_query(&self, term: &str, analyzer: &mut TextAnalyzer) -> Box<dyn Query> {
        let mut stems = Vec::new();
        analyzer
            .token_stream(term)
            .process(&mut |token| stems.push(token.text.clone()));
        let mut either: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for stem in &stems {
            for (field, weight) in [
                (self.fields.title, 10.0),
                (self.fields.description, 5.0),
                (self.fields.tags, 1.0),
            ] {
                let exact = TermQuery::new(Term::from_field_text(field, stem), IndexRecordOption::WithFreqs);
                either.push((Occur::Should, Box::new(BoostQuery::new(Box::new(exact), weight))));
                let starts = PrefixQuery::new(field, stem);
                either.push((Occur::Should, Box::new(BoostQuery::new(Box::new(starts), weight / 2.0))));
            }
        }
        Box::new(BooleanQuery::new(either))
    }
}

/// Collects every match as (slot, score).
struct SlotHits {
    scored: bool,
}

struct SegmentSlotHits {
    slots: Arc<dyn ColumnValues<u64>>,
    hits: Vec<(Slot, Score)>,
}

impl Collector for SlotHits {
    type Fruit = Vec<(Slot, Score)>;
    type Child = SegmentSlotHits;

    fn for_segment(&self, _segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<SegmentSlotHits> {
        Ok(SegmentSlotHits {
            slots: reader
                .fast_fields()
                .u64(SLOT)?
                .first_or_default_col(u64::from(Slot::MAX)),
            hits: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.scored
    }

    fn merge_fruits(&self, segments: Vec<Vec<(Slot, Score)>>) -> tantivy::Result<Vec<(Slot, Score)>> {
        Ok(segments.concat())
    }
}

impl SegmentCollector for SegmentSlotHits {
    type Fruit = Vec<(Slot, Score)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        // Slots are u32 when written.
        let slot = Slot::try_from(self.slots.get_val(doc)).unwrap_or(Slot::MAX);
        self.hits.push((slot, score));
    }

    fn harvest(self) -> Self::Fruit {
        self.hits
    }
}
