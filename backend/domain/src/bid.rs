//! Sealed bids: the parsed fields, the canonical content a receipt hashes, and the sealing
//! rule as a plain function.

use crate::message::Message;
use chrono::{DateTime, Utc};
use rand::TryRngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Fields, Result};
use crate::ids::{OrganizationId, UserId};
use crate::scenario::ScenarioId;
use crate::text;

pub use crate::ids::BidId;

pub const MAX_PROPOSAL: usize = 50_000;
pub const MAX_TEAM: usize = 5_000;
pub const MAX_DELIVERY_DAYS: i64 = 3650;
pub const MAX_ATTACHMENTS: usize = 5;
pub const MAX_ATTACHMENT_BYTES: u64 = 10 * 1024 * 1024;
pub const MAX_FILENAME: usize = 120;

/// Where a bid stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BidStatus {
    Submitted,
    Withdrawn,
}

impl BidStatus {
    pub fn code(self) -> &'static str {
        match self {
            BidStatus::Submitted => "submitted",
            BidStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Result<BidStatus, Message> {
        match s {
            "submitted" => Ok(BidStatus::Submitted),
            "withdrawn" => Ok(BidStatus::Withdrawn),
            other => Err(Message::same(format!("unknown bid status '{other}'"))),
        }
    }
}

/// A bid as a form or JSON body brings it.
#[derive(Debug, Clone, Default)]
pub struct BidInput {
    pub price_fen: Option<i64>,
    pub delivery_days: Option<i64>,
    pub technical_proposal: String,
    pub team: String,
    /// The agreed consortium the lead bids for; none for a bid of the vendor alone.
    pub consortium_id: Option<i64>,
}

/// A bid's fields, every one valid for the scenario's budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BidFields {
    pub price_fen: i64,
    pub delivery_days: i32,
    pub technical_proposal: String,
    pub team: String,
}

impl BidFields {
    /// Parses a bid; the price may not exceed the scenario's maximum budget.
    pub fn parse(r: BidInput, budget_max_fen: i64) -> Result<BidFields> {
        let mut f = Fields::new();
        let price = f.take(
            "price_fen",
            match r.price_fen {
                None => Err(Message::new("请填写报价", "the price is required")),
                Some(p) if p <= 0 => {
                    Err(Message::new("报价必须大于零", "the price must be positive"))
                }
                Some(p) if p > budget_max_fen => Err(Message::new(
                    format!("报价不能超过预算上限 {} 元", budget_max_fen / 100),
                    format!(
                        "the price may not exceed the budget of {} yuan",
                        budget_max_fen / 100
                    ),
                )),
                Some(p) => Ok(p),
            },
        );
        let days = f.take(
            "delivery_days",
            match r.delivery_days {
                None => Err(Message::new(
                    "请填写交付天数",
                    "the delivery time is required",
                )),
                Some(d) if d <= 0 => Err(Message::new(
                    "交付天数必须大于零",
                    "the delivery time must be positive",
                )),
                Some(d) if d > MAX_DELIVERY_DAYS => Err(Message::new(
                    format!("交付天数最多 {MAX_DELIVERY_DAYS} 天"),
                    format!("at most {MAX_DELIVERY_DAYS} days"),
                )),
                Some(d) => Ok(d as i32),
            },
        );
        let proposal = f.take(
            "technical_proposal",
            text::bounded(&r.technical_proposal, 1, MAX_PROPOSAL),
        );
        let team = f.take("team", text::bounded(&r.team, 1, MAX_TEAM));
        f.finish()?;
        Ok(BidFields {
            price_fen: price.expect("checked"),
            delivery_days: days.expect("checked"),
            technical_proposal: proposal.expect("checked"),
            team: team.expect("checked"),
        })
    }
}

/// A stored file attached to a bid, named by the SHA-256 of its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    pub id: i64,
    pub sha256: String,
    pub filename: String,
    pub size: i64,
    pub created_at: DateTime<Utc>,
}

/// A bid as stored: its current content and the version it is at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bid {
    pub id: BidId,
    pub scenario: ScenarioId,
    pub vendor: OrganizationId,
    pub submitted_by: UserId,
    pub status: BidStatus,
    pub version: i32,
    pub fields: BidFields,
    pub attachments: Vec<Attachment>,
    pub created_at: DateTime<Utc>,
    /// When the current version was submitted (the final submission once bidding closes).
    pub updated_at: DateTime<Utc>,
    /// The consortium (联合体) the bid is for; its lead is `vendor`.
    pub consortium: Option<crate::ids::ConsortiumId>,
}

/// One submitted version of a bid, with its receipt hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BidVersion {
    pub version: i32,
    pub fields: BidFields,
    /// The SHA-256 of each attachment, sorted.
    pub attachment_hashes: Vec<String>,
    /// A random value that the content hash covers, shown to the bidder only, so that nobody
    /// else can test guesses of the content against a receipt. Empty for versions stored
    /// before salts existed.
    pub salt: String,
    pub content_hash: String,
    pub created_at: DateTime<Utc>,
}

/// What a vendor keeps to prove what it submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Receipt {
    pub bid_id: i64,
    pub version: i32,
    /// The server's time of the submission.
    pub server_time: DateTime<Utc>,
    /// SHA-256 (hex) of the canonical content: the fields, the attachment hashes and the salt.
    pub content_sha256: String,
    /// The version's salt, which the bidder needs to recompute the hash; absent for anyone else.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
}

/// A fresh salt for a bid version: 128 random bits from the operating system, in hex.
pub fn new_salt() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .expect("the operating system's random source works");
    hex::encode(bytes)
}

/// The canonical content of a bid version: a fixed field order, attachment hashes sorted, and
/// the salt (left out when empty, as in versions stored before salts existed).
pub fn canonical_content(
    scenario: ScenarioId,
    vendor: OrganizationId,
    f: &BidFields,
    attachment_hashes: &[String],
    salt: &str,
) -> String {
    let mut hashes = attachment_hashes.to_vec();
    hashes.sort();
    // serde_json::Value keeps keys sorted, which makes the text canonical.
    let mut v = serde_json::json!({
        "scenario_id": scenario.0,
        "vendor_id": vendor.0,
        "price_fen": f.price_fen,
        "delivery_days": f.delivery_days,
        "technical_proposal": f.technical_proposal,
        "team": f.team,
        "attachments": hashes,
    });
    if !salt.is_empty() {
        v["salt"] = serde_json::Value::String(salt.to_string());
    }
    v.to_string()
}

/// SHA-256 (hex) of a bid version's canonical content.
pub fn content_hash(
    scenario: ScenarioId,
    vendor: OrganizationId,
    f: &BidFields,
    attachment_hashes: &[String],
    salt: &str,
) -> String {
    hex::encode(Sha256::digest(
        canonical_content(scenario, vendor, f, attachment_hashes, salt).as_bytes(),
    ))
}

/// Parses an attachment's file name: the last path part, trimmed and bounded, ending in `.pdf`.
pub fn parse_filename(raw: &str) -> Result<String> {
    let name = raw.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let name = text::bounded(name, 1, MAX_FILENAME).map_err(|m| Error::field("file", m))?;
    if name.chars().any(|c| c.is_control() || c == '"') {
        return Err(Error::field(
            "file",
            Message::new(
                "文件名含有不允许的字符",
                "the file name has characters that are not allowed",
            ),
        ));
    }
    Ok(name)
}

/// Whether the first bytes of a file are those of a PDF (`%PDF-`).
pub fn looks_like_pdf(head: &[u8]) -> bool {
    head.starts_with(b"%PDF-")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> BidInput {
        BidInput {
            price_fen: Some(5_000_000),
            delivery_days: Some(90),
            technical_proposal: "方案".into(),
            team: "三人".into(),
            consortium_id: None,
        }
    }

    fn names(e: Error) -> Vec<String> {
        match e {
            Error::Validation(v) => v.into_iter().map(|f| f.field).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_bid_field_rule_names_its_field() {
        assert!(
            BidFields::parse(input(), 5_000_000).is_ok(),
            "the budget maximum itself is allowed"
        );
        let over = BidFields::parse(input(), 4_999_999).unwrap_err();
        match &over {
            Error::Validation(v) => assert!(
                v[0].message.contains("49999") && v[0].field == "price_fen",
                "{v:?}"
            ),
            other => panic!("{other:?}"),
        }
        let bad = BidInput {
            price_fen: Some(0),
            delivery_days: Some(0),
            technical_proposal: " ".into(),
            team: "".into(),
            consortium_id: None,
        };
        assert_eq!(
            names(BidFields::parse(bad, 10).unwrap_err()),
            ["price_fen", "delivery_days", "technical_proposal", "team"]
        );
        let none = BidInput {
            price_fen: None,
            delivery_days: Some(MAX_DELIVERY_DAYS + 1),
            ..input()
        };
        assert_eq!(
            names(BidFields::parse(none, 10).unwrap_err()),
            ["price_fen", "delivery_days"]
        );
    }

    #[test]
    fn the_content_hash_covers_every_field_and_ignores_attachment_order() {
        let f = BidFields::parse(input(), 10_000_000).unwrap();
        let (s, v) = (ScenarioId(1), OrganizationId(2));
        let salt = new_salt();
        let ab = ["a".to_string(), "b".to_string()];
        let h = content_hash(s, v, &f, &["b".into(), "a".into()], &salt);
        assert_eq!(h, content_hash(s, v, &f, &ab, &salt));
        assert_eq!(h.len(), 64);
        let mut g = f.clone();
        g.price_fen += 1;
        assert_ne!(h, content_hash(s, v, &g, &ab, &salt));
        assert_ne!(h, content_hash(s, v, &f, &["a".into()], &salt));
        assert_ne!(h, content_hash(ScenarioId(9), v, &f, &ab, &salt));
    }

    #[test]
    fn a_receipt_cannot_be_matched_by_guessing_the_content_without_the_salt() {
        let f = BidFields::parse(input(), 10_000_000).unwrap();
        let (s, v) = (ScenarioId(1), OrganizationId(2));
        let salt = new_salt();
        assert_eq!(salt.len(), 32);
        assert_ne!(salt, new_salt(), "every version gets its own salt");
        let receipt = content_hash(s, v, &f, &[], &salt);
        // Someone who knows every field but not the salt tries the content as it is: no match.
        assert_ne!(receipt, content_hash(s, v, &f, &[], ""));
        assert_ne!(receipt, content_hash(s, v, &f, &[], &new_salt()));
        // The bidder, who holds the salt, recomputes it exactly.
        assert_eq!(receipt, content_hash(s, v, &f, &[], &salt));
    }

    #[test]
    fn file_names_lose_their_path_and_pdfs_are_known_by_their_first_bytes() {
        assert_eq!(
            parse_filename("C:\\Users\\me\\方案.pdf").unwrap(),
            "方案.pdf"
        );
        assert_eq!(parse_filename("../../etc/passwd").unwrap(), "passwd");
        assert!(parse_filename("").is_err());
        assert!(parse_filename("a\"b.pdf").is_err());
        assert!(looks_like_pdf(b"%PDF-1.7\n..."));
        assert!(!looks_like_pdf(b"PK\x03\x04 a zip named .pdf"));
        assert!(!looks_like_pdf(b""));
    }
}
