//! The connection pool: diesel's r2d2 manager, except that a connection proven by a recent
//! successful use is handed out without a ping, and SQLite's pragmas on every new connection.

use std::time::{Duration, Instant};

use diesel::r2d2::{
    ConnectionManager, CustomizeConnection, ManageConnection, Pool, PooledConnection,
};
use domain::error::Result;

use crate::{AnyConnection, sqlite_pragmas};

#[derive(Debug)]
pub(crate) struct Pragmas;

impl CustomizeConnection<Tracked, diesel::r2d2::Error> for Pragmas {
    fn on_acquire(&self, conn: &mut Tracked) -> Result<(), diesel::r2d2::Error> {
        if let AnyConnection::Sqlite(c) = &mut conn.conn {
            sqlite_pragmas(c).map_err(|e| {
                diesel::r2d2::Error::QueryError(diesel::result::Error::QueryBuilderError(e.into()))
            })?;
        }
        Ok(())
    }
}

/// How long after a connection's last successful use it is handed out again without a
/// `SELECT 1` first.
const PROVEN_FOR: Duration = Duration::from_secs(1);

/// A pooled connection and when its last use went well.
pub struct Tracked {
    conn: AnyConnection,
    /// Set by [`Conn::proven`] after a use that succeeded; taken at every checkout, so a use
    /// that failed (or never said) leaves the connection to be pinged before its next use.
    proven: Option<Instant>,
}

/// diesel's manager, except that a connection whose last use succeeded within
/// [`PROVEN_FOR`] is handed out without the round trip of a ping. One that failed, or sat
/// idle longer, is pinged first, and dropped when the ping fails: a database that went away
/// and came back costs at most the requests that were using it, never the app's restart.
pub(crate) struct Manager(pub(crate) ConnectionManager<AnyConnection>);

impl ManageConnection for Manager {
    type Connection = Tracked;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<Tracked, Self::Error> {
        Ok(Tracked {
            conn: self.0.connect()?,
            proven: None,
        })
    }

    fn is_valid(&self, c: &mut Tracked) -> Result<(), Self::Error> {
        match c.proven.take() {
            Some(at) if at.elapsed() < PROVEN_FOR => Ok(()),
            _ => self.0.is_valid(&mut c.conn),
        }
    }

    fn has_broken(&self, c: &mut Tracked) -> bool {
        self.0.has_broken(&mut c.conn)
    }
}

pub(crate) type DbPool = Pool<Manager>;

/// A connection checked out of the pool; it goes back when dropped.
pub struct Conn(pub(crate) PooledConnection<Manager>);

impl Conn {
    /// Its use went well: the next checkout may skip the ping.
    fn proven(&mut self) {
        self.0.proven = Some(Instant::now());
    }
}

impl std::ops::Deref for Conn {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.0.conn
    }
}

impl std::ops::DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.0.conn
    }
}

/// Marks the connection proven when `out` is a success.
pub(crate) fn mark<T>(c: &mut Conn, out: Result<T>) -> Result<T> {
    if out.is_ok() {
        c.proven();
    }
    out
}
