//! The Prometheus metrics of `/metrics` (OpenMetrics text, `prometheus-client`): requests by
//! route template, method and status with a latency histogram; jobs finished by kind and
//! outcome with their run time; e-mails sent and failed; search latency by engine; and, read
//! at scrape time, the jobs by kind and status, the pool's connections and the backlogs.
//! Route templates (`/api/v1/scenarios/{id}`) keep the label set small whatever the ids.

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use domain::ports::{JobOutcome, Telemetry};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
    method: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    kind: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QueueLabels {
    kind: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EmailLabels {
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SearchLabels {
    what: String,
    engine: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: String,
}

type Timings<L> = Family<L, Histogram, fn() -> Histogram>;

fn request_buckets() -> Histogram {
    // 0.5 ms to about 8 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 15))
}

fn job_buckets() -> Histogram {
    // 1 ms to about 65 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 17))
}

/// The metrics of one server process.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Timings<RouteLabels>,
    jobs_finished: Family<JobLabels, Counter>,
    job_seconds: Timings<KindLabels>,
    emails: Family<EmailLabels, Counter>,
    search_seconds: Timings<SearchLabels>,
    queue: Family<QueueLabels, Gauge>,
    pool: Family<PoolLabels, Gauge>,
    search_backlog: Gauge,
    notice_backlog: Gauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("scenario_market");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route template, method and status",
            requests.clone(),
        );
        let latency: Timings<RouteLabels> = Family::new_with_constructor(request_buckets);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer, by route template and method",
            latency.clone(),
        );
        let jobs_finished = Family::<JobLabels, Counter>::default();
        registry.register(
            "jobs_finished",
            "Job runs by kind and outcome (done, retry, failed)",
            jobs_finished.clone(),
        );
        let job_seconds: Timings<KindLabels> = Family::new_with_constructor(job_buckets);
        registry.register(
            "job_duration_seconds",
            "Time a job run took, by kind",
            job_seconds.clone(),
        );
        let emails = Family::<EmailLabels, Counter>::default();
        registry.register(
            "emails",
            "E-mails handed to the mail transport: sent or failed",
            emails.clone(),
        );
        let search_seconds: Timings<SearchLabels> = Family::new_with_constructor(request_buckets);
        registry.register(
            "search_duration_seconds",
            "Time the search engine took, by search and engine",
            search_seconds.clone(),
        );
        let queue = Family::<QueueLabels, Gauge>::default();
        registry.register(
            "jobs",
            "Jobs in the queue by kind and status (queued, running, failed, done)",
            queue.clone(),
        );
        let pool = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "Database pool connections: open, idle, in use, and the most it opens",
            pool.clone(),
        );
        let search_backlog = Gauge::default();
        registry.register(
            "search_backlog",
            "Documents waiting for the search index",
            search_backlog.clone(),
        );
        let notice_backlog = Gauge::default();
        registry.register(
            "notice_backlog",
            "Notices waiting to become notifications (one batch is counted at most)",
            notice_backlog.clone(),
        );
        let up = Gauge::<i64>::default();
        up.set(1);
        registry.register("up", "Whether the server is running", up);
        Self {
            registry,
            requests,
            latency,
            jobs_finished,
            job_seconds,
            emails,
            search_seconds,
            queue,
            pool,
            search_backlog,
            notice_backlog,
        }
    }

    /// Counts one answered request.
    pub fn request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                route: route.to_string(),
                method: method.to_string(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                route: route.to_string(),
                method: method.to_string(),
            })
            .observe(seconds);
    }

    /// Sets the gauges read at scrape time.
    pub fn set_gauges(
        &self,
        jobs: &[domain::ports::JobCount],
        pool: Option<(u32, u32, u32)>,
        search_backlog: Option<i64>,
        notice_backlog: Option<i64>,
    ) {
        // A kind and status that emptied reads 0, not its last count.
        self.queue.clear();
        for j in jobs {
            self.queue
                .get_or_create(&QueueLabels {
                    kind: j.kind.clone(),
                    status: j.status.code().to_string(),
                })
                .set(j.count);
        }
        if let Some((open, idle, max)) = pool {
            for (state, n) in [
                ("open", open),
                ("idle", idle),
                ("in_use", open.saturating_sub(idle)),
                ("max", max),
            ] {
                self.pool
                    .get_or_create(&PoolLabels {
                        state: state.into(),
                    })
                    .set(i64::from(n));
            }
        }
        if let Some(n) = search_backlog {
            self.search_backlog.set(n);
        }
        if let Some(n) = notice_backlog {
            self.notice_backlog.set(n);
        }
    }

    /// The OpenMetrics text.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!(error = %e, "encoding the metrics failed");
        }
        out
    }
}

impl Telemetry for Metrics {
    fn job_finished(&self, kind: &'static str, outcome: JobOutcome, seconds: f64) {
        self.jobs_finished
            .get_or_create(&JobLabels {
                kind: kind.into(),
                outcome: outcome.code().into(),
            })
            .inc();
        self.job_seconds
            .get_or_create(&KindLabels { kind: kind.into() })
            .observe(seconds);
    }

    fn email(&self, sent: bool) {
        self.emails
            .get_or_create(&EmailLabels {
                result: if sent { "sent" } else { "failed" }.into(),
            })
            .inc();
    }

    fn search(&self, what: &'static str, engine: &'static str, seconds: f64) {
        self.search_seconds
            .get_or_create(&SearchLabels {
                what: what.into(),
                engine: engine.into(),
            })
            .observe(seconds);
    }
}

/// The method as a label: the methods HTTP defines, and `other` for any name a client invents
/// (each new label value would be a new series kept for the life of the process).
fn method_label(m: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *m {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

/// Counts every request under its route template (`unmatched` for a path no route has) and
/// a known method (`other` for the rest), so that no request can add a label value.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let metrics = req
        .app_data::<actix_web::web::Data<crate::AppState>>()
        .map(|s| s.metrics.clone());
    let method = method_label(req.method());
    let started = std::time::Instant::now();
    let res = next.call(req).await?;
    if let Some(m) = metrics {
        let route = res.request().match_pattern().unwrap_or_else(|| {
            actix_web::HttpMessage::extensions(res.request())
                .get::<crate::public_cache::CachedRoute>()
                .map_or_else(|| "unmatched".into(), |r| r.0.clone())
        });
        m.request(
            &route,
            method,
            res.status().as_u16(),
            started.elapsed().as_secs_f64(),
        );
    }
    Ok(res)
}

/// The metrics shared by the HTTP server, the worker and the search service.
pub type SharedMetrics = Arc<Metrics>;
