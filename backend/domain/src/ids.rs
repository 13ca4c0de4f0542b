//! Typed ids, one newtype per entity, and the generator that makes them.
//!
//! Ids are made by the application, not by the database, so that both backends behave alike
//! and a row's id is known before it is written. An id is a positive integer below 2^53 (safe
//! in JavaScript): 41 bits of milliseconds since 2025-01-01 UTC, 4 bits of node number (a
//! setting, so several server processes never collide) and 8 bits of sequence. The generator
//! is monotonic: if a millisecond's 256 values run out it borrows from the next millisecond.

use std::sync::Mutex;

use chrono::{DateTime, Utc};

macro_rules! id_types {
    ($($(#[$m:meta])* $name:ident),* $(,)?) => {$(
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_types!(
    /// A user account.
    UserId,
    /// An agency or vendor organization.
    OrganizationId,
    /// A family of rotating refresh tokens, one per sign-in.
    SessionId,
    /// A queued background job.
    JobId,
    /// A scenario.
    ScenarioId,
    /// A technical criterion of a scenario.
    CriterionId,
    /// A clarification question.
    QuestionId,
    /// An answer to a question.
    AnswerId,
    /// A bid of one vendor on one scenario.
    BidId,
    /// A member of a scenario's evaluation panel.
    PanelMemberId,
    /// An agency's rating of a vendor after delivery.
    RatingId,
    /// A bidder's challenge (质疑) to an award.
    ChallengeId,
    /// A procurement contract recorded after an award.
    ContractId,
    /// A milestone of a contract's schedule.
    MilestoneId,
    /// A payment (or a reversing entry) recorded against a milestone.
    PaymentId,
    /// A proposed change to a contract's dates or shares.
    AmendmentId,
    /// A consortium (联合体) of vendors bidding as one.
    ConsortiumId,
);

const EPOCH_MS: i64 = 1_735_689_600_000; // 2025-01-01T00:00:00Z
const NODE_BITS: u32 = 4;
const SEQ_BITS: u32 = 8;

/// Makes unique ids for one process. Share one instance per process.
#[derive(Debug)]
pub struct IdGenerator {
    node: i64,
    last: Mutex<i64>,
}

impl IdGenerator {
    /// `node` must differ between processes that write to the same database (0..=15).
    pub fn new(node: u8) -> Self {
        assert!(node < 16, "node number must be below 16");
        Self {
            node: i64::from(node),
            last: Mutex::new(0),
        }
    }

    /// The next id, given the current time.
    pub fn next_at(&self, now: DateTime<Utc>) -> i64 {
        let ms = (now.timestamp_millis() - EPOCH_MS).max(0);
        let base = ms << (NODE_BITS + SEQ_BITS);
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        // The sequence lives in the low bits; the node sits above it in every id.
        let candidate = base | (self.node << SEQ_BITS);
        let next = if candidate > *last {
            candidate
        } else {
            let seq = (*last & ((1 << SEQ_BITS) - 1)) + 1;
            if seq < (1 << SEQ_BITS) {
                (*last & !((1 << SEQ_BITS) - 1)) | seq
            } else {
                // Borrow the next millisecond.
                let ms_part = (*last >> (NODE_BITS + SEQ_BITS)) + 1;
                (ms_part << (NODE_BITS + SEQ_BITS)) | (self.node << SEQ_BITS)
            }
        };
        *last = next;
        next
    }

    /// The next id now.
    pub fn next(&self) -> i64 {
        self.next_at(Utc::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_and_increasing_within_one_millisecond() {
        let g = IdGenerator::new(3);
        let now = Utc::now();
        let ids: Vec<i64> = (0..1000).map(|_| g.next_at(now)).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 1000);
    }

    #[test]
    fn ids_stay_safe_for_javascript_for_decades() {
        let g = IdGenerator::new(15);
        let far = DateTime::parse_from_rfc3339("2090-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert!(g.next_at(far) < (1_i64 << 53));
        assert!(g.next_at(Utc::now()) > 0);
    }

    #[test]
    fn two_nodes_never_collide_even_when_borrowing_milliseconds() {
        let now = Utc::now();
        let a = IdGenerator::new(1);
        let b = IdGenerator::new(2);
        // 600 ids in one millisecond overflow the 256-value sequence twice.
        let xs: HashSet<i64> = (0..600).map(|_| a.next_at(now)).collect();
        let ys: HashSet<i64> = (0..600).map(|_| b.next_at(now)).collect();
        assert_eq!(xs.len(), 600);
        assert!(xs.is_disjoint(&ys));
    }
}
