//! Operations: liveness, readiness with detail, Prometheus metrics.

use actix_web::get;
use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::AppState;

/// The process is up.
#[utoipa::path(tag = "operations", responses((status = 200, description = "alive")))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// The database and the mail transport answer; 503 when one does not. The public learns only
/// ok or failing per dependency; the backend, latency and error text are for administrators.
#[utoipa::path(tag = "operations", responses((status = 200, description = "ready"), (status = 503, description = "a dependency is down")))]
#[get("/readyz")]
pub async fn readyz(
    state: web::Data<AppState>,
    who: crate::auth::MaybeAuthenticated,
) -> HttpResponse {
    let admin = who
        .0
        .is_some_and(|a| a.actor.role == domain::account::Role::Admin);
    let st = state.clone();
    let checks = crate::blocking::run(move || {
        let started = std::time::Instant::now();
        let db = st.services.ping();
        let db_ms = started.elapsed().as_millis();
        let mail = st.mailer.check();
        let search = st.search.health();
        let backlog = st.search.backlog().ok();
        Ok((db, db_ms, mail, search, backlog))
    })
    .await;
    let (db, db_ms, mail, search, backlog) = match checks {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "readiness check task failed");
            return HttpResponse::ServiceUnavailable().json(json!({"status": "error"}));
        }
    };
    if let Err(e) = &db {
        tracing::warn!(error = %e, "readiness: the database does not answer");
    }
    if let Err(e) = &mail {
        tracing::warn!(error = %format!("{e:#}"), "readiness: the mail transport does not answer");
    }
    if let Err(e) = &search {
        tracing::warn!(error = %e, "readiness: the search engine does not answer");
    }
    let word = |ok: bool| if ok { "ok" } else { "error" };
    let ok = db.is_ok() && mail.is_ok();
    // A search engine that is down degrades the site (search answers 503) but every write
    // still works, so the instance stays in service.
    let overall = match (ok, search.is_ok()) {
        (false, _) => "error",
        (true, false) => "degraded",
        (true, true) => "ok",
    };
    let body = if admin {
        let backend = state.database_backend;
        json!({
            "status": overall,
            "checks": {
                "search": {
                    "status": word(search.is_ok()),
                    "engine": state.search.engine(),
                    "waiting_documents": backlog,
                    "error": search.as_ref().err().map(|e| e.to_string()),
                },
                "database": {
                    "status": word(db.is_ok()),
                    "backend": backend,
                    "latency_ms": db_ms,
                    "error": db.err().map(|e| e.to_string()),
                },
                "mail": {
                    "status": word(mail.is_ok()),
                    "transport": state.mailer.kind(),
                    "error": mail.err().map(|e| format!("{e:#}")),
                },
            }
        })
    } else {
        json!({
            "status": overall,
            "checks": {
                "database": {"status": word(db.is_ok())},
                "mail": {"status": word(mail.is_ok())},
                "search": {"status": word(search.is_ok())},
            }
        })
    };
    if ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Prometheus text: process up, jobs, documents and notices waiting.
#[utoipa::path(tag = "operations", responses((status = 200, description = "Prometheus text format")))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let (queue, search) = (state.queue.clone(), state.search.clone());
    let services = state.services.clone();
    let (pending, backlog, notices) = crate::blocking::run(move || {
        Ok((
            queue.pending().ok(),
            search.backlog().ok(),
            services.notice_backlog().ok(),
        ))
    })
    .await
    .unwrap_or((None, None, None));
    let mut out = String::new();
    out.push_str("# HELP scenario_market_up Whether the server is running.\n# TYPE scenario_market_up gauge\nscenario_market_up 1\n");
    if let Some(n) = pending {
        out.push_str(&format!(
            "# HELP scenario_market_jobs_pending Jobs queued or running.\n# TYPE scenario_market_jobs_pending gauge\nscenario_market_jobs_pending {n}\n"
        ));
    }
    if let Some(n) = backlog {
        out.push_str(&format!(
            "# HELP scenario_market_search_backlog Documents waiting for the search index.\n# TYPE scenario_market_search_backlog gauge\nscenario_market_search_backlog {n}\n"
        ));
    }
    if let Some(n) = notices {
        out.push_str(&format!(
            "# HELP scenario_market_notice_backlog Notices waiting to become notifications (one batch is counted at most).\n# TYPE scenario_market_notice_backlog gauge\nscenario_market_notice_backlog {n}\n"
        ));
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(out)
}
