//! The Meilisearch engine (through `meilisearch-sdk`), answering the same questions as the
//! built-in index in the same shape: two indexes, settings applied at start (idempotently),
//! the query folded the same way (width, script, case), matching strategy "last", typo and
//! prefix rules (Meilisearch's own, which the built-in index follows), the thesaurus as
//! `synonyms`, exact totals through page-based paging. Every write waits for its task, so a
//! change is searchable when `apply` returns. An engine that does not answer is
//! [`Error::Unavailable`].

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::error::{Error, Result};
use domain::ids::OrganizationId;
use domain::message::Message;
use domain::ports::SearchIndex;
use domain::scenario::{ScenarioId, Status};
use domain::search::{
    DocRef, IndexOp, ScenarioFacets, ScenarioHit, ScenarioHits, ScenarioSearch, ScenarioSort,
    VendorHits, VendorSearch, fold,
};
use meilisearch_sdk::client::Client;
use meilisearch_sdk::errors::Error as MeiliError;
use meilisearch_sdk::search::{MatchingStrategies, Selectors};
use meilisearch_sdk::settings::{FacetingSettings, PaginationSetting, Settings};
use meilisearch_sdk::task_info::TaskInfo;
use serde::Serialize;

mod entries;
mod http;

use entries::{IdOnly, POST_TAG, PRE_TAG, ScenarioEntry, VendorEntry, counts, page_of, snippet};

const SCENARIOS: &str = "scenarios";
const VENDORS: &str = "vendors";
const TASK_TIMEOUT: Duration = Duration::from_secs(60);

/// The Meilisearch engine.
pub struct MeiliIndex {
    client: Client<http::Http>,
    /// The SDK's runtime (an `Option` only so that `Drop` can shut it down from anywhere).
    runtime: Option<tokio::runtime::Runtime>,
    /// The uids of the two indexes (`scenarios`, `vendors`, with a prefix for tests).
    scenarios: String,
    vendors: String,
    /// Whether the settings were applied (tried again at each use until they are, so that an
    /// engine that was down at start is set up when it answers).
    prepared: std::sync::atomic::AtomicBool,
    /// The thesaurus last asked for (term → its equivalents), applied with the settings, so
    /// that one given while the engine was down is applied when it answers.
    synonyms: std::sync::Mutex<Option<HashMap<String, Vec<String>>>>,
}

fn unavailable(e: impl std::fmt::Display) -> Error {
    tracing::warn!(error = %e, "Meilisearch did not answer");
    Error::Unavailable(Message::new(
        "搜索服务暂时不可用，请稍后再试",
        "the search engine does not answer; please try again shortly",
    ))
}

fn failed(e: MeiliError) -> Error {
    match e {
        MeiliError::MeilisearchCommunication(_) | MeiliError::Timeout => unavailable(e),
        MeiliError::HttpError(_) => unavailable(e),
        other => Error::internal(format!("Meilisearch: {other}")),
    }
}

/// Text in a filter expression, quoted.
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

impl MeiliIndex {
    /// A client of the engine at `url`; the index settings are applied (idempotently: the same
    /// settings again change nothing) at once if the engine answers, else at its first use
    /// after it does. `prefix` names the indexes (empty in production; a test's own in tests,
    /// which share one server).
    pub fn connect(url: &str, key: Option<&str>, prefix: &str) -> Result<MeiliIndex> {
        Self::connect_trusting(url, key, prefix, None)
    }

    /// As [`MeiliIndex::connect`], trusting the CA certificates in `ca_file` (PEM) beside the
    /// public roots, for an engine behind https with a private CA.
    pub fn connect_trusting(
        url: &str,
        key: Option<&str>,
        prefix: &str,
        ca_file: Option<&std::path::Path>,
    ) -> Result<MeiliIndex> {
        let http = http::Http::new(key, ca_file).map_err(Error::internal)?;
        let client = Client::new_with_client(url, key, http);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("meilisearch")
            .enable_all()
            .build()
            .map_err(Error::internal)?;
        let me = MeiliIndex {
            client,
            runtime: Some(runtime),
            scenarios: format!("{prefix}{SCENARIOS}"),
            vendors: format!("{prefix}{VENDORS}"),
            prepared: std::sync::atomic::AtomicBool::new(false),
            synonyms: std::sync::Mutex::new(None),
        };
        if let Err(e) = me.ready() {
            tracing::warn!(error = %e, "Meilisearch is not set up yet; it will be at its first use");
        }
        Ok(me)
    }

    /// Applies the settings once.
    fn ready(&self) -> Result<()> {
        use std::sync::atomic::Ordering;
        if self.prepared.load(Ordering::Acquire) {
            return Ok(());
        }
        self.prepare()?;
        self.prepared.store(true, Ordering::Release);
        Ok(())
    }

    /// Runs a call of the SDK to its end. Called from blocking threads (the service calls run
    /// there); called from async code (the server's start), it runs on a thread of its own so
    /// as not to block the caller's runtime.
    fn block<T: Send>(
        &self,
        f: impl std::future::Future<Output = std::result::Result<T, MeiliError>> + Send,
    ) -> Result<T> {
        self.block_raw(f)?.map_err(failed)
    }

    fn block_raw<T: Send>(
        &self,
        f: impl std::future::Future<Output = std::result::Result<T, MeiliError>> + Send,
    ) -> Result<std::result::Result<T, MeiliError>> {
        let runtime = self.runtime.as_ref().expect("present until dropped");
        let run = || runtime.block_on(f);
        if tokio::runtime::Handle::try_current().is_ok() {
            std::thread::scope(|s| s.spawn(run).join())
                .map_err(|_| Error::internal("a Meilisearch call panicked"))
        } else {
            Ok(run())
        }
    }

    /// A search: asked once more, after a short pause, when the request did not get through
    /// (an HTTP connection the engine had just closed is the usual cause); a second failure
    /// is the engine being away.
    fn block_search<T: Send, F>(&self, make: impl Fn() -> F) -> Result<T>
    where
        F: std::future::Future<Output = std::result::Result<T, MeiliError>> + Send,
    {
        match self.block_raw(make())? {
            Err(e @ (MeiliError::HttpError(_) | MeiliError::MeilisearchCommunication(_))) => {
                tracing::info!(error = %e, "a Meilisearch search did not get through; asking again");
                std::thread::sleep(Duration::from_millis(50));
                self.block(make())
            }
            other => other.map_err(failed),
        }
    }
    fn wait(&self, task: TaskInfo) -> Result<()> {
        let task = self.block(task.wait_for_completion(
            &self.client,
            Some(Duration::from_millis(20)),
            Some(TASK_TIMEOUT),
        ))?;
        if task.is_failure() {
            return Err(Error::internal(format!(
                "Meilisearch task failed: {:?}",
                task.unwrap_failure()
            )));
        }
        Ok(())
    }

    fn prepare(&self) -> Result<()> {
        for uid in [&self.scenarios, &self.vendors] {
            let task = self.block(self.client.create_index(uid, Some("id")))?;
            // An index that exists already makes this task fail harmlessly.
            let _ = self.block(task.wait_for_completion(&self.client, None, Some(TASK_TIMEOUT)));
        }
        let synonyms = self.wanted_synonyms();
        let common = |s: Settings| {
            let s = s
                .with_pagination(PaginationSetting {
                    max_total_hits: 1_000_000,
                })
                .with_faceting(FacetingSettings {
                    max_values_per_facet: 100,
                    sort_facet_values_by: None,
                });
            match &synonyms {
                Some(map) => s.with_synonyms(map.clone()),
                None => s,
            }
        };
        let scenarios = common(Settings::new())
            .with_searchable_attributes(["title", "tags", "summary", "agency_name", "description"])
            .with_filterable_attributes([
                "domain",
                "status",
                "tags",
                "agency_id",
                "budget_min_fen",
                "budget_max_fen",
                "deadline",
            ])
            .with_sortable_attributes(["deadline", "published", "budget_max_fen"])
            .with_ranking_rules([
                "words",
                "typo",
                "proximity",
                "attribute",
                "sort",
                "exactness",
                "open:desc",
            ]);
        let task = self.block(self.client.index(&self.scenarios).set_settings(&scenarios))?;
        self.wait(task)?;
        let vendors = common(Settings::new())
            .with_searchable_attributes(["name", "capabilities", "description"])
            .with_filterable_attributes(["capabilities", "opc_member"])
            .with_sortable_attributes(["reputation"]);
        let task = self.block(self.client.index(&self.vendors).set_settings(&vendors))?;
        self.wait(task)
    }

    fn wanted_synonyms(&self) -> Option<HashMap<String, Vec<String>>> {
        self.synonyms
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn filter(&self, q: &ScenarioSearch) -> String {
        let mut all: Vec<String> = vec![];
        if !q.domains.is_empty() {
            let list: Vec<String> = q.domains.iter().map(|d| quoted(d.code())).collect();
            all.push(format!("domain IN [{}]", list.join(", ")));
        }
        if !q.statuses.is_empty() {
            let now = micros(q.now);
            let any: Vec<String> = q
                .statuses
                .iter()
                .map(|s| match s {
                    Status::Published => format!("(status = published AND deadline > {now})"),
                    Status::Evaluating => format!(
                        "(status = evaluating OR (status = published AND deadline <= {now}))"
                    ),
                    other => format!("status = {}", other.code()),
                })
                .collect();
            all.push(format!("({})", any.join(" OR ")));
        }
        for t in &q.tags {
            all.push(format!("tags = {}", quoted(t)));
        }
        if let Some(min) = q.budget_min_fen {
            all.push(format!("budget_max_fen >= {min}"));
        }
        if let Some(max) = q.budget_max_fen {
            all.push(format!("budget_min_fen <= {max}"));
        }
        if let Some(t) = q.deadline_after {
            all.push(format!("deadline >= {}", micros(t)));
        }
        if let Some(t) = q.deadline_before {
            all.push(format!("deadline <= {}", micros(t)));
        }
        if let Some(a) = q.agency {
            all.push(format!("agency_id = {}", a.0));
        }
        all.join(" AND ")
    }

    fn put<T: Serialize + Send + Sync>(&self, uid: &str, entries: Vec<T>) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let task = self.block(self.client.index(uid).add_or_replace(&entries, Some("id")))?;
        self.wait(task)
    }

    fn delete(&self, uid: &str, ids: Vec<i64>) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let task = self.block(self.client.index(uid).delete_documents(&ids))?;
        self.wait(task)
    }
}

impl Drop for MeiliIndex {
    fn drop(&mut self) {
        // Dropping a runtime inside async code panics; this way works everywhere.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

impl SearchIndex for MeiliIndex {
    fn engine(&self) -> &'static str {
        "meilisearch"
    }

    fn apply(&self, ops: &[IndexOp]) -> Result<()> {
        self.ready()?;
        let (mut scenarios, mut vendors, mut gone_s, mut gone_v) = (vec![], vec![], vec![], vec![]);
        for op in ops {
            match op {
                IndexOp::PutScenario(d) => scenarios.push(ScenarioEntry {
                    id: d.id,
                    title: d.title.clone(),
                    summary: d.summary.clone(),
                    description: d.description.clone(),
                    tags: d.tags.clone(),
                    agency_name: d.agency_name.clone(),
                    domain: d.domain.code().to_string(),
                    status: d.status.code().to_string(),
                    agency_id: d.agency_id,
                    budget_min_fen: d.budget_min_fen,
                    budget_max_fen: d.budget_max_fen,
                    deadline: micros(d.bid_deadline),
                    published: micros(d.published_at),
                    open: d.open_at(Utc::now()),
                }),
                IndexOp::PutVendor(d) => vendors.push(VendorEntry {
                    id: d.id,
                    name: d.name.clone(),
                    description: d.description.clone(),
                    capabilities: d.capabilities.clone(),
                    opc_member: d.opc_member,
                    reputation: d.rating_average.unwrap_or(0.0),
                }),
                IndexOp::Delete(DocRef::Scenario(id)) => gone_s.push(id.0),
                IndexOp::Delete(DocRef::Vendor(id)) => gone_v.push(id.0),
            }
        }
        self.put(&self.scenarios, scenarios)?;
        self.put(&self.vendors, vendors)?;
        self.delete(&self.scenarios, gone_s)?;
        self.delete(&self.vendors, gone_v)
    }

    fn clear(&self) -> Result<()> {
        self.ready()?;
        for uid in [&self.scenarios, &self.vendors] {
            let task = self.block(self.client.index(uid).delete_all_documents())?;
            self.wait(task)?;
        }
        Ok(())
    }

    fn count(&self) -> Result<u64> {
        self.ready()?;
        let mut n = 0;
        for uid in [&self.scenarios, &self.vendors] {
            n += self
                .block(self.client.index(uid).get_stats())?
                .number_of_documents as u64;
        }
        Ok(n)
    }

    fn search_scenarios(&self, q: &ScenarioSearch) -> Result<ScenarioHits> {
        self.ready()?;
        let index = self.client.index(&self.scenarios);
        let text = fold(&q.text);
        let filter = self.filter(q);
        let sort: &[&str] = match q.sort {
            ScenarioSort::Relevance if text.is_empty() => &["published:desc"],
            ScenarioSort::Relevance => &[],
            ScenarioSort::DeadlineSoonest => &["deadline:asc"],
            ScenarioSort::Newest => &["published:desc"],
            ScenarioSort::BudgetHighest => &["budget_max_fen:desc"],
        };
        let (page, per_page) = page_of(q.offset, q.limit);
        let found = self.block_search(|| async {
            let mut s = index.search();
            s.with_query(&text)
                .with_matching_strategy(MatchingStrategies::LAST)
                .with_page(page)
                .with_hits_per_page(per_page)
                .with_facets(Selectors::Some(&["domain", "status", "tags"]))
                .with_attributes_to_retrieve(Selectors::Some(&["id"]))
                .with_attributes_to_highlight(Selectors::Some(&["title", "summary"]))
                .with_highlight_pre_tag(PRE_TAG)
                .with_highlight_post_tag(POST_TAG);
            if !filter.is_empty() {
                s.with_filter(&filter);
            }
            if !sort.is_empty() {
                s.with_sort(sort);
            }
            s.execute::<IdOnly>().await
        })?;
        let hits = found
            .hits
            .iter()
            .map(|h| {
                let f = h.formatted_result.as_ref();
                ScenarioHit {
                    id: ScenarioId(h.result.id),
                    title: snippet(f.and_then(|f| f.get("title")), 200),
                    summary: snippet(f.and_then(|f| f.get("summary")), 160),
                }
            })
            .collect();
        let facets = found.facet_distribution.as_ref();
        Ok(ScenarioHits {
            hits,
            total: found.total_hits.unwrap_or(0) as u64,
            facets: ScenarioFacets {
                domain: counts(facets.and_then(|f| f.get("domain"))),
                status: counts(facets.and_then(|f| f.get("status"))),
                tags: counts(facets.and_then(|f| f.get("tags"))),
            },
        })
    }

    fn search_vendors(&self, q: &VendorSearch) -> Result<VendorHits> {
        self.ready()?;
        let index = self.client.index(&self.vendors);
        let text = fold(&q.text);
        let mut all: Vec<String> = q
            .capabilities
            .iter()
            .map(|c| format!("capabilities = {}", quoted(c)))
            .collect();
        if let Some(opc) = q.opc_member {
            all.push(format!("opc_member = {opc}"));
        }
        let filter = all.join(" AND ");
        let (page, per_page) = page_of(q.offset, q.limit);
        let by_reputation: &[&str] = &["reputation:desc"];
        let found = self.block_search(|| async {
            let mut s = index.search();
            s.with_query(&text)
                .with_matching_strategy(MatchingStrategies::LAST)
                .with_page(page)
                .with_hits_per_page(per_page)
                .with_facets(Selectors::Some(&["opc_member"]))
                .with_attributes_to_retrieve(Selectors::Some(&["id"]));
            if !filter.is_empty() {
                s.with_filter(&filter);
            }
            if text.is_empty() {
                s.with_sort(by_reputation);
            }
            s.execute::<IdOnly>().await
        })?;
        Ok(VendorHits {
            ids: found
                .hits
                .iter()
                .map(|h| OrganizationId(h.result.id))
                .collect(),
            total: found.total_hits.unwrap_or(0) as u64,
            opc_member: counts(
                found
                    .facet_distribution
                    .as_ref()
                    .and_then(|f| f.get("opc_member")),
            ),
        })
    }

    fn set_synonyms(&self, groups: &[Vec<String>]) -> Result<()> {
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        for g in groups {
            let terms: Vec<String> = g
                .iter()
                .map(|t| fold(t.trim()))
                .filter(|t| !t.is_empty())
                .collect();
            for t in &terms {
                let others = map.entry(t.clone()).or_default();
                for o in &terms {
                    if o != t && !others.contains(o) {
                        others.push(o.clone());
                    }
                }
            }
        }
        *self.synonyms.lock().unwrap_or_else(|e| e.into_inner()) = Some(map.clone());
        if !self.prepared.load(std::sync::atomic::Ordering::Acquire) {
            // Applied with the settings, now or when the engine answers.
            return self.ready();
        }
        let applied = [&self.scenarios, &self.vendors]
            .into_iter()
            .try_for_each(|uid| {
                let task = self.block(
                    self.client
                        .index(uid)
                        .set_settings(&Settings::new().with_synonyms(map.clone())),
                )?;
                self.wait(task)
            });
        if applied.is_err() {
            // Set up again (with this thesaurus) at the next use.
            self.prepared
                .store(false, std::sync::atomic::Ordering::Release);
        }
        applied
    }

    fn health(&self) -> Result<()> {
        self.block(self.client.health()).map(drop)
    }
}

impl domain::ports::Analysis for MeiliIndex {
    fn analyze(&self, text: &str) -> Vec<String> {
        crate::analyzer::tokens(text)
    }
}
