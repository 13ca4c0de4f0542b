//! Wiring: builds the concrete database, mailer, clock and services from the settings, and
//! runs the HTTP server and the job worker until asked to stop.

use std::net::TcpListener;
use std::sync::Arc;

use anyhow::Context;
use app::search::Search;
use app::{AuthPolicy, MarketPolicy, Services};
use chrono::Duration;
use db::Database;
use domain::ids::IdGenerator;
use domain::ports::Clock;
use domain::ports::MailSender;
use jobs::{Worker, WorkerSettings};
use mail::{MailTransport, Mailer};
use secrecy::ExposeSecret;
use tokio::sync::watch;

use crate::config::Settings;

/// The wired parts, before anything listens.
#[derive(Clone)]
pub struct Parts {
    pub db: Database,
    pub mailer: Arc<dyn MailSender>,
    pub services: Services,
    pub search: Search,
    pub worker: Worker,
    /// The process's metrics, fed by the HTTP server, the worker and the search service.
    pub metrics: Arc<web::metrics::Metrics>,
}

/// Connects to the database (running its migrations) and builds the mailer and services.
pub fn wire(settings: &Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Parts> {
    let url = settings.database_url();
    let db = Database::connect_with(
        &url,
        settings.database.max_connections,
        std::time::Duration::from_secs(settings.database.pool_timeout_seconds),
    )?;
    let applied = db.migrate()?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "applied migrations");
    }
    let transport = match &settings.mail.smtp_url {
        Some(u) => MailTransport::Smtp(u.expose_secret().to_string()),
        None => MailTransport::Outbox(settings.outbox_dir()),
    };
    let mailer: Arc<dyn MailSender> = Arc::new(
        Mailer::new(&settings.mail.from, transport)
            .context("invalid setting mail.from or mail.smtp_url")?,
    );
    let services = Services::new(
        Arc::new(db.clone()),
        clock.clone(),
        Arc::new(IdGenerator::new(settings.node_id)),
        AuthPolicy {
            refresh_ttl: Duration::days(settings.auth.refresh_token_days),
            reset_ttl: Duration::minutes(settings.auth.password_reset_minutes),
            public_base_url: settings.public_url(),
            link_secret: link_secret(&settings.jwt_secret()?),
            throttle: domain::security::LoginThrottle {
                account: domain::security::ThrottleRule {
                    max_failures: settings.auth.account_max_failures,
                    window: Duration::minutes(15),
                },
                address: domain::security::ThrottleRule {
                    max_failures: settings.auth.address_max_failures,
                    window: Duration::minutes(15),
                },
            },
        },
        MarketPolicy {
            min_bid_window: Duration::hours(settings.market.min_bid_window_hours),
            min_panel_size: settings.market.min_panel_size,
            outlier_points: settings.market.outlier_points,
            low_price_share: settings.market.low_price_share,
            opc_pledge_fen: settings.market.opc_pledge_yuan * 100,
            ocds_prefix: settings.market.ocds_prefix.clone(),
            workdays: settings.workdays()?,
            reputation: domain::evaluation::ReputationPrior {
                prior: settings.market.reputation_prior,
                weight: settings.market.reputation_weight,
            },
            review_working_days: settings.market.review_working_days,
        },
    );
    let index: Arc<dyn domain::ports::SearchIndex> = match &settings.search.meilisearch_url {
        Some(url) => Arc::new(
            search::MeiliIndex::connect_trusting(
                url,
                settings
                    .search
                    .meilisearch_key
                    .as_ref()
                    .map(|k| k.expose_secret()),
                "",
                settings.search.meilisearch_ca_file.as_deref(),
            )
            .context("invalid setting search.meilisearch_url")?,
        ),
        None => Arc::new(
            search::TantivyIndex::open(Some(&settings.search_dir())).with_context(|| {
                format!(
                    "cannot open the search index in {}",
                    settings.search_dir().display()
                )
            })?,
        ),
    };
    let services = services.with_analysis(index.clone());
    let metrics = Arc::new(web::metrics::Metrics::new());
    let search =
        Search::new(services.clone(), index, Arc::new(db.clone())).with_telemetry(metrics.clone());
    if let Err(e) = search.load_synonyms() {
        // An engine that is down gets its thesaurus when it answers (the next save, or the
        // next start); searches work meanwhile.
        tracing::warn!(error = %e, "could not give the search engine its thesaurus");
    }
    let worker = Worker::new(
        Arc::new(db.clone()),
        mailer.clone(),
        services.clone(),
        search.clone(),
        WorkerSettings {
            lease: Duration::seconds(settings.jobs.lease_seconds),
            poll_interval: std::time::Duration::from_millis(settings.jobs.poll_interval_ms),
            ..WorkerSettings::default()
        },
    )
    .with_telemetry(metrics.clone());
    Ok(Parts {
        db,
        mailer,
        services,
        search,
        worker,
        metrics,
    })
}

/// A running application: the HTTP server on its port and, if enabled, the job worker.
pub struct Application {
    pub port: u16,
    pub parts: Parts,
    server: actix_web::dev::Server,
    /// The metrics' own listener (setting `metrics.address`), stopped with the server.
    metrics_server: Option<actix_web::dev::ServerHandle>,
    stop_worker: watch::Sender<bool>,
    worker_task: Option<tokio::task::JoinHandle<()>>,
}

impl Application {
    /// Binds the listener and starts serving (call inside a Tokio runtime).
    pub fn start(settings: &Settings, parts: Parts) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(&settings.server.address).with_context(|| {
            format!(
                "cannot listen on {} (server.address)",
                settings.server.address
            )
        })?;
        let port = listener.local_addr()?.port();
        // The vendors' profiles are analysed while the server starts answering, so that the
        // first recommendation or alert does not wait for it.
        let warm = parts.services.clone();
        std::thread::spawn(move || {
            if let Err(e) = warm.warm_profiles() {
                tracing::warn!(error = %e, "the vendors' profiles could not be analysed at start");
            }
        });
        let secret = settings.jwt_secret()?;
        let metrics_address = settings
            .metrics
            .address
            .clone()
            .filter(|a| !a.trim().is_empty());
        let state = actix_web::web::Data::new(web::AppState {
            services: Arc::new(parts.services.clone()),
            search: Arc::new(parts.search.clone()),
            queue: Arc::new(parts.db.clone()),
            database_backend: match parts.db.backend() {
                db::Backend::Postgres => "postgres",
                db::Backend::Sqlite => "sqlite",
            },
            mailer: parts.mailer.clone(),
            tokens: web::TokenKeys::new(
                &secret,
                "scenario-market",
                "scenario-market-api",
                Duration::minutes(settings.auth.access_token_minutes),
            ),
            files: match settings.files.s3() {
                Some(s3) => web::files::FileStore::s3(&s3)
                    .map_err(anyhow::Error::msg)
                    .context("invalid settings files.s3_…")?,
                None => web::files::FileStore::new(settings.files_dir()).with_context(|| {
                    format!(
                        "cannot create the files folder {} (files.dir)",
                        settings.files_dir().display()
                    )
                })?,
            },
            secure_cookies: settings.public_url().starts_with("https://"),
            trusted_proxies: settings.server.trusted_proxies,
            hsts: settings.public_url().starts_with("https://"),
            demo_sign_ins: settings.demo().then(crate::demo::sign_ins),
            metrics: parts.metrics.clone(),
            metrics_token: settings
                .metrics
                .token
                .as_ref()
                .map(|t| t.expose_secret().to_string())
                .filter(|t| !t.is_empty()),
            metrics_elsewhere: metrics_address.is_some(),
            public_cache: web::public_cache::PublicCache::new(
                settings.server.public_cache_mb.saturating_mul(1024 * 1024),
            ),
            live: web::live::LiveHub::new(
                parts.services.clone(),
                std::time::Duration::from_secs(settings.server.live_poll_seconds.max(1)),
            ),
            opc: Default::default(),
        });
        // Several processes on one PostgreSQL: a notification or a sign-out in one reaches
        // the live streams held by the others at once.
        if db::Backend::of_url(&settings.database_url()) == db::Backend::Postgres {
            db::live::listen(
                settings.database_url(),
                std::sync::Arc::downgrade(&state.live),
                web::live::LiveHub::look_now,
                parts.db.session_version(),
            )
            .context("cannot start the live signals' listener")?;
        }
        let server = web::serve(
            listener,
            state.clone(),
            settings.server.workers,
            settings.database.max_connections,
        )?;
        let metrics_server = match metrics_address {
            Some(addr) => {
                let l = TcpListener::bind(&addr)
                    .with_context(|| format!("cannot listen on {addr} (metrics.address)"))?;
                tracing::info!(address = %addr, "metrics served on their own listener");
                let server = web::serve_metrics(l, state)?;
                let handle = server.handle();
                tokio::spawn(server);
                Some(handle)
            }
            None => None,
        };
        let (stop_worker, rx) = watch::channel(false);
        let worker_task = settings
            .jobs
            .worker
            .then(|| tokio::spawn(parts.worker.clone().run(rx)));
        Ok(Application {
            port,
            parts,
            server,
            metrics_server,
            stop_worker,
            worker_task,
        })
    }

    /// A handle that stops the server.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until the server is stopped (by [`Self::handle`]), then stops the worker after
    /// its current job.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let result = self.server.await;
        if let Some(m) = self.metrics_server {
            m.stop(true).await;
        }
        let _ = self.stop_worker.send(true);
        if let Some(task) = self.worker_task {
            let _ = task.await;
        }
        result.context("the HTTP server failed")
    }
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The key of unsubscribe links, derived from the signing secret (a key of its own, so that a
/// link's signature can never pass for a session token's or the reverse).
fn link_secret(jwt_secret: &[u8]) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"scenario-market unsubscribe links\0");
    h.update(jwt_secret);
    h.finalize().to_vec()
}
