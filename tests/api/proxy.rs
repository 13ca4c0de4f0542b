//! Three app processes (real OS processes of the server program, each with its own data
//! folder and node id, their job workers on) on one PostgreSQL and one Meilisearch, behind a
//! real nginx (Debian's package), sharing one attachment folder:
//! - the three start at once on an empty database and apply the migrations once;
//! - a vendor uploads through one process and the owner downloads through another after
//!   opening;
//! - the deadline's job runs once across the three workers;
//! - a notification one process writes reaches a live stream another holds within a second;
//! - 200 bids at once through the proxy (50 vendors, 4 tries each) store exactly one bid per
//!   vendor, and the rate through the proxy with one and with three processes is printed;
//! - one process killed with SIGKILL under load loses nothing: every accepted bid is stored,
//!   and every vendor ends with exactly one.
//!
//! It needs PostgreSQL (`TEST_DATABASE_URL`), `MEILI_BIN` and `/usr/sbin/nginx`; without them
//! it says so loudly, and CI (`TEST_REQUIRE_FAULTS=1`, `TEST_REQUIRE_MEILI=1`) makes that a
//! failure.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tests::fixtures::{pdf, verified_agency, verified_vendor};
use tests::own_meili::OwnMeili;
use tests::own_pg::{cannot_run, free_port};
use tests::{Answer, TEST_JWT_SECRET, spawn_app_on_postgres};

const NGINX: &str = "/usr/sbin/nginx";

/// One app process.
struct Node {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Node {
    fn start(id: u8, pg: &str, meili: &OwnMeili, files: &Path) -> Node {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_fault-server"))
            .arg("serve")
            .env("APP__DATA_DIR", dir.path())
            .env("APP__NODE_ID", id.to_string())
            .env("APP__SERVER__ADDRESS", format!("127.0.0.1:{port}"))
            .env("APP__SERVER__TRUSTED_PROXIES", "1")
            .env("APP__DATABASE__URL", pg)
            .env("APP__DATABASE__MAX_CONNECTIONS", "8")
            .env("APP__SEARCH__MEILISEARCH_URL", meili.url())
            .env("APP__SEARCH__MEILISEARCH_KEY", &meili.key)
            .env("APP__FILES__DIR", files)
            .env("APP__AUTH__JWT_SECRET", TEST_JWT_SECRET)
            .env("APP__JOBS__WORKER", "true")
            .env("APP__JOBS__POLL_INTERVAL_MS", "100")
            .env("APP__JOBS__LEASE_SECONDS", "5")
            .env("APP__DEMO", "false")
            .env("APP__LOG__LEVEL", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("start an app process");
        Node {
            child,
            base: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        }
    }

    async fn wait_ready(&mut self) {
        let client = reqwest::Client::new();
        let until = Instant::now() + Duration::from_secs(60);
        while Instant::now() < until {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("an app process ended: {status}");
            }
            if client
                .get(format!("{}/readyz", self.base))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("an app process did not get ready");
    }
}

/// nginx in front of `upstreams`, on a port of its own.
struct Proxy {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Proxy {
    async fn start(upstreams: &[&str]) -> Proxy {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let servers: String = upstreams
            .iter()
            .map(|u| format!("    server {};\n", u.trim_start_matches("http://")))
            .collect();
        let d = dir.path().display();
        let user = if tests::own_pg::is_root() {
            "user root;\n"
        } else {
            ""
        };
        let conf = format!(
            "{user}worker_processes 2;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
             events {{ worker_connections 1024; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
               fastcgi_temp_path {d}/fcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
               client_max_body_size 12m;\n\
               upstream app {{\n{servers}    keepalive 32;\n  }}\n\
               server {{\n    listen 127.0.0.1:{port};\n    location / {{\n\
                   proxy_pass http://app;\n      proxy_http_version 1.1;\n\
                   proxy_set_header Connection \"\";\n      proxy_set_header Host $host;\n\
                   proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n\
                   proxy_buffering off;\n      proxy_read_timeout 60s;\n\
                   proxy_next_upstream error timeout;\n    }}\n  }}\n}}\n"
        );
        std::fs::write(dir.path().join("nginx.conf"), conf).unwrap();
        let child = Command::new(NGINX)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(dir.path().join("nginx.conf"))
            .args(["-g", "daemon off;"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nginx");
        let proxy = Proxy {
            child,
            base: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        };
        let client = reqwest::Client::new();
        for _ in 0..100 {
            if client
                .get(format!("{}/healthz", proxy.base))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return proxy;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("nginx did not start");
    }
}

/// A JSON request to `base`.
async fn call(
    client: &reqwest::Client,
    base: &str,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Result<Answer, reqwest::Error> {
    let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut rb = client
        .request(m, format!("{base}{path}"))
        .bearer_auth(token);
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let resp = rb.send().await?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await?;
    Ok(Answer {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    })
}

fn a_bid(price_yuan: i64) -> Value {
    json!({"price_fen": price_yuan * 100, "delivery_days": 60, "technical_proposal": "方案",
        "team": "团队"})
}

/// A published scenario of `agency`, taking bids until `deadline`.
async fn publish(
    app: &tests::TestApp,
    agency: &str,
    deadline: chrono::DateTime<chrono::Utc>,
) -> i64 {
    let mut p = tests::fixtures::posting(app, 30);
    p["bid_deadline"] = json!(deadline.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    let id = app.post("/api/v1/scenarios", Some(agency), p).await.body["id"]
        .as_i64()
        .unwrap();
    let a = app
        .post(
            &format!("/api/v1/scenarios/{id}/publish"),
            Some(agency),
            json!({}),
        )
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    id
}

/// Every token sends one bid to `sid` through `base`, `tries` at once, retrying what was
/// not answered (a process gone, a 502): how many were accepted (201), and the time.
async fn bid_rush(
    base: &str,
    sid: i64,
    tokens: &[String],
    tries: usize,
    kill: Option<(usize, &mut Node)>,
) -> (Vec<i64>, Duration) {
    let client = reqwest::Client::new();
    let base = Arc::new(base.to_string());
    let started = Instant::now();
    let mut tasks = vec![];
    for (i, t) in tokens.iter().enumerate() {
        for _ in 0..tries {
            let (client, base, t) = (client.clone(), base.clone(), t.clone());
            tasks.push(tokio::spawn(async move {
                for _ in 0..20 {
                    let path = format!("/api/v1/scenarios/{sid}/bids");
                    match call(
                        &client,
                        &base,
                        "POST",
                        &path,
                        &t,
                        Some(a_bid(300_000 + i as i64)),
                    )
                    .await
                    {
                        Ok(a) if a.status == 201 => return a.body["bid"]["id"].as_i64(),
                        Ok(a) if a.status == 409 => return None,
                        _ => tokio::time::sleep(Duration::from_millis(200)).await,
                    }
                }
                panic!("a bid was never answered");
            }));
        }
    }
    if let Some((after, node)) = kill {
        // Under load: wait for that many answers' worth of time, then kill it hard.
        tokio::time::sleep(Duration::from_millis(after as u64)).await;
        node.child.kill().unwrap();
        node.child.wait().unwrap();
    }
    let mut accepted = vec![];
    for t in tasks {
        if let Some(id) = t.await.unwrap() {
            accepted.push(id);
        }
    }
    (accepted, started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_processes_behind_nginx_share_files_jobs_live_counts_and_bids() {
    let story = "the three-processes-behind-nginx story";
    if !Path::new(NGINX).exists() {
        return cannot_run(
            story,
            "no nginx at /usr/sbin/nginx (Debian's nginx package)",
        );
    }
    let Some(pg) = tests::EmptyPostgres::create() else {
        return;
    };
    let Some(meili) = OwnMeili::create(story, None) else {
        return;
    };
    let files = tempfile::tempdir().unwrap();
    let shared: PathBuf = files.path().to_path_buf();
    let mut nodes: Vec<Node> = (1..=3)
        .map(|i| Node::start(i, &pg.url, &meili, &shared))
        .collect();
    // They start at once on an empty database: one applies the migrations, the others wait.
    for n in nodes.iter_mut() {
        n.wait_ready().await;
    }
    // The setup's own server on the same database (node 4, no worker) makes the accounts.
    let setup = spawn_app_on_postgres(
        &pg.url,
        &[
            ("APP__NODE_ID", "4".into()),
            ("APP__SEARCH__MEILISEARCH_URL", meili.url()),
            ("APP__SEARCH__MEILISEARCH_KEY", meili.key.clone()),
            ("APP__FILES__DIR", shared.display().to_string()),
        ],
    )
    .await;

    let bases: Vec<String> = nodes.iter().map(|n| n.base.clone()).collect();
    let three = Proxy::start(&bases.iter().map(String::as_str).collect::<Vec<_>>()).await;
    let one = Proxy::start(&[bases[0].as_str()]).await;
    let client = reqwest::Client::new();
    let admin = setup.admin_token().await;
    let (agency, _) = verified_agency(&setup, "owner@proxy.cn", "城管局").await;
    let (vendor, _) = verified_vendor(&setup, "v@proxy.cn", "甲企业").await;

    // Files: uploaded through process 1, downloaded through process 2 after opening.
    let soon = chrono::Utc::now() + chrono::Duration::seconds(8);
    let sid = publish(&setup, &agency, soon).await;
    let b = call(
        &client,
        &bases[0],
        "POST",
        &format!("/api/v1/scenarios/{sid}/bids"),
        &vendor,
        Some(a_bid(300_000)),
    )
    .await
    .unwrap();
    assert_eq!(b.status, 201, "{:?}", b.body);
    let bid = b.body["bid"]["id"].as_i64().unwrap();
    let bytes = pdf("through process one");
    let part = reqwest::multipart::Part::bytes(bytes.clone())
        .file_name("方案.pdf")
        .mime_str("application/pdf")
        .unwrap();
    let up = client
        .post(format!("{}/api/v1/bids/{bid}/attachments", bases[0]))
        .bearer_auth(&vendor)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(up.status(), 201);
    let up: Value = up.json().await.unwrap();
    let sha = up["bid"]["attachments"][0]["sha256"]
        .as_str()
        .unwrap()
        .to_string();

    // The deadline passes: its job runs once across the three workers.
    let opened = |n: i64| n == 1;
    let count_opened = || {
        setup.query_i64(&format!(
            "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'scenario.open_bids' AND subject_id = '{sid}'"
        ))
    };
    let until = Instant::now() + Duration::from_secs(30);
    while !opened(count_opened()) && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(count_opened(), 1, "the deadline's job ran once");
    let dl = client
        .get(format!("{}/api/v1/bids/{bid}/attachments/{sha}", bases[1]))
        .bearer_auth(&agency)
        .send()
        .await
        .unwrap();
    assert_eq!(dl.status(), 200);
    assert_eq!(dl.bytes().await.unwrap().as_ref(), bytes.as_slice());

    // A live count held on process 3 hears of a notification written by another within 1 s.
    let org = setup.register("live@proxy.cn", "vendor", "实时公司").await["organization"]["id"]
        .as_i64()
        .unwrap();
    let (browser, _) = tests::signed_in_at(&bases[2], "live@proxy.cn").await;
    let mut stream = browser
        .get(format!("{}/notifications/stream", bases[2]))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let first = tokio::time::timeout(Duration::from_secs(10), stream.chunk())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.as_deref(), Some(&b"event: unread\ndata: 0\n\n"[..]));
    let v = call(
        &client,
        &bases[0],
        "POST",
        &format!("/api/v1/admin/organizations/{org}/verify"),
        &admin,
        Some(json!({"verified": true})),
    )
    .await
    .unwrap();
    assert_eq!(v.status, 200, "{:?}", v.body);
    let asked = Instant::now();
    let next = tokio::time::timeout(Duration::from_secs(10), stream.chunk())
        .await
        .unwrap()
        .unwrap();
    let crossed = asked.elapsed();
    assert_eq!(next.as_deref(), Some(&b"event: unread\ndata: 1\n\n"[..]));
    println!("a notification from a worker reached the stream on process 3 in {crossed:?}");
    assert!(crossed < Duration::from_secs(1), "{crossed:?}");

    // Bids at once through the proxy: one per vendor, whichever process takes them.
    let mut tokens = vec![];
    for i in 0..50 {
        tokens.push(
            verified_vendor(&setup, &format!("b{i}@proxy.cn"), &format!("投标企业{i}"))
                .await
                .0,
        );
    }
    let later = chrono::Utc::now() + chrono::Duration::days(30);
    let via_one = publish(&setup, &agency, later).await;
    let (accepted, took) = bid_rush(&one.base, via_one, &tokens, 4, None).await;
    assert_eq!(accepted.len(), 50);
    println!(
        "200 bids through nginx to 1 process: {:.0}/s",
        200.0 / took.as_secs_f64()
    );
    let via_three = publish(&setup, &agency, later).await;
    let (accepted, took) = bid_rush(&three.base, via_three, &tokens, 4, None).await;
    assert_eq!(accepted.len(), 50, "one bid per vendor");
    println!(
        "200 bids through nginx to 3 processes: {:.0}/s",
        200.0 / took.as_secs_f64()
    );
    let stored = |s: i64| {
        setup.query_i64(&format!(
            "SELECT COUNT(*) AS n FROM bids WHERE scenario_id = {s} AND status = 'submitted'"
        ))
    };
    assert_eq!((stored(via_one), stored(via_three)), (50, 50));

    // One process killed hard under load: nothing accepted is lost, nobody bids twice.
    let under_kill = publish(&setup, &agency, later).await;
    let victim = nodes.pop().unwrap();
    let mut victim = victim;
    let (accepted, _) = bid_rush(
        &three.base,
        under_kill,
        &tokens,
        2,
        Some((150, &mut victim)),
    )
    .await;
    // A bid stored just before the kill may have been answered to nobody; its retry was then
    // told it is there (409). Every vendor has exactly one, and every answered one is stored.
    assert!(accepted.len() <= 50);
    assert_eq!(stored(under_kill), 50, "every vendor got its bid in, once");
    for id in &accepted {
        assert_eq!(
            setup.query_i64(&format!("SELECT COUNT(*) AS n FROM bids WHERE id = {id}")),
            1,
            "an accepted bid is stored"
        );
    }
    drop(victim);
}
