//! Bid use cases: submit, revise, attach and remove files, withdraw — each only while the
//! scenario takes bids, checked against the server's clock inside the transaction that would
//! store the change — and reading under the sealing rule.

mod changes;
mod reading;

use chrono::{DateTime, Utc};
use domain::message::Message;
use serde::Serialize;

use super::{Services, emit};
use domain::bid::{self, Attachment, Bid, BidVersion, Receipt};
use domain::error::Error;
use domain::scenario::{self, Move, Scenario, Warning};

/// A file already stored under its SHA-256, to be attached.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub sha256: String,
    pub filename: String,
    pub size: i64,
}

/// A receipt and, once the bids are opened, whether the stored content still matches it.
#[derive(Debug, Clone, Serialize)]
pub struct ReceiptCheck {
    pub receipt: Receipt,
    /// `None` until the bids are opened.
    pub matches: Option<bool>,
}

/// A bid as its reader may see it.
#[derive(Debug, Clone, Serialize)]
pub struct BidView {
    pub bid: Bid,
    pub scenario_title: String,
    pub bid_deadline: DateTime<Utc>,
    pub vendor_name: String,
    /// Whether the scenario's bids are opened (the deadline has passed).
    pub opened: bool,
    /// The scenario was cancelled: the bid is void, never opened, seen only by its vendor.
    pub voided: bool,
    /// Every version with its receipt, for the bidding vendor only.
    pub versions: Option<Vec<BidVersion>>,
    /// Every receipt for the bidding vendor (with salts); the final one for anyone else.
    pub receipts: Vec<ReceiptCheck>,
    /// Whether the vendor's verification is still in force (a revoked vendor cannot win);
    /// for a consortium, every member's.
    pub vendor_verified: bool,
    /// The consortium the bid is for, its members named with their shares.
    pub team: Option<domain::team::consortium::BidTeam>,
}

impl BidView {
    /// How the bidder is named: the vendor, or the consortium with every member's share.
    pub fn bidder(&self) -> String {
        self.team
            .as_ref()
            .map_or_else(|| self.vendor_name.clone(), |t| t.bidder_name())
    }
}

/// The bids of a scenario that the reader may see, and the hints at opening.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioBids {
    pub items: Vec<BidView>,
    pub opened: bool,
    pub warnings: Vec<Warning>,
}

fn not_open(s: &Scenario, now: DateTime<Utc>, action: Move) -> Error {
    scenario::Refused {
        current: s.status_at(now),
        action,
        why: Message::new(
            "投标已截止或未开放，服务器时间为准",
            "the scenario does not take bids now (by the server's clock)",
        ),
    }
    .into()
}

fn receipt_of(b: &Bid, v: &BidVersion) -> Receipt {
    Receipt {
        bid_id: b.id.0,
        version: v.version,
        server_time: v.created_at,
        content_sha256: v.content_hash.clone(),
        salt: (!v.salt.is_empty()).then(|| v.salt.clone()),
    }
}

fn hashes(atts: &[Attachment]) -> Vec<String> {
    let mut h: Vec<String> = atts.iter().map(|a| a.sha256.clone()).collect();
    h.sort();
    h
}

/// Whether each receipt still matches: a version's stored content must hash to its receipt,
/// and the bid's current content to the last receipt.
pub fn check_receipts(b: &Bid, versions: &[BidVersion]) -> Vec<(Receipt, bool)> {
    let last = versions.iter().map(|v| v.version).max();
    versions
        .iter()
        .map(|v| {
            let own = bid::content_hash(
                b.scenario,
                b.vendor,
                &v.fields,
                &v.attachment_hashes,
                &v.salt,
            ) == v.content_hash;
            let current = bid::content_hash(
                b.scenario,
                b.vendor,
                &b.fields,
                &hashes(&b.attachments),
                &v.salt,
            );
            let latest_ok =
                Some(v.version) != last || (current == v.content_hash && b.version == v.version);
            (receipt_of(b, v), own && latest_ok)
        })
        .collect()
}
