//! Access tokens: JWTs signed with HS256 whose claims name the user, the role, the
//! organization and the session; and where a request carries one (`Authorization: Bearer`).
//! Below both the extractors ([`crate::auth`]) and the browser sessions ([`crate::session`]).

use actix_web::HttpRequest;
use chrono::{DateTime, Duration, Utc};
use domain::account::Role;
use domain::ids::SessionId;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

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
        in_time(data.claims, now)
    }
}

/// The claims of a token whose signature holds, if it is valid at `now` (expiry to the second,
/// issue time at most a minute ahead).
pub fn in_time(c: Claims, now: DateTime<Utc>) -> Result<Claims, String> {
    if c.exp <= now.timestamp() {
        return Err("token expired".into());
    }
    if c.iat > now.timestamp() + 60 {
        return Err("token issued in the future".into());
    }
    Ok(c)
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
