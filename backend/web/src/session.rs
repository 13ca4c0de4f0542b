//! Browser sessions: the cookies that carry the access and refresh tokens, the CSRF token,
//! the interface language, and the middleware that renews an expired access token from the
//! refresh cookie so that a signed-in person stays signed in across pages.

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, web};
use domain::account::Locale;

use crate::AppState;

pub const ACCESS_COOKIE: &str = "sm_access";
pub const REFRESH_COOKIE: &str = "sm_refresh";
pub const CSRF_COOKIE: &str = "sm_csrf";
pub const LANG_COOKIE: &str = "sm_lang";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// An access token minted during this request (after a refresh), newer than the cookie.
#[derive(Debug, Clone)]
pub struct FreshAccess(pub String);

/// An access token of this request that [`crate::tokens::TokenKeys::verify`] accepted, and its
/// claims: the actor extractor takes them instead of checking the signature a second time.
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    pub token: String,
    pub claims: crate::tokens::Claims,
}

/// The database's word on the session of this request's access token, looked up once per
/// request: the user as stored now (role and organization included) while the session is live
/// and the user active, `None` once the session ended (sign-out, password change or reset,
/// deactivation, role change).
#[derive(Debug, Clone)]
pub struct LiveSession {
    pub session: i64,
    pub user: Option<domain::account::User>,
}

/// The session could not be looked up (the database does not answer): the request is
/// answered 503 where it needs a signed-in user, and the browser stays signed in.
#[derive(Debug, Clone, Copy)]
pub struct SessionLookupFailed;

/// The CSRF token of this browser, made during this request if it had none.
#[derive(Debug, Clone)]
struct NewCsrf(String);

/// Cookies to set or clear on the way out.
#[derive(Debug, Clone, Default)]
struct PendingCookies(Vec<Cookie<'static>>);

/// A cookie with the product's attributes: HttpOnly, SameSite=Lax, path `/`, Secure over https.
pub fn cookie(
    name: &'static str,
    value: String,
    secure: bool,
    max_age: Option<chrono::Duration>,
) -> Cookie<'static> {
    let mut c = Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .finish();
    if let Some(age) = max_age {
        c.set_max_age(CookieDuration::seconds(age.num_seconds()));
    }
    c
}

/// A cookie that removes `name`.
pub fn removal(name: &'static str, secure: bool) -> Cookie<'static> {
    let mut c = cookie(name, String::new(), secure, None);
    c.make_removal();
    c
}

/// The CSRF token to embed in this request's forms.
pub fn csrf_token(req: &HttpRequest) -> String {
    if let Some(t) = req.extensions().get::<NewCsrf>() {
        return t.0.clone();
    }
    req.cookie(CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_default()
}

fn same(a: &str, b: &str) -> bool {
    // Constant time in the length of the shorter input; lengths are public anyway.
    a.len() == b.len()
        && !a.is_empty()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Whether a submitted form token matches this browser's CSRF cookie.
pub fn csrf_form_ok(req: &HttpRequest, submitted: &str) -> bool {
    req.cookie(CSRF_COOKIE)
        .is_some_and(|c| same(c.value(), submitted))
}

/// Whether the `X-CSRF-Token` header matches this browser's CSRF cookie.
pub fn csrf_header_ok(req: &HttpRequest) -> bool {
    let header = req
        .headers()
        .get(CSRF_HEADER)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    csrf_form_ok(req, header)
}

/// The interface language: the language cookie, then `Accept-Language`, then Chinese.
pub fn locale_of(req: &HttpRequest) -> Locale {
    req.cookie(LANG_COOKIE)
        .and_then(|c| Locale::parse(c.value()))
        .or_else(|| {
            req.headers()
                .get(actix_web::http::header::ACCEPT_LANGUAGE)
                .and_then(|h| h.to_str().ok())
                .and_then(Locale::from_accept_language)
        })
        .unwrap_or_default()
}

/// Queues a cookie to be set on this request's response.
pub fn set_cookie_later(req: &HttpRequest, c: Cookie<'static>) {
    let mut ext = req.extensions_mut();
    match ext.get_mut::<PendingCookies>() {
        Some(p) => p.0.push(c),
        None => {
            ext.insert(PendingCookies(vec![c]));
        }
    }
}

/// Gives the browser a CSRF token if it has none, and renews an expired access token from the
/// refresh cookie (rotating the refresh token). A refresh token that no longer works ends the
/// browser session.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    // Static files and feeds read no session and set no cookie (feeds are fetched by readers
    // and calendar apps, and may be cached by shared caches).
    let is_static = req.path().starts_with("/static/") || req.path().starts_with("/feeds/");
    if !is_static {
        prepare(req.request()).await;
    }
    let mut res = next.call(req).await?;
    let pending = res.request().extensions_mut().remove::<PendingCookies>();
    if let Some(PendingCookies(cookies)) = pending {
        for c in cookies {
            res.response_mut().add_cookie(&c)?;
        }
    }
    Ok(res)
}

async fn prepare(req: &HttpRequest) {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return;
    };
    let secure = state.secure_cookies;
    // Probes (health, readiness, metrics) fill no form: they get no CSRF cookie to carry.
    let probe = matches!(req.path(), "/healthz" | "/readyz" | "/metrics");
    if !probe && req.cookie(CSRF_COOKIE).is_none() {
        let t = domain::security::new_token();
        req.extensions_mut().insert(NewCsrf(t.clone()));
        set_cookie_later(req, cookie(CSRF_COOKIE, t, secure, None));
    }
    let now = state.services.now();
    if let Some(token) = crate::tokens::bearer_token(req) {
        if let Ok(claims) = state.tokens.verify(&token, now) {
            check_session(req, &state, &claims).await;
            req.extensions_mut().insert(VerifiedToken { token, claims });
        }
        return;
    }
    let cookie_token = req.cookie(ACCESS_COOKIE).map(|c| c.value().to_string());
    let cookie_claims = cookie_token.and_then(|token| {
        let claims = state.tokens.verify(&token, now).ok()?;
        Some(VerifiedToken { token, claims })
    });
    if let Some(verified) = cookie_claims {
        let claims = verified.claims.clone();
        req.extensions_mut().insert(verified);
        // Only a session the database says has ended ends the browser's (not a failed lookup).
        if check_session(req, &state, &claims).await == Some(false) {
            tracing::info!("browser session ended: the session was revoked");
            set_cookie_later(req, removal(ACCESS_COOKIE, secure));
            set_cookie_later(req, removal(REFRESH_COOKIE, secure));
        }
        return;
    }
    let Some(refresh) = req.cookie(REFRESH_COOKIE).map(|c| c.value().to_string()) else {
        return;
    };
    match state.call(move |services| services.refresh(&refresh)).await {
        Ok(signed) => match state.tokens.issue(&signed.user, signed.session, now) {
            Ok(access) => {
                req.extensions_mut().insert(FreshAccess(access.clone()));
                // The refresh just checked the session and the user.
                req.extensions_mut().insert(LiveSession {
                    session: signed.session.0,
                    user: Some(signed.user.clone()),
                });
                for c in session_cookies(&state, access, signed.refresh_token) {
                    set_cookie_later(req, c);
                }
            }
            Err(e) => tracing::error!(error = %e, "could not issue an access token"),
        },
        // The database does not answer: the browser keeps its session for later.
        Err(e @ (domain::Error::Unavailable(_) | domain::Error::Internal(_))) => {
            tracing::warn!(error = %e, "browser session not renewed: the lookup failed");
            req.extensions_mut().insert(SessionLookupFailed);
        }
        // A refused refresh signs the browser out.
        Err(e) => {
            tracing::info!(error = %e, "browser session ended: refresh refused");
            set_cookie_later(req, removal(ACCESS_COOKIE, secure));
            set_cookie_later(req, removal(REFRESH_COOKIE, secure));
        }
    }
}

/// Looks the token's session up (one indexed query) and records the answer for the
/// extractors. Returns whether the session is live, `None` when the lookup failed (then
/// nothing is recorded and the request is not authenticated).
async fn check_session(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    claims: &crate::tokens::Claims,
) -> Option<bool> {
    let Ok(user_id) = claims.sub.parse::<i64>() else {
        return Some(false);
    };
    let sid = claims.sid;
    // A check kept since the last change of sessions and users needs no thread hop.
    if let Some(u) = state
        .services
        .kept_session(domain::ids::SessionId(sid), domain::ids::UserId(user_id))
    {
        req.extensions_mut().insert(LiveSession {
            session: sid,
            user: Some(u),
        });
        return Some(true);
    }
    let user = match state
        .call(move |services| {
            services.live_session(domain::ids::SessionId(sid), domain::ids::UserId(user_id))
        })
        .await
    {
        Ok(u) => u,
        Err(e) => {
            tracing::error!(error = %e, "session lookup failed");
            req.extensions_mut().insert(SessionLookupFailed);
            return None;
        }
    };
    let live = user.is_some();
    req.extensions_mut()
        .insert(LiveSession { session: sid, user });
    Some(live)
}

/// The two cookies of a signed-in browser.
pub fn session_cookies(state: &AppState, access: String, refresh: String) -> [Cookie<'static>; 2] {
    [
        cookie(ACCESS_COOKIE, access, state.secure_cookies, None),
        cookie(
            REFRESH_COOKIE,
            refresh,
            state.secure_cookies,
            Some(state.services.auth.refresh_ttl),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_only_when_equal_and_present() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
        assert!(!same("", ""));
    }

    #[test]
    fn cookies_are_http_only_and_lax() {
        let c = cookie(ACCESS_COOKIE, "t".into(), true, None);
        assert_eq!(c.http_only(), Some(true));
        assert_eq!(c.same_site(), Some(SameSite::Lax));
        assert_eq!(c.secure(), Some(true));
        assert_eq!(c.path(), Some("/"));
    }
}
