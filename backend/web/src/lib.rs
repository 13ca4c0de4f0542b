//! The HTTP layer: one route table for the JSON API and the server-rendered pages, the
//! extractors that authenticate and authorise, the error mapping, and the OpenAPI document.
//! Handlers stay thin: extract, convert into domain values, call one service, render.

pub mod api;
pub mod auth;
pub mod client;
pub mod error;
pub mod files;
pub mod format;
pub mod i18n;
pub mod middleware;
pub mod pages;
pub mod session;
pub mod upload;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use domain::services::Services;
use mail::Mailer;

pub use auth::TokenKeys;

/// The demo accounts the sign-in page lists, and their shared password.
#[derive(Debug, Clone)]
pub struct DemoSignIns {
    pub password: &'static str,
    /// (role, e-mail, organization or person)
    pub accounts: Vec<(domain::account::Role, &'static str, &'static str)>,
}

/// What every handler can reach.
pub struct AppState {
    pub services: Services,
    /// The job queue (for the pending-jobs gauge).
    pub queue: std::sync::Arc<dyn domain::ports::JobQueue>,
    /// `sqlite` or `postgres`, for the administrators' readiness detail.
    pub database_backend: &'static str,
    pub mailer: Mailer,
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
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("database_backend", &self.database_backend)
            .finish_non_exhaustive()
    }
}

/// The route table, top to bottom.
pub fn routes(cfg: &mut web::ServiceConfig) {
    use api::{accounts, bids, evaluation, ops, scenarios};
    cfg.route("/healthz", web::get().to(ops::healthz))
        .route("/readyz", web::get().to(ops::readyz))
        .route("/metrics", web::get().to(ops::metrics))
        .route("/api/docs", web::get().to(api::openapi::docs_redirect))
        .service(api::openapi::swagger_ui())
        .service(
            web::scope("/api/v1")
                .route("/auth/register", web::post().to(accounts::register))
                .route("/auth/login", web::post().to(accounts::login))
                .route("/auth/refresh", web::post().to(accounts::refresh))
                .route("/auth/logout", web::post().to(accounts::logout))
                .route(
                    "/auth/password-reset",
                    web::post().to(accounts::request_password_reset),
                )
                .route(
                    "/auth/password-reset/confirm",
                    web::post().to(accounts::confirm_password_reset),
                )
                .route("/me", web::get().to(accounts::me))
                .route("/me/password", web::post().to(accounts::change_password))
                .route("/admin/users", web::post().to(accounts::admin_create_user))
                .route(
                    "/admin/users/{id}",
                    web::patch().to(accounts::admin_update_user),
                )
                .route(
                    "/admin/organizations",
                    web::get().to(accounts::admin_organizations),
                )
                .route(
                    "/admin/organizations/{id}/verify",
                    web::post().to(accounts::admin_verify_organization),
                )
                .route("/organizations/{id}", web::get().to(accounts::organization))
                .route(
                    "/organizations/{id}",
                    web::patch().to(accounts::update_organization),
                )
                .route("/vendors", web::get().to(accounts::vendors))
                .route("/scenarios", web::post().to(scenarios::create))
                .route("/scenarios", web::get().to(scenarios::list))
                .route("/scenarios/{id}", web::get().to(scenarios::get))
                .route("/scenarios/{id}", web::patch().to(scenarios::update))
                .route(
                    "/scenarios/{id}/publish",
                    web::post().to(scenarios::publish),
                )
                .route("/scenarios/{id}/extend", web::post().to(scenarios::extend))
                .route("/scenarios/{id}/cancel", web::post().to(scenarios::cancel))
                .route("/scenarios/{id}/questions", web::post().to(scenarios::ask))
                .route(
                    "/scenarios/{id}/questions",
                    web::get().to(scenarios::questions),
                )
                .route("/questions/{id}/answer", web::post().to(scenarios::answer))
                .route("/scenarios/{id}/bids", web::post().to(bids::submit))
                .route("/scenarios/{id}/bids", web::get().to(bids::list))
                .route("/bids/{id}", web::get().to(bids::get))
                .route("/bids/{id}", web::put().to(bids::revise))
                .route("/bids/{id}/withdraw", web::post().to(bids::withdraw))
                .route("/bids/{id}/attachments", web::post().to(bids::attach))
                .route(
                    "/bids/{id}/attachments/{sha256}",
                    web::get().to(bids::download),
                )
                .route(
                    "/bids/{id}/attachments/{sha256}",
                    web::delete().to(bids::detach),
                )
                .route("/me/bids", web::get().to(bids::mine))
                .route(
                    "/scenarios/{id}/panel",
                    web::put().to(evaluation::set_panel),
                )
                .route(
                    "/scenarios/{id}/panel",
                    web::get().to(evaluation::get_panel),
                )
                .route(
                    "/scenarios/{id}/panel/draw",
                    web::post().to(evaluation::draw_panel),
                )
                .route(
                    "/scenarios/{id}/bidders",
                    web::get().to(evaluation::bidders),
                )
                .route(
                    "/scenarios/{id}/conflict-declaration",
                    web::post().to(evaluation::declare),
                )
                .route("/bids/{id}/scores", web::put().to(evaluation::save_scores))
                .route(
                    "/scenarios/{id}/my-scores",
                    web::get().to(evaluation::my_scores),
                )
                .route(
                    "/scenarios/{id}/ranking",
                    web::get().to(evaluation::ranking),
                )
                .route(
                    "/scenarios/{id}/ranking.csv",
                    web::get().to(evaluation::ranking_csv),
                )
                .route(
                    "/scenarios/{id}/ranking.xlsx",
                    web::get().to(evaluation::ranking_xlsx),
                )
                .route(
                    "/scenarios/{id}/dissent",
                    web::post().to(evaluation::dissent),
                )
                .route("/scenarios/{id}/award", web::post().to(evaluation::award))
                .route(
                    "/scenarios/{id}/award-notice",
                    web::get().to(evaluation::notice),
                )
                .route("/award-notices", web::get().to(evaluation::notices))
                .route(
                    "/scenarios/{id}/my-result",
                    web::get().to(evaluation::my_result),
                )
                .route(
                    "/scenarios/{id}/deliver",
                    web::post().to(evaluation::deliver),
                )
                .route("/scenarios/{id}/rating", web::post().to(evaluation::rate))
                .route("/ratings/{id}/reply", web::post().to(evaluation::reply))
                .route(
                    "/organizations/{id}/ratings",
                    web::get().to(evaluation::ratings),
                )
                .default_service(web::to(api::not_found)),
        )
        .configure(pages::routes);
}

/// Binds the HTTP server on `listener` with the middleware stack. Signals are handled by the
/// caller (the server binary stops it gracefully on SIGTERM and Ctrl-C).
pub fn serve(
    listener: TcpListener,
    state: web::Data<AppState>,
    workers: usize,
) -> std::io::Result<Server> {
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(
                web::JsonConfig::default()
                    .limit(256 * 1024)
                    .error_handler(error::json_error_handler),
            )
            .app_data(web::QueryConfig::default().error_handler(error::query_error_handler))
            .app_data(web::FormConfig::default().limit(256 * 1024))
            .configure(routes)
            .wrap(actix_web::middleware::from_fn(session::middleware))
            .wrap(actix_web::middleware::from_fn(middleware::catch_panic))
            .wrap(actix_web::middleware::from_fn(
                middleware::request_id_header,
            ))
            .wrap(actix_web::middleware::from_fn(
                middleware::add_security_headers,
            ))
            .wrap(tracing_actix_web::TracingLogger::default())
            .wrap(actix_web::middleware::Compress::default())
    })
    .workers(workers.max(1))
    .disable_signals()
    .shutdown_timeout(30)
    .listen(listener)?
    .run();
    Ok(server)
}
