//! The built-in engine: two tantivy indexes (scenarios, vendors) under the data folder.
//!
//! Ranking is BM25 over the analysed fields with boosts (title and tags over summary over
//! description), documents with every query word first and then, as with Meilisearch's
//! default, those missing the last words; the last word also as a prefix (search as you
//! type), Latin words of 5+ letters with one typo allowed (9+: two; never in the first
//! letter), synonyms as alternatives, and open scenarios a little higher. The terms a prefix
//! or a typo stands for are looked up once per search, so the query that runs holds plain
//! terms only; facets are counted from per-segment arrays (see [`crate::facets`]). Writes are
//! batched: one commit per [`SearchIndex::apply`]; the reader is reloaded after it, so
//! searches never wait for writes.

use std::ops::Bound;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock, Weak};

use chrono::{DateTime, Utc};
use domain::error::{Error, Result};
use domain::ids::OrganizationId;
use domain::ports::SearchIndex;
use domain::scenario::{ScenarioId, Status};
use domain::search::{
    DocRef, FacetCounts, IndexOp, ScenarioDoc, ScenarioFacets, ScenarioHit, ScenarioHits,
    ScenarioSearch, ScenarioSort, Snippet, VendorDoc, VendorHits, VendorSearch, fold,
};
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, Query, RangeQuery,
    TermQuery, TermSetQuery,
};
use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, Schema,
    TextFieldIndexing, TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::termdict::{TermDictionary, TermStreamer};
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Searcher, SegmentReader,
    TantivyDocument, Term, Warmer,
};

use crate::analyzer::{self, ZH};
use crate::facets::FacetCache;
use crate::plus::PlusQuery;

/// The folder version: a new schema lives in a new folder, which starts empty and is rebuilt.
const LAYOUT: &str = "v1";
const WRITER_HEAP: usize = 50_000_000;
/// How much higher an open scenario ranks than an equal closed one.
const OPEN_BOOST: f32 = 1.25;

/// The built-in search index.
pub struct TantivyIndex {
    scenarios: Part,
    vendors: Part,
    s: ScenarioFields,
    v: VendorFields,
    /// Groups of equivalent terms, folded.
    synonyms: RwLock<Vec<Vec<String>>>,
}

struct Part {
    index: Index,
    reader: IndexReader,
    /// The facet fields' values, read as segments appear (the scenarios only).
    facets: Arc<FacetCache>,
    /// Opened at the first write, so that a process that only reads (or a command run beside
    /// the server) does not take the folder's writer lock.
    writer: Mutex<Option<IndexWriter>>,
}

struct ScenarioFields {
    id: Field,
    title: Field,
    summary: Field,
    description: Field,
    tags: Field,
    agency_name: Field,
    domain_f: Field,
    status_f: Field,
    tag_f: Field,
    status: Field,
    agency: Field,
    budget_min: Field,
    budget_max: Field,
    deadline: Field,
    published: Field,
}

struct VendorFields {
    id: Field,
    name: Field,
    description: Field,
    capabilities: Field,
    cap_f: Field,
    opc_f: Field,
    reputation: Field,
}

fn text(stored: bool) -> TextOptions {
    let o = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ZH)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    if stored { o.set_stored() } else { o }
}

fn internal(e: impl std::fmt::Display) -> Error {
    Error::internal(format!("search index: {e}"))
}

impl Part {
    fn open(dir: Option<&Path>, schema: Schema, facets: &[&'static str]) -> Result<Part> {
        let index = match dir {
            Some(d) => {
                std::fs::create_dir_all(d).map_err(internal)?;
                let mmap = MmapDirectory::open(d).map_err(internal)?;
                Index::open_or_create(mmap, schema).map_err(internal)?
            }
            None => Index::create_in_ram(schema),
        };
        index.tokenizers().register(ZH, analyzer::analyzer(true));
        let facets = Arc::new(FacetCache::new(facets));
        let warmer: Weak<dyn Warmer> = Arc::downgrade(&facets) as Weak<dyn Warmer>;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .warmers(vec![warmer])
            .try_into()
            .map_err(internal)?;
        Ok(Part {
            index,
            reader,
            facets,
            writer: Mutex::new(None),
        })
    }

    /// Runs `f` with the writer, commits, and reloads the reader.
    fn write(&self, f: impl FnOnce(&mut IndexWriter) -> tantivy::Result<()>) -> Result<()> {
        let mut slot = self.writer.lock().map_err(internal)?;
        if slot.is_none() {
            let w = self.index.writer(WRITER_HEAP).map_err(|e| match e {
                tantivy::TantivyError::LockFailure(..) => Error::internal(
                    "the search index is being written by another process (a running server?)",
                ),
                e => internal(e),
            })?;
            *slot = Some(w);
        }
        let w = slot.as_mut().expect("opened above");
        f(w).map_err(internal)?;
        w.commit().map_err(internal)?;
        self.reader.reload().map_err(internal)
    }

    fn count(&self) -> u64 {
        self.reader.searcher().num_docs()
    }
}

impl TantivyIndex {
    /// Waits for the background merges of both indexes to finish (the writers are opened again
    /// at the next write). The benchmark measures searches after this, as it does Meilisearch's
    /// after its tasks are done.
    pub fn finish_merges(&self) -> Result<()> {
        for part in [&self.scenarios, &self.vendors] {
            let writer = part.writer.lock().map_err(internal)?.take();
            if let Some(w) = writer {
                w.wait_merging_threads().map_err(internal)?;
                part.reader.reload().map_err(internal)?;
            }
        }
        Ok(())
    }

    /// How many segments the scenario index is made of now (a figure for the benchmark).
    pub fn scenario_segments(&self) -> usize {
        self.scenarios.reader.searcher().segment_readers().len()
    }
}

impl TantivyIndex {
    /// Opens (or creates) the index under `dir`; `None` keeps it in memory (tests, benches).
    pub fn open(dir: Option<&Path>) -> Result<TantivyIndex> {
        let mut b = Schema::builder();
        let s = ScenarioFields {
            id: b.add_i64_field("id", INDEXED | STORED | FAST),
            title: b.add_text_field("title", text(true)),
            summary: b.add_text_field("summary", text(true)),
            description: b.add_text_field("description", text(false)),
            tags: b.add_text_field("tags", text(false)),
            agency_name: b.add_text_field("agency_name", text(false)),
            domain_f: b.add_facet_field("domain_f", FacetOptions::default()),
            status_f: b.add_facet_field("status_f", FacetOptions::default()),
            tag_f: b.add_facet_field("tag_f", FacetOptions::default()),
            status: b.add_u64_field("status", FAST),
            agency: b.add_i64_field("agency", INDEXED | FAST),
            budget_min: b.add_i64_field("budget_min", INDEXED | FAST),
            budget_max: b.add_i64_field("budget_max", INDEXED | FAST),
            deadline: b.add_i64_field("deadline", INDEXED | FAST),
            published: b.add_i64_field("published", INDEXED | FAST),
        };
        let scenario_schema = b.build();
        let mut b = Schema::builder();
        let v = VendorFields {
            id: b.add_i64_field("id", INDEXED | STORED | FAST),
            name: b.add_text_field("name", text(false)),
            description: b.add_text_field("description", text(false)),
            capabilities: b.add_text_field("capabilities", text(false)),
            cap_f: b.add_facet_field("cap_f", FacetOptions::default()),
            opc_f: b.add_facet_field("opc_f", FacetOptions::default()),
            reputation: b.add_f64_field("reputation", FAST),
        };
        let vendor_schema = b.build();
        let at = |name: &str| dir.map(|d| d.join(LAYOUT).join(name));
        Ok(TantivyIndex {
            scenarios: Part::open(
                at("scenarios").as_deref(),
                scenario_schema,
                &["domain_f", "status_f", "tag_f"],
            )?,
            vendors: Part::open(at("vendors").as_deref(), vendor_schema, &["opc_f"])?,
            s,
            v,
            synonyms: RwLock::new(vec![]),
        })
    }

    fn scenario_document(&self, d: &ScenarioDoc) -> TantivyDocument {
        let f = &self.s;
        let mut doc = TantivyDocument::default();
        doc.add_i64(f.id, d.id);
        doc.add_text(f.title, &d.title);
        doc.add_text(f.summary, &d.summary);
        doc.add_text(f.description, &d.description);
        doc.add_text(f.agency_name, &d.agency_name);
        for t in &d.tags {
            doc.add_text(f.tags, t);
            doc.add_facet(f.tag_f, facet(&fold(t)));
        }
        doc.add_facet(f.domain_f, facet(d.domain.code()));
        doc.add_facet(f.status_f, facet(d.status.code()));
        doc.add_u64(f.status, status_number(d.status));
        doc.add_i64(f.agency, d.agency_id);
        doc.add_i64(f.budget_min, d.budget_min_fen);
        doc.add_i64(f.budget_max, d.budget_max_fen);
        doc.add_i64(f.deadline, d.bid_deadline.timestamp_micros());
        doc.add_i64(f.published, d.published_at.timestamp_micros());
        doc
    }

    fn vendor_document(&self, d: &VendorDoc) -> TantivyDocument {
        let f = &self.v;
        let mut doc = TantivyDocument::default();
        doc.add_i64(f.id, d.id);
        doc.add_text(f.name, &d.name);
        doc.add_text(f.description, &d.description);
        for c in &d.capabilities {
            doc.add_text(f.capabilities, c);
            doc.add_facet(f.cap_f, facet(&fold(c)));
        }
        doc.add_facet(f.opc_f, facet(if d.opc_member { "yes" } else { "no" }));
        doc.add_f64(f.reputation, d.rating_average.unwrap_or(0.0));
        doc
    }

    /// The clauses every result must meet for `text`: one per query word (or per synonym
    /// group found in the text), each matching any of `fields`.
    fn text_clauses(
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
        for group in &groups {
            let mut members: Vec<&String> = group.iter().collect();
            members.sort_by_key(|m| std::cmp::Reverse(m.chars().count()));
            let Some((found, at)) = members
                .into_iter()
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

    fn scenario_query(
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
    fn status_filter(&self, statuses: &[Status], now: DateTime<Utc>) -> Box<dyn Query> {
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

    /// One pass over the matching documents: the page in the asked order, the count and the
    /// facets together.
    fn collect(
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
                let open = status_number(Status::Published);
                let ranked = top().tweak_score(move |seg: &SegmentReader| {
                    let status = seg
                        .fast_fields()
                        .u64("status")
                        .ok()
                        .map(|c| c.first_or_default_col(0));
                    let deadline = seg
                        .fast_fields()
                        .i64("deadline")
                        .ok()
                        .map(|c| c.first_or_default_col(0));
                    move |doc, score| match (&status, &deadline) {
                        (Some(s), Some(d)) if s.get_val(doc) == open && d.get_val(doc) > now => {
                            scale_text_score(score, OPEN_BOOST)
                        }
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
    fn snippets(
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

/// Where `term` stands in `text` as a term of its own: a Latin term not inside a longer Latin
/// word ("ai" is not in "drain"); Chinese has no spaces, so a Chinese term anywhere.
fn find_term(text: &str, term: &str) -> Option<usize> {
    if term.is_empty() {
        return None;
    }
    let latin = |c: char| c.is_ascii_alphanumeric();
    let mut from = 0;
    while let Some(p) = text[from..].find(term) {
        let at = from + p;
        let before = text[..at].chars().next_back();
        let after = text[at + term.len()..].chars().next();
        let edge_ok = |c: Option<char>, inner: Option<char>| match (c, inner) {
            (Some(c), Some(i)) if latin(i) => !latin(c),
            _ => true,
        };
        if edge_ok(before, term.chars().next()) && edge_ok(after, term.chars().next_back()) {
            return Some(at);
        }
        from = at + term.len();
    }
    None
}

/// A text without marks, cut at `max_chars`.
fn plain(text: &str, max_chars: usize) -> Snippet {
    Snippet {
        text: text.chars().take(max_chars).collect(),
        marks: vec![],
    }
}

/// The query of one word over `fields`: the word itself, and as a prefix when the reader is
/// still typing it (a Latin word, or a Chinese word of one or two characters: longer ones
/// come whole from the input method); Latin words of 5 or more letters also with typos (not
/// in the first letter). The terms a prefix or a typo stands for are looked up once here, in every segment's term
/// dictionary, so the query that runs holds only plain terms.
fn word_query(
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
        if typos > 0 {
            let fuzzy = FuzzyTermQuery::new(term.clone(), typos, true);
            if let Ok(dfa) = fuzzy.automaton() {
                variant(
                    variants(searcher, &term, |terms, bytes| {
                        // As with Meilisearch, the first letter is never the typo: this
                        // also keeps the walk to one branch of the dictionary.
                        let first = &bytes[..1];
                        let builder = terms.search(&dfa).ge(first);
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
    }
    Box::new(BooleanQuery::new(any))
}

/// Most terms a prefix or a typo stands for (the most frequent ones).
const MAX_VARIANTS: usize = 50;

/// The other terms of `term`'s field that `find` lists in each segment's term dictionary.
fn variants(
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
fn keys<A>(stream: std::io::Result<TermStreamer<'_, A>>) -> std::io::Result<Vec<(Vec<u8>, u32)>>
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
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

fn range(field: Field, lower: Bound<i64>, upper: Bound<i64>) -> Box<dyn Query> {
    let t = |v: i64| Term::from_field_i64(field, v);
    let map = |b: Bound<i64>| match b {
        Bound::Included(v) => Bound::Included(t(v)),
        Bound::Excluded(v) => Bound::Excluded(t(v)),
        Bound::Unbounded => Bound::Unbounded,
    };
    Box::new(RangeQuery::new(map(lower), map(upper)))
}

/// Most query words that count (a longer query is cut there).
const MAX_WORDS: usize = 10;

/// What each query word a document holds adds to its score: far above any text score, so
/// documents rank first by how many of the leading query words they hold, then by text score.
const WORD: f32 = 10_000.0;

/// The text's query, matching strategy "last" (as Meilisearch's default): documents with every
/// word first, then those without the last word, and so on down to the first word alone.
/// Nested, so each word is searched once: the first word, and optionally the rest of the
/// query (again the next word, and optionally the rest…), each word found adding [`WORD`].
fn matching_last(mut words: Vec<Box<dyn Query>>) -> Box<dyn Query> {
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
fn scale_text_score(score: f32, factor: f32) -> f32 {
    let words = (score / WORD).floor() * WORD;
    words + (score - words) * factor
}

/// The whole query (text and filters) and the text alone (for snippets).
fn combine(
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

fn facet(value: &str) -> Facet {
    // A value is one path segment: slashes inside it would make a deeper facet.
    Facet::from_path([value.replace('/', "／")])
}

fn status_number(s: Status) -> u64 {
    Status::ALL.iter().position(|x| *x == s).unwrap_or(0) as u64
}

fn id_of(doc: &TantivyDocument, field: Field) -> Option<i64> {
    doc.get_first(field).and_then(|v| v.as_i64())
}

impl SearchIndex for TantivyIndex {
    fn engine(&self) -> &'static str {
        "tantivy"
    }

    fn apply(&self, ops: &[IndexOp]) -> Result<()> {
        let (mut scenario_ops, mut vendor_ops) = (vec![], vec![]);
        for op in ops {
            match op {
                IndexOp::PutScenario(_) | IndexOp::Delete(DocRef::Scenario(_)) => {
                    scenario_ops.push(op)
                }
                IndexOp::PutVendor(_) | IndexOp::Delete(DocRef::Vendor(_)) => vendor_ops.push(op),
            }
        }
        if !scenario_ops.is_empty() {
            self.scenarios.write(|w| {
                for op in scenario_ops {
                    match op {
                        IndexOp::PutScenario(d) => {
                            w.delete_term(Term::from_field_i64(self.s.id, d.id));
                            w.add_document(self.scenario_document(d))?;
                        }
                        IndexOp::Delete(d) => {
                            w.delete_term(Term::from_field_i64(self.s.id, d.id()));
                        }
                        IndexOp::PutVendor(_) => {}
                    }
                }
                Ok(())
            })?;
        }
        if !vendor_ops.is_empty() {
            self.vendors.write(|w| {
                for op in vendor_ops {
                    match op {
                        IndexOp::PutVendor(d) => {
                            w.delete_term(Term::from_field_i64(self.v.id, d.id));
                            w.add_document(self.vendor_document(d))?;
                        }
                        IndexOp::Delete(d) => {
                            w.delete_term(Term::from_field_i64(self.v.id, d.id()));
                        }
                        IndexOp::PutScenario(_) => {}
                    }
                }
                Ok(())
            })?;
        }
        Ok(())
    }

    fn clear(&self) -> Result<()> {
        self.scenarios
            .write(|w| w.delete_all_documents().map(drop))?;
        self.vendors.write(|w| w.delete_all_documents().map(drop))
    }

    fn count(&self) -> Result<u64> {
        Ok(self.scenarios.count() + self.vendors.count())
    }

    fn search_scenarios(&self, q: &ScenarioSearch) -> Result<ScenarioHits> {
        let searcher = self.scenarios.reader.searcher();
        let (query, text_only) = self.scenario_query(&searcher, q);
        let (page, total, facets) = self.collect(&searcher, &*query, q)?;
        let [domain, status, tags]: [FacetCounts; 3] = facets
            .try_into()
            .map_err(|_| Error::internal("search index: three facet fields"))?;
        let title = self.snippets(&searcher, &*text_only, self.s.title, 200);
        let summary = self.snippets(&searcher, &*text_only, self.s.summary, 160);
        let mut hits = vec![];
        for addr in page {
            let doc: TantivyDocument = searcher.doc(addr).map_err(internal)?;
            let Some(id) = id_of(&doc, self.s.id) else {
                continue;
            };
            hits.push(ScenarioHit {
                id: ScenarioId(id),
                title: title(&doc),
                summary: summary(&doc),
            });
        }
        Ok(ScenarioHits {
            hits,
            total: total as u64,
            facets: ScenarioFacets {
                domain,
                status,
                tags,
            },
        })
    }

    fn search_vendors(&self, q: &VendorSearch) -> Result<VendorHits> {
        let f = &self.v;
        let searcher = self.vendors.reader.searcher();
        let text = self.text_clauses(
            &searcher,
            &q.text,
            &[(f.name, 3.0), (f.capabilities, 3.0), (f.description, 1.0)],
        );
        let mut filters: Vec<Box<dyn Query>> = vec![];
        for c in &q.capabilities {
            filters.push(Box::new(TermQuery::new(
                Term::from_facet(f.cap_f, &facet(&fold(c))),
                IndexRecordOption::Basic,
            )));
        }
        if let Some(opc) = q.opc_member {
            filters.push(Box::new(TermQuery::new(
                Term::from_facet(f.opc_f, &facet(if opc { "yes" } else { "no" })),
                IndexRecordOption::Basic,
            )));
        }
        let has_text = !text.is_empty();
        let (query, _) = combine(text, filters);
        let (total, facets) = searcher
            .search(&*query, &(Count, self.vendors.facets.counter()))
            .map_err(internal)?;
        // As for scenarios: an offset past the last document gives an empty page.
        let offset = q.offset.min(searcher.num_docs() as usize);
        let top = TopDocs::with_limit(q.limit.max(1)).and_offset(offset);
        let addrs: Vec<DocAddress> = if has_text {
            searcher
                .search(&*query, &top.order_by_score())
                .map_err(internal)?
                .into_iter()
                .map(|(_, a)| a)
                .collect()
        } else {
            searcher
                .search(
                    &*query,
                    &top.order_by_fast_field::<f64>("reputation", Order::Desc),
                )
                .map_err(internal)?
                .into_iter()
                .map(|(_, a)| a)
                .collect()
        };
        let mut ids = vec![];
        for a in addrs {
            let doc: TantivyDocument = searcher.doc(a).map_err(internal)?;
            if let Some(id) = id_of(&doc, f.id) {
                ids.push(OrganizationId(id));
            }
        }
        let opc_member = facets
            .into_iter()
            .flatten()
            .map(|(v, n)| (if v == "yes" { "true" } else { "false" }.to_string(), n))
            .collect();
        Ok(VendorHits {
            ids,
            total: total as u64,
            opc_member,
        })
    }

    fn set_synonyms(&self, groups: &[Vec<String>]) -> Result<()> {
        let folded: Vec<Vec<String>> = groups
            .iter()
            .map(|g| {
                g.iter()
                    .map(|m| fold(m.trim()))
                    .filter(|m| !m.is_empty())
                    .collect()
            })
            .filter(|g: &Vec<String>| g.len() > 1)
            .collect();
        *self.synonyms.write().map_err(internal)? = folded;
        Ok(())
    }

    fn analyze(&self, text: &str) -> Vec<String> {
        crate::analyzer::tokens(text)
    }

    fn health(&self) -> Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
