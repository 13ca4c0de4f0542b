//! The extractors that turn a request into an [`Actor`], from the access token
//! ([`crate::tokens`]) it carries.
//!
//! API clients send `Authorization: Bearer …`; browsers carry the same token in an HttpOnly
//! cookie. A state-changing API request authenticated by the cookie must also carry the CSRF
//! token in `X-CSRF-Token`, so that another site cannot make the browser act.

use domain::message::Message;
use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use domain::Error;
use domain::ids::{OrganizationId, SessionId, UserId};
use domain::policy::Actor;

use crate::AppState;
use crate::error::ApiError;
use crate::session::{self, FreshAccess};
use crate::tokens::{Claims, bearer_token};

/// The actor of a verified token, plus the session it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Authenticated {
    pub actor: Actor,
    pub session: SessionId,
}

fn actor_of(c: &Claims) -> Result<Authenticated, String> {
    let id: i64 = c.sub.parse().map_err(|_| "bad subject".to_string())?;
    Ok(Authenticated {
        actor: Actor {
            user_id: UserId(id),
            role: c.role,
            organization_id: c.org.map(OrganizationId),
        },
        session: SessionId(c.sid),
    })
}

/// Where the token of a request came from.
enum Source {
    Bearer(String),
    Cookie(String),
    None,
}

fn token_source(req: &HttpRequest) -> Source {
    if let Some(t) = bearer_token(req) {
        return Source::Bearer(t);
    }
    if let Some(fresh) = req.extensions().get::<FreshAccess>() {
        return Source::Cookie(fresh.0.clone());
    }
    match req.cookie(session::ACCESS_COOKIE) {
        Some(c) => Source::Cookie(c.value().to_string()),
        None => Source::None,
    }
}

fn unauthorized(why: &str) -> ApiError {
    ApiError(Error::Unauthorized(Message::new(
        "需要有效的登录凭证",
        why.to_string(),
    )))
}

/// Authenticates a request, API or page alike: the one actor extractor. A cookie-borne token on
/// a state-changing API request also needs the CSRF header; page forms carry their CSRF token in
/// the form, which the page handlers check (`pages::CheckedForm`) before they change anything.
pub fn authenticate(req: &HttpRequest) -> Result<Authenticated, ApiError> {
    let csrf_header_needed = req.path().starts_with("/api/");
    let state = req
        .app_data::<web::Data<AppState>>()
        .expect("state is registered");
    let now = state.services.now();
    let (token, by_cookie) = match token_source(req) {
        Source::Bearer(t) => (t, false),
        Source::Cookie(t) => (t, true),
        Source::None => {
            if req
                .extensions()
                .get::<session::SessionLookupFailed>()
                .is_some()
            {
                // A browser whose refresh could not be checked is not signed out.
                return Err(ApiError(Error::database_unavailable()));
            }
            return Err(unauthorized("missing access token"));
        }
    };
    // The session middleware checked this very token already (its expiry is checked again).
    let verified = req
        .extensions()
        .get::<session::VerifiedToken>()
        .filter(|v| v.token == token)
        .map(|v| v.claims.clone());
    let claims = match verified {
        Some(c) => crate::tokens::in_time(c, now),
        None => state.tokens.verify(&token, now),
    }
    .map_err(|e| unauthorized(&format!("invalid access token ({e})")))?;
    if csrf_header_needed
        && by_cookie
        && !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        && !session::csrf_header_ok(req)
    {
        return Err(ApiError(Error::Forbidden(Message::new(
            "缺少或错误的 CSRF 令牌",
            "missing or wrong X-CSRF-Token header",
        ))));
    }
    let token_actor = actor_of(&claims).map_err(|e| unauthorized(&e))?;
    if req
        .extensions()
        .get::<session::SessionLookupFailed>()
        .is_some()
    {
        return Err(ApiError(Error::database_unavailable()));
    }
    // The session as the database sees it now: role and organization from there, never
    // from the token, and an ended session ends the token with it.
    let live = req.extensions().get::<session::LiveSession>().cloned();
    match live {
        Some(session::LiveSession {
            session,
            user: Some(u),
        }) if session == claims.sid && u.id == token_actor.actor.user_id => Ok(Authenticated {
            actor: Actor {
                user_id: u.id,
                role: u.role,
                organization_id: u.organization_id,
            },
            session: token_actor.session,
        }),
        _ => Err(unauthorized(
            "the session has ended (signed out, password changed or account deactivated)",
        )),
    }
}

/// The signed-in user of a request (401 otherwise).
impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}

/// The signed-in user of a request, if any (a bad token counts as none).
#[derive(Debug, Clone, Copy)]
pub struct MaybeAuthenticated(pub Option<Authenticated>);

impl FromRequest for MaybeAuthenticated {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match authenticate(req) {
            Ok(a) => Ok(MaybeAuthenticated(Some(a))),
            // Not knowing who asks is not the same as asking anonymously.
            Err(ApiError(e @ Error::Unavailable(_))) => Err(ApiError(e)),
            Err(_) => Ok(MaybeAuthenticated(None)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::TokenKeys;
    use chrono::{Duration, Utc};
    use domain::account::Role;

    fn user() -> domain::account::User {
        domain::account::User {
            id: UserId(42),
            email: "a@b.cn".into(),
            display_name: "A".into(),
            role: Role::Vendor,
            organization_id: Some(OrganizationId(7)),
            expertise: vec![],
            active: true,
            locale: Default::default(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn keys() -> TokenKeys {
        TokenKeys::new(
            b"0123456789abcdef0123456789abcdef",
            "sm",
            "sm-api",
            Duration::minutes(15),
        )
    }

    #[test]
    fn a_token_round_trips_and_carries_the_actor() {
        let k = keys();
        let now = Utc::now();
        let t = k.issue(&user(), SessionId(9), now).unwrap();
        let c = k.verify(&t, now).unwrap();
        let a = actor_of(&c).unwrap();
        assert_eq!(a.actor.user_id, UserId(42));
        assert_eq!(a.actor.organization_id, Some(OrganizationId(7)));
        assert_eq!(a.session, SessionId(9));
    }

    #[test]
    fn expired_tampered_and_foreign_tokens_are_refused() {
        let k = keys();
        let now = Utc::now();
        let t = k.issue(&user(), SessionId(9), now).unwrap();
        assert!(
            k.verify(&t, now + Duration::minutes(15))
                .unwrap_err()
                .contains("expired")
        );
        assert!(k.verify(&t, now + Duration::minutes(14)).is_ok());
        let mut tampered = t.clone();
        tampered.pop();
        tampered.push(if t.ends_with('A') { 'B' } else { 'A' });
        assert!(k.verify(&tampered, now).is_err());
        let other_aud = TokenKeys::new(
            b"0123456789abcdef0123456789abcdef",
            "sm",
            "other",
            Duration::minutes(15),
        );
        assert!(other_aud.verify(&t, now).is_err());
        let other_key = TokenKeys::new(
            b"another-secret-another-secret-xx",
            "sm",
            "sm-api",
            Duration::minutes(15),
        );
        assert!(other_key.verify(&t, now).is_err());
    }
}
