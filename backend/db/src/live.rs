//! Signals between app processes on PostgreSQL. A write that changes what the live streams
//! show (notifications written, sessions ended) sends `NOTIFY market_live` inside its
//! transaction, so the signal leaves on commit only; every process listens on one connection
//! of its own and wakes its streams' refresher at once. SQLite has one process: nothing is
//! sent, and the refresher's own polling is all there is.

use std::time::Duration;

use diesel::{Connection, PgConnection, RunQueryDsl};
use domain::error::Result;

use crate::{AnyConnection, db_err};

/// How often the listening connection looks at what has arrived (a local read: no query).
const LOOK: Duration = Duration::from_millis(50);

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
/// may have been missed); a lost connection is made again. The thread ends once `target` is
/// gone (the app stopped).
pub fn listen<T: Send + Sync + 'static>(
    url: String,
    target: std::sync::Weak<T>,
    wake: fn(&T),
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
                            follow(&mut c, &target, wake);
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
fn follow<T>(c: &mut PgConnection, target: &std::sync::Weak<T>, wake: fn(&T)) {
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
                Ok(_) => got = true,
                Err(e) => {
                    tracing::warn!(error = %e, "the live signals' connection broke");
                    return;
                }
            }
        }
    }
}
