//! What the figures, the operators' job view and the audit browser read.

use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::ids::UserId;

/// One job as the operators see it (never its payload: an e-mail job carries links that sign
/// in or reset a password).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct JobInfo {
    pub id: i64,
    pub kind: String,
    pub status: crate::job::JobStatus,
    pub attempts: i32,
    pub max_attempts: i32,
    pub last_error: Option<String>,
    pub run_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// How many jobs of a kind are in a status.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct JobCount {
    pub kind: String,
    pub status: crate::job::JobStatus,
    pub count: i64,
}

/// Filters of the audit browser. Whatever the filters say, the records of a bid that is not
/// opened at `sealed_at` ([`crate::policy::bid_opened`]: its scenario's deadline has not come,
/// or it was withdrawn, or its scenario cancelled) and of a challenge not answered yet are
/// left out.
#[derive(Debug, Clone)]
pub struct AuditFilter {
    /// An action, or its start (`bid.` matches every bid action).
    pub action: Option<String>,
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    pub actor: Option<UserId>,
    pub since: Option<DateTime<Utc>>,
    /// One record only, by its place in the chain (never shown; for the chain check).
    pub seq: Option<i64>,
    pub sealed_at: DateTime<Utc>,
    pub offset: i64,
    pub limit: i64,
}

/// The reads behind the figures and the operators' pages.
pub trait ReportReads {
    /// Every scenario, every active bid as (scenario, vendor), every standing award.
    fn report_facts(&mut self) -> Result<crate::reports::Facts>;
    /// Per evaluator: panels sat on, conflicts declared, scores given.
    fn evaluator_workload(&mut self) -> Result<Vec<crate::reports::Workload>>;
    fn job_counts(&mut self) -> Result<Vec<JobCount>>;
    /// Parked jobs, most recently failed first, and their count.
    fn failed_jobs(&mut self, offset: i64, limit: i64) -> Result<(Vec<JobInfo>, i64)>;
    /// Audit records matching `f`, newest first, and how many match.
    fn audit_browse(&mut self, f: &AuditFilter) -> Result<(Vec<crate::audit::AuditRecord>, i64)>;
}
