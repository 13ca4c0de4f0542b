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

use std::path::Path;
use std::sync::{Arc, Mutex, RwLock, Weak};

use domain::error::{Error, Result};
use domain::ids::OrganizationId;
use domain::ports::SearchIndex;
use domain::scenario::{ScenarioId, Status};
use domain::search::{
    DocRef, FacetCounts, IndexOp, ScenarioDoc, ScenarioFacets, ScenarioHit, ScenarioHits,
    ScenarioSearch, VendorDoc, VendorHits, VendorSearch, fold,
};
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::{Query, TermQuery};
use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, Schema,
    TextFieldIndexing, TextOptions, Value,
};
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, SegmentReader,
    TantivyDocument, Term, Warmer,
};

use crate::analyzer::{self, ZH};

mod query;
use query::combine;
mod results;
use crate::facets::{self, FacetCache};

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
    /// Groups of equivalent terms, folded, each longest first (shared with the searches that
    /// read them).
    synonyms: RwLock<Arc<Vec<Vec<String>>>>,
}

struct Part {
    index: Index,
    reader: IndexReader,
    /// The facet fields' values (and for the scenarios, until when each is open), read as
    /// segments appear.
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
    fn open(
        dir: Option<&Path>,
        schema: Schema,
        facets: &[&'static str],
        key: Option<facets::Key>,
    ) -> Result<Part> {
        let index = match dir {
            Some(d) => {
                std::fs::create_dir_all(d).map_err(internal)?;
                let mmap = MmapDirectory::open(d).map_err(internal)?;
                Index::open_or_create(mmap, schema).map_err(internal)?
            }
            None => Index::create_in_ram(schema),
        };
        index.tokenizers().register(ZH, analyzer::analyzer(true));
        let facets = Arc::new(FacetCache::new(facets, key));
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

    /// Merges every segment into one, and waits for it. Each search visits every segment
    /// (each term looked up, each posting list opened, per field): a rebuild written in
    /// batches left a dozen at 100,000 scenarios, which the merge policy leaves as they are.
    fn merge_all(&self) -> Result<()> {
        let ids = self.index.searchable_segment_ids().map_err(internal)?;
        if ids.len() < 2 {
            return Ok(());
        }
        let mut slot = self.writer.lock().map_err(internal)?;
        let w = match slot.as_mut() {
            Some(w) => w,
            None => slot.insert(self.index.writer(WRITER_HEAP).map_err(internal)?),
        };
        w.merge(&ids).wait().map_err(internal)?;
        self.reader.reload().map_err(internal)
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
                Some(open_until),
            )?,
            vendors: Part::open(at("vendors").as_deref(), vendor_schema, &["opc_f"], None)?,
            s,
            v,
            synonyms: RwLock::new(Arc::new(vec![])),
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
}

fn facet(value: &str) -> Facet {
    // A value is one path segment: slashes inside it would make a deeper facet.
    Facet::from_path([value.replace('/', "／")])
}

/// Until when each scenario of `segment` counts as open, in microseconds: its deadline if it
/// is published, else never (relevance ranks open scenarios a little higher).
fn open_until(segment: &SegmentReader) -> tantivy::Result<Vec<i64>> {
    let fast = segment.fast_fields();
    let status = fast.u64("status")?.first_or_default_col(u64::MAX);
    let deadline = fast.i64("deadline")?.first_or_default_col(i64::MIN);
    let open = status_number(Status::Published);
    Ok((0..segment.max_doc())
        .map(|d| match status.get_val(d) == open {
            true => deadline.get_val(d),
            false => i64::MIN,
        })
        .collect())
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

    fn compact(&self) -> Result<()> {
        self.scenarios.merge_all()?;
        self.vendors.merge_all()
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
            .map(|mut g| {
                // Longest first: a search looks for the members in this order.
                g.sort_by_key(|m| std::cmp::Reverse(m.chars().count()));
                g
            })
            .collect();
        *self.synonyms.write().map_err(internal)? = Arc::new(folded);
        Ok(())
    }

    fn health(&self) -> Result<()> {
        Ok(())
    }
}

impl domain::ports::Analysis for TantivyIndex {
    fn analyze(&self, text: &str) -> Vec<String> {
        crate::analyzer::tokens(text)
    }
}
