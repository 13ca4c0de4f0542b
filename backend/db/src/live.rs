//! Signals between app processes on PostgreSQL. A write that changes what the live streams
//! show (notifications written, sessions ended) sends `NOTIFY market_live` inside its
//! transaction, so the signal leaves on commit only; every process listens on one connection
//! of its own and wakes its streams' refresher at once. SQLite has one process: nothing is
//! sent, and the refresher's own polling is all there is.
//!
//! A write that changes what the session check of a request answers (a session ended, a user
//! changed) also moves this process's [`SessionVersion`] once it commits, and its signal
//! carries the payload `sessions`, which moves the version of every other process as it
//! arrives: the kept session answers of the app are worth only as long as the version stands.

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use diesel::{Connection, PgConnection, RunQueryDsl};
use domain::error::Result;

use crate::{AnyConnection, db_err};

/// How often the listening connection looks at what has arrived (a local read: no query).
const LOOK: Duration = Duration::from_millis(50);

/// The version of what the session checks answer in this process: it moves after every
/// committed change of sessions or users here, and on every such signal from another
/// process. `None` while it cannot be vouched for (PostgreSQL without its listening
/// connection: a change elsewhere would go unseen).
#[derive(Debug)]
pub struct SessionVersion {
    n: AtomicU64,
    vouched: AtomicBool,
}

impl SessionVersion {
    pub(crate) fn new(vouched: bool) -> Arc<SessionVersion> {
        Arc::new(SessionVersion {
            n: AtomicU64::new(0),
            vouched: AtomicBool::new(vouched),
        })
    }

    /// The version now, if it can be vouched for.
    pub fn get(&self) -> Option<u64> {
        // The version is read after the vouching flag, and moved before the flag is set.
        self.vouched
            .load(Ordering::SeqCst)
            .then(|| self.n.load(Ordering::SeqCst))
    }

    pub(crate) fn bump(&self) {
        self.n.fetch_add(1, Ordering::SeqCst);
    }

    fn vouch(&self, yes: bool) {
        self.bump();
        self.vouched.store(yes, Ordering::SeqCst);
        self.bump();
    }
}

thread_local! {
    /// Whether the write transaction running on this thread changed sessions or users.
    static SESSIONS_CHANGED: Cell<bool> = const { Cell::new(false) };
}

/// Before a write transaction: nothing changed yet.
pub(crate) fn begin_write() {
    SESSIONS_CHANGED.set(false);
}

/// After a write transaction: whether it changed sessions or users.
pub(crate) fn sessions_changed_by_write() -> bool {
    SESSIONS_CHANGED.take()
}

/// A change of sessions or users in the caller's transaction: this process's version moves
/// when it ends, and every other process's when it commits.
pub(crate) fn sessions_changed(c: &mut AnyConnection) -> Result<()> {
    SESSIONS_CHANGED.set(true);
    if let AnyConnection::Postgresql(pg) = c {
        diesel::sql_query("NOTIFY market_live, 'sessions'")
            .execute(pg)
            .map_err(db_err)?;
    }
    Ok(())
}

/// Tells every process, when the caller's transaction commits, that live counts changed.
pub(crate) fn signal(c: &mut AnyConnection) -> Result<()> {
    if let AnyConnection::Postgresql(pg) = c {
        diesel::sql_query("NOTIFY market_live")
            .execute(pg)
            .map_err(db_err)?;
    }
    Ok(())
}

/// Listens for the signals on the PostgreSQL server at `url`, in a thread of its own, calling
/// `wake` on `target` for each batch of them (and once after every (re)connection, for what
/// may have been missed), and moving `sessions` for each session signal (and at every
/// (re)connection; it is not vouched for while the connection is down); a lost connection is
/// made again. The thread ends once `target` is gone (the app stopped).
pub fn listen<T: Send + Sync + 'static>(
    url: String,
    target: std::sync::Weak<T>,
    wake: fn(&T),
    sessions: Arc<SessionVersion>,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("db-listen".into())
        .spawn(move || {
            while target.strong_count() > 0 {
                match PgConnection::establish(&url) {
                    Ok(mut c) => {
                        if let Err(e) = diesel::sql_query("LISTEN market_live").execute(&mut c) {
                            tracing::warn!(error = %e, "LISTEN failed; trying again");
                        } else {
                            // What changed while nobody listened is unknown: everything kept
                            // is behind the new version.
                            sessions.vouch(true);
                            follow(&mut c, &target, wake, &sessions);
                            sessions.vouch(false);
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "cannot listen for live signals"),
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        })
        .map(drop)
}

/// Wakes `target` once, then for each batch of signals, until the connection breaks or
/// `target` is gone.
fn follow<T>(
    c: &mut PgConnection,
    target: &std::sync::Weak<T>,
    wake: fn(&T),
    sessions: &SessionVersion,
) {
    let mut got = true;
    loop {
        let Some(t) = target.upgrade() else {
            return;
        };
        if got {
            wake(&t);
        }
        drop(t);
        std::thread::sleep(LOOK);
        got = false;
        for n in c.notifications_iter() {
            match n {
                Ok(n) => {
                    got = true;
                    if n.payload == "sessions" {
                        sessions.bump();
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the live signals' connection broke");
                    return;
                }
            }
        }
    }
}
