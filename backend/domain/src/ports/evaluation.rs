//! Panels, draws, scores, dissents, award notices and ratings.

use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::ids::{OrganizationId, UserId};

/// One panel draw as recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PanelDraw {
    pub id: i64,
    pub drawn_by: UserId,
    /// The seed the server drew from the operating system's random source (decimal).
    pub seed: String,
    /// The candidates, sorted, from which the panel was drawn.
    pub pool: Vec<UserId>,
    pub drawn: Vec<UserId>,
    /// Why the panel was drawn again (empty for the first draw).
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// What may be read of these inside any transaction, a read-only one included.
pub trait EvaluationReads {
    /// Every panel member ever added to the scenario (removed ones too), oldest first.
    fn panel_members(
        &mut self,
        scenario: crate::scenario::ScenarioId,
    ) -> Result<Vec<crate::evaluation::PanelMember>>;
    fn scores(
        &mut self,
        scenario: crate::scenario::ScenarioId,
    ) -> Result<Vec<crate::evaluation::StoredScore>>;
    fn dissents(
        &mut self,
        scenario: crate::scenario::ScenarioId,
    ) -> Result<Vec<crate::evaluation::Dissent>>;
    fn rating_of_scenario(
        &mut self,
        scenario: crate::scenario::ScenarioId,
    ) -> Result<Option<crate::evaluation::Rating>>;
    fn rating(&mut self, id: crate::ids::RatingId) -> Result<Option<crate::evaluation::Rating>>;
    /// The recorded explanations of a scenario's abnormally low bids.
    fn low_price_checks(
        &mut self,
        scenario: crate::scenario::ScenarioId,
    ) -> Result<Vec<crate::evaluation::LowPriceCheck>>;
    /// The draws of a scenario, oldest first.
    fn panel_draws(&mut self, scenario: crate::scenario::ScenarioId) -> Result<Vec<PanelDraw>>;
    fn award_notice(&mut self, scenario: crate::scenario::ScenarioId) -> Result<Option<String>>;
    /// A page of stored award notices, newest first, and their total.
    fn award_notices(&mut self, offset: i64, limit: i64) -> Result<(Vec<String>, i64)>;
    /// A vendor's ratings, newest first.
    fn ratings_of_vendor(
        &mut self,
        vendor: OrganizationId,
    ) -> Result<Vec<crate::evaluation::Rating>>;
    /// The scenarios an evaluator is (or was) on the panel of, newest first.
    fn panels_of_evaluator(
        &mut self,
        evaluator: UserId,
    ) -> Result<Vec<(crate::scenario::ScenarioId, crate::evaluation::PanelMember)>>;
}

/// Panels, scores, dissents and ratings.
pub trait EvaluationRepo: EvaluationReads {
    /// Writes a member: inserted if new to the scenario, else updated (re-added, declared, removed).
    fn save_panel_member(
        &mut self,
        scenario: crate::scenario::ScenarioId,
        m: &crate::evaluation::PanelMember,
    ) -> Result<()>;
    /// Writes one score, replacing the evaluator's earlier score of that criterion of that bid.
    fn save_score(
        &mut self,
        id: i64,
        scenario: crate::scenario::ScenarioId,
        s: &crate::evaluation::StoredScore,
    ) -> Result<()>;
    fn insert_dissent(
        &mut self,
        scenario: crate::scenario::ScenarioId,
        d: &crate::evaluation::Dissent,
    ) -> Result<()>;
    fn insert_rating(&mut self, r: &crate::evaluation::Rating) -> Result<()>;
    /// Records an explanation; a second one of the same bid is a conflict.
    fn insert_low_price_check(&mut self, c: &crate::evaluation::LowPriceCheck) -> Result<()>;
    /// Writes the vendor's reply unless there is one; false when there was (the check and the
    /// write are one conditional update).
    fn save_reply(
        &mut self,
        id: crate::ids::RatingId,
        body: &str,
        at: DateTime<Utc>,
    ) -> Result<bool>;
    fn insert_panel_draw(
        &mut self,
        scenario: crate::scenario::ScenarioId,
        d: &PanelDraw,
    ) -> Result<()>;
    /// Removes the award notice of a withdrawn award (the audit trail keeps it).
    fn delete_award_notice(&mut self, scenario: crate::scenario::ScenarioId) -> Result<()>;
    /// Stores the award notice (JSON) computed at award time.
    fn insert_award_notice(
        &mut self,
        scenario: crate::scenario::ScenarioId,
        awarded_at: DateTime<Utc>,
        body: &str,
    ) -> Result<()>;
}
