//! The HTTP layer: one route table for the JSON API and the server-rendered pages, the
//! extractors that authenticate and authorise, the error mapping, and the OpenAPI document.
//! Handlers stay thin: extract, convert into domain values, call the use cases (`app`), and
//! render what they and the policy decided; a page keeps no rule of its own.

pub mod api;
pub mod auth;
pub mod blocking;
pub mod charts;
pub mod client;
pub mod error;
pub mod files;
pub mod format;
pub mod gzip;
pub mod i18n;
pub mod live;
pub mod memo;
pub mod memory;
pub mod metrics;
pub mod middleware;
pub mod pages;
pub mod public_cache;
pub mod query;
pub mod session;
pub mod tokens;
pub mod upload;
pub mod views;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use app::Services;
use domain::ports::MailSender;

pub use tokens::TokenKeys;

/// The demo accounts the sign-in page lists, and their shared password.
#[derive(Debug, Clone)]
pub struct DemoSignIns {
    pub password: &'static str,
    /// (role, e-mail, organization or person)
    pub accounts: Vec<(domain::account::Role, &'static str, &'static str)>,
}

/// What every handler can reach.
pub struct AppState {
    pub services: std::sync::Arc<Services>,
    /// The search engine (and its outbox).
    pub search: std::sync::Arc<app::search::Search>,
    /// The job queue (for the pending-jobs gauge).
    pub queue: std::sync::Arc<dyn domain::ports::JobQueue>,
    /// `sqlite` or `postgres`, for the administrators' readiness detail.
    pub database_backend: &'static str,
    pub mailer: std::sync::Arc<dyn MailSender>,
    pub tokens: TokenKeys,
    /// Attachment files.
    pub files: files::FileStore,
    /// Mark cookies `Secure` (the site is served over https).
    pub secure_cookies: bool,
    /// How many trusted reverse proxies stand in front (see [`client`]).
    pub trusted_proxies: u8,
    /// Send `Strict-Transport-Security` (the site is served over https).
    pub hsts: bool,
    /// The demo sign-ins shown on the sign-in page (demo mode only).
    pub demo_sign_ins: Option<DemoSignIns>,
    pub metrics: std::sync::Arc<metrics::Metrics>,
    /// `/metrics` wants `Authorization: Bearer <this>` (setting `metrics.token`).
    pub metrics_token: Option<String>,
    /// `/metrics` has its own listener; the public one answers it with 404.
    pub metrics_elsewhere: bool,
    /// Kept answers to anonymous public reads.
    pub public_cache: public_cache::PublicCache,
    /// The open notification streams' live unread counts.
    pub live: std::sync::Arc<live::LiveHub>,
    /// The OPC community's figures, computed once per public change.
    pub opc: memo::VersionMemo<app::reports::OpcCommunity>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("database_backend", &self.database_backend)
            .finish_non_exhaustive()
    }
}

/// The JSON API's route table. Each handler carries its path and method once, in its
/// `#[actix_web::get(…)]` attribute beside its `#[utoipa::path]`; registering it here also puts
/// it in the OpenAPI document, so a route missing from the document cannot exist.
pub fn api_routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    use api::{
        accounts, bids, challenges, contracts, evaluation, invitations, notifications, ops,
        reports, scenarios, search, subscriptions, teams,
    };
    cfg.service(ops::healthz)
        .service(ops::readyz)
        .service(ops::metrics)
        .service(
            utoipa_actix_web::scope("/api/v1")
                .service(accounts::register)
                .service(accounts::login)
                .service(accounts::refresh)
                .service(accounts::logout)
                .service(accounts::logout_all)
                .service(accounts::request_password_reset)
                .service(accounts::confirm_password_reset)
                .service(accounts::me)
                .service(accounts::change_password)
                .service(accounts::admin_create_user)
                .service(accounts::admin_update_user)
                .service(accounts::admin_organizations)
                .service(accounts::admin_verify_organization)
                .service(notifications::read_all)
                .service(notifications::follow)
                .service(invitations::invite)
                .service(invitations::scenario_invitations)
                .service(invitations::my_invitations)
                .service(invitations::recommended_vendors)
                .service(subscriptions::interests)
                .service(subscriptions::save_interests)
                .service(subscriptions::saved_searches)
                .service(subscriptions::save_search)
                .service(subscriptions::delete_saved_search)
                .service(subscriptions::notification_settings)
                .service(subscriptions::save_notification_settings)
                .service(subscriptions::feed_token)
                .service(subscriptions::reset_feed_token)
                .service(notifications::unfollow)
                .service(notifications::read)
                .service(notifications::list)
                .service(search::synonyms)
                .service(search::save_synonyms)
                .service(accounts::organization)
                .service(accounts::update_organization)
                .service(accounts::vendors)
                .service(scenarios::create)
                .service(scenarios::list)
                .service(scenarios::get)
                .service(scenarios::facets)
                .service(scenarios::update)
                .service(scenarios::publish)
                .service(scenarios::extend)
                .service(scenarios::cancel)
                .service(scenarios::ask)
                .service(scenarios::questions)
                .service(scenarios::answer)
                .service(search::scenarios)
                .service(bids::submit)
                .service(bids::list)
                .service(bids::get)
                .service(bids::revise)
                .service(bids::withdraw)
                .service(bids::attach)
                .service(bids::download)
                .service(bids::detach)
                .service(bids::mine)
                .service(evaluation::set_panel)
                .service(evaluation::get_panel)
                .service(evaluation::draw_panel)
                .service(evaluation::bidders)
                .service(evaluation::declare)
                .service(evaluation::save_scores)
                .service(evaluation::my_scores)
                .service(evaluation::ranking)
                .service(evaluation::ranking_csv)
                .service(evaluation::ranking_xlsx)
                .service(evaluation::dissent)
                .service(evaluation::award)
                .service(evaluation::explain_low_price)
                .service(evaluation::notice)
                .service(evaluation::notices)
                .service(evaluation::my_result)
                .service(evaluation::deliver)
                .service(challenges::file_challenge)
                .service(challenges::list)
                .service(challenges::attach)
                .service(challenges::download)
                .service(challenges::answer)
                .service(contracts::record)
                .service(contracts::attach_signed)
                .service(contracts::get_contract)
                .service(contracts::download)
                .service(contracts::confirm)
                .service(contracts::submit)
                .service(contracts::attach_evidence)
                .service(contracts::accept)
                .service(contracts::give_back)
                .service(contracts::attach_report)
                .service(contracts::propose)
                .service(contracts::confirm_amendment)
                .service(contracts::decline_amendment)
                .service(contracts::pay)
                .service(contracts::payment_record)
                .service(teams::form)
                .service(teams::suggestions)
                .service(teams::get_consortium)
                .service(teams::invite)
                .service(teams::accept)
                .service(teams::decline)
                .service(teams::agreement)
                .service(teams::confirm)
                .service(teams::mine)
                .service(evaluation::rate)
                .service(evaluation::reply)
                .service(evaluation::ratings)
                .service(reports::opc_summary)
                .service(reports::ocds_releases)
                .service(reports::ocds_record)
                .service(reports::dashboard)
                .service(reports::failed_jobs)
                .service(reports::retry_job)
                .service(reports::audit)
                .default_service(web::to(api::not_found)),
        );
}

/// The whole application: the API (and its document, served with Swagger UI), then the pages.
pub fn app(
    state: web::Data<AppState>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    use utoipa::OpenApi;
    use utoipa_actix_web::AppExt;
    App::new()
        .into_utoipa_app()
        .openapi(api::openapi::ApiDoc::openapi())
        .app_data(state)
        .app_data(
            web::JsonConfig::default()
                .limit(256 * 1024)
                .error_handler(error::json_error_handler),
        )
        .app_data(web::QueryConfig::default().error_handler(error::query_error_handler))
        .app_data(web::PathConfig::default().error_handler(error::path_error_handler))
        .app_data(web::FormConfig::default().limit(256 * 1024))
        .configure(api_routes)
        .openapi_service(api::openapi::swagger_ui)
        .into_app()
        .route("/api/docs", web::get().to(api::openapi::docs_redirect))
        .configure(pages::routes)
}

/// Serves only `/metrics` on `listener` (setting `metrics.address`: a listener the monitoring
/// agent reaches and the public does not).
pub fn serve_metrics(listener: TcpListener, state: web::Data<AppState>) -> std::io::Result<Server> {
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .route("/metrics", web::get().to(api::ops::metrics_text))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .run())
}

/// Binds the HTTP server on `listener` with the middleware stack. Signals are handled by the
/// caller (the server binary stops it gracefully on SIGTERM and Ctrl-C).
///
/// Each worker runs its blocking work (service calls, files) on at most its share of the
/// database connections plus two threads: more would only wait for a connection, and every
/// extra thread keeps its own stack and allocator arena (115 threads held 180 MB at 100,000
/// scenarios).
pub fn serve(
    listener: TcpListener,
    state: web::Data<AppState>,
    workers: usize,
    connections: u32,
) -> std::io::Result<Server> {
    let workers = workers.max(1);
    let blocking = (connections as usize).div_ceil(workers) + 2;
    let server = HttpServer::new(move || {
        app(state.clone())
            .wrap(actix_web::middleware::from_fn(session::middleware))
            .wrap(actix_web::middleware::from_fn(public_cache::middleware))
            // Whole answers are coded here (inside the logger, whose span wraps the body);
            // `Compress` codes only streamed ones.
            .wrap(actix_web::middleware::from_fn(gzip::middleware))
            .wrap(actix_web::middleware::from_fn(middleware::catch_panic))
            .wrap(actix_web::middleware::from_fn(
                middleware::request_id_header,
            ))
            .wrap(actix_web::middleware::from_fn(
                middleware::add_security_headers,
            ))
            .wrap(actix_web::middleware::from_fn(metrics::record))
            .wrap(tracing_actix_web::TracingLogger::<middleware::RootSpans>::new())
            .wrap(actix_web::middleware::Compress::default())
    })
    .workers(workers)
    .worker_max_blocking_threads(blocking)
    // An answer written in pieces (a compressed page is a stream) must not wait for the
    // client's delayed acknowledgement: without this, Nagle's rule held every such answer
    // back 40 ms.
    .tcp_nodelay(true)
    .disable_signals()
    .shutdown_timeout(30)
    .listen(listener)?
    .run();
    Ok(server)
}
