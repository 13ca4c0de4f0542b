//! The ports: what the services need from the outside world. The `db` crate implements the
//! storage traits for SQLite and PostgreSQL, the `search` crate the search engines, the `mail`
//! crate the [`MailSender`]; the server wires them and a [`Clock`].

use chrono::{DateTime, Utc};

use crate::error::Result;

mod accounts;
mod audit;
mod bids;
mod challenges;
mod consortia;
mod contracts;
mod evaluation;
mod invitations;
mod jobs;
mod mail;
mod notifications;
mod ocds;
mod reports;
mod scenarios;
mod search;
mod subscriptions;
mod tokens;

pub use accounts::*;
pub use audit::*;
pub use bids::*;
pub use challenges::*;
pub use consortia::*;
pub use contracts::*;
pub use evaluation::*;
pub use invitations::*;
pub use jobs::*;
pub use mail::*;
pub use notifications::*;
pub use ocds::*;
pub use reports::*;
pub use scenarios::*;
pub use search::*;
pub use subscriptions::*;
pub use tokens::*;

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

/// Opens transactions. Every service call that writes runs inside exactly one; a call that
/// only reads gets a [`ReadTx`], which has no method that writes.
pub trait Store: Send + Sync {
    /// Runs `f` in one transaction: committed if `f` returns `Ok`, rolled back otherwise.
    fn transaction(&self, f: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()>;
    /// Runs `f`, which only reads (the types offer it no write). On SQLite it is one
    /// transaction, one snapshot, with no write lock; on PostgreSQL, which reads at READ
    /// COMMITTED, where every statement sees what was committed when it began in a transaction
    /// or outside one, the statements run without one (a BEGIN and a COMMIT would be two round
    /// trips that change nothing they see).
    fn read(&self, f: &mut dyn FnMut(&mut dyn ReadTx) -> Result<()>) -> Result<()>;
    /// Runs `f`, which reads with one statement, outside any transaction where the store can
    /// (one statement sees one snapshot by itself): the hot lookups of every request.
    fn read_one(&self, f: &mut dyn FnMut(&mut dyn ReadTx) -> Result<()>) -> Result<()> {
        self.read(f)
    }
    /// Chains the audit records that committed transactions appended and that are not in the
    /// chain yet (on PostgreSQL the process's chainer follows the writes by milliseconds; this
    /// closes that gap, and catches what a crash or an outage left). Readers of the chain call
    /// it first. Returns how many it chained.
    fn settle_audit(&self) -> Result<u64> {
        Ok(0)
    }
    /// Whether the database answers.
    fn ping(&self) -> Result<()>;
    /// The connection pool: (open connections, idle ones, the most it opens), when pooled.
    fn pool_state(&self) -> Option<(u32, u32, u32)> {
        None
    }
    /// How many write transactions this process has committed (it only grows): a reader that
    /// keeps answers checks the shared version again once it moves.
    fn local_writes(&self) -> u64 {
        0
    }
    /// The version of what a session check answers (sessions and users): it moves after every
    /// change of them, in this process or another, so that a kept answer is good while it
    /// stands. `None` when the store cannot vouch for it (then nothing may be kept).
    fn session_version(&self) -> Option<u64> {
        None
    }
}

/// How a job ended, for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobOutcome {
    Done,
    /// Failed; it runs again after its backoff.
    Retry,
    /// Failed for the last time; parked.
    Failed,
}

impl JobOutcome {
    pub fn code(self) -> &'static str {
        match self {
            JobOutcome::Done => "done",
            JobOutcome::Retry => "retry",
            JobOutcome::Failed => "failed",
        }
    }
}

/// Where the worker and the search service report what they measured (the server's metrics);
/// every method does nothing by default.
pub trait Telemetry: Send + Sync {
    fn job_finished(&self, _kind: &'static str, _outcome: JobOutcome, _seconds: f64) {}
    fn email(&self, _sent: bool) {}
    fn search(&self, _what: &'static str, _engine: &'static str, _seconds: f64) {}
}

/// Measures nothing (tests and tools without a metrics endpoint).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoTelemetry;

impl Telemetry for NoTelemetry {}

/// Runs `f` in a write transaction of `store` and hands back its value.
pub fn in_tx<T>(store: &dyn Store, f: impl FnOnce(&mut dyn Tx) -> Result<T>) -> Result<T> {
    let (mut f, mut out) = (Some(f), None);
    store.transaction(&mut |tx| {
        out = Some(once(&mut f)(tx)?);
        Ok(())
    })?;
    Ok(out.expect("set on success"))
}

/// Runs `f`, a read of several statements, with [`Store::read`] and hands back its value.
pub fn in_read<T>(store: &dyn Store, f: impl FnOnce(&mut dyn ReadTx) -> Result<T>) -> Result<T> {
    let (mut f, mut out) = (Some(f), None);
    store.read(&mut |tx| {
        out = Some(once(&mut f)(tx)?);
        Ok(())
    })?;
    Ok(out.expect("set on success"))
}

/// Runs `f`, a read of one statement, with [`Store::read_one`] and hands back its value.
pub fn in_read_one<T>(
    store: &dyn Store,
    f: impl FnOnce(&mut dyn ReadTx) -> Result<T>,
) -> Result<T> {
    let (mut f, mut out) = (Some(f), None);
    store.read_one(&mut |tx| {
        out = Some(once(&mut f)(tx)?);
        Ok(())
    })?;
    Ok(out.expect("set on success"))
}

/// The one-shot body of a transaction (the store takes an object-safe `FnMut`).
fn once<F>(f: &mut Option<F>) -> F {
    f.take().expect("a transaction body runs once")
}

/// What a read offers: every repository's reads, nothing that writes.
pub trait ReadTx:
    AccountReads
    + TokenReads
    + AuditReads
    + ScenarioReads
    + BidReads
    + EvaluationReads
    + ChallengeReads
    + ContractReads
    + ConsortiumReads
    + SynonymReads
    + NotificationReads
    + SubscriptionReads
    + InvitationReads
    + OcdsReads
    + ReportReads
{
}
impl<
    T: AccountReads
        + TokenReads
        + AuditReads
        + ScenarioReads
        + BidReads
        + EvaluationReads
        + ChallengeReads
        + ContractReads
        + ConsortiumReads
        + ConsortiumReads
        + ContractReads
        + ConsortiumReads
        + ConsortiumReads
        + SynonymReads
        + NotificationReads
        + SubscriptionReads
        + InvitationReads
        + OcdsReads
        + ReportReads,
> ReadTx for T
{
}

/// Everything a service may do inside a write transaction: the reads and the writes.
pub trait Tx:
    ReadTx
    + AccountRepo
    + TokenRepo
    + AuditRepo
    + JobRepo
    + ScenarioRepo
    + BidRepo
    + EvaluationRepo
    + ChallengeRepo
    + ContractRepo
    + ConsortiumRepo
    + SearchOutboxRepo
    + SynonymRepo
    + NotificationRepo
    + SubscriptionRepo
    + InvitationRepo
    + OcdsRepo
{
}
impl<
    T: ReadTx
        + AccountRepo
        + TokenRepo
        + AuditRepo
        + JobRepo
        + ScenarioRepo
        + BidRepo
        + EvaluationRepo
        + ChallengeRepo
        + ContractRepo
        + ConsortiumRepo
        + ConsortiumRepo
        + ContractRepo
        + ConsortiumRepo
        + ConsortiumRepo
        + SearchOutboxRepo
        + SynonymRepo
        + NotificationRepo
        + SubscriptionRepo
        + InvitationRepo
        + OcdsRepo,
> Tx for T
{
}
