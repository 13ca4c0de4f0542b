//! The private feed token: it names a user and is signed over the user and the current
//! generation of their feed key, so a reset (a new generation) retires every earlier token.
//! It opens the user's own calendar and saved-search feeds, nothing else.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};

use crate::ids::UserId;

type HmacSha256 = Hmac<sha2::Sha256>;

fn feed_mac(secret: &[u8], user: UserId, generation: i64) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(format!("feed:{}:{generation}", user.0).as_bytes());
    mac
}

/// The token of `user` at `generation`: `{user}.{signature}` (128 bits of signature).
pub fn feed_token(secret: &[u8], user: UserId, generation: i64) -> String {
    let sig = feed_mac(secret, user, generation).finalize().into_bytes();
    format!("{}.{}", user.0, URL_SAFE_NO_PAD.encode(&sig[..16]))
}

/// The user a token claims to be (checked with [`check_feed_token`] once the generation is
/// known).
pub fn feed_token_user(token: &str) -> Option<UserId> {
    let (user, _) = token.trim().split_once('.')?;
    user.parse().ok().map(UserId)
}

/// Whether `token` is `user`'s token at `generation` (compared in constant time).
pub fn check_feed_token(secret: &[u8], token: &str, user: UserId, generation: i64) -> bool {
    let Some((u, sig)) = token.trim().split_once('.') else {
        return false;
    };
    let Ok(sig) = URL_SAFE_NO_PAD.decode(sig) else {
        return false;
    };
    u.parse::<i64>().ok() == Some(user.0)
        && sig.len() == 16
        && feed_mac(secret, user, generation)
            .verify_truncated_left(&sig)
            .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"a test key";

    #[test]
    fn a_token_opens_its_generation_only() {
        let t = feed_token(KEY, UserId(42), 0);
        assert_eq!(feed_token_user(&t), Some(UserId(42)));
        assert!(check_feed_token(KEY, &t, UserId(42), 0));
        assert!(
            !check_feed_token(KEY, &t, UserId(42), 1),
            "reset retires it"
        );
        assert!(!check_feed_token(b"another key", &t, UserId(42), 0));
        // Another user's id on this signature is refused.
        let forged = t.replacen("42.", "43.", 1);
        assert!(!check_feed_token(KEY, &forged, UserId(43), 0));
        for bad in ["", "42", "42.", "x.y", "42.!!!", "42.AAAA"] {
            assert!(!check_feed_token(KEY, bad, UserId(42), 0), "{bad:?}");
        }
        assert_ne!(t, feed_token(KEY, UserId(42), 1));
    }
}
