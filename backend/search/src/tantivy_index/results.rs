//! Reading results back: the page of hits in the chosen order, the facet counts, and the
//! marked snippets.

use domain::error::Result;
use domain::search::{FacetCounts, ScenarioSearch, ScenarioSort, Snippet};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::Query;
use tantivy::schema::{Field, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Order, Searcher, SegmentReader, TantivyDocument};

use super::query::scale_text_score;
use super::{OPEN_BOOST, TantivyIndex, internal};

impl TantivyIndex {
    /// One pass over the matching documents: the page in the asked order, the count and the
    /// facets together.
    pub(super) fn collect(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        q: &ScenarioSearch,
    ) -> Result<(Vec<DocAddress>, usize, Vec<FacetCounts>)> {
        // Past the last document a page is empty; the collector would otherwise make room
        // for `offset` hits (a page number in the billions asked for terabytes).
        let offset = q.offset.min(searcher.num_docs() as usize);
        let top = || TopDocs::with_limit(q.limit.max(1)).and_offset(offset);
        let sort = match q.sort {
            ScenarioSort::Relevance if q.text.is_empty() => ScenarioSort::Newest,
            s => s,
        };
        let facets = || (Count, self.scenarios.facets.counter());
        type Fruit<K> = (Vec<(K, DocAddress)>, (usize, Vec<FacetCounts>));
        fn unpack<K>((page, (n, facets)): Fruit<K>) -> (Vec<DocAddress>, usize, Vec<FacetCounts>) {
            (page.into_iter().map(|(_, a)| a).collect(), n, facets)
        }
        let by =
            |field: &str, order: Order| -> Result<(Vec<DocAddress>, usize, Vec<FacetCounts>)> {
                searcher
                    .search(
                        query,
                        &(top().order_by_fast_field::<i64>(field, order), facets()),
                    )
                    .map(unpack)
                    .map_err(internal)
            };
        match sort {
            ScenarioSort::Relevance => {
                let now = q.now.timestamp_micros();
                let cache = self.scenarios.facets.clone();
                let ranked = top().tweak_score(move |seg: &SegmentReader| {
                    let columns = cache.columns(seg).ok();
                    move |doc, score| match &columns {
                        Some(c) if c.key(doc) > now => scale_text_score(score, OPEN_BOOST),
                        _ => score,
                    }
                });
                searcher
                    .search(query, &(ranked, facets()))
                    .map(unpack)
                    .map_err(internal)
            }
            ScenarioSort::DeadlineSoonest => by("deadline", Order::Asc),
            ScenarioSort::Newest => by("published", Order::Desc),
            ScenarioSort::BudgetHighest => by("budget_max", Order::Desc),
        }
    }

    /// A snippet maker for `field` of the results of `query` (made once per search).
    pub(super) fn snippets(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        field: Field,
        max_chars: usize,
    ) -> impl Fn(&TantivyDocument) -> Snippet {
        let generator = SnippetGenerator::create(searcher, query, field)
            .ok()
            .map(|mut g| {
                g.set_max_num_chars(max_chars);
                g
            });
        move |doc: &TantivyDocument| {
            let whole = doc
                .get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            match &generator {
                Some(g) => {
                    let s = g.snippet(whole);
                    if s.highlighted().is_empty() {
                        plain(whole, max_chars)
                    } else if whole.chars().count() <= max_chars {
                        // A short field is shown whole (the fragment stops at the last word,
                        // without the punctuation after it).
                        let at = s.fragment_range().start;
                        Snippet {
                            text: whole.to_string(),
                            marks: s
                                .highlighted()
                                .iter()
                                .map(|m| m.start + at..m.end + at)
                                .collect(),
                        }
                    } else {
                        Snippet {
                            text: s.fragment().to_string(),
                            marks: s.highlighted().to_vec(),
                        }
                    }
                }
                None => plain(whole, max_chars),
            }
        }
    }
}

/// A text without marks, cut at `max_chars`.
pub(super) fn plain(text: &str, max_chars: usize) -> Snippet {
    Snippet {
        text: text.chars().take(max_chars).collect(),
        marks: vec![],
    }
}
