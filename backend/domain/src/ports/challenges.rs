//! Challenges to awards, their PDFs and answers.

use chrono::{DateTime, Utc};

use crate::bid::Attachment;
use crate::challenge::{Answer, Challenge};
use crate::error::Result;
use crate::ids::ChallengeId;
use crate::scenario::ScenarioId;

/// What may be read of these inside any transaction, a read-only one included.
pub trait ChallengeReads {
    fn challenge(&mut self, id: ChallengeId) -> Result<Option<Challenge>>;
    /// The challenges of a scenario with their attachments, oldest first.
    fn challenges_of_scenario(&mut self, scenario: ScenarioId) -> Result<Vec<Challenge>>;
    /// The SHA-256 and size of every challenge attachment (for backups).
    fn challenge_attachment_hashes(&mut self) -> Result<Vec<(String, i64)>>;
}

/// Challenges, their PDFs and answers.
pub trait ChallengeRepo: ChallengeReads {
    /// Writes a new challenge (without attachments). A second one of the same bidder against
    /// the same award is refused by the database (`duplicate`).
    fn insert_challenge(&mut self, c: &Challenge) -> Result<()>;
    /// Adds a PDF; the same file twice is refused by the database (`duplicate`).
    fn insert_challenge_attachment(
        &mut self,
        challenge: ChallengeId,
        a: &Attachment,
        at: DateTime<Utc>,
    ) -> Result<()>;
    /// Writes the answer unless there is one; false when there was (the check and the write
    /// are one conditional update).
    fn save_challenge_answer(&mut self, id: ChallengeId, a: &Answer) -> Result<bool>;
}
