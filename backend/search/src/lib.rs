//! The search engines behind [`domain::ports::SearchIndex`]: the built-in tantivy index
//! (the default, kept under the data folder) and Meilisearch.

pub mod analyzer;
mod facets;
mod meili;
mod plus;
pub mod synthetic;
mod tantivy_index;

pub use meili::MeiliIndex;
pub use tantivy_index::TantivyIndex;
