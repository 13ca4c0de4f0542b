//! Operations endpoints and cross-cutting HTTP behaviour.

use tests::{TestApp, on_both};

async fn health_and_readiness_report_the_database(app: &TestApp) {
    let h = app.get("/healthz", None).await;
    assert_eq!((h.status, h.body["status"].as_str()), (200, Some("ok")));
    // A probe gets no cookie (it fills no form); a page does.
    assert!(h.headers.get("set-cookie").is_none(), "{:?}", h.headers);
    let page = app.get("/", None).await;
    assert!(
        page.headers.get("set-cookie").is_some(),
        "{:?}",
        page.headers
    );
    // Nor is its tiny answer compressed when the probe offers gzip.
    let offered = reqwest::Client::new()
        .get(app.url("/healthz"))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(offered.status(), 200);
    assert_ne!(
        offered
            .headers()
            .get("content-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("gzip")
    );
    assert_eq!(offered.text().await.unwrap(), r#"{"status":"ok"}"#);
    // The public learns ok or failing per dependency, nothing more.
    let r = app.get("/readyz", None).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        r.body,
        serde_json::json!({"status": "ok", "checks": {"database": {"status": "ok"}, "mail": {"status": "ok"}, "search": {"status": "ok"}}})
    );
    // Administrators get the detail.
    let admin = app.admin_token().await;
    let r = app.get("/readyz", Some(&admin)).await;
    assert_eq!(r.body["checks"]["database"]["status"], "ok");
    let backend = match app.db {
        tests::Db::Sqlite => "sqlite",
        tests::Db::Postgres => "postgres",
    };
    assert_eq!(r.body["checks"]["database"]["backend"], backend);
    assert_eq!(r.body["checks"]["mail"]["transport"], "outbox");
    assert_eq!(r.body["checks"]["search"]["engine"], "tantivy");
    assert_eq!(r.body["checks"]["search"]["waiting_documents"], 0);
}

async fn a_failing_dependency_shows_the_public_no_error_text(app: &TestApp) {
    // The outbox folder cannot be written (a file stands where the folder should be).
    let _ = std::fs::remove_dir_all(&app.outbox);
    std::fs::write(&app.outbox, b"not a folder").unwrap();
    let r = app.get("/readyz", None).await;
    assert_eq!(r.status, 503, "{:?}", r.body);
    assert_eq!(
        r.body,
        serde_json::json!({"status": "error", "checks": {"database": {"status": "ok"}, "mail": {"status": "error"}, "search": {"status": "ok"}}})
    );
}

async fn pages_and_api_answers_carry_the_security_headers(app: &TestApp) {
    for path in [
        "/",
        "/scenarios",
        "/login",
        "/api/v1/scenarios",
        "/api/docs/",
    ] {
        let r = app.api.get(app.url(path)).send().await.unwrap();
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert!(
            h.get("strict-transport-security").is_none(),
            "{path}: no HSTS over plain http"
        );
    }
    // No page carries inline script (the policy would block it).
    for path in [
        "/",
        "/scenarios",
        "/login",
        "/register",
        "/notices",
        "/vendors",
    ] {
        let html = app
            .api
            .get(app.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for (i, _) in html.match_indices("<script") {
            let tag = &html[i..html[i..].find('>').map_or(html.len(), |e| i + e)];
            assert!(tag.contains(" src="), "{path} has an inline script: {tag}");
        }
        assert!(!html.contains(" style=\""), "{path} has an inline style");
        assert!(!html.contains(" onclick="), "{path} has an inline handler");
    }
}

async fn every_answer_carries_a_request_id(app: &TestApp) {
    let a = app.get("/healthz", None).await;
    let b = app.get("/healthz", None).await;
    let ida = a.headers["x-request-id"].to_str().unwrap().to_string();
    let idb = b.headers["x-request-id"].to_str().unwrap().to_string();
    assert!(!ida.is_empty());
    assert_ne!(ida, idb);
}

async fn unknown_api_paths_are_problem_404s_and_metrics_are_prometheus_text(app: &TestApp) {
    let a = app.get("/api/v1/nothing-here", None).await;
    assert_eq!(a.status, 404);
    assert_eq!(a.headers["content-type"], "application/problem+json");
    let m = app
        .api
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(m.contains("scenario_market_up 1"));
    assert!(m.contains("scenario_market_jobs_pending 0"));
    assert!(m.contains("scenario_market_search_backlog 0"));
    assert!(m.contains("scenario_market_notice_backlog 0"));
}

async fn the_openapi_document_describes_the_accounts_contract(app: &TestApp) {
    let doc = app.get("/api/openapi.json", None).await;
    assert_eq!(doc.status, 200);
    assert!(doc.body["openapi"].as_str().unwrap().starts_with("3.1"));
    for p in [
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/me",
        "/api/v1/admin/users",
        "/api/v1/admin/organizations/{id}/verify",
        "/api/v1/organizations/{id}",
        "/api/v1/vendors",
    ] {
        assert!(
            doc.body["paths"].get(p).is_some(),
            "{p} missing from the OpenAPI document"
        );
    }
    let ui = app.api.get(app.url("/api/docs/")).send().await.unwrap();
    assert_eq!(ui.status(), 200);
    assert!(
        ui.text().await.unwrap().contains("swagger"),
        "Swagger UI is served from bundled assets"
    );
}

/// Whole answers are gzip-coded for a client that takes gzip, sent with their length, and
/// decode to exactly the plain answer; a client that refuses gzip gets them plain.
async fn whole_answers_are_gzip_coded_for_clients_that_take_it(app: &TestApp) {
    let fetch = |encoding: Option<&'static str>, path: &'static str| {
        let mut r = app.api.get(app.url(path));
        if let Some(e) = encoding {
            r = r.header("Accept-Encoding", e);
        }
        async move { r.send().await.unwrap() }
    };
    let header = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_ascii_lowercase())
    };
    let plain = fetch(None, "/api/openapi.json").await;
    assert_eq!(plain.status(), 200);
    assert_eq!(header(&plain, "content-encoding"), None);
    assert!(
        header(&plain, "vary").is_some_and(|v| v.contains("accept-encoding")),
        "{:?}",
        plain.headers()
    );
    let plain = plain.bytes().await.unwrap();
    assert!(plain.len() > 10_000, "{}", plain.len());

    let coded = fetch(Some("br, gzip"), "/api/openapi.json").await;
    assert_eq!(coded.status(), 200);
    assert_eq!(header(&coded, "content-encoding").as_deref(), Some("gzip"));
    let length: usize = header(&coded, "content-length")
        .expect("a whole coded answer is sent with its length")
        .parse()
        .unwrap();
    let coded = coded.bytes().await.unwrap();
    assert_eq!(coded.len(), length);
    assert!(
        coded.len() * 4 < plain.len(),
        "{} of {}",
        coded.len(),
        plain.len()
    );
    let mut decoded = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&coded[..]), &mut decoded)
        .unwrap();
    assert_eq!(decoded, plain);

    let refused = fetch(Some("gzip;q=0"), "/api/openapi.json").await;
    assert_eq!(header(&refused, "content-encoding"), None);
    assert_eq!(refused.bytes().await.unwrap(), plain);

    // A page with a form (never kept by the cache of public answers) is coded the same way.
    let page = fetch(Some("gzip"), "/login").await;
    assert_eq!(page.status(), 200);
    assert_eq!(header(&page, "content-encoding").as_deref(), Some("gzip"));
    let mut html = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(&page.bytes().await.unwrap()[..]),
        &mut html,
    )
    .unwrap();
    assert!(html.contains("<form") && html.contains("csrf"), "{html}");
}

#[test]
fn many_first_connections_to_a_fresh_sqlite_file_all_succeed() {
    // The first start opens the pool's connections at once; each switches the new file to WAL.
    // With the busy timeout set first they wait for each other instead of failing.
    for round in 0..30 {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("market.db").display());
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let (url, barrier) = (url.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    db::establish(&url).map(drop).map_err(|e| format!("{e:#}"))
                })
            })
            .collect();
        for h in handles {
            let r = h.join().unwrap();
            assert!(r.is_ok(), "round {round}: {r:?}");
        }
    }
}

on_both! {
    a_failing_dependency_shows_the_public_no_error_text => super::a_failing_dependency_shows_the_public_no_error_text;
    pages_and_api_answers_carry_the_security_headers => super::pages_and_api_answers_carry_the_security_headers;
    health_and_readiness_report_the_database => super::health_and_readiness_report_the_database;
    every_answer_carries_a_request_id => super::every_answer_carries_a_request_id;
    unknown_api_paths_are_problem_404s_and_metrics_are_prometheus_text => super::unknown_api_paths_are_problem_404s_and_metrics_are_prometheus_text;
    the_openapi_document_describes_the_accounts_contract => super::the_openapi_document_describes_the_accounts_contract;
    whole_answers_are_gzip_coded_for_clients_that_take_it => super::whole_answers_are_gzip_coded_for_clients_that_take_it;
}
