//! The matching benchmark: recommended vendors and the directory's long queries over N
//! verified vendors (10,000 by default), through the whole product in this process (HTTP
//! server, services, database).
//!
//! The vendors are the judged set's 134 profiles (`tests/relevance/matching.json`), each
//! written N/134 times with its own name and a varied description, so that every profile is
//! analysed on its own. It prints, as p50/p99 over many signed-in requests:
//! - the baseline: the owner reading the scenario (`GET /api/v1/scenarios/{id}`);
//! - the first recommended-vendors call (every profile analysed), then warm calls (target p99
//!   under 50 ms), and their ratio to the baseline;
//! - a call just after one vendor changed its profile (that one analysed again);
//! - the directory with the scenario's title as the query.
//!
//! `cargo run --release -p tests --bin matching-bench [N]`; `BENCH_DB=postgres` (with
//! `TEST_DATABASE_URL`) runs it on PostgreSQL, SQLite otherwise.

use std::time::{Duration, Instant};

use serde_json::json;
use tests::fixtures::{posting, publish, verified_agency, verified_vendor};
use tests::{Db, TestApp, try_spawn_app_with};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// (p50, p99) in ms.
fn percentiles(mut t: Vec<Duration>) -> (f64, f64) {
    t.sort();
    let at = |q: f64| ms(t[((t.len() as f64 - 1.0) * q).round() as usize]);
    (at(0.5), at(0.99))
}

async fn timed(app: &TestApp, path: &str, token: &str, n: usize) -> Vec<Duration> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let a = app.get(path, Some(token)).await;
        out.push(t.elapsed());
        assert_eq!(a.status, 200, "{path}: {:?}", a.body);
    }
    out
}

/// N vendors from the judged set's profiles, written in bulk.
fn vendors(app: &TestApp, n: usize) {
    for insert in tests::bench_data::judged_vendor_inserts(n) {
        app.execute_sql(&insert);
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let db = match std::env::var("BENCH_DB").as_deref() {
        Ok("postgres") => Db::Postgres,
        _ => Db::Sqlite,
    };
    let app = try_spawn_app_with(db, &[("APP__LOG__LEVEL", "off".into())])
        .await
        .expect("PostgreSQL needs TEST_DATABASE_URL");
    let (agency, _) = verified_agency(&app, "bench@agency.test", "基准测试局").await;
    let (vendor, vendor_org) = verified_vendor(&app, "bench@vendor.test", "基准企业").await;
    let t = Instant::now();
    vendors(&app, n);
    println!(
        "matching bench on {db:?}: {n} verified vendors written in {:.0} ms",
        ms(t.elapsed())
    );
    let mut body = posting(&app, 30);
    body["title"] = json!("河道漂浮物智能识别");
    body["summary"] = json!("利用沿河监控视频自动识别漂浮物和水面异常并派单处置");
    body["tags"] = json!(["河道治理", "漂浮物识别"]);
    let a = app.post("/api/v1/scenarios", Some(&agency), body).await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    let id = a.body["id"].as_i64().unwrap();
    publish(&app, &agency, id).await;

    let detail = format!("/api/v1/scenarios/{id}");
    let rec = format!("/api/v1/scenarios/{id}/recommended-vendors?per_page=20");
    timed(&app, &detail, &agency, 20).await;
    let (b50, b99) = percentiles(timed(&app, &detail, &agency, 300).await);
    println!("baseline, the owner reads the scenario: p50 {b50:.1} ms, p99 {b99:.1} ms");

    let cold = timed(&app, &rec, &agency, 1).await[0];
    println!(
        "recommended vendors, first call (every profile analysed): {:.0} ms",
        ms(cold)
    );
    let (r50, r99) = percentiles(timed(&app, &rec, &agency, 300).await);
    println!(
        "recommended vendors, warm: p50 {r50:.1} ms, p99 {r99:.1} ms (target p99 < 50 ms: {}); ratio to the baseline p50 {:.2}, p99 {:.2}",
        if r99 < 50.0 { "met" } else { "NOT met" },
        r50 / b50,
        r99 / b99
    );

    let mut changed = vec![];
    for i in 0..20 {
        let a = app
            .call(
                "PATCH",
                &format!("/api/v1/organizations/{vendor_org}"),
                Some(&vendor),
                Some(json!({"description": format!("水面漂浮物识别算法，第{i}版。"), "capabilities": ["水面目标检测"]})),
            )
            .await;
        assert_eq!(a.status, 200, "{:?}", a.body);
        changed.extend(timed(&app, &rec, &agency, 1).await);
    }
    let (c50, c99) = percentiles(changed);
    println!(
        "recommended vendors just after a vendor changed its profile: p50 {c50:.1} ms, p99 {c99:.1} ms"
    );

    let q = "/api/v1/vendors?q=%E6%B2%B3%E9%81%93%E6%BC%82%E6%B5%AE%E7%89%A9%E6%99%BA%E8%83%BD%E8%AF%86%E5%88%AB";
    let (d50, d99) = percentiles(timed(&app, q, &agency, 300).await);
    println!(
        "directory, the title as the query: p50 {d50:.1} ms, p99 {d99:.1} ms; ratio to the baseline p99 {:.2}",
        d99 / b99
    );
    if r99 >= 50.0 {
        std::process::exit(1);
    }
}
