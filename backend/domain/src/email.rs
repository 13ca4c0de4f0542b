//! The e-mails the product sends, as typed values. The `mail` crate renders each one from its
//! templates in the recipient's language; jobs carry them as JSON.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};

use crate::account::Locale;
use crate::ids::UserId;
use crate::matching::EmailPref;
use crate::notification::Kind;

/// One e-mail to one recipient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutgoingEmail {
    pub to: String,
    pub locale: Locale,
    pub message: EmailMessage,
    /// What makes this e-mail unique: one with a key already sent is not sent again (its
    /// `Message-ID` is made from it too, so a receiving server can drop a repeat).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The one-click unsubscribe address (RFC 8058), also linked in the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsubscribe: Option<String>,
}

impl OutgoingEmail {
    /// An e-mail without a key or an unsubscribe link (account mail: resets, verification).
    pub fn new(to: impl Into<String>, locale: Locale, message: EmailMessage) -> Self {
        Self {
            to: to.into(),
            locale,
            message,
            key: None,
            unsubscribe: None,
        }
    }
}

/// One notification in a daily digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestItem {
    pub kind: Kind,
    pub title: String,
    pub body: String,
    /// Absolute.
    pub link: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// What an e-mail says; each variant has a template in both languages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "template", rename_all = "snake_case")]
pub enum EmailMessage {
    /// A one-time link to set a new password.
    PasswordReset {
        display_name: String,
        link: String,
        valid_minutes: i64,
    },
    /// An administrator verified (or un-verified) the recipient's organization.
    OrganizationVerified {
        display_name: String,
        organization: String,
        verified: bool,
        opc_member: bool,
    },
    /// One notification, by its kind's template. `link` and `settings` are absolute.
    Notification {
        display_name: String,
        facts: crate::notification::Facts,
        link: String,
        settings: String,
    },
    /// The day's notifications of the kinds the recipient takes as a digest, in one e-mail.
    Digest {
        display_name: String,
        /// The digest's day, Beijing time (`YYYY-MM-DD`).
        day: String,
        items: Vec<DigestItem>,
        settings: String,
        /// The digest hour, Beijing time.
        hour: u8,
    },
}

/// How a user wants the e-mail of each kind of notification, and when the daily digest goes
/// out. The in-app notification is written whatever the choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationSettings {
    /// Every kind's choice (a kind never chosen is immediate).
    pub prefs: std::collections::HashMap<Kind, EmailPref>,
    /// The hour of the daily digest, Beijing time (0–23).
    pub digest_hour: u8,
}

/// The digest hour of a user who never chose one: eight in the morning, Beijing time.
pub const DEFAULT_DIGEST_HOUR: u8 = 8;

impl Default for NotificationSettings {
    fn default() -> Self {
        Self {
            prefs: Default::default(),
            digest_hour: DEFAULT_DIGEST_HOUR,
        }
    }
}

impl NotificationSettings {
    pub fn pref(&self, kind: Kind) -> EmailPref {
        self.prefs.get(&kind).copied().unwrap_or_default()
    }

    /// The stored form of the choices: a JSON object, kind → choice.
    pub fn prefs_json(&self) -> String {
        let map: std::collections::BTreeMap<&str, &str> = self
            .prefs
            .iter()
            .map(|(k, p)| (k.code(), p.code()))
            .collect();
        serde_json::to_string(&map).unwrap_or_else(|_| "{}".into())
    }

    /// Reads the stored form back; unknown kinds or choices are ignored.
    pub fn from_stored(prefs: &str, digest_hour: i32) -> Self {
        let map: std::collections::BTreeMap<String, String> =
            serde_json::from_str(prefs).unwrap_or_default();
        Self {
            prefs: map
                .iter()
                .filter_map(|(k, p)| Some((Kind::parse(k)?, EmailPref::parse(p)?)))
                .collect(),
            digest_hour: u8::try_from(digest_hour.clamp(0, 23)).unwrap_or(DEFAULT_DIGEST_HOUR),
        }
    }
}

/// When the next daily digest at `hour` (Beijing time) goes out: the first such hour strictly
/// after `now`. Its Beijing date names the digest.
pub fn next_digest_at(now: DateTime<Utc>, hour: u8) -> DateTime<Utc> {
    let today = crate::beijing::date(now);
    let at = crate::beijing::at_hour(today, u32::from(hour));
    if at > now {
        at
    } else {
        crate::beijing::at_hour(today + chrono::Duration::days(1), u32::from(hour))
    }
}

/// What an unsubscribe link turns off: the e-mail of one kind, or the daily digest (every kind
/// taken daily).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsubscribe {
    Kind(Kind),
    Digest,
}

impl Unsubscribe {
    pub fn code(self) -> &'static str {
        match self {
            Unsubscribe::Kind(k) => k.code(),
            Unsubscribe::Digest => "digest",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        if s == "digest" {
            Some(Unsubscribe::Digest)
        } else {
            Kind::parse(s).map(Unsubscribe::Kind)
        }
    }
}

type HmacSha256 = Hmac<sha2::Sha256>;

fn unsubscribe_mac(secret: &[u8], user: UserId, what: Unsubscribe) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(format!("unsubscribe:{}:{}", user.0, what.code()).as_bytes());
    mac
}

/// The signed token of an unsubscribe link: it names the user and what to turn off, and works
/// without signing in; it cannot be changed into another user's or another kind's.
pub fn unsubscribe_token(secret: &[u8], user: UserId, what: Unsubscribe) -> String {
    let sig = unsubscribe_mac(secret, user, what).finalize().into_bytes();
    format!(
        "{}.{}.{}",
        user.0,
        what.code(),
        URL_SAFE_NO_PAD.encode(&sig[..16])
    )
}

/// The user and scope of a genuine token; `None` for anything else.
pub fn check_unsubscribe_token(secret: &[u8], token: &str) -> Option<(UserId, Unsubscribe)> {
    let mut parts = token.trim().splitn(3, '.');
    let user = UserId(parts.next()?.parse().ok()?);
    let what = Unsubscribe::parse(parts.next()?)?;
    let sig = URL_SAFE_NO_PAD.decode(parts.next()?).ok()?;
    if sig.len() != 16 {
        return None;
    }
    unsubscribe_mac(secret, user, what)
        .verify_truncated_left(&sig)
        .ok()
        .map(|()| (user, what))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_next_digest_is_the_next_such_hour_in_beijing() {
        // 07:30 in Beijing: today at 08:00.
        assert_eq!(
            next_digest_at(at("2026-12-01T23:30:00Z"), 8),
            at("2026-12-02T00:00:00Z")
        );
        // 08:00 sharp has gone out already: tomorrow.
        assert_eq!(
            next_digest_at(at("2026-12-02T00:00:00Z"), 8),
            at("2026-12-03T00:00:00Z")
        );
        // Midnight digests, across the UTC date line.
        assert_eq!(
            next_digest_at(at("2026-12-01T10:00:00Z"), 0),
            at("2026-12-01T16:00:00Z")
        );
        assert_eq!(
            crate::beijing::day(at("2026-12-01T16:00:00Z")),
            "2026-12-02"
        );
    }

    #[test]
    fn an_unsubscribe_token_names_one_user_and_one_kind_and_cannot_be_altered() {
        let key = b"a secret of the server";
        let t = unsubscribe_token(key, UserId(42), Unsubscribe::Kind(Kind::BidsOpened));
        assert_eq!(
            check_unsubscribe_token(key, &t),
            Some((UserId(42), Unsubscribe::Kind(Kind::BidsOpened)))
        );
        let other_kind = t.replace("bids_opened", "scenario_match");
        assert_eq!(check_unsubscribe_token(key, &other_kind), None);
        let other_user = t.replacen("42", "43", 1);
        assert_eq!(check_unsubscribe_token(key, &other_user), None);
        assert_eq!(check_unsubscribe_token(b"another secret", &t), None);
        assert_eq!(check_unsubscribe_token(key, "42.bids_opened"), None);
        assert_eq!(check_unsubscribe_token(key, ""), None);
        let d = unsubscribe_token(key, UserId(7), Unsubscribe::Digest);
        assert_eq!(
            check_unsubscribe_token(key, &d),
            Some((UserId(7), Unsubscribe::Digest))
        );
    }

    #[test]
    fn settings_keep_only_known_choices() {
        let mut s = NotificationSettings::default();
        s.prefs.insert(Kind::ScenarioMatch, EmailPref::Daily);
        s.prefs.insert(Kind::BidsOpened, EmailPref::Off);
        let back = NotificationSettings::from_stored(&s.prefs_json(), 21);
        assert_eq!(back.pref(Kind::ScenarioMatch), EmailPref::Daily);
        assert_eq!(back.pref(Kind::BidsOpened), EmailPref::Off);
        assert_eq!(back.pref(Kind::Invitation), EmailPref::Immediate);
        assert_eq!(back.digest_hour, 21);
        let odd = NotificationSettings::from_stored(r#"{"nope":"off","invitation":"weekly"}"#, 99);
        assert!(odd.prefs.is_empty());
        assert_eq!(odd.digest_hour, 23);
    }
}
