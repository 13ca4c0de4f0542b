//! Search use cases: the documents built from the database, the indexer that drains the
//! outbox into the engine, the rebuild, and searches whose results are read fresh from the
//! database (so a change the index has not taken yet never shows stale or hidden data).

use std::collections::HashMap;
use std::sync::Arc;

use super::{Services, emit};
use crate::accounts::OrgPage;
use crate::scenarios::ScenarioView;
use domain::account::{OfferKind, OrgKind, Organization};
use domain::actor::Actor;
use domain::error::Result;
use domain::evaluation::{self as ev, Marks, Rating};
use domain::event::DomainEvent;
use domain::ids::OrganizationId;
use domain::policy;
use domain::ports::{IndexQueue, OrgFilter, ReadTx, ScenarioFilter, SearchIndex, in_read, in_tx};
use domain::scenario::{Scenario, ScenarioId};
use domain::search::{
    self, DocRef, IndexOp, ScenarioDoc, ScenarioFacets, ScenarioHit, ScenarioSearch, VendorDoc,
    VendorSearch,
};

/// How many documents go to the engine in one commit.
pub const BATCH: i64 = 500;

/// One scenario found, as its reader sees it now, with the matched words marked.
#[derive(Debug, Clone)]
pub struct ScenarioResult {
    pub view: ScenarioView,
    pub hit: ScenarioHit,
}

/// A page of scenarios found.
#[derive(Debug, Clone, Default)]
pub struct ScenarioResults {
    pub items: Vec<ScenarioResult>,
    pub total: u64,
    pub facets: ScenarioFacets,
}

/// The search engine and its outbox, with the services that read the database.
#[derive(Clone)]
pub struct Search {
    services: Services,
    index: Arc<dyn SearchIndex>,
    queue: Arc<dyn IndexQueue>,
    telemetry: Arc<dyn domain::ports::Telemetry>,
}

impl std::fmt::Debug for Search {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Search")
            .field("engine", &self.index.engine())
            .finish_non_exhaustive()
    }
}

impl Search {
    pub fn new(
        services: Services,
        index: Arc<dyn SearchIndex>,
        queue: Arc<dyn IndexQueue>,
    ) -> Self {
        Search {
            services,
            index,
            queue,
            telemetry: Arc::new(domain::ports::NoTelemetry),
        }
    }

    /// Reports search latencies to `telemetry` (the server's metrics).
    pub fn with_telemetry(mut self, telemetry: Arc<dyn domain::ports::Telemetry>) -> Self {
        self.telemetry = telemetry;
        self
    }

    /// Runs `f` and reports how long the engine took.
    fn timed<T>(&self, what: &'static str, f: impl FnOnce() -> Result<T>) -> Result<T> {
        let started = std::time::Instant::now();
        let out = f();
        self.telemetry
            .search(what, self.index.engine(), started.elapsed().as_secs_f64());
        out
    }

    /// `tantivy` or `meilisearch`.
    pub fn engine(&self) -> &'static str {
        self.index.engine()
    }

    /// The services' clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.services.now()
    }

    /// Whether the engine answers.
    pub fn health(&self) -> Result<()> {
        self.index.health()
    }

    /// How many documents wait for the engine.
    pub fn backlog(&self) -> Result<i64> {
        self.queue.backlog()
    }

    /// Gives the engine one batch of waiting documents (one commit) and clears their entries.
    /// Returns how many were indexed; an engine that is down leaves them waiting.
    pub fn index_waiting(&self) -> Result<usize> {
        let waiting = self.queue.waiting(BATCH)?;
        if waiting.is_empty() {
            return Ok(0);
        }
        let docs: Vec<DocRef> = waiting.iter().map(|(d, _)| *d).collect();
        let ops = self.services.index_ops(&docs)?;
        self.index.apply(&ops)?;
        for (doc, at) in &waiting {
            self.queue.indexed(*doc, *at)?;
        }
        Ok(waiting.len())
    }

    /// Empties the index and fills it again from the database; returns the documents written.
    pub fn rebuild(&self) -> Result<u64> {
        self.index.clear()?;
        let mut written = 0u64;
        let mut offset = 0;
        loop {
            let docs = self.services.scenario_docs(offset, BATCH)?;
            let Some(docs) = docs else { break };
            written += docs.len() as u64;
            self.index.apply(&docs)?;
            offset += BATCH;
        }
        let mut offset = 0;
        loop {
            let Some(docs) = self.services.vendor_docs(offset, BATCH)? else {
                break;
            };
            written += docs.len() as u64;
            self.index.apply(&docs)?;
            offset += BATCH;
        }
        self.index.compact()?;
        Ok(written)
    }

    /// Rebuilds an empty index (at start); `None` when it held documents.
    pub fn rebuild_if_empty(&self) -> Result<Option<u64>> {
        if self.index.count()? > 0 {
            return Ok(None);
        }
        self.rebuild().map(Some)
    }

    /// Searches the scenarios. The page is read fresh from the database in one read; anything
    /// the reader may not see now is left out. The results carry no description (no result
    /// page shows one).
    pub fn scenarios(&self, viewer: Option<&Actor>, q: &ScenarioSearch) -> Result<ScenarioResults> {
        self.scenarios_read(viewer, q, false)
    }

    /// [`Self::scenarios`], with the descriptions when `description` (the feeds).
    pub(crate) fn scenarios_read(
        &self,
        viewer: Option<&Actor>,
        q: &ScenarioSearch,
        description: bool,
    ) -> Result<ScenarioResults> {
        let found = self.timed("scenarios", || self.index.search_scenarios(q))?;
        let ids: Vec<ScenarioId> = found.hits.iter().map(|h| h.id).collect();
        let mut views = self.services.views_of(viewer, &ids, description)?;
        let items = found
            .hits
            .into_iter()
            .filter_map(|hit| {
                views
                    .remove(&hit.id)
                    .map(|view| ScenarioResult { view, hit })
            })
            .collect();
        Ok(ScenarioResults {
            items,
            total: found.total,
            facets: found.facets,
        })
    }

    /// Every verified vendor ranked by fit to the owner's scenario, best first: the page from
    /// `offset` (at most `limit`), each with its score and reasons (see
    /// [`domain::recommend`]), and how many there are. Only the owner asks: the list says who
    /// could bid, not who did, so it reveals nothing sealed; to anyone else the scenario is
    /// forbidden or, if they may not even see it, not found. The vendors' analysed profiles are
    /// kept between calls ([`crate::profiles`]).
    pub fn recommended_vendors(
        &self,
        actor: &Actor,
        id: ScenarioId,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<domain::recommend::Recommendation>, usize)> {
        use domain::recommend::{Need, Signals};
        in_read(&*self.services.store, |tx| {
            let s = tx
                .scenario(id)?
                .filter(|s| policy::can_view_scenario(Some(actor), s))
                .ok_or(domain::Error::NotFound)?;
            policy::require_scenario_owner(actor, &s)?;
            let analyze = |t: &str| self.services.analyze(t);
            let corpus = self.services.vendor_corpus(tx)?;
            // The vendors' record in this domain: awards, and the ratings of those awards.
            let mut records: domain::recommend::Records = HashMap::new();
            let mut marks: HashMap<OrganizationId, (f64, u32)> = HashMap::new();
            for (scenario, vendor) in tx.awards_in_domain(s.domain)? {
                records.entry(vendor).or_default().awards += 1;
                if let Some(r) = tx.rating_of_scenario(scenario)? {
                    let m = marks.entry(r.vendor).or_default();
                    m.0 += f64::from(r.quality + r.timeliness + r.communication) / 3.0;
                    m.1 += 1;
                }
            }
            for (vendor, (sum, n)) in marks {
                records.entry(vendor).or_default().rating = Some((sum / f64::from(n), n));
            }
            let need = Need::of_scenario(
                s.domain,
                s.tags,
                &s.title,
                &s.summary,
                &s.description,
                &analyze,
            );
            let (ranked, all) =
                corpus.rank_top(&need, Signals::ALL, &records, offset.saturating_add(limit));
            let page = ranked.iter().skip(offset).take(limit).map(|r| r.index);
            let page = corpus.explain(&need, Signals::ALL, &records, page);
            Ok((page, all))
        })
    }

    /// Teams for a verified vendor looking at a scenario open for bids: itself and partners
    /// among the verified vendors open to teaming that together cover what the scenario needs
    /// (see [`domain::team::suggest`]), each partner's fit the recommendation's score. Whether
    /// anyone bid or joined a consortium plays no part (it is sealed), so the list tells
    /// nothing of it. A page from `offset`, and how many there are.
    pub fn team_suggestions(
        &self,
        actor: &Actor,
        id: ScenarioId,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<domain::team::Team>, Vec<OfferKind>, usize)> {
        use domain::recommend::{Need, Signals};
        use domain::team::Candidate;
        let now = self.services.now();
        in_read(&*self.services.store, |tx| {
            let s = tx.scenario(id)?;
            let (s, me) = crate::Services::may_bid_on(tx, actor, s, now)?;
            let open: HashMap<OrganizationId, bool> = tx
                .organizations(&OrgFilter {
                    kind: Some(OrgKind::Vendor),
                    verified: Some(true),
                    limit: 100_000,
                    ..Default::default()
                })?
                .0
                .into_iter()
                .map(|o| (o.id, o.open_to_teaming))
                .collect();
            let analyze = |t: &str| self.services.analyze(t);
            let corpus = self.services.vendor_corpus(tx)?;
            let facets = domain::team::facets(&s);
            let need = Need::of_scenario(
                s.domain,
                s.tags.clone(),
                &s.title,
                &s.summary,
                &s.description,
                &analyze,
            );
            let mut mine = None;
            let mut others = vec![];
            for r in corpus.rank(&need, Signals::ALL, &HashMap::new()) {
                let p = corpus.profile(r.index);
                let c = Candidate {
                    vendor: p.id,
                    opc_member: p.opc_member,
                    offers: p.offers.kinds.clone(),
                    fit: r.score,
                    reputation: p.rating_in_domain.map(|(m, _)| m),
                };
                if p.id == me.id {
                    mine = Some(c);
                } else if open.get(&p.id).copied().unwrap_or(false) {
                    others.push(c);
                }
            }
            let mine = mine.unwrap_or(Candidate {
                vendor: me.id,
                opc_member: me.opc_member,
                offers: me.offer_kinds.clone(),
                fit: 0.0,
                reputation: None,
            });
            let teams = domain::team::suggest(&facets, &mine, &others, usize::MAX);
            let total = teams.len();
            let page = teams.into_iter().skip(offset).take(limit).collect();
            Ok((page, facets, total))
        })
    }

    /// Searches the vendor directory; the organizations are read fresh. A long query (a
    /// pasted title or sentence) is ranked by the matching's judgement over all its words and
    /// what they mean, vendors that can deliver first; a short one goes through the engine,
    /// word by word as typed.
    pub fn vendors(&self, q: &VendorSearch) -> Result<OrgPage> {
        let analyze = |t: &str| self.services.analyze(t);
        if domain::recommend::long_query(&analyze(&q.text)) {
            return self.vendors_by_meaning(q, &analyze);
        }
        let found = self.timed("vendors", || self.index.search_vendors(q))?;
        // One query for the page, then the engine's order.
        let mut orgs: HashMap<OrganizationId, Organization> =
            in_read(&*self.services.store, |tx| tx.organizations_of(&found.ids))?
                .into_iter()
                .filter(|o| o.kind == OrgKind::Vendor && o.verified)
                .map(|o| (o.id, o))
                .collect();
        let items = found.ids.iter().filter_map(|id| orgs.remove(id)).collect();
        Ok(OrgPage {
            items,
            total: found.total as i64,
        })
    }

    fn vendors_by_meaning(
        &self,
        q: &VendorSearch,
        analyze: &dyn Fn(&str) -> Vec<String>,
    ) -> Result<OrgPage> {
        use domain::recommend::{Need, Signals};
        let wanted_caps: Vec<String> = q.capabilities.iter().map(|c| search::fold(c)).collect();
        in_read(&*self.services.store, |tx| {
            let corpus = self.services.vendor_corpus(tx)?;
            let need = Need::of_query(&q.text, analyze);
            let found: Vec<OrganizationId> = corpus
                .rank(&need, Signals::ALL, &HashMap::new())
                .into_iter()
                .filter(|r| r.score > 0.0)
                .map(|r| corpus.profile(r.index))
                .filter(|p| q.opc_member.is_none_or(|o| p.opc_member == o))
                .filter(|p| {
                    wanted_caps
                        .iter()
                        .all(|c| p.capabilities.iter().any(|x| search::fold(x) == *c))
                })
                .map(|p| p.id)
                .collect();
            let mut items = Vec::with_capacity(q.limit);
            for id in found.iter().skip(q.offset).take(q.limit) {
                if let Some(o) = tx.organization(*id)?
                    && o.kind == OrgKind::Vendor
                    && o.verified
                {
                    items.push(o);
                }
            }
            Ok(OrgPage {
                items,
                total: found.len() as i64,
            })
        })
    }

    /// Gives the engine the thesaurus in force (at start).
    pub fn load_synonyms(&self) -> Result<()> {
        let groups = self.services.synonyms()?;
        self.index.set_synonyms(&groups)
    }

    /// An administrator saves the thesaurus; it applies to searches at once, without a
    /// rebuild. Returns the groups as stored. The save stands even when the engine does not
    /// answer: the engine is given the thesaurus when it does (see `SearchIndex::set_synonyms`).
    pub fn save_synonyms(&self, actor: &Actor, raw: &[Vec<String>]) -> Result<Vec<Vec<String>>> {
        let groups = self.services.save_synonyms(actor, raw)?;
        if let Err(e) = self.index.set_synonyms(&groups) {
            tracing::warn!(error = %e, "the thesaurus is saved; the search engine gets it when it answers");
        }
        Ok(groups)
    }
}

impl Services {
    /// The thesaurus in force: as administrators saved it, or the shipped one.
    pub fn synonyms(&self) -> Result<Vec<Vec<String>>> {
        in_read(&*self.store, |tx| {
            Ok(tx.synonyms()?.unwrap_or_else(search::default_synonyms))
        })
    }

    /// Checks and stores a thesaurus (administrators only); every bad group or term is named.
    pub fn save_synonyms(&self, actor: &Actor, raw: &[Vec<String>]) -> Result<Vec<Vec<String>>> {
        policy::require_admin(actor)?;
        let groups = search::check_synonyms(raw)?;
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let before = tx.synonyms()?.unwrap_or_else(search::default_synonyms);
            tx.save_synonyms(&groups, actor.user_id, now)?;
            emit(
                tx,
                Some(actor.user_id),
                DomainEvent::SynonymsChanged {
                    before,
                    after: groups.clone(),
                },
                now,
            )
        })?;
        Ok(groups)
    }

    /// Marks every scenario ever published and every vendor for indexing, so that the worker
    /// of a running server brings its index up to date. Returns how many were marked.
    pub fn mark_all_for_index(&self) -> Result<usize> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let mut docs = vec![];
            for offset in (0..).step_by(BATCH as usize) {
                let (rows, _) = tx.scenario_page(&every_published(now, offset, BATCH))?;
                if rows.is_empty() {
                    break;
                }
                docs.extend(rows.iter().map(|r| DocRef::Scenario(r.scenario.id)));
            }
            for offset in (0..).step_by(BATCH as usize) {
                let (orgs, _) = tx.organizations(&OrgFilter {
                    kind: Some(OrgKind::Vendor),
                    offset,
                    limit: BATCH,
                    ..Default::default()
                })?;
                if orgs.is_empty() {
                    break;
                }
                docs.extend(orgs.iter().map(|o| DocRef::Vendor(o.id)));
            }
            for d in &docs {
                tx.mark_for_index(*d, now)?;
            }
            Ok(docs.len())
        })
    }

    /// What the index must hold for these documents now: put, or delete when a document may
    /// not be searched (a draft, a cancelled scenario, an unverified or vanished vendor).
    pub fn index_ops(&self, docs: &[DocRef]) -> Result<Vec<IndexOp>> {
        in_read(&*self.store, |tx| {
            let mut names: HashMap<OrganizationId, String> = HashMap::new();
            let mut ops = Vec::with_capacity(docs.len());
            for d in docs {
                let op = match d {
                    DocRef::Scenario(id) => tx
                        .scenario(*id)?
                        .map(|s| self.scenario_doc(tx, &s, &mut names))
                        .transpose()?
                        .flatten()
                        .map(|doc| IndexOp::PutScenario(Box::new(doc))),
                    DocRef::Vendor(id) => self.vendor_doc(tx, *id)?.map(IndexOp::PutVendor),
                };
                ops.push(op.unwrap_or(IndexOp::Delete(*d)));
            }
            Ok(ops)
        })
    }

    fn scenario_doc(
        &self,
        tx: &mut dyn ReadTx,
        s: &Scenario,
        names: &mut HashMap<OrganizationId, String>,
    ) -> Result<Option<ScenarioDoc>> {
        let name = agency_name(tx, names, s.owner)?;
        Ok(ScenarioDoc::of(s, &name))
    }

    fn vendor_doc(&self, tx: &mut dyn ReadTx, id: OrganizationId) -> Result<Option<VendorDoc>> {
        let Some(o) = tx.organization(id)? else {
            return Ok(None);
        };
        let ratings = tx.ratings_of_vendor(id)?;
        let marks: Vec<Marks> = ratings.iter().map(Rating::marks).collect();
        let reputation = ev::reputation(&marks, self.market.reputation).map(|r| r.0);
        Ok(VendorDoc::of(&o, reputation, ratings.len() as i64))
    }

    /// A page of searchable scenario documents for a rebuild; `None` past the last page.
    fn scenario_docs(&self, offset: i64, limit: i64) -> Result<Option<Vec<IndexOp>>> {
        let now = self.now();
        in_read(&*self.store, |tx| {
            let (rows, _) = tx.scenario_page(&every_published(now, offset, limit))?;
            if rows.is_empty() {
                return Ok(None);
            }
            Ok(Some(
                rows.iter()
                    .filter_map(|r| ScenarioDoc::of(&r.scenario, &r.owner_name))
                    .map(|d| IndexOp::PutScenario(Box::new(d)))
                    .collect(),
            ))
        })
    }

    /// A page of searchable vendor documents for a rebuild; `None` past the last page.
    fn vendor_docs(&self, offset: i64, limit: i64) -> Result<Option<Vec<IndexOp>>> {
        in_read(&*self.store, |tx| {
            let (orgs, _) = tx.organizations(&OrgFilter {
                kind: Some(OrgKind::Vendor),
                verified: Some(true),
                offset,
                limit,
                ..Default::default()
            })?;
            if orgs.is_empty() {
                return Ok(None);
            }
            let mut out = Vec::with_capacity(orgs.len());
            for o in orgs {
                if let Some(d) = self.vendor_doc(tx, o.id)? {
                    out.push(IndexOp::PutVendor(d));
                }
            }
            Ok(Some(out))
        })
    }

    /// The scenarios of a result page as `viewer` sees them now, by id, their descriptions
    /// empty unless `description`; the ones it may not see are absent.
    pub(crate) fn views_of(
        &self,
        viewer: Option<&Actor>,
        ids: &[ScenarioId],
        description: bool,
    ) -> Result<HashMap<ScenarioId, ScenarioView>> {
        let now = self.now();
        // One read of three queries, whatever the page's size.
        let rows = in_read(&*self.store, |tx| tx.listed_scenarios(ids, description))?;
        Ok(rows
            .into_iter()
            // Only what may be searched now, whatever the index still holds.
            .filter(|r| {
                policy::can_view_scenario(viewer, &r.scenario)
                    && ScenarioDoc::searchable(&r.scenario)
            })
            .map(|r| (r.scenario.id, ScenarioView::listed(r, now)))
            .collect())
    }
}

/// An agency's name, each read once per transaction.
fn agency_name(
    tx: &mut dyn ReadTx,
    names: &mut HashMap<OrganizationId, String>,
    org: OrganizationId,
) -> Result<String> {
    if let Some(n) = names.get(&org) {
        return Ok(n.clone());
    }
    let n = tx.organization(org)?.map(|o| o.name).unwrap_or_default();
    names.insert(org, n.clone());
    Ok(n)
}

/// A page of every scenario ever published, whatever its state (for rebuilds and re-marking).
fn every_published(now: chrono::DateTime<chrono::Utc>, offset: i64, limit: i64) -> ScenarioFilter {
    ScenarioFilter {
        status: None,
        domain: None,
        agency: None,
        viewer_org: None,
        now,
        offset,
        limit,
    }
}
