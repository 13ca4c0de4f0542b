//! `/metrics`: requests by route template and status with latency histograms, jobs by kind
//! and outcome, e-mails, search latency, the pool and the queue; and the settings that keep
//! them from the public (a token, or a listener of their own; by default only a direct
//! connection from the machine itself).

use tests::fixtures::{bid, open_scenario, verified_vendor};
use tests::{Db, TestApp, on_both, try_spawn_app_with};

async fn scrape(app: &TestApp) -> String {
    let r = app.api.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    r.text().await.unwrap()
}

/// The value of the sample `name{labels}` (labels as printed, in their order).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

async fn requests_jobs_emails_and_searches_are_counted(app: &TestApp) {
    let (_, scenario) = open_scenario(app).await;
    let (vendor, _) = verified_vendor(app, "v@example.cn", "甲公司").await;
    for _ in 0..3 {
        assert_eq!(
            app.get(&format!("/api/v1/scenarios/{scenario}"), None)
                .await
                .status,
            200
        );
    }
    assert_eq!(app.get("/api/v1/scenarios/1", None).await.status, 404);
    assert_eq!(app.get("/no/such/page", None).await.status, 404);
    assert_eq!(
        app.post(
            &format!("/api/v1/scenarios/{scenario}/bids"),
            Some(&vendor),
            bid(300_000)
        )
        .await
        .status,
        201
    );
    app.drain_jobs().await;
    assert_eq!(
        app.get(
            "/api/v1/search/scenarios?q=%E6%97%A0%E4%BA%BA%E6%9C%BA",
            None
        )
        .await
        .status,
        200
    );
    let m = scrape(app).await;
    let route = r#"route="/api/v1/scenarios/{id}",method="GET""#;
    assert_eq!(
        sample(
            &m,
            &format!(r#"scenario_market_http_requests_total{{{route},status="200"}}"#)
        ),
        Some(3.0),
        "{m}"
    );
    assert_eq!(
        sample(
            &m,
            &format!(r#"scenario_market_http_requests_total{{{route},status="404"}}"#)
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &m,
            &format!("scenario_market_http_request_duration_seconds_count{{{route}}}")
        ),
        Some(4.0)
    );
    assert!(
        sample(
            &m,
            r#"scenario_market_http_requests_total{route="unmatched",method="GET",status="404"}"#
        )
        .is_some(),
        "a path no route has is counted under one label, not its own"
    );
    assert!(!m.contains(&scenario.to_string()), "no id becomes a label");
    // Jobs and e-mails: the verification and bid e-mails ran in the drain.
    let sent = sample(&m, r#"scenario_market_emails_total{result="sent"}"#).unwrap_or(0.0);
    assert!(sent >= 1.0, "{m}");
    let done = sample(
        &m,
        r#"scenario_market_jobs_finished_total{kind="send_email",outcome="done"}"#,
    )
    .unwrap();
    assert_eq!(done, sent);
    assert_eq!(
        sample(
            &m,
            r#"scenario_market_jobs{kind="send_email",status="done"}"#
        ),
        Some(sent)
    );
    assert_eq!(
        sample(
            &m,
            r#"scenario_market_search_duration_seconds_count{what="scenarios",engine="tantivy"}"#
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(&m, r#"scenario_market_db_pool_connections{state="max"}"#),
        Some(6.0)
    );
    // The opening and the reminder wait for the deadline: pending, by kind in the gauges.
    let waiting: f64 = ["open_bids", "remind_deadline"]
        .iter()
        .map(|k| {
            sample(
                &m,
                &format!(r#"scenario_market_jobs{{kind="{k}",status="queued"}}"#),
            )
            .unwrap()
        })
        .sum();
    assert_eq!(waiting, 2.0, "{m}");
    assert_eq!(sample(&m, "scenario_market_jobs_pending"), Some(waiting));
    assert_eq!(sample(&m, "scenario_market_search_backlog"), Some(0.0));
    assert_eq!(sample(&m, "scenario_market_up"), Some(1.0));
    assert!(m.trim_end().ends_with("# EOF"));
    // Through a proxy (a forwarded request) the default answers 404.
    let proxied = app
        .api
        .get(app.url("/metrics"))
        .header("X-Forwarded-For", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(proxied.status(), 404);
}

on_both! {
    requests_jobs_emails_and_searches_are_counted => super::requests_jobs_emails_and_searches_are_counted;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_guards_the_metrics() {
    let app = try_spawn_app_with(
        Db::Sqlite,
        &[("APP__METRICS__TOKEN", "s3cret-scrape".into())],
    )
    .await
    .unwrap();
    let get = |token: Option<&'static str>| {
        let mut rb = app.api.get(app.url("/metrics"));
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        rb.send()
    };
    assert_eq!(get(None).await.unwrap().status(), 401);
    assert_eq!(get(Some("wrong")).await.unwrap().status(), 401);
    let ok = get(Some("s3cret-scrape")).await.unwrap();
    assert_eq!(ok.status(), 200);
    assert!(ok.text().await.unwrap().contains("scenario_market_up 1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_of_their_own_takes_the_metrics_off_the_public_one() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = try_spawn_app_with(
        Db::Sqlite,
        &[("APP__METRICS__ADDRESS", format!("127.0.0.1:{port}"))],
    )
    .await
    .unwrap();
    assert_eq!(app.get("/api/v1/scenarios", None).await.status, 200);
    let public = app.api.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(public.status(), 404);
    let own = app
        .api
        .get(format!("http://127.0.0.1:{port}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200);
    let text = own.text().await.unwrap();
    assert!(
        text.contains(r#"scenario_market_http_requests_total{route="/api/v1/scenarios",method="GET",status="200"} 1"#),
        "{text}"
    );
}

/// The request series: one line per label set of the request counter.
fn request_series(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.starts_with("scenario_market_http_requests_total{"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invented_methods_and_paths_add_no_series_to_the_metrics() {
    let app = try_spawn_app_with(Db::Sqlite, &[]).await.unwrap();
    // Both labels the junk will fall under exist already.
    assert_eq!(app.get("/no/such/page", None).await.status, 404);
    let before = scrape(&app).await;
    let before_series = request_series(&before).len();
    for i in 0..10 {
        // 2 KB method names, each new, to paths no route has and to a real route.
        let name = format!("X{i}{}", "JUNK".repeat(512));
        let method = reqwest::Method::from_bytes(name.as_bytes()).unwrap();
        let path = if i % 2 == 0 {
            format!("/junk-{i}-{}", "p".repeat(1000))
        } else {
            "/api/v1/scenarios".to_string()
        };
        let r = app
            .api
            .request(method, app.url(&path))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_client_error(), "{}", r.status());
        assert_eq!(app.get(&format!("/junk-get-{i}"), None).await.status, 404);
    }
    let after = scrape(&app).await;
    let series = request_series(&after);
    assert!(
        !after.contains("JUNK") && !after.contains("/junk"),
        "a client's method or path became a label"
    );
    // The unknown methods share `other` on the two routes they reached; nothing else is new
    // (the scrape itself was already counted before).
    assert!(
        series.len() <= before_series + 3,
        "{} series before, {} after:\n{}",
        before_series,
        series.len(),
        series.join("\n")
    );
    assert!(
        series
            .iter()
            .any(|l| l.contains(r#"route="unmatched",method="other""#)),
        "{}",
        series.join("\n")
    );
    assert_eq!(
        sample(
            &after,
            r#"scenario_market_http_requests_total{route="unmatched",method="GET",status="404"}"#
        ),
        Some(11.0)
    );
    // Two new latency histograms (`other` on two routes) are about 6 KB; one 2 KB label value
    // repeated over a histogram's lines would be 30 KB.
    assert!(
        after.len() < before.len() + 12_000,
        "the metrics grew by {} bytes",
        after.len() - before.len()
    );
}
