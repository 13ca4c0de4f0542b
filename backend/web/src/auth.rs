//! Access tokens (JWT, HS256) and the extractors that turn a request into an [`Actor`].
//!
//! API clients send `Authorization: Bearer …`; browsers carry the same token in an HttpOnly
//! cookie. A state-changing API request authenticated by the cookie must also carry the CSRF
//! token in `X-CSRF-Token`, so that another site cannot make the browser act.

use domain::message::Message;
use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use chrono::{DateTime, Duration, Utc};
use domain::Error;
use domain::account::Role;
use domain::ids::{OrganizationId, SessionId, UserId};
use domain::policy::Actor;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::error::ApiError;
use crate::session::{self, FreshAccess};

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The user id.
    pub sub: String,
    pub role: Role,
    /// The organization of agency and vendor users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<i64>,
    /// The session (refresh-token family) the token belongs to.
    pub sid: i64,
    pub iat: i64,
    pub exp: i64,
}

/// Signs and checks access tokens.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    issuer: String,
    audience: String,
    pub ttl: Duration,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

impl TokenKeys {
    pub fn new(secret: &[u8], issuer: &str, audience: &str, ttl: Duration) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            issuer: issuer.into(),
            audience: audience.into(),
            ttl,
        }
    }

    /// A token for `user` in `session`, issued at `now`.
    pub fn issue(
        &self,
        user: &domain::account::User,
        session: SessionId,
        now: DateTime<Utc>,
    ) -> anyhow::Result<String> {
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user.id.0.to_string(),
            role: user.role,
            org: user.organization_id.map(|o| o.0),
            sid: session.0,
            iat: now.timestamp(),
            exp: (now + self.ttl).timestamp(),
        };
        Ok(encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// Checks signature, algorithm, issuer, audience and expiry (against `now`).
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, String> {
        let mut v = Validation::new(Algorithm::HS256);
        v.set_issuer(&[&self.issuer]);
        v.set_audience(&[&self.audience]);
        v.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        // Expiry is checked below against the injected clock, to the second.
        v.validate_exp = false;
        v.leeway = 0;
        let data = decode::<Claims>(token, &self.decoding, &v).map_err(|e| e.to_string())?;
        let c = data.claims;
        if c.exp <= now.timestamp() {
            return Err("token expired".into());
        }
        if c.iat > now.timestamp() + 60 {
            return Err("token issued in the future".into());
        }
        Ok(c)
    }
}

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

/// The token of an `Authorization` header: `Some("")` for a header of another scheme,
/// `None` without the header.
pub fn bearer_token(req: &HttpRequest) -> Option<String> {
    let h = req.headers().get(actix_web::http::header::AUTHORIZATION)?;
    let v = h.to_str().unwrap_or_default();
    Some(
        v.strip_prefix("Bearer ")
            .or_else(|| v.strip_prefix("bearer "))
            .map(|t| t.trim().to_string())
            .unwrap_or_default(),
    )
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
    let claims = state
        .tokens
        .verify(&token, now)
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
