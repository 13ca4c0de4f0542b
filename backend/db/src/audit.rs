//! The audit chain: records get consecutive numbers and each links to the one chained before
//! it. On SQLite a write chains its records in its own transaction (it holds the write lock).
//! On PostgreSQL a write appends its records to `audit_pending` without any lock, and the
//! process's [`Chainer`] chains everything waiting there right after, in one short transaction
//! under an advisory lock (see [`settle`]): no writer holds a chain lock through its commit,
//! and every reader of the chain settles what waits first, so none sees a record missing.

use diesel::prelude::*;
use std::cell::Cell;
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::Duration;

use domain::audit::{self, AuditRecord, Unsealed};
use domain::error::{Error, Result};
use domain::ids::UserId;
use domain::ports::{AuditReads, AuditRepo};

use crate::schema::{audit_head, audit_log, audit_pending};
use crate::time::{from_db, to_db};
use crate::{AnyConnection, db_err};

pub(crate) type AuditRow = (
    i64,
    Option<i64>,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    chrono::NaiveDateTime,
    String,
    String,
);

impl AuditReads for AnyConnection {
    fn audit_records(&mut self, after_seq: i64, limit: i64) -> Result<Vec<AuditRecord>> {
        let rows: Vec<AuditRow> = audit_log::table
            .filter(audit_log::seq.gt(after_seq))
            .order(audit_log::seq.asc())
            .limit(limit)
            .load(self)
            .map_err(db_err)?;
        Ok(rows.into_iter().map(record_of).collect())
    }
}

pub(crate) fn record_of(r: AuditRow) -> AuditRecord {
    AuditRecord {
        seq: r.0,
        actor: r.1.map(UserId),
        action: r.2,
        subject_type: r.3,
        subject_id: r.4,
        before: r.5,
        after: r.6,
        at: from_db(r.7),
        prev_hash: r.8,
        hash: r.9,
    }
}

impl AuditRepo for AnyConnection {
    fn append_audit(&mut self, u: Unsealed) -> Result<()> {
        match self {
            AnyConnection::Sqlite(_) => {
                // The write lock is held already: chain the record here.
                let (seq, hash) = head(self)?;
                let rec = u.seal(seq + 1, &hash);
                diesel::insert_into(audit_log::table)
                    .values(values_of(&rec))
                    .execute(self)
                    .map_err(db_err)?;
                move_head(self, &rec)
            }
            AnyConnection::Postgresql(_) => {
                diesel::insert_into(audit_pending::table)
                    .values((
                        audit_pending::actor_id.eq(u.actor.map(|a| a.0)),
                        audit_pending::action.eq(&u.action),
                        audit_pending::subject_type.eq(&u.subject_type),
                        audit_pending::subject_id.eq(&u.subject_id),
                        audit_pending::before_json.eq(&u.before),
                        audit_pending::after_json.eq(&u.after),
                        audit_pending::at.eq(to_db(u.at)),
                    ))
                    .execute(self)
                    .map_err(db_err)?;
                UNCHAINED.set(true);
                Ok(())
            }
        }
    }
}

thread_local! {
    /// Whether the write transaction running on this thread appended records that wait to be
    /// chained (PostgreSQL): after its commit [`crate::Database::write`] wakes the chainer.
    static UNCHAINED: Cell<bool> = const { Cell::new(false) };
}

/// Forgets what an earlier transaction on this thread left (a new write begins).
pub(crate) fn begin_write() {
    UNCHAINED.set(false);
}

/// Whether the write that just committed on this thread left records to chain.
pub(crate) fn left_unchained() -> bool {
    UNCHAINED.take()
}

/// The process's chainer (PostgreSQL): a thread that chains what waits as soon as a write
/// leaves records, many writers' records in one short transaction, and looks every few
/// seconds for records a crashed process left. It ends when the pool is dropped.
pub(crate) struct Chainer {
    woken: Mutex<bool>,
    bell: Condvar,
}

/// How long the chainer waits, once woken, for more records to chain with the first.
const GATHER: Duration = Duration::from_millis(10);

/// How long the chainer sleeps when no write wakes it.
const IDLE_LOOK: Duration = Duration::from_secs(5);

impl Chainer {
    pub(crate) fn start(pool: &Arc<crate::DbPool>) -> Arc<Chainer> {
        let chainer = Arc::new(Chainer {
            // The first look is after IDLE_LOOK (the migrations may not have run yet).
            woken: Mutex::new(false),
            bell: Condvar::new(),
        });
        let (me, pool) = (Arc::downgrade(&chainer), Arc::downgrade(pool));
        std::thread::Builder::new()
            .name("audit-chainer".into())
            .spawn(move || Chainer::run(&me, &pool))
            .expect("a thread for the audit chainer");
        chainer
    }

    /// A write committed records to chain.
    pub(crate) fn wake(&self) {
        let mut woken = self.woken.lock().unwrap_or_else(|p| p.into_inner());
        if !*woken {
            *woken = true;
            self.bell.notify_one();
        }
    }

    fn run(me: &Weak<Chainer>, pool: &Weak<crate::DbPool>) {
        let mut failures = 0u32;
        loop {
            let Some(chainer) = me.upgrade() else { return };
            {
                let mut woken = chainer.woken.lock().unwrap_or_else(|p| p.into_inner());
                if !*woken {
                    woken = chainer
                        .bell
                        .wait_timeout(woken, IDLE_LOOK)
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                }
                *woken = false;
            }
            drop(chainer);
            // Let the writes of the next moments join: one transaction chains them all.
            std::thread::sleep(GATHER);
            let Some(pool) = pool.upgrade() else { return };
            let done = pool
                .get()
                .map(crate::Conn)
                .map_err(|e| Error::internal(format!("no connection: {e}")))
                .and_then(|mut c| {
                    let out = settle(&mut c);
                    crate::mark(&mut c, out)
                });
            drop(pool);
            match done {
                Ok(_) => failures = 0,
                Err(e) => {
                    // The database is away: the records stay committed and wait; look again
                    // soon, less often while it stays away.
                    failures = (failures + 1).min(6);
                    tracing::warn!(error = %e, "audit records committed but not chained yet");
                    std::thread::sleep(Duration::from_millis(100 << failures));
                    if let Some(c) = me.upgrade() {
                        c.wake();
                    }
                }
            }
        }
    }
}

/// Records chained per transaction of [`settle`].
const BATCH: i64 = 500;

/// The key of the advisory lock that serialises the chaining on PostgreSQL (nothing else
/// writes the head there). An advisory lock, unlike a row lock, gives a transaction that
/// finds nothing to chain no transaction id, so it commits without a disk flush.
const CHAIN_LOCK: i64 = 0x5343_4841_494e; // "SCHAIN"

type PendingRow = (
    i64,
    Option<i64>,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    chrono::NaiveDateTime,
);

/// Chains the records waiting in `audit_pending`, oldest first, a batch per short
/// transaction, and returns how many (PostgreSQL; SQLite chains in the writing transaction).
pub(crate) fn settle(c: &mut AnyConnection) -> Result<u64> {
    if let AnyConnection::Sqlite(_) = c {
        return Ok(0);
    }
    let mut total = 0;
    loop {
        let n = c
            .transaction::<u64, crate::TxError, _>(|c| settle_batch(c).map_err(crate::TxError))
            .map_err(|e| e.0)?;
        total += n;
        if n < BATCH as u64 {
            return Ok(total);
        }
    }
}

fn settle_batch(c: &mut AnyConnection) -> Result<u64> {
    diesel::sql_query(format!("SELECT pg_advisory_xact_lock({CHAIN_LOCK})"))
        .execute(c)
        .map_err(db_err)?;
    let rows: Vec<PendingRow> = audit_pending::table
        .order(audit_pending::id.asc())
        .limit(BATCH)
        .load(c)
        .map_err(db_err)?;
    if rows.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let (seq, hash) = head(c)?;
    let records = audit::seal_all(rows.into_iter().map(unsealed_of).collect(), seq, &hash);
    let values: Vec<_> = records.iter().map(values_of).collect();
    // One statement for the batch (diesel writes a multi-row insert for PostgreSQL only).
    let AnyConnection::Postgresql(pg) = c else {
        unreachable!("settle returns at once on SQLite")
    };
    diesel::insert_into(audit_log::table)
        .values(&values)
        .execute(pg)
        .map_err(db_err)?;
    move_head(c, records.last().expect("one at least"))?;
    diesel::delete(audit_pending::table.filter(audit_pending::id.eq_any(&ids)))
        .execute(c)
        .map_err(db_err)?;
    Ok(records.len() as u64)
}

fn unsealed_of(r: PendingRow) -> Unsealed {
    Unsealed {
        actor: r.1.map(UserId),
        action: r.2,
        subject_type: r.3,
        subject_id: r.4,
        before: r.5,
        after: r.6,
        at: from_db(r.7),
    }
}

/// The end of the chain: (last seq, last hash).
fn head(c: &mut AnyConnection) -> Result<(i64, String)> {
    audit_head::table
        .find(1)
        .select((audit_head::seq, audit_head::hash))
        .first(c)
        .map_err(db_err)
}

fn move_head(c: &mut AnyConnection, last: &AuditRecord) -> Result<()> {
    diesel::update(audit_head::table.find(1))
        .set((
            audit_head::seq.eq(last.seq),
            audit_head::hash.eq(&last.hash),
        ))
        .execute(c)
        .map_err(db_err)?;
    Ok(())
}

#[allow(clippy::type_complexity)]
fn values_of(
    r: &AuditRecord,
) -> (
    diesel::dsl::Eq<audit_log::seq, i64>,
    diesel::dsl::Eq<audit_log::actor_id, Option<i64>>,
    diesel::dsl::Eq<audit_log::action, &str>,
    diesel::dsl::Eq<audit_log::subject_type, &str>,
    diesel::dsl::Eq<audit_log::subject_id, &str>,
    diesel::dsl::Eq<audit_log::before_json, Option<&str>>,
    diesel::dsl::Eq<audit_log::after_json, Option<&str>>,
    diesel::dsl::Eq<audit_log::at, chrono::NaiveDateTime>,
    diesel::dsl::Eq<audit_log::prev_hash, &str>,
    diesel::dsl::Eq<audit_log::hash, &str>,
) {
    (
        audit_log::seq.eq(r.seq),
        audit_log::actor_id.eq(r.actor.map(|a| a.0)),
        audit_log::action.eq(r.action.as_str()),
        audit_log::subject_type.eq(r.subject_type.as_str()),
        audit_log::subject_id.eq(r.subject_id.as_str()),
        audit_log::before_json.eq(r.before.as_deref()),
        audit_log::after_json.eq(r.after.as_deref()),
        audit_log::at.eq(to_db(r.at)),
        audit_log::prev_hash.eq(r.prev_hash.as_str()),
        audit_log::hash.eq(r.hash.as_str()),
    )
}
