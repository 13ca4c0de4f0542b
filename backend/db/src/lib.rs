//! The database: one diesel code base for SQLite and PostgreSQL through
//! `#[derive(MultiConnection)]`, the backend chosen by the URL's scheme; an r2d2 pool; the
//! embedded migrations of each backend; and the repositories that implement the domain's
//! storage ports.

/// Runs `$body` with `$c` bound to the backend's own connection, for the statements diesel
/// builds per backend and `AnyConnection` cannot run as one (`ON CONFLICT`, `RETURNING`):
/// `on_backend!(self, |c| diesel::insert_into(t).values(v).on_conflict_do_nothing().execute(c))`.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::AnyConnection::Postgresql($c) => $body,
            $crate::AnyConnection::Sqlite($c) => $body,
        }
    };
}

/// How many rows one multi-row `INSERT` writes: a full batch is an array, whose statement is
/// prepared once per connection and reused (a batch of any other size is parsed anew).
const BATCH_ROWS: usize = 200;

/// Writes `$items` in batches: each item becomes a row by `$row` (a `Result`), and `$insert`
/// runs with `$batch` bound to each batch of rows: full batches of [`BATCH_ROWS`] as arrays
/// (one cached statement for all of them), the rest as one `Vec`.
macro_rules! in_batches {
    ($items:expr, |$item:ident| $row:expr, |$batch:ident| $insert:expr) => {{
        let (full, rest) = $items.as_chunks::<{ $crate::BATCH_ROWS }>();
        for chunk in full {
            let rows = chunk
                .iter()
                .map(|$item| $row)
                .collect::<domain::error::Result<Vec<_>>>()?;
            let Ok($batch) = <[_; $crate::BATCH_ROWS]>::try_from(rows) else {
                unreachable!("a full batch")
            };
            $insert;
        }
        if !rest.is_empty() {
            let $batch = rest
                .iter()
                .map(|$item| $row)
                .collect::<domain::error::Result<Vec<_>>>()?;
            $insert;
        }
    }};
}

/// `column IN (ids)` on SQLite with one bound value however many the ids (a JSON array read by
/// `json_each`): the statement's text is the same for any ids, so it is parsed once per
/// connection and kept in the statement cache (diesel's `eq_any` writes a placeholder per id, and
/// its SQL literals are never cached). The column is part of the type, so a statement built of
/// these has a static query id: its cached form is found without writing its SQL out again.
/// (PostgreSQL's `= ANY($1)` binds one array already.)
#[derive(Debug, Clone)]
pub(crate) struct SqliteIn<C> {
    column: C,
    ids: String,
}

impl<C> diesel::expression::Expression for SqliteIn<C> {
    type SqlType = diesel::sql_types::Bool;
}

impl<C, QS> diesel::expression::AppearsOnTable<QS> for SqliteIn<C> where
    C: diesel::expression::AppearsOnTable<QS>
{
}

impl<C, GB> diesel::expression::ValidGrouping<GB> for SqliteIn<C> {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl<C: diesel::query_builder::QueryId> diesel::query_builder::QueryId for SqliteIn<C> {
    type QueryId = SqliteIn<C::QueryId>;
    const HAS_STATIC_QUERY_ID: bool = C::HAS_STATIC_QUERY_ID;
}

impl<C> diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite> for SqliteIn<C>
where
    C: diesel::Column + diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::sqlite::Sqlite>,
    ) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<diesel::sql_types::Text, _>(&self.ids)?;
        out.push_sql("))");
        Ok(())
    }
}

/// See [`SqliteIn`].
fn sqlite_in<C: diesel::Column>(
    column: C,
    ids: &[i64],
) -> Result<SqliteIn<C>, domain::error::Error> {
    let ids = serde_json::to_string(ids).map_err(domain::error::Error::internal)?;
    Ok(SqliteIn { column, ids })
}

/// Runs `$body` on the backend's own connection, `$c`: the statement is built and bound
/// directly, where through [`AnyConnection`] its SQL text is written out anew on every run
/// (twice for a statement whose text is not known from its type), even when it is cached.
/// For the reads that every page and API call makes.
macro_rules! on_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::AnyConnection::Postgresql($c) => $body,
            $crate::AnyConnection::Sqlite($c) => $body,
        }
    };
}

/// Loads `$query` on either backend with `$in` bound to "`$column` is one of `$ids`": on
/// PostgreSQL `= ANY($1)`, on SQLite [`sqlite_in`], so that the statement is the same text for
/// any number of ids and stays in the connection's statement cache (`eq_any` on the two backends
/// at once writes one placeholder per id, a new statement to parse on every call).
macro_rules! load_in {
    ($conn:expr, $column:expr, $ids:expr, |$in:ident| $query:expr) => {
        match $conn {
            $crate::AnyConnection::Postgresql(c) => {
                let $in = $column.eq_any($ids);
                $query.load(c)
            }
            $crate::AnyConnection::Sqlite(c) => {
                let $in = $crate::sqlite_in($column, $ids)?;
                $query.load(c)
            }
        }
    };
}

mod accounts;
mod audit;
mod backup;
mod bids;
mod challenges;
mod consortia;
pub mod contract_schema;
mod contracts;
mod evaluation;
mod invitations;
pub mod live;
mod notifications;
mod ocds;
mod pool;
pub mod queue;
mod reports;
mod scenarios;
pub mod schema;
pub use pool::{Conn, Tracked};
use pool::{DbPool, Manager, Pragmas, mark};
mod search;
mod subscriptions;
mod time;
mod tokens;

use domain::message::Message;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use diesel::connection::{SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, Pool};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use domain::error::{Error, Result};
use domain::ports::{ReadTx, Store, Tx};

/// A connection to either backend.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// The advisory lock under which a process applies the migrations on PostgreSQL.
const MIGRATION_LOCK: i64 = 0x5343_4e4d_4947; // "SCNMIG"

const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

/// Which backend a URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    /// `postgres://` or `postgresql://` selects PostgreSQL; `sqlite://` (or a bare path) SQLite.
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// The file path of a SQLite URL (`sqlite://./data/market.db` → `./data/market.db`).
pub fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

/// Opens one connection, reporting the real cause when it fails (the multi-connection
/// wrapper alone only says the URL is invalid).
pub fn establish(url: &str) -> anyhow::Result<AnyConnection> {
    match Backend::of_url(url) {
        Backend::Postgres => diesel::PgConnection::establish(url)
            .map(AnyConnection::Postgresql)
            .with_context(|| format!("cannot connect to PostgreSQL at {}", redact(url))),
        Backend::Sqlite => {
            let path = sqlite_path(url);
            if let Some(dir) = std::path::Path::new(path).parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create folder {}", dir.display()))?;
            }
            let mut c = diesel::SqliteConnection::establish(path)
                .with_context(|| format!("cannot open SQLite database {path}"))?;
            sqlite_pragmas(&mut c)?;
            Ok(AnyConnection::Sqlite(c))
        }
    }
}

/// A busy timeout, WAL, and foreign keys, on every SQLite connection. The busy timeout comes
/// first: switching a fresh database to WAL takes a lock, and several first connections at
/// once must wait for it rather than fail with "database is locked". Two connections that
/// both hold a read lock and both want the exclusive one are refused at once by SQLite (it
/// would deadlock otherwise), so a refusal is retried after a short pause.
fn sqlite_pragmas(c: &mut diesel::SqliteConnection) -> anyhow::Result<()> {
    // Statement journals in memory: a statement of a large transaction (a notice to 100,000
    // subscribers) that could fail half-way keeps its undo record there, not in a temporary
    // file.
    c.batch_execute("PRAGMA busy_timeout = 10000; PRAGMA temp_store = MEMORY;")
        .context("setting the SQLite busy timeout")?;
    let mut attempt = 0;
    loop {
        match c.batch_execute(
            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
        ) {
            Ok(()) => return Ok(()),
            Err(e) if attempt < 50 && e.to_string().contains("locked") => {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(10 * attempt));
            }
            Err(e) => return Err(e).context("setting SQLite pragmas"),
        }
    }
}

/// A URL with its password hidden, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}://{user}:***@{}", &url[..s], &url[at + 1..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The pool and what it needs to know about its backend. Cheap to clone.
#[derive(Clone)]
pub struct Database {
    pool: Arc<DbPool>,
    backend: Backend,
    /// Write transactions committed through this pool.
    writes: Arc<AtomicU64>,
    /// Chains the audit records that writes leave waiting (PostgreSQL).
    chainer: Option<Arc<audit::Chainer>>,
    /// The version of sessions and users (see [`live::SessionVersion`]).
    sessions: Arc<live::SessionVersion>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("backend", &self.backend)
            .finish()
    }
}

impl Database {
    /// Connects (checking the URL with one real connection first) and builds the pool.
    pub fn connect(url: &str, max_connections: u32) -> anyhow::Result<Database> {
        Self::connect_with(url, max_connections, Duration::from_secs(10))
    }

    /// [`Database::connect`], waiting at most `wait` for a pooled connection.
    pub fn connect_with(
        url: &str,
        max_connections: u32,
        wait: Duration,
    ) -> anyhow::Result<Database> {
        drop(establish(url)?);
        let backend = Backend::of_url(url);
        let manager_url = match backend {
            Backend::Postgres => url.to_string(),
            Backend::Sqlite => sqlite_path(url).to_string(),
        };
        let pool = Pool::builder()
            .max_size(max_connections)
            .connection_timeout(wait)
            .connection_customizer(Box::new(Pragmas))
            .build(Manager(ConnectionManager::<AnyConnection>::new(
                manager_url,
            )))
            .context("building the connection pool")?;
        let pool = Arc::new(pool);
        let chainer = (backend == Backend::Postgres).then(|| audit::Chainer::start(&pool));
        Ok(Database {
            pool,
            backend,
            writes: Arc::default(),
            chainer,
            // SQLite has one process, whose changes this pool sees; PostgreSQL's changes from
            // elsewhere arrive through the listener, vouched for once it listens.
            sessions: live::SessionVersion::new(backend == Backend::Sqlite),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A pooled connection.
    pub fn conn(&self) -> Result<Conn> {
        self.pool.get().map(Conn).map_err(|e| {
            tracing::warn!(error = %e, "no database connection");
            Error::database_unavailable()
        })
    }

    /// Applies the pending migrations of this backend; returns their names.
    pub fn migrate(&self) -> anyhow::Result<Vec<String>> {
        let mut c = self.conn()?;
        let source = match self.backend {
            Backend::Postgres => PG_MIGRATIONS,
            Backend::Sqlite => SQLITE_MIGRATIONS,
        };
        // Several processes starting at once (an upgrade rolled out to all of them) take
        // turns: the first applies what is pending, the others then find nothing to do.
        let pg = self.backend == Backend::Postgres;
        if pg {
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
                .execute(&mut *c)
                .map_err(|e| anyhow::anyhow!("waiting for the migrations' lock: {e}"))?;
        }
        let done = c
            .run_pending_migrations(source)
            .map(|d| d.iter().map(ToString::to_string).collect())
            .map_err(|e| anyhow::anyhow!("running migrations: {e}"));
        if pg {
            let _ = diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
                .execute(&mut *c);
        }
        done
    }

    /// Runs `f` in a write transaction. On SQLite the transaction takes the write lock first,
    /// waiting for it, so that concurrent writers queue instead of failing.
    pub fn write<T>(&self, f: impl FnOnce(&mut AnyConnection) -> Result<T>) -> Result<T> {
        let mut pooled = self.conn()?;
        audit::begin_write();
        live::begin_write();
        let out = pooled
            .transaction::<T, TxError, _>(|c| {
                if let AnyConnection::Sqlite(_) = c {
                    diesel::update(schema::write_lock::table)
                        .set(schema::write_lock::n.eq(schema::write_lock::n + 1))
                        .execute(c)?;
                }
                f(c).map_err(TxError)
            })
            .map_err(|e| e.0);
        if live::sessions_changed_by_write() {
            // After the commit (or the rollback): a check that read the old rows before it
            // keeps nothing past this.
            self.sessions.bump();
        }
        let out = mark(&mut pooled, out)?;
        self.writes.fetch_add(1, Ordering::SeqCst);
        if audit::left_unchained()
            && let Some(chainer) = &self.chainer
        {
            chainer.wake();
        }
        Ok(out)
    }

    /// Chains the audit records that are committed and waiting (see [`Store::settle_audit`]).
    pub fn settle_audit(&self) -> Result<u64> {
        match self.backend {
            Backend::Sqlite => Ok(0),
            Backend::Postgres => {
                let mut c = self.conn()?;
                // Usually nothing waits (the chainer follows the writes): a look without the
                // lock first.
                let waiting: bool = diesel::select(diesel::dsl::exists(
                    schema::audit_pending::table.select(schema::audit_pending::id),
                ))
                .get_result(&mut *c)
                .map_err(db_err)?;
                let out = if waiting {
                    audit::settle(&mut c)
                } else {
                    Ok(0)
                };
                mark(&mut c, out)
            }
        }
    }

    /// Counts a change made beside [`Database::write`] (a test's direct SQL), so that kept
    /// answers are checked again.
    pub fn note_write(&self) {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.sessions.bump();
    }

    /// The version of sessions and users, for the listener of another process's changes.
    pub fn session_version(&self) -> Arc<live::SessionVersion> {
        self.sessions.clone()
    }

    /// Runs `f` in a transaction that only reads (no write lock is taken on SQLite).
    pub fn read<T>(&self, f: impl FnOnce(&mut AnyConnection) -> Result<T>) -> Result<T> {
        let mut pooled = self.conn()?;
        let out = pooled
            .transaction::<T, TxError, _>(|c| f(c).map_err(TxError))
            .map_err(|e| e.0);
        mark(&mut pooled, out)
    }
}

impl From<diesel::result::Error> for TxError {
    fn from(e: diesel::result::Error) -> Self {
        TxError(db_err(e))
    }
}

/// Carries a domain error through diesel's transaction machinery.
#[derive(Debug)]
pub struct TxError(pub Error);

/// Maps a diesel error: unique violations become 409 conflicts, a lost connection 503 (the
/// transaction did not commit, or its outcome is decided by the database, never half-written),
/// the rest internal errors.
pub fn db_err(e: diesel::result::Error) -> Error {
    use diesel::result::{DatabaseErrorKind, Error as D};
    if connection_lost(&e) {
        tracing::warn!(error = %e, "database connection lost");
        return Error::database_unavailable();
    }
    match e {
        D::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            tracing::info!(constraint = ?info.constraint_name(), "unique violation: {}", info.message());
            Error::Conflict {
                code: "duplicate",
                detail: Message::new("已存在相同记录", "this already exists"),
            }
        }
        other => Error::Internal(anyhow::Error::new(other)),
    }
}

/// Whether the error means the connection to the database broke (rather than the statement
/// being wrong).
fn connection_lost(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind as K, Error as D};
    match e {
        D::DatabaseError(K::ClosedConnection | K::UnableToSendCommand, _) => true,
        D::BrokenTransactionManager => true,
        D::RollbackErrorOnCommit {
            commit_error,
            rollback_error,
        } => connection_lost(commit_error) || connection_lost(rollback_error),
        _ => false,
    }
}

impl Store for Database {
    fn transaction(&self, f: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        self.write(|c| f(c))
    }

    fn read(&self, f: &mut dyn FnMut(&mut dyn ReadTx) -> Result<()>) -> Result<()> {
        if self.backend == Backend::Sqlite {
            return Database::read(self, |c| f(c));
        }
        // PostgreSQL reads at READ COMMITTED: every statement sees what was committed when it
        // began, inside a transaction or outside one. A BEGIN and a COMMIT around the reads
        // would add two round trips and change nothing they see.
        self.read_one(f)
    }

    fn read_one(&self, f: &mut dyn FnMut(&mut dyn ReadTx) -> Result<()>) -> Result<()> {
        // A statement outside a transaction is its own snapshot, on both databases.
        let mut c = self.conn()?;
        let out = f(&mut *c);
        mark(&mut c, out)
    }

    fn settle_audit(&self) -> Result<u64> {
        Database::settle_audit(self)
    }

    fn ping(&self) -> Result<()> {
        let mut c = self.conn()?;
        let out = diesel::sql_query("SELECT 1")
            .execute(&mut *c)
            .map(|_| ())
            .map_err(db_err);
        mark(&mut c, out)
    }

    fn pool_state(&self) -> Option<(u32, u32, u32)> {
        let s = self.pool.state();
        Some((s.connections, s.idle_connections, self.pool.max_size()))
    }

    fn local_writes(&self) -> u64 {
        self.writes.load(Ordering::SeqCst)
    }

    fn session_version(&self) -> Option<u64> {
        self.sessions.get()
    }
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;

    #[derive(QueryableByName)]
    struct CompileOption {
        #[diesel(sql_type = diesel::sql_types::Text)]
        compile_options: String,
    }

    /// The bundled SQLite is built as `.cargo/config.toml` asks: in multi-thread mode (no
    /// mutex around every call on a connection) and without memory statistics. A build
    /// outside the workspace (without that file) would be slower, not wrong: this says so.
    #[test]
    fn sqlite_is_built_multi_threaded_without_memory_statistics() {
        let mut c = diesel::SqliteConnection::establish(":memory:").unwrap();
        let options: Vec<String> = diesel::sql_query("PRAGMA compile_options")
            .load::<CompileOption>(&mut c)
            .unwrap()
            .into_iter()
            .map(|o| o.compile_options)
            .collect();
        assert!(options.iter().any(|o| o == "THREADSAFE=2"), "{options:?}");
        assert!(
            options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
            "{options:?}"
        );
    }
}
