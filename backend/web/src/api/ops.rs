//! Operations: liveness, readiness with detail, Prometheus metrics.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::AppState;

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "alive")))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// The database and the mail transport answer; 503 with detail when one does not.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses((status = 200, description = "ready"), (status = 503, description = "a dependency is down")))]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let st = state.clone();
    let checks = web::block(move || {
        let started = std::time::Instant::now();
        let db = st.services.store.ping();
        let db_ms = started.elapsed().as_millis();
        let mail = st.mailer.check();
        (db, db_ms, mail)
    })
    .await;
    let (db, db_ms, mail) = match checks {
        Ok(c) => c,
        Err(e) => {
            return HttpResponse::ServiceUnavailable()
                .json(json!({"status": "error", "error": e.to_string()}));
        }
    };
    let backend = match state.db.backend() {
        db::Backend::Postgres => "postgres",
        db::Backend::Sqlite => "sqlite",
    };
    let ok = db.is_ok() && mail.is_ok();
    let body = json!({
        "status": if ok { "ok" } else { "error" },
        "checks": {
            "database": {
                "status": if db.is_ok() { "ok" } else { "error" },
                "backend": backend,
                "latency_ms": db_ms,
                "error": db.err().map(|e| e.to_string()),
            },
            "mail": {
                "status": if mail.is_ok() { "ok" } else { "error" },
                "transport": state.mailer.kind(),
                "error": mail.err().map(|e| format!("{e:#}")),
            },
        }
    });
    if ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Prometheus text: process up, jobs waiting.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, description = "Prometheus text format")))]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let db = state.db.clone();
    let pending = web::block(move || db.pending_jobs())
        .await
        .ok()
        .and_then(Result::ok);
    let mut out = String::new();
    out.push_str("# HELP scenario_market_up Whether the server is running.\n# TYPE scenario_market_up gauge\nscenario_market_up 1\n");
    if let Some(n) = pending {
        out.push_str(&format!(
            "# HELP scenario_market_jobs_pending Jobs queued or running.\n# TYPE scenario_market_jobs_pending gauge\nscenario_market_jobs_pending {n}\n"
        ));
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(out)
}
