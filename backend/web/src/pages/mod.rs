//! Server-rendered pages. They use the same services as the API, keep the access token in an
//! HttpOnly cookie, check a CSRF token on every form post, and work without JavaScript.

/// The signed-in account of a page request, or return the redirect to the sign-in page.
macro_rules! signed_in {
    ($req:expr, $state:expr) => {
        match $crate::pages::require_account(&$req, &$state).await {
            Ok(a) => a,
            Err(r) => return r,
        }
    };
}

mod account;
mod admin;
mod auth;
mod bids;
mod challenges;
mod consortia;
mod contracts;
mod evaluation;
mod feeds;
mod forms;
mod notifications;
mod reports;
mod scenarios;
mod search;
mod signed;
mod subscriptions;
mod synonyms;
mod teams;
mod vendors;

pub use forms::*;
pub use signed::{current_account, require_account, with_account};

use std::collections::HashMap;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use app::accounts::Account;
use askama::Template;
use domain::Error;
use domain::account::Role;

use crate::AppState;
use crate::i18n::Tr;
use crate::session::{self, csrf_token, locale_of};

/// The page routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/static/app.css", web::get().to(stylesheet))
        .route("/static/app.js", web::get().to(script))
        .route("/lang/{code}", web::get().to(switch_language))
        .route("/register", web::get().to(auth::register_form))
        .route("/register", web::post().to(auth::register))
        .route("/login", web::get().to(auth::login_form))
        .route("/login", web::post().to(auth::login))
        .route("/logout", web::post().to(auth::logout))
        .route("/forgot-password", web::get().to(auth::forgot_form))
        .route("/forgot-password", web::post().to(auth::forgot))
        .route("/reset-password", web::get().to(auth::reset_form))
        .route("/reset-password", web::post().to(auth::reset))
        .route("/account", web::get().to(account::show))
        .route(
            "/account/organization",
            web::post().to(account::update_organization),
        )
        .route(
            "/account/password",
            web::post().to(account::change_password),
        )
        .route(
            "/account/sign-out-everywhere",
            web::post().to(account::sign_out_everywhere),
        )
        .route("/search", web::get().to(search::page))
        .route("/search/save", web::post().to(search::save))
        .route("/notifications", web::get().to(notifications::inbox))
        .route(
            "/notifications/stream",
            web::get().to(notifications::stream),
        )
        .route(
            "/notifications/read-all",
            web::post().to(notifications::read_all),
        )
        .route(
            "/notifications/{id}/open",
            web::post().to(notifications::open),
        )
        .route(
            "/notifications/settings",
            web::get().to(subscriptions::settings),
        )
        .route(
            "/notifications/settings",
            web::post().to(subscriptions::save_settings),
        )
        .route(
            "/notifications/interests",
            web::post().to(subscriptions::save_interests),
        )
        .route(
            "/notifications/saved-searches/{id}/delete",
            web::post().to(subscriptions::delete_search),
        )
        .route(
            "/unsubscribe",
            web::get().to(subscriptions::unsubscribe_page),
        )
        .route("/unsubscribe", web::post().to(subscriptions::unsubscribe))
        .route("/vendors", web::get().to(vendors::directory))
        .route("/scenarios", web::get().to(scenarios::list))
        .route("/scenarios/new", web::get().to(scenarios::new_form))
        .route("/scenarios/new", web::post().to(scenarios::create))
        .route("/scenarios/{id}", web::get().to(scenarios::detail))
        .route("/scenarios/{id}/teams", web::get().to(teams::page))
        .route(
            "/scenarios/{id}/teams/invite",
            web::post().to(consortia::invite_team),
        )
        .route("/consortia", web::get().to(consortia::list))
        .route("/consortia/{id}", web::get().to(consortia::page))
        .route("/consortia/{id}/invite", web::post().to(consortia::invite))
        .route(
            "/consortia/{id}/agreement",
            web::post().to(consortia::agreement),
        )
        .route(
            "/consortia/{id}/confirm",
            web::post().to(consortia::confirm),
        )
        .route(
            "/consortia/{id}/{verb:accept|decline}",
            web::post().to(consortia::answer),
        )
        .route("/scenarios/{id}/edit", web::get().to(scenarios::edit_form))
        .route("/scenarios/{id}/edit", web::post().to(scenarios::update))
        .route("/scenarios/{id}/questions", web::post().to(scenarios::ask))
        .route("/scenarios/{id}/follow", web::post().to(scenarios::follow))
        .route(
            "/scenarios/{id}/recommended",
            web::get().to(scenarios::recommended),
        )
        .route("/scenarios/{id}/invite", web::post().to(scenarios::invite))
        .route(
            "/scenarios/{id}/{step:publish|extend|cancel}",
            web::get().to(scenarios::confirm),
        )
        .route(
            "/scenarios/{id}/{step:publish|extend|cancel}",
            web::post().to(scenarios::act),
        )
        .route("/questions/{id}/answer", web::post().to(scenarios::answer))
        .route("/scenarios/{id}/bid", web::post().to(bids::submit))
        .route("/scenarios/{id}/bids", web::get().to(bids::list))
        .route("/bids/{id}", web::get().to(bids::show))
        .route("/bids/{id}/edit", web::post().to(bids::revise))
        .route("/bids/{id}/withdraw", web::post().to(bids::withdraw))
        .route("/bids/{id}/attachments", web::post().to(bids::attach))
        .route(
            "/bids/{id}/attachments/{sha256}/remove",
            web::post().to(bids::detach),
        )
        .route(
            "/bids/{id}/{what:edit|withdraw}",
            web::get().to(bids::edit_form),
        )
        .route("/my/bids", web::get().to(bids::mine))
        .route("/evaluate", web::get().to(evaluation::workspace))
        .route("/evaluate/{id}", web::get().to(evaluation::scenario))
        .route(
            "/evaluate/{id}/declare",
            web::post().to(evaluation::declare),
        )
        .route(
            "/evaluate/{id}/dissent",
            web::post().to(evaluation::dissent),
        )
        .route(
            "/evaluate/{id}/bids/{bid}",
            web::get().to(evaluation::sheet),
        )
        .route(
            "/evaluate/{id}/bids/{bid}",
            web::post().to(evaluation::save_sheet),
        )
        .route("/scenarios/{id}/panel", web::get().to(evaluation::panel))
        .route(
            "/scenarios/{id}/panel",
            web::post().to(evaluation::set_panel),
        )
        .route(
            "/scenarios/{id}/panel/draw",
            web::post().to(evaluation::draw_panel),
        )
        .route(
            "/scenarios/{id}/ranking",
            web::get().to(evaluation::ranking),
        )
        .route("/scenarios/{id}/award", web::post().to(evaluation::award))
        .route(
            "/bids/{id}/low-price",
            web::post().to(evaluation::explain_low_price),
        )
        .route("/scenarios/{id}/notice", web::get().to(evaluation::notice))
        .route(
            "/scenarios/{id}/result",
            web::get().to(evaluation::my_result),
        )
        .route(
            "/scenarios/{id}/deliver",
            web::post().to(evaluation::deliver),
        )
        .route("/scenarios/{id}/rating", web::post().to(evaluation::rate))
        .route(
            "/scenarios/{id}/challenges",
            web::get().to(challenges::show),
        )
        .route(
            "/scenarios/{id}/challenges",
            web::post().to(challenges::file),
        )
        .route(
            "/scenarios/{id}/challenges/{cid}/attachments",
            web::post().to(challenges::attach),
        )
        .route(
            "/challenges/{id}/answer",
            web::post().to(challenges::answer),
        )
        .route("/ratings/{id}/reply", web::post().to(evaluation::reply))
        .route("/notices", web::get().to(evaluation::notices))
        .route("/organizations/{id}", web::get().to(vendors::organization))
        .route("/my/scenarios", web::get().to(scenarios::mine))
        .route(
            "/notifications/feeds/reset",
            web::post().to(subscriptions::reset_feeds),
        )
        .route(
            "/feeds/scenarios.atom",
            web::get().to(feeds::scenarios_atom),
        )
        .route("/feeds/deadlines.ics", web::get().to(feeds::deadlines_ics))
        .route("/opc", web::get().to(reports::opc))
        .route("/admin", web::get().to(reports::dashboard))
        .route("/admin/jobs", web::get().to(reports::jobs))
        .route("/admin/jobs/{id}/retry", web::post().to(reports::retry_job))
        .route("/admin/audit", web::get().to(reports::audit))
        .route("/admin/organizations", web::get().to(admin::organizations))
        .route(
            "/admin/organizations/{id}/verify",
            web::post().to(admin::verify),
        )
        .route("/admin/synonyms", web::get().to(synonyms::page))
        .route("/admin/synonyms", web::post().to(synonyms::save))
        .route("/admin/evaluators", web::get().to(admin::evaluators))
        .route("/admin/evaluators", web::post().to(admin::create_evaluator))
        .default_service(web::to(not_found));
    // Last: the router tries each pattern with parameters in turn, by regular expression, and
    // the scenario page, read most, came after these twelve (8 % of its time).
    contracts::routes(cfg);
}

/// The signed-in user as the header shows them.
#[derive(Debug, Clone)]
pub struct NavUser {
    pub display_name: String,
    pub is_admin: bool,
    pub is_agency: bool,
    pub is_vendor: bool,
    pub is_evaluator: bool,
    /// Unread notifications, shown beside the inbox link.
    pub unread: i64,
}

/// What the layout needs on every page.
#[derive(Debug, Clone)]
pub struct PageCtx {
    pub t: Tr,
    pub user: Option<NavUser>,
    pub csrf: String,
    /// This page's path and query, for the language switch to come back to.
    pub path: String,
    pub notice: Option<String>,
    /// Which navigation entry is current.
    pub section: &'static str,
}

impl PageCtx {
    pub fn new(req: &HttpRequest, account: Option<&Account>, section: &'static str) -> PageCtx {
        let t = Tr::new(locale_of(req));
        let notice = web::Query::<HashMap<String, String>>::from_query(req.query_string())
            .ok()
            .and_then(|q| q.get("notice").cloned())
            .filter(|k| NOTICES.contains(&k.as_str()))
            .map(|k| t.t(&format!("notice.{k}")).to_string());
        PageCtx {
            user: account.map(|a| NavUser {
                display_name: a.user.display_name.clone(),
                is_admin: a.user.role == Role::Admin,
                is_agency: a.user.role == Role::Agency,
                is_vendor: a.user.role == Role::Vendor,
                is_evaluator: a.user.role == Role::Evaluator,
                unread: a.unread_notifications,
            }),
            csrf: csrf_token(req),
            path: req
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| "/".into()),
            notice,
            section,
            t,
        }
    }
}

/// The notices a redirect may ask a page to show (`?notice=saved`).
const NOTICES: &[&str] = &[
    "challenge_filed",
    "challenge_answered",
    "job_retried",
    "job_not_failed",
    "registered",
    "password_reset",
    "password_changed",
    "signed_out",
    "signed_out_everywhere",
    "saved",
    "verified",
    "evaluator_created",
    "scenario_saved",
    "published",
    "extended",
    "cancelled",
    "question_sent",
    "answered",
    "bid_submitted",
    "bid_revised",
    "bid_withdrawn",
    "attachment_added",
    "attachment_removed",
    "all_read",
    "followed",
    "search_saved",
    "unfollowed",
    "contract_saved",
];

/// The actor of a signed-in account, for policy checks and services.
pub(super) fn actor(a: &Account) -> domain::policy::Actor {
    domain::policy::Actor {
        user_id: a.user.id,
        role: a.user.role,
        organization_id: a.user.organization_id,
    }
}

/// Renders a template as an HTML answer.
pub fn render(status: StatusCode, page: &impl Template) -> HttpResponse {
    match page.render() {
        Ok(html) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(html),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            HttpResponse::InternalServerError().body("template error")
        }
    }
}

/// A 303 redirect after a form post.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    ctx: PageCtx,
    title: String,
    text: String,
}

/// An error page for a domain error met while handling a page.
pub fn error_page(req: &HttpRequest, account: Option<&Account>, e: &Error) -> HttpResponse {
    let ctx = PageCtx::new(req, account, "");
    let (status, title, text) = match e {
        Error::NotFound => (
            StatusCode::NOT_FOUND,
            ctx.t.t("error.not_found_title").to_string(),
            ctx.t.t("error.not_found_text").to_string(),
        ),
        Error::Forbidden(why) => (
            StatusCode::FORBIDDEN,
            ctx.t.t("error.forbidden_title").to_string(),
            ctx.t.msg(why),
        ),
        Error::Internal(cause) => {
            tracing::error!(error = %format!("{cause:#}"), "internal error on a page");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                ctx.t.t("error.internal_title").to_string(),
                ctx.t.t("error.internal_text").to_string(),
            )
        }
        other => (
            crate::error::classify(other).0,
            ctx.t.t("error.internal_title").to_string(),
            ctx.t.msg(&crate::error::public_message(other)),
        ),
    };
    render(status, &ErrorPage { ctx, title, text })
}

/// The answer to a form whose CSRF token is missing or wrong.
pub fn csrf_failure(req: &HttpRequest) -> HttpResponse {
    let ctx = PageCtx::new(req, None, "");
    let text = ctx.t.t("auth.csrf_failed").to_string();
    let title = ctx.t.t("error.forbidden_title").to_string();
    render(StatusCode::FORBIDDEN, &ErrorPage { ctx, title, text })
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: PageCtx,
    cards: Vec<scenarios::Card>,
}

async fn home(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let account = current_account(&req, &state).await;
    let ctx = PageCtx::new(&req, account.as_ref(), "home");
    let cards = scenarios::latest_open(&state, &ctx.t, 3).await;
    render(StatusCode::OK, &HomePage { ctx, cards })
}

async fn not_found(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    // A path of the API document outside `/api/v1` (`/healthz`, `/metrics`) with a method it
    // does not take: 405 with `Allow`, as in the API.
    if crate::api::openapi::allowed_methods(req.path()).is_some() {
        return crate::api::not_found(req).await;
    }
    let account = current_account(&req, &state).await;
    error_page(&req, account.as_ref(), &Error::NotFound)
}

/// Only a local path may be a redirect target: a relative reference that starts with one
/// `/` (no scheme, no authority), made of printable ASCII with no backslash. Browsers skip tabs
/// and newlines and read `\` as `/`, so `/\t/evil.example` or `/\\evil.example` would
/// otherwise lead to another site. Anything else goes home.
pub fn safe_next(next: &str) -> &str {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && next.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    if local { next } else { "/" }
}

/// `/lang/en?next=/account`: remembers the language in a cookie (and on the account) and goes back.
async fn switch_language(
    state: web::Data<AppState>,
    who: crate::auth::MaybeAuthenticated,
    path: web::Path<String>,
    q: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let locale = domain::account::Locale::parse(&path).unwrap_or_default();
    if let Some(who) = who.0
        && let Err(e) = state
            .call(move |services| services.set_locale(who.actor.user_id, locale))
            .await
    {
        tracing::warn!(error = %e, "could not save the language");
    }
    let next = safe_next(q.get("next").map(String::as_str).unwrap_or("/")).to_string();
    let c = session::cookie(
        session::LANG_COOKIE,
        locale.code().into(),
        state.secure_cookies,
        Some(chrono::Duration::days(365)),
    );
    let mut resp = see_other(&next);
    let _ = resp.add_cookie(&c);
    resp
}

const CSS: &str = include_str!("../../../../frontend/static/app.css");
const JS: &str = include_str!("../../../../frontend/static/app.js");

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(CSS)
}

async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(JS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next("/account"), "/account");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next("/scenarios?page=2#top"), "/scenarios?page=2#top");
        // What the review found: a tab after the slash, which browsers drop.
        assert_eq!(safe_next("/\t/evil.example"), "/");
        for bad in [
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/ /evil.example",
            "/a\\b",
            "javascript:alert(1)",
            "evil.example",
            "",
            "/\u{0}",
            "/场景",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
    }

    #[test]
    fn form_data_keeps_repeated_keys() {
        let f = FormData::parse(b"expertise=a&expertise=b&name=%E9%9D%92&flag=on");
        assert_eq!(f.all("expertise"), vec!["a", "b"]);
        assert_eq!(f.get("name"), "青");
        assert!(f.flag("flag"));
        assert_eq!(f.get("missing"), "");
    }

    #[test]
    fn pager_links_keep_filters() {
        let t = Tr::new(domain::account::Locale::En);
        let p = Pager::new(&t, "/vendors?q=ai", 2, 20, 45);
        assert!(p.has_prev && p.has_next);
        assert_eq!(p.next_href, "/vendors?q=ai&page=3");
        assert_eq!(p.label, "Page 2");
    }
}
