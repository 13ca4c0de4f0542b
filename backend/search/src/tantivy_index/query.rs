//! The queries the built-in engine runs: one clause per query word (or synonym group), each
//! word's prefix and typo variants looked up once in the term dictionaries, documents with
//! every word first, filters, and open scenarios a little higher.

use std::ops::Bound;

use chrono::{DateTime, Utc};
use domain::scenario::Status;
use domain::search::{ScenarioSearch, find_term, fold};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, Query, RangeQuery,
    TermQuery, TermSetQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::termdict::{TermDictionary, TermStreamer};
use tantivy::{Searcher, Term};

use crate::analyzer;
use crate::plus::PlusQuery;

use super::{TantivyIndex, facet};

impl TantivyIndex {
    /// The clauses every result must meet for `text`: one per query word (or per synonym
    /// group found in the text), each matching any of `fields`.
    pub(super) fn text_clauses(
        &self,
        searcher: &Searcher,
        text: &str,
        fields: &[(Field, f32)],
    ) -> Vec<Box<dyn Query>> {
        let folded = fold(text);
        let mut rest = folded.clone();
        let groups = self.synonyms.read().map(|g| g.clone()).unwrap_or_default();
        // (where in the query, clause): the clauses keep the order of the query's words, so
        // that the matching strategy drops the last ones first.
        let mut clauses: Vec<(usize, Box<dyn Query>)> = vec![];
        for group in groups.iter() {
            // Longest member first (the groups are kept in that order).
            let Some((found, at)) = group
                .iter()
                .map(String::as_str)
                .find_map(|m| find_term(&rest, m).map(|at| (m, at)))
            else {
                continue;
            };
            rest.replace_range(at..at + found.len(), &" ".repeat(found.len()));
            let alternatives: Vec<(Occur, Box<dyn Query>)> = group
                .iter()
                .map(|m| {
                    let all: Vec<(Occur, Box<dyn Query>)> = analyzer::words(m, false)
                        .into_iter()
                        .map(|w| (Occur::Must, word_query(searcher, &w, fields, false)))
                        .collect();
                    (
                        Occur::Should,
                        Box::new(BooleanQuery::new(all)) as Box<dyn Query>,
                    )
                })
                .collect();
            clauses.push((at, Box::new(BooleanQuery::new(alternatives))));
        }
        let words = analyzer::words(&rest, false);
        let last = words.len().saturating_sub(1);
        let typing = !text.ends_with(char::is_whitespace);
        let mut from = 0;
        for (i, w) in words.iter().enumerate() {
            // Stems are prefixes of what was typed, so the word is found where it was typed.
            let at = rest[from..]
                .find(w.as_str())
                .map_or(usize::MAX, |p| from + p);
            if at != usize::MAX {
                from = at + w.len();
            }
            clauses.push((at, word_query(searcher, w, fields, typing && i == last)));
        }
        clauses.sort_by_key(|(at, _)| *at);
        clauses.into_iter().map(|(_, q)| q).collect()
    }

    pub(super) fn scenario_query(
        &self,
        searcher: &Searcher,
        q: &ScenarioSearch,
    ) -> (Box<dyn Query>, Box<dyn Query>) {
        let f = &self.s;
        let fields = [
            (f.title, 3.0),
            (f.tags, 3.0),
            (f.summary, 2.0),
            (f.agency_name, 1.5),
            (f.description, 1.0),
        ];
        let text = self.text_clauses(searcher, &q.text, &fields);
        let mut filters: Vec<Box<dyn Query>> = vec![];
        if !q.domains.is_empty() {
            filters.push(Box::new(TermSetQuery::new(
                q.domains
                    .iter()
                    .map(|d| Term::from_facet(f.domain_f, &facet(d.code()))),
            )));
        }
        if !q.statuses.is_empty() {
            filters.push(self.status_filter(&q.statuses, q.now));
        }
        for t in &q.tags {
            filters.push(Box::new(TermQuery::new(
                Term::from_facet(f.tag_f, &facet(&fold(t))),
                IndexRecordOption::Basic,
            )));
        }
        // The scenario's budget range must meet the asked one.
        if let Some(min) = q.budget_min_fen {
            filters.push(range(f.budget_max, Bound::Included(min), Bound::Unbounded));
        }
        if let Some(max) = q.budget_max_fen {
            filters.push(range(f.budget_min, Bound::Unbounded, Bound::Included(max)));
        }
        if q.deadline_after.is_some() || q.deadline_before.is_some() {
            let micros = |t: Option<DateTime<Utc>>| t.map(|t| t.timestamp_micros());
            filters.push(range(
                f.deadline,
                micros(q.deadline_after).map_or(Bound::Unbounded, Bound::Included),
                micros(q.deadline_before).map_or(Bound::Unbounded, Bound::Included),
            ));
        }
        if let Some(a) = q.agency {
            filters.push(Box::new(TermQuery::new(
                Term::from_field_i64(f.agency, a.0),
                IndexRecordOption::Basic,
            )));
        }
        combine(text, filters)
    }

    /// Statuses as readers see them at `now`: an open scenario whose deadline passed counts as
    /// evaluating even before its opening job has run.
    pub(super) fn status_filter(&self, statuses: &[Status], now: DateTime<Utc>) -> Box<dyn Query> {
        let f = &self.s;
        let is = |s: Status| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_facet(f.status_f, &facet(s.code())),
                IndexRecordOption::Basic,
            ))
        };
        let now = now.timestamp_micros();
        let mut any: Vec<(Occur, Box<dyn Query>)> = vec![];
        for s in statuses {
            let q: Box<dyn Query> = match s {
                Status::Published => Box::new(BooleanQuery::new(vec![
                    (Occur::Must, is(Status::Published)),
                    (
                        Occur::Must,
                        range(f.deadline, Bound::Excluded(now), Bound::Unbounded),
                    ),
                ])),
                Status::Evaluating => Box::new(BooleanQuery::new(vec![
                    (Occur::Should, is(Status::Evaluating)),
                    (
                        Occur::Should,
                        Box::new(BooleanQuery::new(vec![
                            (Occur::Must, is(Status::Published)),
                            (
                                Occur::Must,
                                range(f.deadline, Bound::Unbounded, Bound::Included(now)),
                            ),
                        ])),
                    ),
                ])),
                other => is(*other),
            };
            any.push((Occur::Should, q));
        }
        Box::new(BooleanQuery::new(any))
    }
}

/// The query of one word over `fields`: the word itself, and as a prefix when the reader is
/// still typing it (a Latin word, or a Chinese word of one or two characters: longer ones
/// come whole from the input method); Latin words of 5 or more letters also with typos (not
/// in the first letter). The terms a prefix or a typo stands for are looked up once here, in every segment's term
/// dictionary, so the query that runs holds only plain terms.
pub(super) fn word_query(
    searcher: &Searcher,
    word: &str,
    fields: &[(Field, f32)],
    prefix: bool,
) -> Box<dyn Query> {
    let latin = word.chars().all(|c| c.is_ascii_alphabetic());
    let prefix = prefix && (latin || word.chars().count() <= 2);
    let typos = match word.chars().count() {
        n if latin && n >= 9 => 2,
        n if latin && n >= 5 => 1,
        _ => 0,
    };
    // The typo automaton depends on the word alone: built once, not once per field.
    let dfa = match (typos, fields.first()) {
        (1.., Some((field, _))) => {
            FuzzyTermQuery::new(Term::from_field_text(*field, word), typos, true)
                .automaton()
                .ok()
        }
        _ => None,
    };
    let mut any: Vec<(Occur, Box<dyn Query>)> = vec![];
    for (field, boost) in fields {
        let term = Term::from_field_text(*field, word);
        any.push((
            Occur::Should,
            Box::new(BoostQuery::new(
                Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
                *boost,
            )),
        ));
        let mut variant = |terms: Vec<Term>, weight: f32| {
            if !terms.is_empty() {
                // A union of plain terms: a term set would build an automaton per search.
                let set = Box::new(BooleanQuery::new(
                    terms
                        .into_iter()
                        .map(|t| {
                            let q: Box<dyn Query> =
                                Box::new(TermQuery::new(t, IndexRecordOption::Basic));
                            (Occur::Should, q)
                        })
                        .collect(),
                ));
                any.push((
                    Occur::Should,
                    Box::new(ConstScoreQuery::new(set, boost * weight)),
                ));
            }
        };
        if prefix {
            let found = variants(searcher, &term, |terms, bytes| {
                let builder = terms.range().ge(bytes);
                keys(
                    match prefix_end(bytes) {
                        Some(end) => builder.lt(end),
                        None => builder,
                    }
                    .into_stream(),
                )
            });
            variant(found, 0.5);
        }
        if let Some(dfa) = &dfa {
            variant(
                variants(searcher, &term, |terms, bytes| {
                    // As with Meilisearch, the first letter is never the typo: this
                    // also keeps the walk to one branch of the dictionary.
                    let first = &bytes[..1];
                    let builder = terms.search(dfa).ge(first);
                    keys(
                        match prefix_end(first) {
                            Some(end) => builder.lt(end),
                            None => builder,
                        }
                        .into_stream(),
                    )
                }),
                0.3,
            );
        }
    }
    Box::new(BooleanQuery::new(any))
}

/// Most terms a prefix or a typo stands for (the most frequent ones).
pub(super) const MAX_VARIANTS: usize = 50;

/// The other terms of `term`'s field that `find` lists in each segment's term dictionary.
pub(super) fn variants(
    searcher: &Searcher,
    term: &Term,
    find: impl Fn(&TermDictionary, &[u8]) -> std::io::Result<Vec<(Vec<u8>, u32)>>,
) -> Vec<Term> {
    let field = term.field();
    let word = term.serialized_value_bytes();
    let mut found: std::collections::HashMap<Vec<u8>, u32> = Default::default();
    for segment in searcher.segment_readers() {
        let Ok(inverted) = segment.inverted_index(field) else {
            continue;
        };
        for (key, n) in find(inverted.terms(), word).unwrap_or_default() {
            if key != word {
                *found.entry(key).or_default() += n;
            }
        }
    }
    let mut found: Vec<(Vec<u8>, u32)> = found.into_iter().collect();
    found.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    found
        .into_iter()
        .take(MAX_VARIANTS)
        .filter_map(|(bytes, _)| String::from_utf8(bytes).ok())
        .map(|text| Term::from_field_text(field, &text))
        .collect()
}

/// The keys a term stream lists, with their document counts.
pub(super) fn keys<A>(
    stream: std::io::Result<TermStreamer<'_, A>>,
) -> std::io::Result<Vec<(Vec<u8>, u32)>>
where
    A: tantivy_fst::Automaton,
    A::State: Clone,
{
    let mut stream = stream?;
    let mut out = vec![];
    while stream.advance() {
        out.push((stream.key().to_vec(), stream.value().doc_freq));
    }
    Ok(out)
}

/// The first byte string after every string that starts with `prefix`.
pub(super) fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

pub(super) fn range(field: Field, lower: Bound<i64>, upper: Bound<i64>) -> Box<dyn Query> {
    let t = |v: i64| Term::from_field_i64(field, v);
    let map = |b: Bound<i64>| match b {
        Bound::Included(v) => Bound::Included(t(v)),
        Bound::Excluded(v) => Bound::Excluded(t(v)),
        Bound::Unbounded => Bound::Unbounded,
    };
    Box::new(RangeQuery::new(map(lower), map(upper)))
}

/// Most query words that count (a longer query is cut there).
pub(super) const MAX_WORDS: usize = 10;

/// What each query word a document holds adds to its score: far above any text score, so
/// documents rank first by how many of the leading query words they hold, then by text score.
pub(super) const WORD: f32 = 10_000.0;

/// The text's query, matching strategy "last" (as Meilisearch's default): documents with every
/// word first, then those without the last word, and so on down to the first word alone.
/// Nested, so each word is searched once: the first word, and optionally the rest of the
/// query (again the next word, and optionally the rest…), each word found adding [`WORD`].
pub(super) fn matching_last(mut words: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    words.truncate(MAX_WORDS);
    let mut rest: Option<Box<dyn Query>> = None;
    for word in words.into_iter().rev() {
        let mut level: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Must, Box::new(PlusQuery::new(word, WORD)))];
        level.extend(rest.take().map(|r| (Occur::Should, r)));
        rest = Some(Box::new(BooleanQuery::new(level)));
    }
    rest.unwrap_or_else(|| Box::new(AllQuery))
}

/// `score` with its text part (the part below the words found) multiplied by `factor`.
pub(super) fn scale_text_score(score: f32, factor: f32) -> f32 {
    // Scores are never negative, so the cast is the floor; `floor` itself is a call into libm
    // on the baseline x86-64 target (2 % of a search matching 12,500 scenarios).
    let words = (score / WORD) as u32 as f32 * WORD;
    words + (score - words) * factor
}

/// The whole query (text and filters) and the text alone (for snippets).
pub(super) fn combine(
    text: Vec<Box<dyn Query>>,
    filters: Vec<Box<dyn Query>>,
) -> (Box<dyn Query>, Box<dyn Query>) {
    let text_only = matching_last(text);
    if filters.is_empty() {
        return (text_only.box_clone(), text_only);
    }
    let mut all: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, text_only.box_clone())];
    for f in filters {
        all.push((Occur::Must, Box::new(ConstScoreQuery::new(f, 0.0))));
    }
    (Box::new(BooleanQuery::new(all)), text_only)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tantivy_index::OPEN_BOOST;

    #[test]
    fn the_text_part_of_a_score_scales_and_the_words_found_do_not() {
        let two_words = 2.0 * WORD + 8.0;
        assert_eq!(scale_text_score(two_words, 1.25), 2.0 * WORD + 10.0);
        // An open document with fewer words stays below a closed one with more.
        let many = 5.0 * WORD + 1.0;
        assert!(scale_text_score(4.0 * WORD + 900.0, OPEN_BOOST) < many);
    }

    #[test]
    fn a_prefix_ends_before_the_next_byte_string() {
        assert_eq!(prefix_end(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_end(&[b'a', 0xff]), Some(b"b".to_vec()));
        assert_eq!(prefix_end(&[0xff, 0xff]), None);
        assert_eq!(prefix_end(b""), None);
    }
}
