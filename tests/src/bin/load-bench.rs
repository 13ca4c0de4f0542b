//! The load benchmark: the real server (the release binary, in its own process) with the demo
//! data and N more published scenarios (10,000 by default), against a bare actix-web JSON
//! hello-world measured in the same run by the same load generator.
//!
//! For each route of a read mix (list, detail, search, pages, notices, the open-contracting
//! releases and the OPC figures) and a write mix (bid
//! submissions, each vendor on scenarios it has not bid on; then score sheets, each connection
//! an evaluator of a panel saving its sheets over its scenario's bids) it drives 64 connections on
//! loopback for a bounded time and prints requests per second, p50 and p99 latency, and the
//! share of the bare baseline's rate. Then the server's resident memory, and for the bids the
//! stored count against the accepted answers (duplicates: 0 expected).
//!
//! ```text
//! cargo build --release -p scenario-market --bin scenario-market
//! cargo run --release -p tests --bin load-bench [N]
//! ```
//! `LOAD_DB=postgres` (with `TEST_DATABASE_URL`) runs it on PostgreSQL, SQLite otherwise;
//! `LOAD_SECONDS` (default 5) is the time per route, `LOAD_CONNECTIONS` (default 64);
//! `LOAD_MIX=reads` or `LOAD_MIX=writes` runs one of the two mixes (both by default), and
//! `LOAD_MIX=signed` only the signed-in reads (after `/healthz`, and `/readyz` with its one
//! `SELECT 1` as the ceiling of any route that reads the database); `LOAD_VENDORS` (default
//! 10,000) verified vendors are seeded for the directory and the recommendations; with
//! `MEILI_BIN` the same corpus is also searched on Meilisearch, by its own HTTP search and
//! through the product;
//! `LOAD_KEEP=1` keeps the data folder (and the PostgreSQL database) for a look afterwards.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::{Value, json};
use tests::EmptyPostgres;

const PASSWORD: &str = "qingshan-demo-2026";

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the bench's own path");
    let bin = exe.with_file_name("scenario-market");
    assert!(
        bin.exists(),
        "{} is missing: cargo build --release -p scenario-market --bin scenario-market",
        bin.display()
    );
    bin
}

fn cli(env: &[(String, String)], args: &[&str]) {
    let out = Command::new(server_binary())
        .args(args)
        .envs(env.iter().cloned())
        .output()
        .expect("run scenario-market");
    assert!(
        out.status.success(),
        "scenario-market {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `n` published scenarios of the first demo agency, written in bulk (the product's own
/// posting path would make the set-up the benchmark), open for bids for 60 days.
fn seed_scenarios(url: &str, n: usize) {
    let mut c = db::establish(url).expect("connect");
    #[derive(QueryableByName)]
    struct Owner {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        org: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        user: i64,
    }
    let owner: Owner = diesel::sql_query(
        "SELECT o.id AS org, u.id AS user FROM organizations o JOIN users u ON u.organization_id = o.id WHERE o.kind = 'agency' ORDER BY o.id LIMIT 1",
    )
    .get_result(&mut c)
    .expect("a demo agency");
    #[derive(QueryableByName)]
    struct Tender {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        scenario_id: i64,
        #[diesel(sql_type = diesel::sql_types::Text)]
        body: String,
    }
    let tender: Tender = diesel::sql_query(
        "SELECT scenario_id, body FROM ocds_releases WHERE n = 1 ORDER BY scenario_id LIMIT 1",
    )
    .get_result(&mut c)
    .expect("a demo tender release");
    let now = chrono::Utc::now();
    let fmt = |t: chrono::DateTime<chrono::Utc>| t.naive_utc().format("%Y-%m-%d %H:%M:%S");
    let (published, deadline) = (fmt(now), fmt(now + chrono::Duration::days(60)));
    let domains = [
        "city_governance",
        "government_services",
        "ai_industry",
        "ai_construction",
        "other",
    ];
    let words = [
        "巡检", "预警", "识别", "调度", "问答", "分析", "监测", "助手",
    ];
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let rows: Vec<String> = chunk
            .iter()
            .map(|i| {
                let w = words[i % words.len()];
                let d = domains[i % domains.len()];
                format!(
                    "({id}, {org}, {user}, '智能{w}场景{i}', '用 AI 做{w}的第 {i} 个场景', '面向街道和部门的{w}需求，第 {i} 号。', '{d}', '[\"{w}\"]', 10000000, 50000000, '{deadline}', 30, 'services', 'published', 'platform', '{published}', '{published}', '{published}')",
                    id = 9_000_000_000i64 + *i as i64,
                    org = owner.org,
                    user = owner.user,
                )
            })
            .collect();
        diesel::sql_query(format!(
            "INSERT INTO scenarios (id, owner_org_id, created_by, title, summary, description, domain, tags, budget_min_fen, budget_max_fen, bid_deadline, price_weight, procurement_type, status, origin, published_at, created_at, updated_at) VALUES {}",
            rows.join(",")
        ))
        .execute(&mut c)
        .expect("insert scenarios");
        let criteria: Vec<String> = chunk
            .iter()
            .flat_map(|i| {
                let id = 9_000_000_000i64 + *i as i64;
                [
                    format!(
                        "({}, {id}, 0, '技术方案', 50, '')",
                        9_500_000_000i64 + 2 * *i as i64
                    ),
                    format!(
                        "({}, {id}, 1, '交付能力', 20, '')",
                        9_500_000_001i64 + 2 * *i as i64
                    ),
                ]
            })
            .collect();
        diesel::sql_query(format!(
            "INSERT INTO scenario_criteria (id, scenario_id, position, name, weight, description) VALUES {}",
            criteria.join(",")
        ))
        .execute(&mut c)
        .expect("insert criteria");
        // Each one's tender release, as publishing stores it: a demo tender release with the
        // scenario's id in place of the demo scenario's.
        let releases: Vec<String> = chunk
            .iter()
            .map(|i| {
                let id = 9_000_000_000i64 + *i as i64;
                let body = tender
                    .body
                    .replace(&tender.scenario_id.to_string(), &id.to_string())
                    .replace('\'', "''");
                format!("({id}, 1, '{published}', 'scenario.publish', NULL, '{body}')")
            })
            .collect();
        diesel::sql_query(format!(
            "INSERT INTO ocds_releases (scenario_id, n, released_at, action, after_json, body) VALUES {}",
            releases.join(",")
        ))
        .execute(&mut c)
        .expect("insert releases");
    }
}

/// `n` verified vendors from the judged matching set's profiles, in bulk.
fn seed_vendors(url: &str, n: usize) {
    let mut c = db::establish(url).expect("connect");
    for insert in tests::bench_data::judged_vendor_inserts(n) {
        diesel::sql_query(insert)
            .execute(&mut c)
            .expect("insert vendors");
    }
}

fn count(url: &str, sql: &str) -> i64 {
    tests::query_n(&mut db::establish(url).expect("connect"), sql)
}

fn start(env: &[(String, String)], base: String) -> Server {
    let child = Command::new(server_binary())
        .arg("serve")
        .envs(env.iter().cloned())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the server");
    Server { child, base }
}

fn rss_mb(pid: u32) -> f64 {
    status_mb(pid, "VmRSS:")
}

/// A size line of the process's status, in MB.
fn status_mb(pid: u32, key: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Resident memory, and how much of it is the heap (anonymous) and how much mapped files
/// (the binary, and the search index's files).
fn rss_line(pid: u32) -> String {
    format!(
        "{:.1} MB ({:.1} MB anonymous, {:.1} MB files)",
        rss_mb(pid),
        status_mb(pid, "RssAnon:"),
        status_mb(pid, "RssFile:")
    )
}

/// A bare actix-web JSON hello-world on its own thread (two workers, as the server has).
fn baseline() -> String {
    use actix_web::{App, HttpResponse, HttpServer, web};
    let port = free_port();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            HttpServer::new(|| {
                App::new().route(
                    "/hello",
                    web::get().to(|| async { HttpResponse::Ok().json(json!({"hello": "world"})) }),
                )
            })
            .workers(2)
            .bind(("127.0.0.1", port))
            .expect("bind the baseline")
            .run()
            .await
            .expect("the baseline runs")
        })
    });
    format!("http://127.0.0.1:{port}")
}

#[derive(Default)]
struct Stats {
    latencies_us: Vec<u32>,
    ok: usize,
    other: std::collections::BTreeMap<u16, usize>,
    seconds: f64,
}

impl Stats {
    fn rate(&self) -> f64 {
        self.latencies_us.len() as f64 / self.seconds
    }

    fn pct(&mut self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        self.latencies_us.sort_unstable();
        let i = ((self.latencies_us.len() as f64 - 1.0) * p).round() as usize;
        f64::from(self.latencies_us[i]) / 1000.0
    }
}

/// What connection `k` sends as its `n`-th request.
type Next = Arc<dyn Fn(usize, usize) -> Req + Send + Sync>;

/// One request: what a connection sends next.
#[derive(Clone)]
enum Req {
    Get(String),
    /// As a signed-in user: an API route (or `/healthz`) with the bearer token, a page with
    /// the access cookie (and a CSRF cookie, as a browser that has been here carries).
    As(String, Arc<str>),
    /// Meilisearch's own HTTP search: the URL, its key and the search body.
    Meili(String, Arc<str>, Value),
    Post(String, String, Value),
    Put(String, String, Value),
}

/// Drives `conns` connections for `secs`: connection `k` sends `next(k, n)` as its n-th request.
async fn drive(conns: usize, secs: f64, expect: u16, next: Next) -> Stats {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(conns)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let until = Instant::now() + Duration::from_secs_f64(secs);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for k in 0..conns {
        let (client, next) = (client.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut s = Stats::default();
            let mut n = 0;
            while Instant::now() < until {
                let t = Instant::now();
                let rb = match next(k, n) {
                    // Pages are fetched as a browser does, taking gzip (a probe as probes do).
                    Req::Get(url) if !url.contains("/api/") && !url.ends_with("/readyz") => {
                        client.get(url).header("Accept-Encoding", "gzip")
                    }
                    Req::Get(url) => client.get(url),
                    Req::As(url, token) if url.contains("/api/") || url.ends_with("/healthz") => {
                        client.get(url).bearer_auth(&*token)
                    }
                    Req::As(url, token) => {
                        client.get(url).header("Accept-Encoding", "gzip").header(
                            "Cookie",
                            format!("sm_access={token}; sm_csrf=load-bench-csrf"),
                        )
                    }
                    Req::Meili(url, key, body) => client.post(url).bearer_auth(&*key).json(&body),
                    Req::Post(url, token, body) => client.post(url).bearer_auth(token).json(&body),
                    Req::Put(url, token, body) => client.put(url).bearer_auth(token).json(&body),
                };
                n += 1;
                let status = match rb.send().await {
                    Ok(r) => {
                        let st = r.status().as_u16();
                        let _ = r.bytes().await;
                        st
                    }
                    Err(_) => 0,
                };
                s.latencies_us
                    .push(t.elapsed().as_micros().min(u32::MAX as u128) as u32);
                if status == expect {
                    s.ok += 1;
                } else {
                    *s.other.entry(status).or_default() += 1;
                }
            }
            s
        }));
    }
    let mut all = Stats::default();
    for t in tasks {
        let s = t.await.unwrap();
        all.latencies_us.extend(s.latencies_us);
        all.ok += s.ok;
        for (k, v) in s.other {
            *all.other.entry(k).or_default() += v;
        }
    }
    all.seconds = started.elapsed().as_secs_f64();
    all
}

/// Sends `per` requests on each of `conns` connections (connection `k` its `next(k, n)`);
/// how many were not answered 200.
async fn drive_n(conns: usize, per: usize, next: Next) -> usize {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(conns)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let mut tasks = Vec::new();
    for k in 0..conns {
        let (client, next) = (client.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut bad = 0;
            for n in 0..per {
                let rb = match next(k, n) {
                    Req::Get(url) if url.contains("/api/") => client.get(url),
                    Req::Get(url) => client.get(url).header("Accept-Encoding", "gzip"),
                    Req::As(url, token) => client.get(url).bearer_auth(&*token),
                    _ => continue,
                };
                match rb.send().await {
                    Ok(r) if r.status() == 200 => {
                        let _ = r.bytes().await;
                    }
                    _ => bad += 1,
                }
            }
            bad
        }));
    }
    let mut bad = 0;
    for t in tasks {
        bad += t.await.unwrap();
    }
    bad
}

/// Drives one route after the bare server (the machine's pace drifts: each route is compared
/// with the bare server measured just before it), and prints both.
async fn timed(name: &str, next: Next, hello: &Next, conns: usize, secs: f64) -> f64 {
    let base_rate = drive(conns, secs / 2.0, 200, hello.clone()).await.rate();
    let mut s = drive(conns, secs, 200, next).await;
    report(name, &mut s, base_rate);
    println!("{:<44} {base_rate:>9.0} req/s", "  (bare just before)");
    base_rate
}

fn report(name: &str, s: &mut Stats, base_rate: f64) {
    let rate = s.rate();
    let (p50, p99) = (s.pct(0.50), s.pct(0.99));
    let errors = if s.other.is_empty() {
        String::new()
    } else {
        format!("  unexpected: {:?}", s.other)
    };
    println!(
        "{name:<44} {rate:>9.0} req/s  p50 {p50:>7.2} ms  p99 {p99:>7.2} ms  {share:>6.2}% of bare{errors}",
        share = 100.0 * rate / base_rate
    );
}

async fn login(base: &str, email: &str) -> String {
    let c = reqwest::Client::new();
    let r: Value = c
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("sign-in of {email}: {r}"))
        .to_string()
}

/// `n` verified vendors with a signed-in user each; their tokens.
async fn vendors(base: &str, n: usize) -> Vec<String> {
    let c = reqwest::Client::new();
    let admin = login(base, "admin@demo.qingshan.gov.cn").await;
    let mut tokens = vec![];
    for i in 0..n {
        let email = format!("load{i}@bench.test");
        let r: Value = c
            .post(format!("{base}/api/v1/auth/register"))
            .json(&json!({"email": email, "password": PASSWORD, "display_name": format!("压测{i}"), "role": "vendor", "organization": {"name": format!("压测企业{i}")}}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let org = r["organization"]["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("register {email}: {r}"));
        let v = c
            .post(format!("{base}/api/v1/admin/organizations/{org}/verify"))
            .bearer_auth(&admin)
            .json(&json!({"verified": true, "opc_member": false}))
            .send()
            .await
            .unwrap();
        assert!(v.status().is_success(), "verify {org}: {}", v.status());
        tokens.push(login(base, &email).await);
    }
    tokens
}

fn text_of(url: &str, sql: &str) -> String {
    #[derive(QueryableByName)]
    struct T {
        #[diesel(sql_type = diesel::sql_types::Text)]
        t: String,
    }
    let mut c = db::establish(url).expect("connect");
    diesel::sql_query(sql)
        .get_result::<T>(&mut c)
        .expect("text")
        .t
}

fn ids_of(url: &str, sql: &str) -> Vec<i64> {
    #[derive(QueryableByName)]
    struct I {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let mut c = db::establish(url).expect("connect");
    diesel::sql_query(sql)
        .load::<I>(&mut c)
        .expect("ids")
        .into_iter()
        .map(|r| r.id)
        .collect()
}

async fn send_ok(rb: reqwest::RequestBuilder, what: &str) -> Value {
    let r = rb.send().await.unwrap();
    let status = r.status();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{what}: {status} {body}");
    body
}

/// The score-sheet write mix: the first scenarios that took bids get a panel of four
/// evaluators each (one evaluator per connection), their deadline is moved into the past,
/// every evaluator declares no conflict, and then each connection saves its evaluator's score
/// sheets over its scenario's bids, again and again (each save is a write transaction).
async fn score_mix(base: &str, url: &str, ids: &[i64], conns: usize, secs: f64, base_rate: f64) {
    const PANEL: usize = 4;
    let groups = conns.div_ceil(PANEL);
    let c = reqwest::Client::new();
    let admin = login(base, "admin@demo.qingshan.gov.cn").await;
    let mut evaluators = Vec::new();
    for k in 0..groups * PANEL {
        let email = format!("expert{k}@bench.test");
        let u = send_ok(
            c.post(format!("{base}/api/v1/admin/users"))
                .bearer_auth(&admin)
                .json(&json!({"email": email, "password": PASSWORD, "display_name": format!("压测专家{k}"), "role": "evaluator", "expertise": ["city_governance"]})),
            "create an evaluator",
        )
        .await;
        let id = u["id"]
            .as_i64()
            .or_else(|| u["user"]["id"].as_i64())
            .unwrap_or_else(|| panic!("evaluator id in {u}"));
        evaluators.push((id, email));
    }
    let scenarios: Vec<i64> = ids.iter().take(groups).copied().collect();
    let owner = text_of(
        url,
        &format!(
            "SELECT u.email AS t FROM scenarios s JOIN users u ON u.id = s.created_by WHERE s.id = {}",
            scenarios[0]
        ),
    );
    let owner = login(base, &owner).await;
    for (g, sid) in scenarios.iter().enumerate() {
        let panel: Vec<i64> = evaluators[g * PANEL..(g + 1) * PANEL]
            .iter()
            .map(|(id, _)| *id)
            .collect();
        send_ok(
            c.put(format!("{base}/api/v1/scenarios/{sid}/panel"))
                .bearer_auth(&owner)
                .json(&json!({ "evaluator_ids": panel })),
            "set a panel",
        )
        .await;
    }
    let past = (chrono::Utc::now() - chrono::Duration::minutes(1))
        .naive_utc()
        .format("%Y-%m-%d %H:%M:%S");
    let list = scenarios
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    {
        let mut db = db::establish(url).expect("connect");
        diesel::sql_query(format!(
            "UPDATE scenarios SET bid_deadline = '{past}' WHERE id IN ({list})"
        ))
        .execute(&mut db)
        .expect("move the deadlines");
    }
    let mut tokens = Vec::new();
    for (g, sid) in scenarios.iter().enumerate() {
        for (_, email) in &evaluators[g * PANEL..(g + 1) * PANEL] {
            let t = login(base, email).await;
            send_ok(
                c.post(format!(
                    "{base}/api/v1/scenarios/{sid}/conflict-declaration"
                ))
                .bearer_auth(&t)
                .json(&json!({"has_conflict": false, "note": ""})),
                "declare no conflict",
            )
            .await;
            tokens.push(t);
        }
    }
    let bids: Vec<Vec<i64>> = scenarios
        .iter()
        .map(|sid| {
            ids_of(
                url,
                &format!("SELECT id FROM bids WHERE scenario_id = {sid} AND status = 'submitted' ORDER BY id"),
            )
        })
        .collect();
    assert!(
        bids.iter().all(|b| !b.is_empty()),
        "every scored scenario took bids: {:?}",
        bids.iter().map(Vec::len).collect::<Vec<_>>()
    );
    let criteria: Vec<Vec<i64>> = scenarios
        .iter()
        .map(|sid| {
            ids_of(
                url,
                &format!(
                    "SELECT id FROM scenario_criteria WHERE scenario_id = {sid} ORDER BY position"
                ),
            )
        })
        .collect();
    let (tokens, bids, criteria) = (Arc::new(tokens), Arc::new(bids), Arc::new(criteria));
    let next: Next = {
        let b = base.to_string();
        Arc::new(move |k, i| {
            let g = k / PANEL;
            let bid = bids[g][i % bids[g].len()];
            let scores: Vec<Value> = criteria[g]
                .iter()
                .map(|c| json!({"criterion_id": c, "score": 60 + ((k + i) % 40), "comment": "压测评分"}))
                .collect();
            Req::Put(
                format!("{b}/api/v1/bids/{bid}/scores"),
                tokens[k].clone(),
                json!({ "scores": scores }),
            )
        })
    };
    let mut s = drive(conns, secs, 200, next).await;
    report("PUT /api/v1/bids/{id}/scores", &mut s, base_rate);
    let rows = count(
        url,
        &format!("SELECT COUNT(*) AS n FROM scores WHERE scenario_id IN ({list})"),
    );
    let distinct = count(
        url,
        &format!(
            "SELECT COUNT(*) AS n FROM (SELECT DISTINCT bid_id, evaluator_id, criterion_id FROM scores WHERE scenario_id IN ({list})) d"
        ),
    );
    println!(
        "score sheets: {} saves accepted, {rows} scores stored, {} duplicates (same bid, evaluator and criterion)",
        s.ok,
        rows - distinct
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let secs: f64 = std::env::var("LOAD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5.0);
    let conns: usize = std::env::var("LOAD_CONNECTIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(64);
    let postgres = std::env::var("LOAD_DB").is_ok_and(|d| d == "postgres");
    let dir = tempfile::tempdir().unwrap();
    let pg = postgres
        .then(|| EmptyPostgres::create().expect("LOAD_DB=postgres needs TEST_DATABASE_URL"));
    let url = match &pg {
        Some(p) => p.url.clone(),
        None => format!("sqlite://{}", dir.path().join("market.db").display()),
    };
    let port = free_port();
    let env: Vec<(String, String)> = [
        ("APP__DATA_DIR", dir.path().display().to_string()),
        ("APP__SERVER__ADDRESS", format!("127.0.0.1:{port}")),
        ("APP__DATABASE__URL", url.clone()),
        ("APP__DEMO", "false".into()),
        ("APP__LOG__LEVEL", "warn".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let t = Instant::now();
    cli(&env, &["seed", "--demo"]);
    seed_scenarios(&url, n);
    let vendor_count: usize = std::env::var("LOAD_VENDORS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    seed_vendors(&url, vendor_count);
    cli(&env, &["reindex"]);
    println!(
        "load-bench on {}: demo data + {n} scenarios and {vendor_count} verified vendors seeded and indexed in {:.1} s; {conns} connections, {secs} s per route",
        if postgres { "PostgreSQL" } else { "SQLite" },
        t.elapsed().as_secs_f64()
    );
    let server = start(&env, format!("http://127.0.0.1:{port}"));
    let base = server.base.clone();
    wait_ready(&base).await;
    let bare = baseline();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let hello = format!("{bare}/hello");
    let hello: Next = Arc::new(move |_, _| Req::Get(hello.clone()));
    let mut b = drive(conns, secs, 200, hello.clone()).await;
    let base_rate = b.rate();
    report("bare actix-web hello (baseline)", &mut b, base_rate);

    let ids: Arc<Vec<i64>> = Arc::new((0..n as i64).map(|i| 9_000_000_000 + i).collect());
    let reads: Vec<(&str, Next)> = vec![
        ("GET /api/v1/scenarios", {
            let b = base.clone();
            Arc::new(move |_, _| Req::Get(format!("{b}/api/v1/scenarios")))
        }),
        ("GET /api/v1/scenarios/{id}", {
            let (b, ids) = (base.clone(), ids.clone());
            Arc::new(move |k, i| {
                Req::Get(format!(
                    "{b}/api/v1/scenarios/{}",
                    ids[(k * 7919 + i) % ids.len()]
                ))
            })
        }),
        ("GET /scenarios (page)", {
            let b = base.clone();
            Arc::new(move |_, _| Req::Get(format!("{b}/scenarios")))
        }),
        ("GET /scenarios/{id} (page)", {
            let (b, ids) = (base.clone(), ids.clone());
            Arc::new(move |k, i| {
                Req::Get(format!("{b}/scenarios/{}", ids[(k * 7919 + i) % ids.len()]))
            })
        }),
        ("GET /api/v1/award-notices", {
            let b = base.clone();
            Arc::new(move |_, _| Req::Get(format!("{b}/api/v1/award-notices")))
        }),
        ("GET /api/v1/ocds/releases", {
            let b = base.clone();
            Arc::new(move |k, i| {
                Req::Get(format!(
                    "{b}/api/v1/ocds/releases?per_page=100&page={}",
                    1 + (k + i) % 50
                ))
            })
        }),
        ("GET /api/v1/opc/summary", {
            let b = base.clone();
            Arc::new(move |_, _| Req::Get(format!("{b}/api/v1/opc/summary")))
        }),
        ("GET /opc (page)", {
            let b = base.clone();
            Arc::new(move |_, _| Req::Get(format!("{b}/opc")))
        }),
        ("GET /api/v1/search/scenarios?q=", {
            let b = base.clone();
            Arc::new(move |k, i| {
                Req::Get(format!(
                    "{b}/api/v1/search/scenarios?q={}",
                    QUERIES[(k + i) % QUERIES.len()]
                ))
            })
        }),
    ];
    let mix = std::env::var("LOAD_MIX").unwrap_or_else(|_| "all".into());
    let reads = if mix == "writes" || mix == "signed" {
        Vec::new()
    } else {
        reads
    };
    for (name, next) in reads {
        if name.contains("{id}") {
            // First readings: every scenario once (the server renders each, nothing is kept
            // yet), then the timed run reads them as a site in service does.
            let per = ids.len().div_ceil(conns);
            let prefix = if name.contains("/api/") {
                format!("{base}/api/v1/scenarios/")
            } else {
                format!("{base}/scenarios/")
            };
            let every: Next = {
                let ids = ids.clone();
                Arc::new(move |k, n| {
                    Req::Get(format!("{prefix}{}", ids[(k * per + n) % ids.len()]))
                })
            };
            let started = Instant::now();
            let warm = drive_n(conns, per, every).await;
            println!(
                "{:<44} {:>9.0} req/s  (every scenario read once: {} requests in {:.1} s, {} not 200)",
                format!("  first readings of {name}"),
                (per * conns) as f64 / started.elapsed().as_secs_f64(),
                per * conns,
                started.elapsed().as_secs_f64(),
                warm
            );
        }
        timed(name, next, &hello, conns, secs).await;
    }
    if mix != "writes" {
        signed_in_reads(&base, &url, &ids, &hello, conns, secs).await;
    }
    println!(
        "server RSS after the reads: {}",
        rss_line(server.child.id())
    );
    let server = if mix != "writes" && std::env::var("MEILI_BIN").is_ok() {
        // The built-in index belongs to one process: the server stops while the other runs.
        drop(server);
        meili_reads(&env, &hello, conns, secs).await;
        let server = start(&env, base.clone());
        wait_ready(&base).await;
        server
    } else {
        server
    };

    if mix == "reads" || mix == "signed" {
        println!("server RSS at the end: {}", rss_line(server.child.id()));
        drop(server);
        keep_or_drop(dir, pg);
        return;
    }
    let tokens = Arc::new(vendors(&base, conns).await);
    println!(
        "server RSS after {conns} sign-ups and sign-ins: {:.1} MB",
        rss_mb(server.child.id())
    );
    let before = count(&url, "SELECT COUNT(*) AS n FROM bids");
    let next: Next = {
        let (b, ids, tokens) = (base.clone(), ids.clone(), tokens.clone());
        Arc::new(move |k, i| {
            Req::Post(
                format!("{b}/api/v1/scenarios/{}/bids", ids[i % ids.len()]),
                tokens[k].clone(),
                json!({"price_fen": 20_000_000 + k as i64, "delivery_days": 60, "technical_proposal": "压测方案", "team": "压测团队"}),
            )
        })
    };
    let base_rate = drive(conns, secs / 2.0, 200, hello.clone()).await.rate();
    let mut s = drive(conns, secs, 201, next).await;
    report("POST /api/v1/scenarios/{id}/bids", &mut s, base_rate);
    let stored = count(&url, "SELECT COUNT(*) AS n FROM bids") - before;
    let distinct = count(
        &url,
        "SELECT COUNT(*) AS n FROM (SELECT DISTINCT scenario_id, vendor_org_id FROM bids) d",
    );
    let all = count(&url, "SELECT COUNT(*) AS n FROM bids");
    println!(
        "bids: {} accepted, {stored} stored, {} duplicates (same vendor and scenario)",
        s.ok,
        all - distinct
    );

    score_mix(&base, &url, &ids, conns, secs, base_rate).await;
    println!("server RSS at the end: {}", rss_line(server.child.id()));
    drop(server);
    keep_or_drop(dir, pg);
}

/// With `LOAD_KEEP`, leaves the data folder and the PostgreSQL database for a look afterwards.
fn keep_or_drop(dir: tempfile::TempDir, pg: Option<EmptyPostgres>) {
    if std::env::var("LOAD_KEEP").is_err() {
        return;
    }
    println!("data kept in {}", dir.keep().display());
    if let Some(pg) = pg {
        println!("database kept at {}", pg.url);
        std::mem::forget(pg);
    }
}

/// The search queries of the search routes (the bench's scenarios hold these words).
const QUERIES: [&str; 5] = ["巡检", "预警 识别", "调度", "智能问答", "监测分析"];

async fn wait_ready(base: &str) {
    let c = reqwest::Client::new();
    let ready = Instant::now();
    while c
        .get(format!("{base}/readyz"))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
        != 200
    {
        assert!(
            ready.elapsed() < Duration::from_secs(120),
            "the server did not get ready"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The routes that signed-in people read every day, none of them answered from the cache of
/// public answers: a vendor's list, detail, pages, search and directory; the owner's detail
/// and its recommended vendors.
async fn signed_in_reads(
    base: &str,
    url: &str,
    ids: &Arc<Vec<i64>>,
    hello: &Next,
    conns: usize,
    secs: f64,
) {
    let vendor: Arc<str> = login(base, "founder@qingling-vision.demo").await.into();
    let owner_email = text_of(
        url,
        &format!(
            "SELECT u.email AS t FROM scenarios s JOIN users u ON u.id = s.created_by WHERE s.id = {}",
            ids[0]
        ),
    );
    let owner: Arc<str> = login(base, &owner_email).await.into();
    let at = |path: String, who: &Arc<str>| -> Next {
        let (b, who) = (base.to_string(), who.clone());
        Arc::new(move |_, _| Req::As(format!("{b}{path}"), who.clone()))
    };
    let one_of = |prefix: &'static str, suffix: &'static str, who: &Arc<str>| -> Next {
        let (b, who, ids) = (base.to_string(), who.clone(), ids.clone());
        Arc::new(move |k, i| {
            let id = ids[(k * 7919 + i) % ids.len()];
            Req::As(format!("{b}{prefix}{id}{suffix}"), who.clone())
        })
    };
    let searching = |path: &'static str, who: &Arc<str>| -> Next {
        let (b, who) = (base.to_string(), who.clone());
        Arc::new(move |k, i| {
            let q = QUERIES[(k + i) % QUERIES.len()];
            Req::As(format!("{b}{path}{q}"), who.clone())
        })
    };
    // The owner's recommendations over a few of its scenarios, each analysed once first.
    let recommended: Next = {
        let (b, who, ids) = (base.to_string(), owner.clone(), ids.clone());
        Arc::new(move |k, i| {
            let id = ids[(k + i) % 8];
            Req::As(
                format!("{b}/api/v1/scenarios/{id}/recommended-vendors"),
                who.clone(),
            )
        })
    };
    let started = Instant::now();
    let not_ok = drive_n(8, 1, {
        let (b, ids) = (base.to_string(), ids.clone());
        let who = owner.clone();
        Arc::new(move |k, _| {
            Req::As(
                format!("{b}/api/v1/scenarios/{}/recommended-vendors", ids[k]),
                who.clone(),
            )
        })
    })
    .await;
    println!(
        "{:<44} first recommendations of 8 scenarios in {:.1} s ({not_ok} not 200)",
        "",
        started.elapsed().as_secs_f64()
    );
    let anonymous_healthz: Next = {
        let b = base.to_string();
        Arc::new(move |_, _| Req::Get(format!("{b}/healthz")))
    };
    // Readiness reads the database once (`SELECT 1`) and looks at mail and search: the most a
    // route that reads the database at all can answer, the ceiling over every row below it.
    let readyz: Next = {
        let b = base.to_string();
        Arc::new(move |_, _| Req::Get(format!("{b}/readyz")))
    };
    let routes: Vec<(&str, Next)> = vec![
        ("GET /healthz (anonymous)", anonymous_healthz),
        (
            "GET /healthz (vendor's bearer)",
            at("/healthz".into(), &vendor),
        ),
        ("GET /readyz (one database round trip)", readyz),
        (
            "GET /api/v1/scenarios (vendor)",
            at("/api/v1/scenarios".into(), &vendor),
        ),
        (
            "GET /api/v1/scenarios/{id} (vendor)",
            one_of("/api/v1/scenarios/", "", &vendor),
        ),
        (
            "GET /scenarios (page, vendor)",
            at("/scenarios".into(), &vendor),
        ),
        (
            "GET /scenarios/{id} (page, vendor)",
            one_of("/scenarios/", "", &vendor),
        ),
        (
            "GET /api/v1/scenarios/{id} (owner)",
            one_of("/api/v1/scenarios/", "", &owner),
        ),
        (
            "GET /api/v1/search/scenarios?q= (vendor)",
            searching("/api/v1/search/scenarios?q=", &vendor),
        ),
        (
            "GET /search?q= (page, vendor)",
            searching("/search?q=", &vendor),
        ),
        (
            "GET /api/v1/vendors?q= (vendor)",
            searching("/api/v1/vendors?q=", &vendor),
        ),
        ("GET …/recommended-vendors (owner)", recommended),
    ];
    for (name, next) in routes {
        timed(name, next, hello, conns, secs).await;
    }
}

/// With `MEILI_BIN`: Meilisearch in its own process with the same corpus, its own HTTP search
/// with the queries and facets the product asks for, then the product's search on it.
async fn meili_reads(env: &[(String, String)], hello: &Next, conns: usize, secs: f64) {
    let meili = tests::own_meili::OwnMeili::create("the load bench's Meilisearch figures", None)
        .expect("MEILI_BIN is set");
    let mut env = env.to_vec();
    env.push(("APP__SEARCH__MEILISEARCH_URL".into(), meili.url()));
    env.push(("APP__SEARCH__MEILISEARCH_KEY".into(), meili.key.clone()));
    let port = free_port();
    env.push(("APP__SERVER__ADDRESS".into(), format!("127.0.0.1:{port}")));
    let t = Instant::now();
    cli(&env, &["reindex"]);
    println!(
        "Meilisearch: the same corpus indexed in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let server = start(&env, format!("http://127.0.0.1:{port}"));
    wait_ready(&server.base).await;
    let own: Next = {
        let (u, key) = (
            format!("{}/indexes/scenarios/search", meili.url()),
            Arc::<str>::from(meili.key.as_str()),
        );
        Arc::new(move |k, i| {
            let q = QUERIES[(k + i) % QUERIES.len()];
            Req::Meili(
                u.clone(),
                key.clone(),
                json!({"q": q, "matchingStrategy": "last", "page": 1, "hitsPerPage": 20,
                    "facets": ["domain", "status", "tags"], "attributesToRetrieve": ["id"],
                    "attributesToHighlight": ["title", "summary"],
                    "highlightPreTag": "\u{E000}", "highlightPostTag": "\u{E001}"}),
            )
        })
    };
    let vendor: Arc<str> = login(&server.base, "founder@qingling-vision.demo")
        .await
        .into();
    let product: Next = {
        let b = server.base.clone();
        Arc::new(move |k, i| {
            let q = QUERIES[(k + i) % QUERIES.len()];
            Req::As(format!("{b}/api/v1/search/scenarios?q={q}"), vendor.clone())
        })
    };
    timed("Meilisearch's own POST …/search", own, hello, conns, secs).await;
    timed(
        "GET /api/v1/search/scenarios?q= (vendor, Meili)",
        product,
        hello,
        conns,
        secs,
    )
    .await;
}
