//! Fault stories, bounded and on loopback only: the parts the app leans on fail under it and
//! come back.
//! - PostgreSQL (a server of the story's own) is stopped hard and restarted while vendors
//!   submit bids and a reader reads: answers are 503 problems with `Retry-After` while it is
//!   down, never 500; the app recovers without a restart; every vendor ends with exactly one
//!   bid and every accepted bid is stored.
//! - An SMTP server that is down (nothing listens) and then comes back on its port: the mail
//!   waits in the queue and then arrives exactly once.
//! - The server process is killed with SIGKILL in the middle of a job: a new process takes
//!   the job up again once its lease has run out, and every e-mail arrives exactly once.
//! - The attachment disk fills up (a small tmpfs mounted over the attachment folder): the
//!   upload is answered 507 with a problem body, leaves no partial file, and nothing stored
//!   before is lost; once there is room again the same upload succeeds.
//!
//! (The search engine going down and back is `search_down.rs`; an SMTP server that refuses
//! for a while is in `mailing.rs`.)
//!
//! Stopping a database server and mounting a file system need a PostgreSQL installation and
//! root; where they are missing the stories say so loudly, and `TEST_REQUIRE_FAULTS=1` (as in
//! CI) makes that a failure.

use std::collections::{BTreeMap, HashSet};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tests::fixtures::{bid, open_scenario, pdf, upload, verified_vendor};
use tests::own_pg::{OwnPostgres, cannot_run, free_port, is_root, run};
use tests::smtp::SmtpSink;
use tests::{Db, PASSWORD, TestApp, try_spawn_app_with};

// ---------------------------------------------------------------------------------------------
// PostgreSQL stopped and restarted under load

/// What the load saw, by kind of answer.
#[derive(Default)]
struct Seen {
    statuses: std::sync::Mutex<BTreeMap<u16, usize>>,
    /// Answers that broke the rules (a 500, a 503 without a problem body or `Retry-After`).
    wrong: std::sync::Mutex<Vec<String>>,
}

impl Seen {
    fn note(&self, what: &str, status: u16, headers: &reqwest::header::HeaderMap, body: &str) {
        *self.statuses.lock().unwrap().entry(status).or_default() += 1;
        let bad = match status {
            503 => {
                let problem = headers
                    .get("content-type")
                    .is_some_and(|v| v == "application/problem+json");
                let parsed: Value = serde_json::from_str(body).unwrap_or(Value::Null);
                !(problem
                    && parsed["status"] == 503
                    && headers.contains_key("retry-after")
                    && parsed["detail"].as_str().is_some_and(|d| !d.is_empty()))
            }
            s => s >= 500,
        };
        if bad {
            self.wrong
                .lock()
                .unwrap()
                .push(format!("{what}: {status} {headers:?} {body}"));
        }
    }

    fn count(&self, status: u16) -> usize {
        self.statuses
            .lock()
            .unwrap()
            .get(&status)
            .copied()
            .unwrap_or(0)
    }
}

/// One vendor's bid, sent again after every 503 until it is accepted (201) or the server
/// says it already holds it (409 `duplicate_bid`: an earlier try committed, and its answer
/// was lost with the connection). Returns the accepted bid's id, if an answer named one.
async fn bid_until_stored(
    client: reqwest::Client,
    url: String,
    token: String,
    price: i64,
    seen: Arc<Seen>,
) -> Option<i64> {
    let deadline = Instant::now() + Duration::from_secs(90);
    while Instant::now() < deadline {
        match client
            .post(&url)
            .bearer_auth(&token)
            .json(&bid(price))
            .send()
            .await
        {
            Ok(r) => {
                let status = r.status().as_u16();
                let headers = r.headers().clone();
                let body = r.text().await.unwrap_or_default();
                seen.note("bid", status, &headers, &body);
                let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                match status {
                    201 => return v["bid"]["id"].as_i64(),
                    409 if v["code"] == "duplicate_bid" => return None,
                    503 => {}
                    _ => {
                        seen.wrong
                            .lock()
                            .unwrap()
                            .push(format!("bid: {status} {body}"));
                        return None;
                    }
                }
            }
            // The app itself never goes away in this story.
            Err(e) => seen.wrong.lock().unwrap().push(format!("bid: {e}")),
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    seen.wrong
        .lock()
        .unwrap()
        .push(format!("bid at {price}: never stored"));
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_stopped_and_restarted_under_load_answers_503_then_recovers_losing_nothing() {
    let story = "the PostgreSQL stop-and-restart story";
    let pg = match OwnPostgres::create() {
        Ok(pg) => pg,
        Err(why) => return cannot_run(story, &why),
    };
    let app = tests::spawn_app_on_postgres(
        &pg.url(),
        &[
            ("APP__DATABASE__POOL_TIMEOUT_SECONDS", "1".into()),
            ("APP__DATABASE__MAX_CONNECTIONS", "8".into()),
        ],
    )
    .await;
    let (_, sid) = open_scenario(&app).await;
    let mut vendors = Vec::new();
    for i in 0..24 {
        let (token, org) =
            verified_vendor(&app, &format!("v{i}@fault.cn"), &format!("故障测试企业{i}")).await;
        vendors.push((token, org));
    }
    let seen = Arc::new(Seen::default());
    let down = Arc::new(AtomicBool::new(false));
    let reads_while_down = Arc::new(AtomicUsize::new(0));

    // A reader that keeps reading the scenario and the list throughout.
    let stop_reading = Arc::new(AtomicBool::new(false));
    let reader = {
        let (client, seen, stop, down, while_down) = (
            app.api.clone(),
            seen.clone(),
            stop_reading.clone(),
            down.clone(),
            reads_while_down.clone(),
        );
        let urls = [
            app.url(&format!("/api/v1/scenarios/{sid}")),
            app.url("/api/v1/scenarios"),
        ];
        tokio::spawn(async move {
            let mut i = 0usize;
            while !stop.load(Ordering::SeqCst) {
                let was_down = down.load(Ordering::SeqCst);
                if let Ok(r) = client.get(&urls[i % 2]).send().await {
                    let status = r.status().as_u16();
                    let headers = r.headers().clone();
                    let body = r.text().await.unwrap_or_default();
                    seen.note("read", status, &headers, &body);
                    if was_down && status == 503 {
                        while_down.fetch_add(1, Ordering::SeqCst);
                    }
                }
                i += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };

    // The vendors start one after another, across the outage.
    let url = app.url(&format!("/api/v1/scenarios/{sid}/bids"));
    let mut bidders = Vec::new();
    for (i, (token, _)) in vendors.iter().enumerate() {
        let task = tokio::spawn(bid_until_stored(
            app.api.clone(),
            url.clone(),
            token.clone(),
            300_000 + i as i64,
            seen.clone(),
        ));
        bidders.push(task);
        if i == 8 {
            pg.stop().expect("stop PostgreSQL");
            down.store(true, Ordering::SeqCst);
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    // Down for a while longer: readiness says so.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status, 503, "readiness while the database is down");
    assert_eq!(
        ready.body["checks"]["database"]["status"], "error",
        "{:?}",
        ready.body
    );
    pg.start().expect("start PostgreSQL again");
    down.store(false, Ordering::SeqCst);

    let mut accepted = Vec::new();
    for t in bidders {
        if let Some(id) = t.await.unwrap() {
            accepted.push(id);
        }
    }
    // Reads recover too, without restarting the app.
    let recovered_by = Instant::now() + Duration::from_secs(30);
    loop {
        let r = app.get(&format!("/api/v1/scenarios/{sid}"), None).await;
        if r.status == 200 {
            break;
        }
        assert!(
            Instant::now() < recovered_by,
            "reads never recovered: {r:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    stop_reading.store(true, Ordering::SeqCst);
    reader.await.unwrap();
    assert_eq!(app.get("/readyz", None).await.status, 200);

    let wrong = seen.wrong.lock().unwrap().clone();
    assert!(wrong.is_empty(), "answers that break the rules: {wrong:#?}");
    assert!(
        seen.count(503) > 0 && reads_while_down.load(Ordering::SeqCst) > 0,
        "the outage was met: {:?}",
        seen.statuses.lock().unwrap()
    );
    eprintln!(
        "PostgreSQL outage: answers by status {:?}",
        seen.statuses.lock().unwrap()
    );

    // Nothing lost, nothing twice: one bid per vendor, every accepted one among them.
    let stored = app.query_i64(&format!(
        "SELECT COUNT(*) AS n FROM bids WHERE scenario_id = {sid}"
    ));
    assert_eq!(stored, vendors.len() as i64, "one bid per vendor");
    for (_, org) in &vendors {
        assert_eq!(
            app.query_i64(&format!(
                "SELECT COUNT(*) AS n FROM bids WHERE scenario_id = {sid} AND vendor_org_id = {org}"
            )),
            1,
            "organization {org} holds exactly one bid"
        );
    }
    let unique: HashSet<i64> = accepted.iter().copied().collect();
    assert_eq!(unique.len(), accepted.len(), "no bid id was answered twice");
    for id in &accepted {
        assert_eq!(
            app.query_i64(&format!(
                "SELECT COUNT(*) AS n FROM bids WHERE id = {id} AND scenario_id = {sid}"
            )),
            1,
            "accepted bid {id} is stored"
        );
    }
    app.assert_invariants().await;
}

// ---------------------------------------------------------------------------------------------
// SMTP down and back

/// Users who asked for a password reset: the queue then holds one e-mail for each.
async fn ask_for_resets(app_url: &str, client: &reqwest::Client, emails: &[String]) {
    for e in emails {
        let r = client
            .post(format!("{app_url}/api/v1/auth/password-reset"))
            .json(&json!({ "email": e }))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "reset for {e}: {}", r.status());
    }
}

async fn register(app_url: &str, client: &reqwest::Client, email: &str, name: &str) {
    let r = client
        .post(format!("{app_url}/api/v1/auth/register"))
        .json(&json!({"email": email, "password": PASSWORD, "display_name": name, "role": "vendor", "organization": {"name": name}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201, "register {email}");
}

async fn smtp_down_then_back(db: Db) {
    // A port where nothing listens yet.
    let port = free_port();
    let Some(app) = try_spawn_app_with(
        db,
        &[("APP__MAIL__SMTP_URL", format!("smtp://127.0.0.1:{port}"))],
    )
    .await
    else {
        return;
    };
    let emails: Vec<String> = (0..3).map(|i| format!("down{i}@example.cn")).collect();
    for (i, e) in emails.iter().enumerate() {
        register(&app.address, &app.api, e, &format!("邮件故障企业{i}")).await;
    }
    ask_for_resets(&app.address, &app.api, &emails).await;
    for _ in 0..3 {
        app.drain_jobs().await;
        app.clock.advance(chrono::Duration::minutes(10));
    }
    let waiting = app.query_i64(
        "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'send_email' AND status = 'queued' AND attempts >= 1 AND last_error IS NOT NULL",
    );
    assert_eq!(
        waiting, 3,
        "while the server is down each e-mail waits, retried"
    );

    let sink = SmtpSink::start_on(port);
    for _ in 0..4 {
        app.drain_jobs().await;
        app.clock.advance(chrono::Duration::hours(1));
    }
    for e in &emails {
        assert_eq!(
            sink.to(e).len(),
            1,
            "{e} gets its e-mail once the server is back"
        );
    }
    assert_eq!(sink.received().len(), 3, "no message sent twice");
    assert_eq!(
        app.query_i64(
            "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'send_email' AND status <> 'done'"
        ),
        0,
        "no e-mail job left behind"
    );
    app.assert_invariants().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_an_smtp_server_down_then_back_delivers_every_email_once() {
    smtp_down_then_back(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_an_smtp_server_down_then_back_delivers_every_email_once() {
    smtp_down_then_back(Db::Postgres).await;
}

// ---------------------------------------------------------------------------------------------
// kill -9 of the server in the middle of a job

/// The server in a process of its own.
struct Process {
    child: Child,
    base: String,
}

impl Process {
    fn start(dir: &Path, port: u16, smtp: &str) -> Process {
        let child = Command::new(env!("CARGO_BIN_EXE_fault-server"))
            .arg("serve")
            .env("APP__DATA_DIR", dir)
            .env("APP__SERVER__ADDRESS", format!("127.0.0.1:{port}"))
            .env(
                "APP__AUTH__JWT_SECRET",
                "fault-story-secret-of-at-least-32-characters",
            )
            .env("APP__MAIL__SMTP_URL", smtp)
            .env("APP__JOBS__WORKER", "true")
            .env("APP__JOBS__POLL_INTERVAL_MS", "100")
            .env("APP__JOBS__LEASE_SECONDS", "5")
            .env("APP__DEMO", "false")
            .env("APP__LOG__LEVEL", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("start the server process");
        Process {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    async fn wait_ready(&mut self) {
        let client = reqwest::Client::new();
        let until = Instant::now() + Duration::from_secs(60);
        while Instant::now() < until {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("the server process ended: {status}");
            }
            if client
                .get(format!("{}/healthz", self.base))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the server process did not start");
    }

    /// SIGKILL: no shutdown, no finishing the job in hand.
    fn kill_9(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An SMTP server that accepts connections and then never says a word, so that a send in
/// progress hangs there.
fn silent_smtp() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("smtp://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            count.fetch_add(1, Ordering::SeqCst);
            held.push(s);
        }
    });
    (url, accepted)
}

fn sqlite_n(db: &db::Database, sql: &str) -> i64 {
    tests::query_n(&mut db.conn().unwrap(), sql)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_job_resumes_its_jobs_after_their_lease() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (silent, accepted) = silent_smtp();
    let mut first = Process::start(dir.path(), port, &silent);
    first.wait_ready().await;
    let client = reqwest::Client::new();
    let emails: Vec<String> = (0..4).map(|i| format!("kill{i}@example.cn")).collect();
    for (i, e) in emails.iter().enumerate() {
        register(&first.base, &client, e, &format!("进程故障企业{i}")).await;
    }
    ask_for_resets(&first.base, &client, &emails).await;

    let db = db::Database::connect(
        &format!("sqlite://{}", dir.path().join("market.db").display()),
        1,
    )
    .unwrap();
    // Wait until the worker is in the middle of a send.
    let until = Instant::now() + Duration::from_secs(30);
    while accepted.load(Ordering::SeqCst) == 0
        || sqlite_n(
            &db,
            "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'send_email' AND status = 'running'",
        ) == 0
    {
        assert!(Instant::now() < until, "the worker never began a send");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    first.kill_9();
    let total = sqlite_n(
        &db,
        "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'send_email'",
    );
    assert!(total >= emails.len() as i64, "{total} e-mail jobs");
    assert_eq!(
        sqlite_n(
            &db,
            "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'send_email' AND status = 'done'"
        ),
        0,
        "nothing was sent before the kill"
    );
    let held = sqlite_n(
        &db,
        "SELECT MIN(id) AS n FROM jobs WHERE kind = 'send_email' AND status = 'running'",
    );

    // A new process with a working relay: the held job waits out its lease, then runs.
    let sink = SmtpSink::start();
    let mut second = Process::start(dir.path(), port, &sink.url);
    second.wait_ready().await;
    let until = Instant::now() + Duration::from_secs(60);
    while sqlite_n(
        &db,
        "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'send_email' AND status <> 'done'",
    ) > 0
    {
        assert!(
            Instant::now() < until,
            "the jobs did not all run after the restart"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        sqlite_n(
            &db,
            &format!("SELECT attempts AS n FROM jobs WHERE id = {held}")
        ),
        2,
        "the job held by the killed process ran again after its lease"
    );
    for e in &emails {
        assert_eq!(sink.to(e).len(), 1, "{e} gets its e-mail exactly once");
    }
    assert_eq!(sink.received().len() as i64, total, "one message per job");
    drop(second);
}

// ---------------------------------------------------------------------------------------------
// A full disk under an upload

/// A small tmpfs mounted over a folder until dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Result<Tmpfs, String> {
        if !is_root() {
            return Err("mounting a tmpfs needs root".into());
        }
        run(
            Command::new("mount")
                .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
                .arg(at),
            "mount a tmpfs",
        )?;
        Ok(Tmpfs(at.to_path_buf()))
    }

    fn resize(&self, size: &str) {
        run(
            Command::new("mount")
                .args(["-o", &format!("remount,size={size}")])
                .arg(&self.0),
            "remount the tmpfs",
        )
        .unwrap();
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    base16(&sha2::Sha256::digest(bytes))
}

fn base16(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A PDF of about `kb` kilobytes.
fn big_pdf(kb: usize, tag: &str) -> Vec<u8> {
    let mut bytes = pdf(tag);
    bytes.extend(std::iter::repeat_n(b'x', kb * 1024));
    bytes
}

async fn attachments(app: &TestApp, token: &str, bid_id: i64) -> Vec<String> {
    let b = app
        .get(&format!("/api/v1/bids/{bid_id}"), Some(token))
        .await;
    assert_eq!(b.status, 200);
    b.body["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["sha256"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_an_upload_cleanly_and_loses_nothing() {
    let story = "the full-disk upload story";
    let app = tests::spawn_app().await;
    let files = app.settings.files_dir();
    let disk = match Tmpfs::mount(&files, "256k") {
        Ok(d) => d,
        Err(why) => return cannot_run(story, &why),
    };
    std::fs::create_dir_all(files.join("tmp")).unwrap();
    let (_, sid) = open_scenario(&app).await;
    let (vendor, _) = verified_vendor(&app, "disk@fault.cn", "磁盘故障企业").await;
    let b = app
        .post(
            &format!("/api/v1/scenarios/{sid}/bids"),
            Some(&vendor),
            bid(280_000),
        )
        .await;
    assert_eq!(b.status, 201, "{:?}", b.body);
    let bid_id = b.body["bid"]["id"].as_i64().unwrap();
    let small = pdf("fits");
    let first = upload(&app, &vendor, bid_id, "资质.pdf", small.clone()).await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    let before = app
        .get(&format!("/api/v1/bids/{bid_id}"), Some(&vendor))
        .await;

    let big = big_pdf(400, "too big for the disk");
    let full = upload(&app, &vendor, bid_id, "方案.pdf", big.clone()).await;
    assert_eq!(full.status, 507, "{:?}", full.body);
    assert_eq!(
        full.headers.get("content-type").unwrap(),
        "application/problem+json"
    );
    assert_eq!(full.body["code"], "storage_full", "{:?}", full.body);
    assert!(
        full.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("存储空间")),
        "{:?}",
        full.body
    );

    // No partial file; the earlier file is whole; the bid is as it was.
    let stored = app.stored_files();
    assert_eq!(
        stored.len(),
        1,
        "only the first file is on disk: {stored:?}"
    );
    assert_eq!(
        sha256_hex(&std::fs::read(&stored[0]).unwrap()),
        sha256_hex(&small),
        "the earlier file is intact"
    );
    let after = app
        .get(&format!("/api/v1/bids/{bid_id}"), Some(&vendor))
        .await;
    assert_eq!(after.body, before.body, "the bid did not change");
    let d = app
        .call(
            "GET",
            &format!("/api/v1/bids/{bid_id}/attachments/{}", sha256_hex(&small)),
            Some(&vendor),
            None,
        )
        .await;
    assert_eq!(d.status, 200, "the earlier attachment still downloads");

    // The bid form of the pages: shown again with the message and what was typed.
    let (_, page_org) = verified_vendor(&app, "disk-page@fault.cn", "磁盘页面企业").await;
    let (c, csrf) = tests::signed_in(&app, "disk-page@fault.cn").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("price", "260000")
        .text("delivery_days", "60")
        .text("technical_proposal", "磁盘已满时提交的方案")
        .text("team", "三人")
        .part(
            "file",
            reqwest::multipart::Part::bytes(big.clone())
                .file_name("方案.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    let r = c
        .post(app.url(&format!("/scenarios/{sid}/bid?csrf={csrf}")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    // (A page that shows its form again answers 422, whatever kept it from going through.)
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("存储空间")
            && html.contains("value=\"260000\"")
            && html.contains("磁盘已满时提交的方案"),
        "{html}"
    );
    assert_eq!(
        app.query_i64(&format!(
            "SELECT COUNT(*) AS n FROM bids WHERE vendor_org_id = {page_org}"
        )),
        0,
        "no bid without its file"
    );
    assert_eq!(app.stored_files().len(), 1, "still only the first file");

    // Room again: the same upload goes through.
    disk.resize("4m");
    let again = upload(&app, &vendor, bid_id, "方案.pdf", big.clone()).await;
    assert_eq!(again.status, 201, "{:?}", again.body);
    let mut shas = attachments(&app, &vendor, bid_id).await;
    shas.sort();
    let mut want = vec![sha256_hex(&small), sha256_hex(&big)];
    want.sort();
    assert_eq!(shas, want);
    app.assert_invariants().await;
    drop(disk);
}
