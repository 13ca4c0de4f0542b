//! The black-box test harness: [`spawn_app`] starts the real application on port 0 with its own
//! fresh database (a SQLite file, or a PostgreSQL database made for the test when
//! `TEST_DATABASE_URL` is set), its own mail outbox and a clock the test can move.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use diesel::{Connection, RunQueryDsl};
use domain::ports::Clock;
use scenario_market::config::Settings;
use scenario_market::startup::{Application, Parts, wire};
use serde_json::{Value, json};

pub mod bench_data;
pub mod fixtures;
pub mod own_meili;
pub mod own_pg;
pub mod smtp;

/// The signing key every test app uses, so tests can make tokens of their own.
pub const TEST_JWT_SECRET: &str = "test-signing-key-test-signing-key-0123456789";
/// A password that satisfies the rules.
pub const PASSWORD: &str = "correct-horse-42";

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// A clock that stands still until a test moves it.
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn advance(&self, by: Duration) {
        let mut t = self.0.lock().unwrap();
        *t += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

/// A running application for one test.
pub struct TestApp {
    pub address: String,
    pub db: Db,
    pub parts: Parts,
    pub clock: Arc<ManualClock>,
    pub outbox: PathBuf,
    pub api: reqwest::Client,
    /// The settings the app was started with.
    pub settings: Settings,
    _dir: tempfile::TempDir,
    pg: Option<(String, String)>,
    handle: actix_web::dev::ServerHandle,
    /// The story breaks the audit chain on purpose (the invariant check then skips it).
    pub breaks_audit_chain: std::sync::atomic::AtomicBool,
    /// The story makes jobs fail, or leaves them claimed, on purpose.
    pub fails_jobs: std::sync::atomic::AtomicBool,
}

fn env_flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| v == "1" || v == "true")
}

/// The PostgreSQL server for tests, or `None` with a loud notice (a failure when
/// `TEST_REQUIRE_POSTGRES=1`).
pub fn postgres_url() -> Option<String> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            if env_flag("TEST_REQUIRE_POSTGRES") {
                panic!("TEST_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set");
            }
            eprintln!(
                "\n!!! NOTICE: TEST_DATABASE_URL is not set: this PostgreSQL test did NOT run (it passed without checking anything). !!!\n"
            );
            None
        }
    }
}

/// A new, empty PostgreSQL database on the test server, dropped with the guard.
pub struct EmptyPostgres {
    pub url: String,
    admin_url: String,
    name: String,
}

impl EmptyPostgres {
    pub fn create() -> Option<EmptyPostgres> {
        let admin_url = postgres_url()?;
        let name = format!("sm_test_{}", rand::random::<u64>());
        let mut c =
            diesel::PgConnection::establish(&admin_url).expect("connect to TEST_DATABASE_URL");
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut c)
            .expect("create test database");
        Some(EmptyPostgres {
            url: with_database(&admin_url, &name),
            admin_url,
            name,
        })
    }
}

impl Drop for EmptyPostgres {
    fn drop(&mut self) {
        if let Ok(mut c) = diesel::PgConnection::establish(&self.admin_url) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut c);
        }
    }
}

fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let root = base.rsplit_once('/').map_or(base, |(r, _)| r);
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

/// Starts an app on `db`; `None` when PostgreSQL is asked for but not configured.
pub async fn try_spawn_app(db: Db) -> Option<TestApp> {
    try_spawn_app_with(db, &[]).await
}

/// Starts an app on `db` with more settings (`APP__…` variables).
pub async fn try_spawn_app_with(db: Db, extra: &[(&str, String)]) -> Option<TestApp> {
    let dir = tempfile::tempdir().expect("temp dir");
    let (url, pg) = match db {
        Db::Sqlite => (
            format!("sqlite://{}", dir.path().join("market.db").display()),
            None,
        ),
        Db::Postgres => {
            let admin_url = postgres_url()?;
            let name = format!("sm_test_{}", rand::random::<u64>());
            let mut c =
                diesel::PgConnection::establish(&admin_url).expect("connect to TEST_DATABASE_URL");
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut c)
                .expect("create test database");
            (with_database(&admin_url, &name), Some((admin_url, name)))
        }
    };
    Some(start(db, dir, url, pg, extra))
}

/// Starts an app on a PostgreSQL database of the test's own (a server it starts and stops
/// itself); the database is not dropped afterwards.
pub async fn spawn_app_on_postgres(url: &str, extra: &[(&str, String)]) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    start(Db::Postgres, dir, url.to_string(), None, extra)
}

fn start(
    db: Db,
    dir: tempfile::TempDir,
    url: String,
    pg: Option<(String, String)>,
    extra: &[(&str, String)],
) -> TestApp {
    let env: Vec<(String, String)> = [
        ("APP__DATA_DIR", dir.path().display().to_string()),
        ("APP__SERVER__ADDRESS", "127.0.0.1:0".into()),
        ("APP__SERVER__WORKERS", "2".into()),
        ("APP__DATABASE__URL", url),
        ("APP__DATABASE__MAX_CONNECTIONS", "6".into()),
        ("APP__AUTH__JWT_SECRET", TEST_JWT_SECRET.into()),
        ("APP__JOBS__WORKER", "false".into()),
        ("APP__DEMO", "false".into()),
        (
            "APP__LOG__LEVEL",
            std::env::var("TEST_LOG").unwrap_or_else(|_| "error".into()),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .chain(extra.iter().map(|(k, v)| (k.to_string(), v.clone())))
    .collect();
    let settings = Settings::from_sources(None, &env).expect("test settings");
    scenario_market::telemetry::init(settings.log.format, &settings.log.level);
    // Whole microseconds, the precision both databases store.
    let start = DateTime::from_timestamp_micros(Utc::now().timestamp_micros()).unwrap();
    let clock = Arc::new(ManualClock(Mutex::new(start)));
    let parts = wire(&settings, clock.clone()).expect("wire the app");
    let app = Application::start(&settings, parts.clone()).expect("start the app");
    let port = app.port;
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    let address = format!("http://127.0.0.1:{port}");
    TestApp {
        address,
        db,
        parts,
        clock,
        outbox: dir.path().join("outbox"),
        settings: settings.clone(),
        api: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        _dir: dir,
        pg,
        handle,
        breaks_audit_chain: Default::default(),
        fails_jobs: Default::default(),
    }
}

/// Starts an app on SQLite.
pub async fn spawn_app() -> TestApp {
    try_spawn_app(Db::Sqlite)
        .await
        .expect("SQLite always works")
}

impl Drop for TestApp {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
        if let Some((admin_url, name)) = self.pg.take()
            && let Ok(mut c) = diesel::PgConnection::establish(&admin_url)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut c);
        }
    }
}

/// One e-mail found in the outbox.
#[derive(Debug, Clone)]
pub struct SentEmail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// An API answer: status, headers and JSON body (Null when empty).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Sends a JSON request with an optional bearer token.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut rb = self.api.request(m, self.url(path));
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let resp = rb.send().await.expect("request");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Answer {
        self.call("POST", path, token, Some(body)).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Answer {
        self.call("GET", path, token, None).await
    }

    /// Registers an agency or vendor user; returns the answer's body.
    pub async fn register(&self, email: &str, role: &str, org: &str) -> Value {
        let a = self
            .post("/api/v1/auth/register", None, json!({"email": email, "password": PASSWORD, "display_name": "测试用户", "role": role, "organization": {"name": org}}))
            .await;
        assert_eq!(a.status, 201, "register {email}: {:?}", a.body);
        a.body
    }

    /// Signs in; returns the token answer.
    pub async fn login(&self, email: &str, password: &str) -> Answer {
        self.post(
            "/api/v1/auth/login",
            None,
            json!({"email": email, "password": password}),
        )
        .await
    }

    /// Signs in and returns the access token (panics if refused).
    pub async fn token(&self, email: &str) -> String {
        let a = self.login(email, PASSWORD).await;
        assert_eq!(a.status, 200, "login {email}: {:?}", a.body);
        a.body["access_token"].as_str().unwrap().to_string()
    }

    /// Creates an administrator directly and returns an access token for them.
    pub async fn admin_token(&self) -> String {
        let services = self.parts.services.clone();
        tokio::task::spawn_blocking(move || {
            services.ensure_user(app::accounts::EnsureUser {
                email: domain::account::Email::parse("root@test.cn").unwrap(),
                password_hash: domain::security::hash_password(
                    &domain::account::Password::parse(PASSWORD).unwrap(),
                )
                .unwrap(),
                display_name: "管理员".into(),
                role: domain::account::Role::Admin,
                expertise: vec![],
                organization: None,
            })
        })
        .await
        .unwrap()
        .unwrap();
        self.token("root@test.cn").await
    }

    /// What must hold after every story: every job due by now runs without failing (nothing is
    /// left queued or parked as failed), and the audit chain verifies.
    pub async fn assert_invariants(&self) {
        use std::sync::atomic::Ordering;
        let fails_jobs = self.fails_jobs.load(Ordering::Relaxed);
        if !fails_jobs {
            self.drain_jobs().await;
            let now = self.parts.services.now();
            let db = self.parts.db.clone();
            let jobs = tokio::task::spawn_blocking(move || db.jobs(100_000))
                .await
                .unwrap()
                .expect("list jobs");
            let search = self.parts.search.clone();
            let backlog = tokio::task::spawn_blocking(move || search.backlog())
                .await
                .unwrap()
                .expect("the index backlog");
            assert_eq!(
                backlog, 0,
                "invariant: documents still wait for the search index"
            );
            let services = self.parts.services.clone();
            let notices = tokio::task::spawn_blocking(move || services.notice_backlog())
                .await
                .unwrap()
                .expect("the notice backlog");
            assert_eq!(notices, 0, "invariant: notices still wait for delivery");
            for j in &jobs {
                assert!(
                    j.status == "done" || (j.status != "failed" && j.attempts == 0),
                    "invariant: job {} ({}) failed or was retried: {:?} {:?}",
                    j.id,
                    j.kind,
                    j.status,
                    j.last_error
                );
                assert!(
                    !(j.status == "queued" && j.run_at <= now) && j.status != "running",
                    "invariant: job {} ({}) is due but still {}",
                    j.id,
                    j.kind,
                    j.status
                );
            }
        }
        if !self.breaks_audit_chain.load(Ordering::Relaxed) {
            let services = self.parts.services.clone();
            let check = tokio::task::spawn_blocking(move || services.verify_audit_chain())
                .await
                .unwrap()
                .expect("verify the audit chain");
            assert!(
                matches!(check, domain::audit::ChainCheck::Intact { .. }),
                "invariant: the audit chain is broken: {check:?}"
            );
        }
    }

    /// Runs every due job now.
    pub async fn drain_jobs(&self) -> usize {
        let w = self.parts.worker.clone();
        tokio::task::spawn_blocking(move || w.drain())
            .await
            .unwrap()
            .expect("drain")
    }

    /// Every e-mail in the outbox, oldest first.
    pub fn emails(&self) -> Vec<SentEmail> {
        let Ok(rd) = std::fs::read_dir(&self.outbox) else {
            return vec![];
        };
        let mut files: Vec<_> = rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
        files
            .iter()
            .map(|p| {
                let raw = std::fs::read(p).unwrap();
                let m = mail_parser::MessageParser::default()
                    .parse(&raw)
                    .expect("an e-mail");
                SentEmail {
                    to: m
                        .to()
                        .and_then(|a| a.first())
                        .and_then(|a| a.address())
                        .unwrap_or_default()
                        .to_string(),
                    subject: m.subject().unwrap_or_default().to_string(),
                    body: m.body_text(0).unwrap_or_default().to_string(),
                }
            })
            .collect()
    }

    /// Every file under the attachment folder, unfinished uploads included.
    /// The app's attachment store, as its settings make it (a folder or a bucket).
    pub fn files_store(&self) -> web::files::FileStore {
        match self.settings.files.s3() {
            Some(s3) => web::files::FileStore::s3(&s3).expect("the bucket's settings"),
            None => self.parts_files(),
        }
    }

    /// GETs `path` (with a bearer token): the status and the body's bytes.
    pub async fn download(&self, path: &str, token: Option<&str>) -> (u16, Vec<u8>) {
        let mut rb = self.api.get(self.url(path));
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        let r = rb.send().await.unwrap();
        (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
    }

    pub fn stored_files(&self) -> Vec<PathBuf> {
        self.parts_files().list()
    }

    fn parts_files(&self) -> web::files::FileStore {
        web::files::FileStore::new(self._dir.path().join("files")).expect("files folder")
    }

    /// Runs a query that answers one whole number (as `n`) directly against the app's
    /// database, for figures a test computes independently of the services.
    pub fn query_i64(&self, sql: &str) -> i64 {
        // As every reader of the audit chain does: what waits to be chained is chained first.
        self.parts.db.settle_audit().unwrap();
        query_n(&mut self.parts.db.conn().unwrap(), sql)
    }

    /// Runs a query that answers one text (as `t`) directly against the app's database.
    pub fn query_text(&self, sql: &str) -> String {
        #[derive(diesel::QueryableByName)]
        struct T {
            #[diesel(sql_type = diesel::sql_types::Text)]
            t: String,
        }
        let mut c = self.parts.db.conn().unwrap();
        diesel::sql_query(sql)
            .get_result::<T>(&mut *c)
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .t
    }

    /// An instant as a SQL literal both databases compare with their stored timestamps.
    pub fn sql_time(t: chrono::DateTime<Utc>) -> String {
        format!("'{}'", t.naive_utc().format("%Y-%m-%d %H:%M:%S%.6f"))
    }

    /// Runs SQL directly against the app's database (to simulate tampering).
    pub fn execute_sql(&self, sql: &str) -> usize {
        self.parts.db.settle_audit().unwrap();
        let mut c = self.parts.db.conn().unwrap();
        let n = diesel::sql_query(sql).execute(&mut *c).unwrap();
        // Beneath the services: the public answers the app keeps are renewed, as after a
        // write of its own.
        diesel::sql_query("UPDATE scenario_version SET n = n + 1")
            .execute(&mut *c)
            .unwrap();
        self.parts.db.note_write();
        n
    }
}

/// Runs a query that answers one whole number (as `n`) on a connection of either database.
pub fn query_n(c: &mut db::AnyConnection, sql: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(sql)
        .get_result::<N>(c)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .n
}

/// A cookie-keeping HTTP client that does not follow redirects, like a browser without JS.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of the first hidden CSRF field of a page.
pub fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a CSRF field");
    html[at + 19..].split('"').next().unwrap().to_string()
}

/// A browser signed in through the sign-in form, and its CSRF token.
/// The body of a GET of `url` as text (a page, a feed, the metrics), whatever its status.
pub async fn page_text(client: &reqwest::Client, url: String) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}

pub async fn signed_in(app: &TestApp, email: &str) -> (reqwest::Client, String) {
    signed_in_at(&app.address, email).await
}

/// A browser signed in as `email` through the sign-in form of the server at `base`, and the
/// CSRF token of its forms.
pub async fn signed_in_at(base: &str, email: &str) -> (reqwest::Client, String) {
    let c = browser();
    let html = c
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&html);
    let r = c
        .post(format!("{base}/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "sign-in of {email}");
    (c, csrf)
}

/// Runs a story on SQLite and, when configured, on PostgreSQL: `on_both!(name, story_fn);`
#[macro_export]
macro_rules! on_both {
    ($($name:ident => $story:path;)*) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::try_spawn_app($crate::Db::Sqlite).await.unwrap();
                    $story(&app).await;
                    app.assert_invariants().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(app) = $crate::try_spawn_app($crate::Db::Postgres).await {
                        $story(&app).await;
                        app.assert_invariants().await;
                    }
                }
            )*
        }
    };
}
