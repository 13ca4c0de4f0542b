//! Contracts, their milestones, submissions, reviews, amendments, payments and files.

use chrono::{DateTime, NaiveDate, Utc};

use crate::contract::{Amendment, Contract, ContractFile, Payment, Review, Submission};
use crate::error::Result;
use crate::ids::{AmendmentId, ChallengeId, ContractId, MilestoneId, OrganizationId, UserId};
use crate::scenario::ScenarioId;

/// What may be read of contracts inside any transaction.
pub trait ContractReads {
    /// A contract with everything recorded against it.
    fn contract(&mut self, id: ContractId) -> Result<Option<Contract>>;
    /// The contracts of a scenario, oldest first (voided ones too; at most one in force).
    fn contracts_of_scenario(&mut self, scenario: ScenarioId) -> Result<Vec<Contract>>;
    /// The contract a milestone belongs to.
    fn contract_of_milestone(&mut self, milestone: MilestoneId) -> Result<Option<ContractId>>;
    /// The contract an amendment belongs to.
    fn contract_of_amendment(&mut self, amendment: AmendmentId) -> Result<Option<ContractId>>;
    /// The contracts of these organizations as buyers (`as_buyer`) or as vendors, whole.
    fn contracts_of_parties(
        &mut self,
        orgs: &[OrganizationId],
        as_buyer: bool,
    ) -> Result<Vec<Contract>>;
    /// The contracts these agencies signed that a payment record counts (confirmed, not
    /// voided), with their milestones, submissions and payments only: no files, no amendments.
    fn recorded_contracts(&mut self, agencies: &[OrganizationId]) -> Result<Vec<Contract>>;
    /// The SHA-256 and size of every contract file (for backups).
    fn contract_file_hashes(&mut self) -> Result<Vec<(String, i64)>>;
}

/// Writes of contracts. Every write that depends on a state is one conditional update that
/// says whether it applied.
pub trait ContractRepo: ContractReads {
    /// Writes a new contract with its milestones; a second one in force for the same scenario
    /// is refused by the database (`duplicate`).
    fn insert_contract(&mut self, c: &Contract) -> Result<()>;
    /// The vendor's confirmation, unless confirmed or voided already.
    fn confirm_contract(&mut self, id: ContractId, by: UserId, at: DateTime<Utc>) -> Result<bool>;
    /// Voids the contract and the listed milestones, unless voided already.
    fn void_contract(
        &mut self,
        id: ContractId,
        challenge: ChallengeId,
        milestones: &[MilestoneId],
        at: DateTime<Utc>,
    ) -> Result<bool>;
    /// Adds a file; the same file twice in one place is refused by the database (`duplicate`).
    fn insert_contract_file(&mut self, contract: ContractId, f: &ContractFile) -> Result<()>;
    /// Writes a submission and marks its milestone submitted, unless it is under review or
    /// accepted.
    fn submit_milestone(&mut self, s: &Submission) -> Result<bool>;
    /// Writes the review of the milestone's open submission and moves the milestone to
    /// accepted or returned, unless it is not under review.
    fn review_milestone(
        &mut self,
        milestone: MilestoneId,
        submission: i64,
        r: &Review,
    ) -> Result<bool>;
    /// Writes a proposal; a second open one for the contract is refused (`duplicate`).
    fn insert_amendment(&mut self, a: &Amendment) -> Result<()>;
    /// Answers an open amendment (`confirmed` or `declined`), unless answered already.
    fn answer_amendment(
        &mut self,
        id: AmendmentId,
        outcome: &str,
        by: UserId,
        at: DateTime<Utc>,
    ) -> Result<bool>;
    /// Sets a milestone's due date, share and amount.
    fn update_milestone_terms(
        &mut self,
        id: MilestoneId,
        due_on: NaiveDate,
        share_pct: u8,
        amount_fen: i64,
    ) -> Result<()>;
    /// Appends a payment or a reversing entry; a second reversal of one payment is refused
    /// (`duplicate`).
    fn insert_payment(&mut self, p: &Payment) -> Result<()>;
}
