//! The use cases. Each public method is one service call: it authorises through
//! [`domain::policy`], runs in one transaction, appends to the audit trail when it changes
//! state, and writes the jobs its change causes in that same transaction.

pub mod accounts;
pub mod bids;
pub mod challenges;
pub mod contracts;
pub mod evaluation;
pub mod feeds;
pub mod invitations;
pub mod mailing;
pub mod notifications;
pub mod ocds;
pub mod profiles;
pub mod reports;
pub mod scenarios;
pub mod search;
pub mod subscriptions;
pub mod teams;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use domain::audit::AuditDraft;
use domain::error::Result;
use domain::ids::IdGenerator;
use domain::job::{Job, NewJob};
use domain::ports::{Clock, Store, Tx};
use domain::security::LoginThrottle;

/// Settings of the account rules.
#[derive(Debug, Clone)]
pub struct AuthPolicy {
    /// How long a refresh token may be exchanged.
    pub refresh_ttl: Duration,
    /// How long a password-reset link works.
    pub reset_ttl: Duration,
    pub throttle: LoginThrottle,
    /// The site's public address, for links in e-mails (no trailing slash).
    pub public_base_url: String,
    /// The key that signs unsubscribe links (they work without signing in).
    pub link_secret: Vec<u8>,
}

impl Default for AuthPolicy {
    fn default() -> Self {
        Self {
            refresh_ttl: Duration::days(30),
            reset_ttl: Duration::hours(1),
            throttle: LoginThrottle::default(),
            public_base_url: "http://127.0.0.1:8080".into(),
            link_secret: b"scenario-market development link key".to_vec(),
        }
    }
}

/// Settings of the marketplace rules.
#[derive(Debug, Clone)]
pub struct MarketPolicy {
    /// The shortest time between publishing and the bid deadline (none by default).
    pub min_bid_window: Duration,
    /// The smallest evaluation panel (lighter procedures: 3).
    pub min_panel_size: usize,
    /// A score this many points from the other evaluators' mean is flagged.
    pub outlier_points: f64,
    /// A bid more than this share below the mean of the other valid bids is abnormally low.
    pub low_price_share: f64,
    /// The OPC community's yearly pledge, in fen.
    pub opc_pledge_fen: i64,
    /// The prefix of the open-contracting ids (OCIDs) this site publishes.
    pub ocds_prefix: String,
    /// Working days (public holidays and make-up workdays), for periods counted in them.
    pub workdays: domain::workdays::WorkCalendar,
    /// The prior of the vendors' Bayesian reputation.
    pub reputation: domain::evaluation::ReputationPrior,
    /// Working days the owner has to accept or return a submitted milestone.
    pub review_working_days: u32,
}

impl Default for MarketPolicy {
    fn default() -> Self {
        Self {
            min_bid_window: Duration::zero(),
            min_panel_size: 3,
            outlier_points: 30.0,
            low_price_share: 0.2,
            opc_pledge_fen: domain::reports::OPC_PLEDGE_FEN,
            ocds_prefix: "ocds-qsai01".into(),
            workdays: domain::workdays::WorkCalendar::builtin(),
            reputation: domain::evaluation::ReputationPrior::default(),
            review_working_days: domain::contract::REVIEW_WORKING_DAYS,
        }
    }
}

/// What every service call needs: storage, time, ids and settings. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<IdGenerator>,
    pub auth: AuthPolicy,
    pub market: MarketPolicy,
    /// The scenario list's totals, kept while they hold (see [`scenarios::ListTotals`]).
    totals: Arc<scenarios::ListTotals>,
    /// The verified vendors' analysed profiles, kept between calls.
    profiles: Arc<profiles::VendorProfiles>,
    /// How matching cuts text into terms: the search engine's analysis.
    analysis: Arc<dyn domain::ports::Analysis>,
    /// The session checks kept while the store's session version stands.
    sessions: Arc<accounts::kept_sessions::KeptSessions>,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

impl Services {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        ids: Arc<IdGenerator>,
        auth: AuthPolicy,
        market: MarketPolicy,
    ) -> Self {
        Self {
            store,
            clock,
            ids,
            auth,
            market,
            totals: Arc::default(),
            profiles: Arc::default(),
            analysis: Arc::new(domain::ports::PlainWords),
            sessions: Arc::default(),
        }
    }

    /// Matching cuts text with `analysis` (the search engine's; plain words otherwise).
    pub fn with_analysis(mut self, analysis: Arc<dyn domain::ports::Analysis>) -> Self {
        self.analysis = analysis;
        self
    }

    /// The storage itself, for tests that must look beneath the services (or tamper with
    /// them). Nothing in the product calls it. As every reader of the audit chain does, it
    /// first chains the records that wait (PostgreSQL chains them just after each commit).
    #[doc(hidden)]
    pub fn store_for_tests(&self) -> &dyn Store {
        if let Err(e) = self.store.settle_audit() {
            tracing::warn!(error = %e, "chaining the audit records that wait");
        }
        &*self.store
    }

    /// Whether the database answers (for readiness).
    pub fn ping(&self) -> Result<()> {
        self.store.ping()
    }

    /// How many write transactions this process has committed (see [`Store::local_writes`]).
    pub fn local_writes(&self) -> u64 {
        self.store.local_writes()
    }

    /// The version public answers are kept against and the next bid deadline after now
    /// (when a kept answer about a scenario taking bids stops holding by itself).
    pub fn public_version(&self) -> Result<(i64, Option<DateTime<Utc>>)> {
        let now = self.now();
        domain::ports::in_read(&*self.store, |tx| {
            Ok((tx.scenario_version()?, tx.next_deadline_after(now)?))
        })
    }

    /// The database pool's (open, idle, most) connections, when pooled (for metrics).
    pub fn pool_state(&self) -> Option<(u32, u32, u32)> {
        self.store.pool_state()
    }

    /// How many user accounts exist (the seeding command reports what it added).
    pub fn count_users(&self) -> Result<i64> {
        domain::ports::in_read(&*self.store, |tx| tx.count_users())
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn next_id(&self) -> i64 {
        self.ids.next_at(self.clock.now())
    }
}

/// Records what happened inside the caller's transaction, all derived from the typed event:
/// the search documents to bring up to date, the public version, the notice for the
/// notification worker, the open-data release, and the audit record.
pub fn emit(
    tx: &mut dyn Tx,
    actor: Option<domain::ids::UserId>,
    event: domain::event::DomainEvent,
    now: DateTime<Utc>,
) -> Result<()> {
    for doc in event.search_documents() {
        tx.mark_for_index(doc, now)?;
    }
    if event.moves_public_version() {
        tx.bump_scenario_version()?;
    }
    if let Some(notice) = domain::notification::Notice::of(&event) {
        let stored = serde_json::to_string(&notice).map_err(domain::Error::internal)?;
        tx.enqueue_notice(&stored, now)?;
    }
    ocds::record_release(tx, &event, now)?;
    append_audit(tx, event.audit(actor), now)
}

/// Appends one record to the audit chain inside the caller's transaction.
fn append_audit(tx: &mut dyn Tx, draft: AuditDraft, now: DateTime<Utc>) -> Result<()> {
    tx.append_audit(draft.unsealed(now))
}

/// Writes a job due now inside the caller's transaction.
pub fn enqueue_now(tx: &mut dyn Tx, ids: &IdGenerator, job: Job, now: DateTime<Utc>) -> Result<()> {
    tx.enqueue(ids.next_at(now), &NewJob::now(job, now), now)
        .map(drop)
}
