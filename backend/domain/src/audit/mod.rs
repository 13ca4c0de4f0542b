//! The audit trail: append-only records, each carrying the SHA-256 of the previous record's
//! hash and its own content, so that an edited or deleted record breaks the chain.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::ids::UserId;

mod action;

pub use action::AuditAction;

/// The hash that precedes the first record.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What a service appends: who did what to which thing, and the thing before and after.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditDraft {
    pub actor: Option<UserId>,
    pub action: AuditAction,
    pub subject_type: String,
    pub subject_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl AuditDraft {
    pub fn new(
        actor: Option<UserId>,
        action: AuditAction,
        subject_type: &str,
        subject_id: impl ToString,
    ) -> Self {
        Self {
            actor,
            action,
            subject_type: subject_type.to_string(),
            subject_id: subject_id.to_string(),
            before: None,
            after: None,
        }
    }

    pub fn before(mut self, v: impl Serialize) -> Self {
        self.before = Some(serde_json::to_value(v).unwrap_or(serde_json::Value::Null));
        self
    }

    pub fn after(mut self, v: impl Serialize) -> Self {
        self.after = Some(serde_json::to_value(v).unwrap_or(serde_json::Value::Null));
        self
    }
}

/// A stored audit record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRecord {
    /// Position in the chain, from 1.
    pub seq: i64,
    pub actor: Option<UserId>,
    pub action: String,
    pub subject_type: String,
    pub subject_id: String,
    /// Canonical JSON text, as hashed.
    pub before: Option<String>,
    pub after: Option<String>,
    pub at: DateTime<Utc>,
    pub prev_hash: String,
    pub hash: String,
}

/// A record as its transaction wrote it, before it takes its place in the chain: the content
/// in canonical text, and its time.
#[derive(Debug, Clone, PartialEq)]
pub struct Unsealed {
    pub actor: Option<UserId>,
    pub action: String,
    pub subject_type: String,
    pub subject_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub at: DateTime<Utc>,
}

impl AuditDraft {
    /// The draft's content as canonical text, at `at`.
    pub fn unsealed(self, at: DateTime<Utc>) -> Unsealed {
        // serde_json's Value keeps keys sorted (no preserve_order feature), so to_string is
        // canonical.
        Unsealed {
            actor: self.actor,
            action: self.action.code().to_string(),
            subject_type: self.subject_type,
            subject_id: self.subject_id,
            before: self.before.map(|v| v.to_string()),
            after: self.after.map(|v| v.to_string()),
            // Stored with microsecond precision by both databases.
            at: truncate_micros(at),
        }
    }
}

impl Unsealed {
    /// The record at position `seq`, after the record whose hash is `prev_hash`.
    pub fn seal(self, seq: i64, prev_hash: &str) -> AuditRecord {
        let mut rec = AuditRecord {
            seq,
            actor: self.actor,
            action: self.action,
            subject_type: self.subject_type,
            subject_id: self.subject_id,
            before: self.before,
            after: self.after,
            at: self.at,
            prev_hash: prev_hash.to_string(),
            hash: String::new(),
        };
        rec.hash = content_hash(&rec);
        rec
    }
}

/// Builds the next record of the chain from a draft.
pub fn seal(draft: AuditDraft, seq: i64, prev_hash: &str, at: DateTime<Utc>) -> AuditRecord {
    draft.unsealed(at).seal(seq, prev_hash)
}

/// Chains records in the order given after the record `(seq, hash)`; returns the sealed
/// records (the last is the new head).
pub fn seal_all(records: Vec<Unsealed>, mut seq: i64, hash: &str) -> Vec<AuditRecord> {
    let mut prev = hash.to_string();
    records
        .into_iter()
        .map(|u| {
            seq += 1;
            let r = u.seal(seq, &prev);
            prev.clone_from(&r.hash);
            r
        })
        .collect()
}

fn truncate_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

/// SHA-256 over the previous hash and the record's content, hex-encoded.
pub fn content_hash(r: &AuditRecord) -> String {
    let mut h = Sha256::new();
    let field = |h: &mut Sha256, s: &str| {
        h.update((s.len() as u64).to_be_bytes());
        h.update(s.as_bytes());
    };
    field(&mut h, &r.prev_hash);
    field(&mut h, &r.seq.to_string());
    field(
        &mut h,
        &r.actor.map(|a| a.0.to_string()).unwrap_or_default(),
    );
    field(&mut h, &r.action);
    field(&mut h, &r.subject_type);
    field(&mut h, &r.subject_id);
    field(&mut h, r.before.as_deref().unwrap_or("\u{0}"));
    field(&mut h, r.after.as_deref().unwrap_or("\u{0}"));
    field(&mut h, &r.at.to_rfc3339_opts(SecondsFormat::Micros, true));
    hex::encode(h.finalize())
}

/// What a check of the chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainCheck {
    /// Every record links to the one before and hashes right.
    Intact { records: i64 },
    /// The first record that does not: its sequence number and why.
    Broken { seq: i64, reason: String },
}

/// Walks records from the start of the chain in sequence order and reports the first break.
pub fn verify_chain<'a>(records: impl IntoIterator<Item = &'a AuditRecord>) -> ChainCheck {
    verify_chain_after(0, GENESIS_HASH, records)
}

/// Walks records that should follow record `after_seq` (whose hash is `after_hash`), so that a
/// long chain can be checked a page at a time.
pub fn verify_chain_after<'a>(
    after_seq: i64,
    after_hash: &str,
    records: impl IntoIterator<Item = &'a AuditRecord>,
) -> ChainCheck {
    let mut prev = after_hash.to_string();
    let mut n = 0;
    for (expected_seq, r) in (after_seq + 1..).zip(records) {
        if r.seq != expected_seq {
            return ChainCheck::Broken {
                seq: r.seq,
                // No number here: the audit browser shows the reason, and a record's place
                // in the chain would tell how many it does not show (`audit verify` prints
                // the place beside it).
                reason: "a record before it is missing".into(),
            };
        }
        if r.prev_hash != prev {
            return ChainCheck::Broken {
                seq: r.seq,
                reason: "its previous-hash does not match the record before it".into(),
            };
        }
        if content_hash(r) != r.hash {
            return ChainCheck::Broken {
                seq: r.seq,
                reason: "its content does not match its hash (edited after it was written)".into(),
            };
        }
        prev = r.hash.clone();
        n += 1;
    }
    ChainCheck::Intact { records: n }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditRecord> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|i| {
                let r = seal(
                    AuditDraft::new(Some(UserId(7)), AuditAction::UserRegister, "user", i)
                        .after(serde_json::json!({"email": format!("u{i}@x.cn"), "a": 1})),
                    i,
                    &prev,
                    Utc::now(),
                );
                prev = r.hash.clone();
                r
            })
            .collect()
    }

    #[test]
    fn records_sealed_in_a_batch_continue_the_chain() {
        let first = chain(3);
        let head = first.last().unwrap();
        let batch: Vec<Unsealed> = (4..=6)
            .map(|i| AuditDraft::new(None, AuditAction::BidRevise, "bid", i).unsealed(Utc::now()))
            .collect();
        let sealed = seal_all(batch, head.seq, &head.hash);
        assert_eq!(sealed.iter().map(|r| r.seq).collect::<Vec<_>>(), [4, 5, 6]);
        let whole: Vec<AuditRecord> = first.into_iter().chain(sealed).collect();
        assert_eq!(verify_chain(&whole), ChainCheck::Intact { records: 6 });
    }

    #[test]
    fn an_untouched_chain_verifies() {
        assert_eq!(verify_chain(&chain(5)), ChainCheck::Intact { records: 5 });
        assert_eq!(verify_chain(&[]), ChainCheck::Intact { records: 0 });
    }

    #[test]
    fn an_edited_record_is_named() {
        let mut c = chain(5);
        c[2].after = Some(r#"{"email":"evil@x.cn"}"#.into());
        assert!(matches!(
            verify_chain(&c),
            ChainCheck::Broken { seq: 3, .. }
        ));
    }

    #[test]
    fn a_deleted_record_is_named() {
        let mut c = chain(5);
        c.remove(1);
        assert!(matches!(
            verify_chain(&c),
            ChainCheck::Broken { seq: 3, .. }
        ));
    }

    #[test]
    fn a_rehashed_record_still_breaks_the_next_link() {
        let mut c = chain(4);
        c[1].action = "user.delete".into();
        c[1].hash = content_hash(&c[1]);
        assert!(matches!(
            verify_chain(&c),
            ChainCheck::Broken { seq: 3, .. }
        ));
    }
}
