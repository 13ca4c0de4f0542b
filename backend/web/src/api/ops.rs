//! Operations: liveness, readiness with detail, Prometheus metrics.

use actix_web::get;
use actix_web::{HttpResponse, ResponseError, web};
use serde_json::json;
use sha2::Digest;

use crate::AppState;

/// The process is up.
#[utoipa::path(tag = "operations", responses((status = 200, description = "alive")))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    // Sixteen bytes are not worth a compressor's set-up (a probe that offers gzip got one).
    HttpResponse::Ok()
        .insert_header(actix_web::http::header::ContentEncoding::Identity)
        .json(json!({"status": "ok"}))
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
        .is_some_and(|a| domain::policy::require_admin(&a.actor).is_ok());
    let st = state.clone();
    let checks = crate::blocking::run(move || {
        let started = std::time::Instant::now();
        let db = st.services.ping();
        let db_ms = started.elapsed().as_millis();
        let mail = st.mailer.check();
        let search = st.search.health();
        // Only administrators see it: a probe reads the database once.
        let backlog = if admin {
            st.search.backlog().ok()
        } else {
            None
        };
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
                    "transport": state.mailer.transport(),
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
#[utoipa::path(tag = "operations", responses((status = 200, description = "OpenMetrics text", content_type = "application/openmetrics-text"),
    (status = 401, description = "the setting `metrics.token` is set and the request does not carry it", body = crate::error::Problem),
    (status = 404, description = "the setting `metrics.address` serves them on another listener", body = crate::error::Problem)))]
#[get("/metrics")]
/// Prometheus metrics: requests by route template and status with latency histograms, jobs by
/// kind and status, e-mails sent and failed, search latency, the database pool, the backlogs.
pub async fn metrics(req: actix_web::HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if state.metrics_elsewhere {
        return crate::error::ApiError(domain::Error::NotFound).error_response();
    }
    metrics_text(req, state).await
}

/// Whether the request came straight from this machine: a loopback peer and no proxy header.
fn direct_local(req: &actix_web::HttpRequest) -> bool {
    let forwarded = ["forwarded", "x-forwarded-for", "x-real-ip"]
        .iter()
        .any(|h| req.headers().contains_key(*h));
    !forwarded && req.peer_addr().is_some_and(|a| a.ip().is_loopback())
}

/// The metrics' text, behind the token when one is set (also the handler of the metrics'
/// own listener).
pub async fn metrics_text(req: actix_web::HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    // The request counts by route include bid submissions: the metrics are never public.
    // Without a token they answer only a direct connection from this machine (not one a
    // proxy forwarded), or whoever reaches their own listener.
    if state.metrics_token.is_none() && !state.metrics_elsewhere && !direct_local(&req) {
        return crate::error::ApiError(domain::Error::NotFound).error_response();
    }
    if let Some(want) = &state.metrics_token {
        let given = crate::tokens::bearer_token(&req).unwrap_or_default();
        // Digests compared: the time taken says nothing about the token.
        let ok = sha2::Sha256::digest(given.as_bytes()) == sha2::Sha256::digest(want.as_bytes());
        if !ok {
            return crate::error::ApiError(domain::Error::Unauthorized(
                domain::message::Message::new("需要监控令牌", "the metrics token is required"),
            ))
            .error_response();
        }
    }
    let (queue, search) = (state.queue.clone(), state.search.clone());
    let services = state.services.clone();
    let gauges = crate::blocking::run(move || {
        let jobs = services.job_counts().unwrap_or_default();
        Ok((
            jobs,
            services.pool_state(),
            search.backlog().ok(),
            services.notice_backlog().ok(),
            queue.pending().ok(),
        ))
    })
    .await;
    let mut extra = String::new();
    if let Ok((jobs, pool, backlog, notices, pending)) = gauges {
        state
            .metrics
            .set_gauges(&jobs, pool, backlog, notices.map(|n| n as i64));
        if let Some(n) = pending {
            extra = format!(
                "# HELP scenario_market_jobs_pending Jobs queued or running.\n# TYPE scenario_market_jobs_pending gauge\nscenario_market_jobs_pending {n}\n"
            );
        }
    }
    let mut out = state.metrics.encode();
    // The pending count goes before the end marker.
    if let Some(i) = out.rfind("# EOF") {
        out.insert_str(i, &extra);
    }
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(out)
}
