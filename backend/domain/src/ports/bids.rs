//! Bids, their versions and attachments.

use crate::error::Result;
use crate::ids::OrganizationId;

/// What may be read of these inside any transaction, a read-only one included.
pub trait BidReads {
    fn bid(&mut self, id: crate::bid::BidId) -> Result<Option<crate::bid::Bid>>;
    /// The bids of a scenario (withdrawn ones too), oldest first.
    fn bids_of_scenario(
        &mut self,
        scenario: crate::scenario::ScenarioId,
    ) -> Result<Vec<crate::bid::Bid>>;
    /// The bids of a vendor, newest first.
    fn bids_of_vendor(&mut self, vendor: OrganizationId) -> Result<Vec<crate::bid::Bid>>;
    /// How many bids of the scenario are not withdrawn.
    fn count_active_bids(&mut self, scenario: crate::scenario::ScenarioId) -> Result<i64>;
    /// Every version of a bid, oldest first.
    fn bid_versions(&mut self, bid: crate::bid::BidId) -> Result<Vec<crate::bid::BidVersion>>;
}

/// Bids, their versions and attachments.
pub trait BidRepo: BidReads {
    /// Writes a new bid with its attachments. A second active bid of the same vendor on the
    /// same scenario is refused by the database (a conflict).
    fn insert_bid(&mut self, b: &crate::bid::Bid) -> Result<()>;
    /// Rewrites a bid's status, version, fields and time; its attachments are replaced.
    fn update_bid(&mut self, b: &crate::bid::Bid) -> Result<()>;
    fn insert_bid_version(
        &mut self,
        id: i64,
        bid: crate::bid::BidId,
        v: &crate::bid::BidVersion,
    ) -> Result<()>;
}
