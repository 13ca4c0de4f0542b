//! Who reads a page: the signed-in account of a request, read with the page's own data in one
//! trip to the blocking pool, or a redirect to the sign-in page.

use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use app::accounts::Account;

use super::{actor, see_other};
use crate::AppState;
use crate::auth::{Authenticated, authenticate};

/// The signed-in account of a page request, if any (the access token is checked, then the
/// user is loaded so that a deactivated account is treated as signed out).
pub async fn current_account(req: &HttpRequest, state: &web::Data<AppState>) -> Option<Account> {
    // A visitor without a session needs no trip to the blocking pool.
    let who = authenticate(req).ok()?;
    read_as(req, state, Some(who), |_, _| Ok(())).await.0
}

/// [`current_account`] and what `f` reads as that account (or as a visitor when there is
/// none), in one trip to the blocking pool.
pub async fn with_account<T: Send + 'static>(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    f: impl FnOnce(&app::Services, Option<&domain::policy::Actor>) -> domain::Result<T> + Send + 'static,
) -> (Option<Account>, domain::Result<T>) {
    read_as(req, state, authenticate(req).ok(), f).await
}

/// The account of `who` and what `f` reads as it, in one blocking call.
async fn read_as<T: Send + 'static>(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    who: Option<Authenticated>,
    f: impl FnOnce(&app::Services, Option<&domain::policy::Actor>) -> domain::Result<T> + Send + 'static,
) -> (Option<Account>, domain::Result<T>) {
    // The user as the session check of this request read it (live and active).
    let user = who.as_ref().and_then(|w| {
        req.extensions()
            .get::<crate::session::LiveSession>()
            .and_then(|l| l.user.clone())
            .filter(|u| u.id == w.actor.user_id)
    });
    state
        .call(move |services| {
            let account = who.and_then(|w| {
                match user {
                    Some(u) => services.account_of(u),
                    None => services.account(w.actor.user_id),
                }
                .ok()
            });
            let viewer = account.as_ref().map(actor);
            let answer = f(services, viewer.as_ref());
            Ok((account, answer))
        })
        .await
        .unwrap_or_else(|e| (None, Err(e)))
}

/// The signed-in account, or a redirect to the sign-in page that comes back here.
pub async fn require_account(
    req: &HttpRequest,
    state: &web::Data<AppState>,
) -> Result<Account, HttpResponse> {
    match current_account(req, state).await {
        Some(a) => Ok(a),
        None => {
            let here = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let next: String = url_encode(here);
            Err(see_other(&format!("/login?next={next}")))
        }
    }
}

fn url_encode(s: &str) -> String {
    serde_urlencoded::to_string([("x", s)])
        .map(|e| e[2..].to_string())
        .unwrap_or_default()
}
