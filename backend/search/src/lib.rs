//! The search engines behind [`domain::ports::SearchIndex`]: the built-in tantivy index
//! (the default, kept under the data folder) and Meilisearch.

pub mod analyzer;
pub mod synthetic;
mod tantivy_index;

pub use tantivy_index::TantivyIndex;
