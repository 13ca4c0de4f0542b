//! The search engine, and the outbox that keeps its index true.

use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::ids::UserId;
use crate::search::{DocRef, IndexOp, ScenarioHits, ScenarioSearch, VendorHits, VendorSearch};

/// Text cut into the product's search terms (segmented, folded, stemmed), repeats kept in
/// order: what matching reads profiles and needs with, so that they are cut as search cuts.
pub trait Analysis: Send + Sync {
    /// Works while the engine is down (the analysis is the product's own).
    fn analyze(&self, text: &str) -> Vec<String>;
}

/// Splits on white space, folded: for services built without an engine (unit tests).
#[derive(Debug, Default, Clone, Copy)]
pub struct PlainWords;

impl Analysis for PlainWords {
    fn analyze(&self, text: &str) -> Vec<String> {
        crate::search::fold(text)
            .split_whitespace()
            .map(str::to_string)
            .collect()
    }
}

/// A search engine's index of scenarios and vendors. Two engines implement it (the `search`
/// crate): the built-in tantivy index and Meilisearch; both answer the same questions the same
/// way (the contract tests run on both). An engine that is down answers
/// [`crate::Error::Unavailable`].
pub trait SearchIndex: Analysis {
    /// The engine's name, for operators (`tantivy`, `meilisearch`).
    fn engine(&self) -> &'static str;
    /// Applies a batch of changes in one commit; they are searchable when this returns.
    fn apply(&self, ops: &[IndexOp]) -> Result<()>;
    /// Removes every document (before a rebuild).
    fn clear(&self) -> Result<()>;
    /// After a rebuild: packs what was written in many batches for the fastest searches (an
    /// engine that does this by itself does nothing).
    fn compact(&self) -> Result<()> {
        Ok(())
    }
    /// How many documents the index holds (an empty index is rebuilt at start).
    fn count(&self) -> Result<u64>;
    fn search_scenarios(&self, q: &ScenarioSearch) -> Result<ScenarioHits>;
    fn search_vendors(&self, q: &VendorSearch) -> Result<VendorHits>;
    /// Replaces the groups of equivalent terms used when searching; applies at once.
    fn set_synonyms(&self, groups: &[Vec<String>]) -> Result<()>;
    /// Whether the engine answers.
    fn health(&self) -> Result<()>;
}

/// The writing side of the index outbox, inside a service's transaction: a document whose
/// index entry must be brought up to date. Marking twice keeps one entry (the later time).
pub trait SearchOutboxRepo {
    fn mark_for_index(&mut self, doc: DocRef, at: DateTime<Utc>) -> Result<()>;
}

/// The indexer's side of the outbox, outside any service transaction. Entries stay until the
/// engine took them, so an engine that is down delays indexing and loses nothing.
pub trait IndexQueue: Send + Sync {
    /// The oldest waiting documents and the time each was marked.
    fn waiting(&self, limit: i64) -> Result<Vec<(DocRef, DateTime<Utc>)>>;
    /// Removes the entry unless the document was marked again after `marked_at`.
    fn indexed(&self, doc: DocRef, marked_at: DateTime<Utc>) -> Result<()>;
    /// How many documents wait.
    fn backlog(&self) -> Result<i64>;
}

/// The thesaurus as administrators saved it.
pub trait SynonymReads {
    /// `None` until the first save (the shipped thesaurus applies).
    fn synonyms(&mut self) -> Result<Option<Vec<Vec<String>>>>;
}

pub trait SynonymRepo: SynonymReads {
    /// Replaces the whole thesaurus.
    fn save_synonyms(
        &mut self,
        groups: &[Vec<String>],
        by: UserId,
        at: DateTime<Utc>,
    ) -> Result<()>;
}
