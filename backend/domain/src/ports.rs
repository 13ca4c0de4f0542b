//! The ports: what the services need from the outside world. The `db` crate implements the
//! storage traits for SQLite and PostgreSQL; the server wires a [`Clock`].

use chrono::{DateTime, Utc};

use crate::account::{Organization, User};
use crate::audit::AuditRecord;
use crate::error::Result;
use crate::ids::{OrganizationId, SessionId, UserId};
use crate::job::NewJob;
use crate::sector::Sector;

/// The time, injectable so that tests can move it.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that always says the same time (for back-dated demo data).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// Opens transactions. Every service call that writes runs inside exactly one.
pub trait Store: Send + Sync {
    /// Runs `f` in one transaction: committed if `f` returns `Ok`, rolled back otherwise.
    fn transaction(&self, f: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()>;
    /// Runs `f` in a transaction that only reads: it takes no write lock.
    fn read(&self, f: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()>;
    /// Whether the database answers.
    fn ping(&self) -> Result<()>;
}

/// Runs `f` in a write transaction of `store` and hands back its value.
pub fn in_tx<T>(store: &dyn Store, f: impl FnOnce(&mut dyn Tx) -> Result<T>) -> Result<T> {
    run_once(f, |body| store.transaction(body))
}

/// Runs `f` in a read-only transaction of `store` and hands back its value.
pub fn in_read<T>(store: &dyn Store, f: impl FnOnce(&mut dyn Tx) -> Result<T>) -> Result<T> {
    run_once(f, |body| store.read(body))
}

/// Adapts a one-shot closure with a value to the object-safe `FnMut` the store takes.
fn run_once<T>(
    f: impl FnOnce(&mut dyn Tx) -> Result<T>,
    runner: impl FnOnce(&mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()>,
) -> Result<T> {
    let mut f = Some(f);
    let mut out = None;
    runner(&mut |tx| {
        let f = f.take().expect("a transaction body runs once");
        out = Some(f(tx)?);
        Ok(())
    })?;
    Ok(out.expect("set on success"))
}

/// Everything a service may do inside a transaction.
pub trait Tx:
    AccountRepo + TokenRepo + AuditRepo + JobRepo + ScenarioRepo + BidRepo + EvaluationRepo
{
}
impl<T: AccountRepo + TokenRepo + AuditRepo + JobRepo + ScenarioRepo + BidRepo + EvaluationRepo> Tx
    for T
{
}

/// Filters of the organization lists.
#[derive(Debug, Clone, Default)]
pub struct OrgFilter {
    pub kind: Option<crate::account::OrgKind>,
    pub verified: Option<bool>,
    pub opc_member: Option<bool>,
    /// Matches name or description, case-insensitively.
    pub q: Option<String>,
    /// Each tag must be among the capabilities.
    pub tags: Vec<String>,
    pub offset: i64,
    pub limit: i64,
}

/// Organizations and users.
pub trait AccountRepo {
    fn insert_organization(&mut self, org: &Organization) -> Result<()>;
    fn update_organization(&mut self, org: &Organization) -> Result<()>;
    fn organization(&mut self, id: OrganizationId) -> Result<Option<Organization>>;
    /// A page of organizations and the total count.
    fn organizations(&mut self, filter: &OrgFilter) -> Result<(Vec<Organization>, i64)>;
    fn insert_user(&mut self, user: &User, password_hash: &str) -> Result<()>;
    fn update_user(&mut self, user: &User) -> Result<()>;
    fn user(&mut self, id: UserId) -> Result<Option<User>>;
    /// The user and the password hash, by lower-cased e-mail.
    fn user_by_email(&mut self, email_normalized: &str) -> Result<Option<(User, String)>>;
    fn set_password_hash(&mut self, id: UserId, hash: &str, at: DateTime<Utc>) -> Result<()>;
    fn users_of_organization(&mut self, org: OrganizationId) -> Result<Vec<User>>;
    /// Active evaluators, optionally only those with expertise in a domain.
    fn evaluators(&mut self, sector: Option<Sector>) -> Result<Vec<User>>;
    fn count_users(&mut self) -> Result<i64>;
}

/// A stored refresh token (only its hash is kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshTokenRecord {
    pub id: i64,
    pub user_id: UserId,
    pub session: SessionId,
    pub token_hash: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Set when the token was exchanged for a new one.
    pub used_at: Option<DateTime<Utc>>,
    /// Set when the token's session was ended.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A stored password-reset token (only its hash is kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordResetRecord {
    pub id: i64,
    pub user_id: UserId,
    pub token_hash: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// Times of recent failed sign-ins: (for the e-mail, from the address).
pub type RecentFailures = (Vec<DateTime<Utc>>, Vec<DateTime<Utc>>);

/// Refresh tokens, password-reset tokens and sign-in attempts.
pub trait TokenRepo {
    fn insert_refresh_token(&mut self, rec: &RefreshTokenRecord) -> Result<()>;
    fn refresh_token_by_hash(&mut self, hash: &str) -> Result<Option<RefreshTokenRecord>>;
    /// Marks an unused token used; false when it was already used (by a concurrent exchange
    /// too: the check and the mark are one conditional update).
    fn mark_refresh_token_used(&mut self, id: i64, at: DateTime<Utc>) -> Result<bool>;
    /// Starts a session of a user.
    fn insert_session(&mut self, id: SessionId, user: UserId, at: DateTime<Utc>) -> Result<()>;
    /// The user of a live session (not revoked) if that user is active: one indexed lookup
    /// made on every authenticated request.
    fn live_session_user(&mut self, id: SessionId) -> Result<Option<User>>;
    /// Ends a whole session: every token of the family stops working.
    fn revoke_session(&mut self, session: SessionId, at: DateTime<Utc>) -> Result<()>;
    /// Ends every session of a user.
    fn revoke_user_sessions(&mut self, user: UserId, at: DateTime<Utc>) -> Result<()>;
    fn insert_password_reset(&mut self, rec: &PasswordResetRecord) -> Result<()>;
    fn password_reset_by_hash(&mut self, hash: &str) -> Result<Option<PasswordResetRecord>>;
    /// Marks an unused reset token used; false when it was already used (by a concurrent
    /// reset too: the check and the mark are one conditional update).
    fn mark_password_reset_used(&mut self, id: i64, at: DateTime<Utc>) -> Result<bool>;
    /// Serialises sign-in attempts for this account and this address until the transaction
    /// ends, so that counting recent failures and recording the attempt are one atomic step.
    fn lock_login_keys(&mut self, email_normalized: &str, ip: &str) -> Result<()>;
    fn record_login_attempt(
        &mut self,
        id: i64,
        email_normalized: &str,
        ip: &str,
        succeeded: bool,
        at: DateTime<Utc>,
    ) -> Result<()>;
    /// Marks a recorded attempt as a success (it was recorded as a failure while the password
    /// was being checked).
    fn mark_login_succeeded(&mut self, id: i64) -> Result<()>;
    /// Times of failed sign-ins since `since`: (for this e-mail, from this address).
    fn recent_login_failures(
        &mut self,
        email_normalized: &str,
        ip: &str,
        since: DateTime<Utc>,
    ) -> Result<RecentFailures>;
}

/// The audit chain's storage. Appending is serialised by the store (see the db crate).
pub trait AuditRepo {
    /// Locks the head of the chain for this transaction and returns (last seq, last hash).
    fn lock_audit_head(&mut self) -> Result<(i64, String)>;
    /// Writes the record and moves the head to it.
    fn insert_audit_record(&mut self, rec: &AuditRecord) -> Result<()>;
    /// Records in sequence order, from `after_seq` (exclusive), at most `limit`.
    fn audit_records(&mut self, after_seq: i64, limit: i64) -> Result<Vec<AuditRecord>>;
}

/// The worker's side of the job queue, outside any service transaction: claims with a lease
/// (`FOR UPDATE SKIP LOCKED` on PostgreSQL), completion, failure with a retry time.
pub trait JobQueue: Send + Sync {
    /// Claims up to `limit` due jobs for `worker` until `now + lease`.
    fn claim(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: i64,
    ) -> Result<Vec<crate::job::ClaimedJob>>;
    /// Marks a claimed job done, if this worker still holds it.
    fn complete(&self, id: i64, worker: &str, now: DateTime<Utc>) -> Result<()>;
    /// Records a failed attempt: due again at `retry_at`, or parked as failed without one.
    fn fail(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// How many jobs are waiting (queued or running).
    fn pending(&self) -> Result<i64>;
}

/// The job queue's writing side, inside a service's transaction.
pub trait JobRepo {
    fn enqueue(&mut self, id: i64, job: &NewJob, now: DateTime<Utc>) -> Result<()>;
}

/// Filters of the scenario list. Visibility: scenarios ever published, and the drafts of the
/// viewer's own organization.
#[derive(Debug, Clone)]
pub struct ScenarioFilter {
    /// The status as seen at `now` (a passed deadline counts as `evaluating`).
    pub status: Option<crate::scenario::Status>,
    pub domain: Option<Sector>,
    pub agency: Option<OrganizationId>,
    /// The viewer's organization, whose drafts are visible too.
    pub viewer_org: Option<OrganizationId>,
    pub now: DateTime<Utc>,
    pub offset: i64,
    pub limit: i64,
}

/// How [`ScenarioRepo::lock_scenario`] locks the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowLock {
    Share,
    Update,
}

/// Scenarios, their criteria, questions and answers.
pub trait ScenarioRepo {
    /// Writes a new scenario with its criteria.
    fn insert_scenario(&mut self, s: &crate::scenario::Scenario) -> Result<()>;
    /// Rewrites a scenario; its criteria are replaced by the given ones.
    fn update_scenario(&mut self, s: &crate::scenario::Scenario) -> Result<()>;
    fn scenario(
        &mut self,
        id: crate::scenario::ScenarioId,
    ) -> Result<Option<crate::scenario::Scenario>>;
    /// Loads a scenario and locks its row until the transaction ends, so that a check of its
    /// state and the change that follows are one atomic step: `Update` for a change of the
    /// scenario itself (waits for every other lock), `Share` for a change beside it (bids),
    /// which many transactions hold at once. (SQLite's write lock already serialises writers.)
    fn lock_scenario(
        &mut self,
        id: crate::scenario::ScenarioId,
        mode: RowLock,
    ) -> Result<Option<crate::scenario::Scenario>>;
    /// Awarded scenarios whose award notice is not stored (awards made before notices were).
    fn awarded_without_notice(&mut self) -> Result<Vec<crate::scenario::Scenario>>;
    /// A page of scenarios (newest deadline first for open ones) and the total.
    fn scenarios(&mut self, f: &ScenarioFilter) -> Result<(Vec<crate::scenario::Scenario>, i64)>;
    fn insert_question(&mut self, q: &crate::scenario::Question) -> Result<()>;
    fn question(
        &mut self,
        id: crate::scenario::QuestionId,
    ) -> Result<Option<crate::scenario::Question>>;
    /// Questions of a scenario with their answers, oldest first.
    fn questions(
        &mut self,
        scenario: crate::scenario::ScenarioId,
    ) -> Result<Vec<crate::scenario::Question>>;
    fn insert_answer(
        &mut self,
        question: crate::scenario::QuestionId,
        by: UserId,
        a: &crate::scenario::Answer,
    ) -> Result<()>;
}

/// Bids, their versions and attachments.
pub trait BidRepo {
    /// Writes a new bid with its attachments. A second active bid of the same vendor on the
    /// same scenario is refused by the database (a conflict).
    fn insert_bid(&mut self, b: &crate::bid::Bid) -> Result<()>;
    /// Rewrites a bid's status, version, fields and time; its attachments are replaced.
    fn update_bid(&mut self, b: &crate::bid::Bid) -> Result<()>;
    fn bid(&mut self, id: crate::bid::BidId) -> Result<Option<crate::bid::Bid>>;
    /// The bids of a scenario (withdrawn ones too), oldest first.
    fn bids_of_scenario(
        &mut self,
        scenario: crate::scenario::ScenarioId,
    ) -> Result<Vec<crate::bid::Bid>>;
    /// The bids of a vendor, newest first.
    fn bids_of_vendor(&mut self, vendor: OrganizationId) -> Result<Vec<crate::bid::Bid>>;
    /// How many bids of the scenario are not withdrawn.
    fn count_active_bids(&mut self, scenario: crate::scenario::ScenarioId) -> Result<i64>;
    fn insert_bid_version(
        &mut self,
        id: i64,
        bid: crate::bid::BidId,
        v: &crate::bid::BidVersion,
    ) -> Result<()>;
    /// Every version of a bid, oldest first.
    fn bid_versions(&mut self, bid: crate::bid::BidId) -> Result<Vec<crate::bid::BidVersion>>;
}

/// One panel draw as recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PanelDraw {
    pub id: i64,
    pub drawn_by: UserId,
    /// The seed the server drew from the operating system's random source (decimal).
    pub seed: String,
    /// The candidates, sorted, from which the panel was drawn.
    pub pool: Vec<UserId>,
    pub drawn: Vec<UserId>,
    /// Why the panel was drawn again (empty for the first draw).
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// Panels, scores, dissents and ratings.
pub trait EvaluationRepo {
    /// Every panel member ever added to the scenario (removed ones too), oldest first.
    fn panel_members(
        &mut self,
        scenario: crate::scenario::ScenarioId,
    ) -> Result<Vec<crate::evaluation::PanelMember>>;
    /// Writes a member: inserted if new to the scenario, else updated (re-added, declared, removed).
    fn save_panel_member(
        &mut self,
        scenario: crate::scenario::ScenarioId,
        m: &crate::evaluation::PanelMember,
    ) -> Result<()>;
    fn scores(
        &mut self,
        scenario: crate::scenario::ScenarioId,
    ) -> Result<Vec<crate::evaluation::StoredScore>>;
    /// Writes one score, replacing the evaluator's earlier score of that criterion of that bid.
    fn save_score(
        &mut self,
        id: i64,
        scenario: crate::scenario::ScenarioId,
        s: &crate::evaluation::StoredScore,
    ) -> Result<()>;
    fn insert_dissent(
        &mut self,
        scenario: crate::scenario::ScenarioId,
        d: &crate::evaluation::Dissent,
    ) -> Result<()>;
    fn dissents(
        &mut self,
        scenario: crate::scenario::ScenarioId,
    ) -> Result<Vec<crate::evaluation::Dissent>>;
    fn insert_rating(&mut self, r: &crate::evaluation::Rating) -> Result<()>;
    fn rating_of_scenario(
        &mut self,
        scenario: crate::scenario::ScenarioId,
    ) -> Result<Option<crate::evaluation::Rating>>;
    fn rating(&mut self, id: crate::ids::RatingId) -> Result<Option<crate::evaluation::Rating>>;
    /// Writes the vendor's reply unless there is one; false when there was (the check and the
    /// write are one conditional update).
    fn save_reply(
        &mut self,
        id: crate::ids::RatingId,
        body: &str,
        at: DateTime<Utc>,
    ) -> Result<bool>;
    fn insert_panel_draw(
        &mut self,
        scenario: crate::scenario::ScenarioId,
        d: &PanelDraw,
    ) -> Result<()>;
    /// The draws of a scenario, oldest first.
    fn panel_draws(&mut self, scenario: crate::scenario::ScenarioId) -> Result<Vec<PanelDraw>>;
    /// Stores the award notice (JSON) computed at award time.
    fn insert_award_notice(
        &mut self,
        scenario: crate::scenario::ScenarioId,
        awarded_at: DateTime<Utc>,
        body: &str,
    ) -> Result<()>;
    fn award_notice(&mut self, scenario: crate::scenario::ScenarioId) -> Result<Option<String>>;
    /// A page of stored award notices, newest first, and their total.
    fn award_notices(&mut self, offset: i64, limit: i64) -> Result<(Vec<String>, i64)>;
    /// A vendor's ratings, newest first.
    fn ratings_of_vendor(
        &mut self,
        vendor: OrganizationId,
    ) -> Result<Vec<crate::evaluation::Rating>>;
    /// The scenarios an evaluator is (or was) on the panel of, newest first.
    fn panels_of_evaluator(
        &mut self,
        evaluator: UserId,
    ) -> Result<Vec<(crate::scenario::ScenarioId, crate::evaluation::PanelMember)>>;
}
