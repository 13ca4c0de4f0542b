//! Credentials: argon2id password hashes, opaque random tokens stored only as SHA-256 hashes,
//! and the sign-in throttling rule.

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::account::Password;

/// How many argon2 hashes run at once; more wait their turn. Each needs a working memory of
/// 19 MiB with the default parameters, allocated for the hash and freed after it: the server's
/// allocator hands such large blocks back to the system, so memory kept between sign-ins
/// would only hold the server's resident size up (by 19 MiB per memory kept).
const AT_ONCE: usize = 2;

/// How many hashes run now, and the bell for the ones waiting.
static RUNNING: std::sync::Mutex<usize> = std::sync::Mutex::new(0);
static FREED: std::sync::Condvar = std::sync::Condvar::new();

/// Runs `f` with a fresh working memory of `blocks` argon2 blocks, once fewer than
/// [`AT_ONCE`] others do.
fn with_memory<T>(blocks: usize, f: impl FnOnce(&mut [Block]) -> T) -> T {
    fn running() -> std::sync::MutexGuard<'static, usize> {
        RUNNING.lock().unwrap_or_else(|e| e.into_inner())
    }
    let mut now = running();
    while *now >= AT_ONCE {
        now = FREED.wait(now).unwrap_or_else(|e| e.into_inner());
    }
    *now += 1;
    drop(now);
    /// Gives the turn back however `f` ends (a panic too), so no caller waits forever.
    struct Turn;
    impl Drop for Turn {
        fn drop(&mut self) {
            *running() -= 1;
            FREED.notify_one();
        }
    }
    let _turn = Turn;
    f(&mut vec![Block::default(); blocks])
}

/// The argon2 output of `password` and the raw `salt`.
fn compute(a: &Argon2<'_>, password: &[u8], salt: &[u8], len: usize) -> anyhow::Result<Output> {
    Output::init_with(len, |out| {
        with_memory(a.params().block_count(), |m| {
            a.hash_password_into_with_memory(password, salt, out, m)
        })
        .map_err(|_| argon2::password_hash::Error::Crypto)
    })
    .map_err(|e| anyhow::anyhow!("argon2: {e}"))
}

/// Hashes a password with argon2id (the crate's default parameters) and a random salt, as a
/// PHC string.
pub fn hash_password(password: &Password) -> anyhow::Result<String> {
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let a = Argon2::default();
    let hash = compute(
        &a,
        password.expose().as_bytes(),
        &salt_bytes,
        Params::DEFAULT_OUTPUT_LEN,
    )?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(a.params()).map_err(|e| anyhow::anyhow!("{e}"))?,
        salt: Some(salt.as_salt()),
        hash: Some(hash),
    };
    Ok(phc.to_string())
}

/// Whether `candidate` matches a stored hash (compared in constant time). A malformed stored
/// hash never matches.
pub fn verify_password(candidate: &str, stored: &str) -> bool {
    let check = || -> Option<bool> {
        let parsed = PasswordHash::new(stored).ok()?;
        let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
        let version = match parsed.version {
            Some(v) => Version::try_from(v).ok()?,
            None => Version::default(),
        };
        let params = Params::try_from(&parsed).ok()?;
        let (salt, expected) = (parsed.salt?, parsed.hash?);
        let mut buf = [0u8; 64];
        let raw = salt.decode_b64(&mut buf).ok()?;
        let a = Argon2::new(algorithm, version, params);
        let got = compute(&a, candidate.as_bytes(), raw, expected.len()).ok()?;
        Some(got == expected)
    };
    check().unwrap_or(false)
}

/// A hash of a throw-away password, checked against when the e-mail is unknown so that an
/// unknown e-mail costs the same time as a wrong password.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_password(&Password::parse("dummy-password-for-timing-1").expect("valid"))
            .expect("argon2 works")
    })
}

/// A fresh opaque token: 256 random bits, URL-safe base64 without padding.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// How a token is stored: the hex SHA-256 of its text.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Sign-in throttling: after this many failures inside the window, further attempts are
/// refused until the oldest failure leaves the window.
#[derive(Debug, Clone, Copy)]
pub struct ThrottleRule {
    pub max_failures: usize,
    pub window: Duration,
}

impl Default for ThrottleRule {
    /// Per account: 5 failures in 15 minutes.
    fn default() -> Self {
        Self {
            max_failures: 5,
            window: Duration::minutes(15),
        }
    }
}

/// The two throttles of sign-in: per account, and per client address. A government office
/// sits behind one NAT address, so the address limit is far higher than the account limit:
/// one person's mistyped password never locks out the colleagues at the next desk.
#[derive(Debug, Clone, Copy)]
pub struct LoginThrottle {
    pub account: ThrottleRule,
    pub address: ThrottleRule,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self {
            account: ThrottleRule::default(),
            address: ThrottleRule {
                max_failures: 100,
                window: Duration::minutes(15),
            },
        }
    }
}

impl LoginThrottle {
    /// Seconds to wait, or `None` when an attempt is allowed, given the recent failures of
    /// the account and of the address.
    pub fn retry_after(
        &self,
        account_failures: &[DateTime<Utc>],
        address_failures: &[DateTime<Utc>],
        now: DateTime<Utc>,
    ) -> Option<u64> {
        self.account
            .retry_after(account_failures, now)
            .max(self.address.retry_after(address_failures, now))
    }

    /// The longer of the two windows: failures older than this never count.
    pub fn window(&self) -> Duration {
        self.account.window.max(self.address.window)
    }
}

impl ThrottleRule {
    /// Seconds to wait, or `None` when an attempt is allowed now. `failures` are the times of
    /// recent failures for the account or the address (any order; older ones are ignored).
    pub fn retry_after(&self, failures: &[DateTime<Utc>], now: DateTime<Utc>) -> Option<u64> {
        let since = now - self.window;
        let mut recent: Vec<_> = failures.iter().filter(|t| **t > since).copied().collect();
        if recent.len() < self.max_failures {
            return None;
        }
        recent.sort();
        // The attempt is allowed again once fewer than max_failures remain in the window,
        // i.e. when the (len - max + 1)-th oldest failure has left it.
        let unlock = recent[recent.len() - self.max_failures] + self.window;
        Some((unlock - now).num_seconds().max(1) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooled_hashes_are_the_crates_own_and_verify_both_ways() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let pw = Password::parse("correct horse battery").unwrap();
        // The pool's result equals the crate's for the same salt, again and again.
        let salt = SaltString::encode_b64(&[7u8; 16]).unwrap();
        let theirs = Argon2::default()
            .hash_password(pw.expose().as_bytes(), &salt)
            .unwrap()
            .to_string();
        for _ in 0..3 {
            let ours = compute(&Argon2::default(), pw.expose().as_bytes(), &[7u8; 16], 32).unwrap();
            assert_eq!(
                PasswordHash::new(&theirs).unwrap().hash.unwrap(),
                ours,
                "a reused memory gives the same hash"
            );
        }
        assert!(verify_password("correct horse battery", &theirs));
        let mine = hash_password(&pw).unwrap();
        assert!(
            mine.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{mine}"
        );
        assert!(
            Argon2::default()
                .verify_password(b"correct horse battery", &PasswordHash::new(&mine).unwrap())
                .is_ok(),
            "the crate verifies ours"
        );
        assert!(verify_password("correct horse battery", &mine));
        assert!(!verify_password("correct horse batterz", &mine));
        assert!(!verify_password("correct horse battery", "not a hash"));
        // Other parameters (an older hash) still verify, in a memory of their size.
        let params = Params::new(8192, 1, 1, None).unwrap();
        let other = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(b"old password", &salt)
            .unwrap()
            .to_string();
        assert!(verify_password("old password", &other));
        assert!(!verify_password("old passw0rd", &other));
    }

    #[test]
    fn many_threads_hash_at_once_within_the_pool() {
        let handles: Vec<_> = (0..6)
            .map(|i| {
                std::thread::spawn(move || {
                    let pw = Password::parse(&format!("password number {i}")).unwrap();
                    let h = hash_password(&pw).unwrap();
                    verify_password(&format!("password number {i}"), &h)
                })
            })
            .collect();
        for h in handles {
            assert!(h.join().unwrap());
        }
    }

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let p = Password::parse("correct horse 1").unwrap();
        let h = hash_password(&p).unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse 1", &h));
        assert!(!verify_password("correct horse 2", &h));
        assert!(!verify_password("correct horse 1", "not a hash"));
        assert_ne!(h, hash_password(&p).unwrap(), "salts differ");
    }

    #[test]
    fn tokens_are_256_bit_and_stored_as_hashes() {
        let t = new_token();
        assert_eq!(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(&t)
                .unwrap()
                .len(),
            32
        );
        assert_ne!(t, new_token());
        assert_eq!(token_hash(&t).len(), 64);
        assert_eq!(token_hash(&t), token_hash(&t));
    }

    #[test]
    fn throttling_starts_at_the_fifth_failure_and_ends_when_it_ages_out() {
        let rule = ThrottleRule::default();
        let t0 = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let fails: Vec<_> = (0..4).map(|i| t0 + Duration::minutes(i)).collect();
        assert_eq!(rule.retry_after(&fails, t0 + Duration::minutes(5)), None);
        let mut fails5 = fails.clone();
        fails5.push(t0 + Duration::minutes(4));
        // The oldest failure (t0) leaves the window at t0+15min.
        assert_eq!(
            rule.retry_after(&fails5, t0 + Duration::minutes(5)),
            Some(600)
        );
        assert_eq!(rule.retry_after(&fails5, t0 + Duration::minutes(15)), None);
        // Failures older than the window do not count.
        let old: Vec<_> = (0..10)
            .map(|i| t0 - Duration::hours(1) + Duration::seconds(i))
            .collect();
        assert_eq!(rule.retry_after(&old, t0), None);
    }

    #[test]
    fn one_accounts_failures_do_not_lock_out_its_address() {
        let t = LoginThrottle::default();
        let now = DateTime::parse_from_rfc3339("2026-01-01T00:10:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let seven: Vec<_> = (0..7).map(|i| now - Duration::seconds(i)).collect();
        // The account with seven failures waits; another account behind the same address does not.
        assert!(t.retry_after(&seven, &seven, now).is_some());
        assert_eq!(t.retry_after(&[], &seven, now), None);
        let hundred: Vec<_> = (0..100).map(|i| now - Duration::seconds(i)).collect();
        assert!(
            t.retry_after(&[], &hundred, now).is_some(),
            "an address guessing at many accounts is stopped"
        );
        assert_eq!(t.retry_after(&[], &hundred[..99], now), None);
    }
}
