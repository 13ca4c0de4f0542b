//! Operations endpoints and cross-cutting HTTP behaviour.

use tests::{TestApp, on_both};

async fn health_and_readiness_report_the_database(app: &TestApp) {
    let h = app.get("/healthz", None).await;
    assert_eq!((h.status, h.body["status"].as_str()), (200, Some("ok")));
    let r = app.get("/readyz", None).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["checks"]["database"]["status"], "ok");
    let backend = match app.db {
        tests::Db::Sqlite => "sqlite",
        tests::Db::Postgres => "postgres",
    };
    assert_eq!(r.body["checks"]["database"]["backend"], backend);
    assert_eq!(r.body["checks"]["mail"]["transport"], "outbox");
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

on_both! {
    health_and_readiness_report_the_database => super::health_and_readiness_report_the_database;
    every_answer_carries_a_request_id => super::every_answer_carries_a_request_id;
    unknown_api_paths_are_problem_404s_and_metrics_are_prometheus_text => super::unknown_api_paths_are_problem_404s_and_metrics_are_prometheus_text;
    the_openapi_document_describes_the_accounts_contract => super::the_openapi_document_describes_the_accounts_contract;
}
