//! The OPC community's figures (public), and the administrators' dashboard, job queue and
//! audit browser.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Services, emit};
use domain::account::{OrgKind, Organization};
use domain::actor::Actor;
use domain::audit::{AuditRecord, ChainCheck};
use domain::error::{Error, Result};
use domain::evaluation::{self as ev, Marks, Rating};
use domain::event::DomainEvent;
use domain::message::Message;
use domain::policy;
use domain::ports::{AuditFilter, JobCount, JobInfo, OrgFilter, ReadTx, in_read, in_tx};
use domain::reports::{self, Dashboard, MemberFigures, OpcSummary};

/// One member startup on the community page.
#[derive(Debug, Clone, Serialize)]
pub struct OpcMember {
    pub organization: Organization,
    pub reputation: Option<f64>,
    pub ratings: usize,
    pub figures: MemberFigures,
}

/// The community page: the summary and every member, the most awarded first.
#[derive(Debug, Clone, Serialize)]
pub struct OpcCommunity {
    pub summary: OpcSummary,
    pub members: Vec<OpcMember>,
}

/// The dashboard with the job queue's counts.
#[derive(Debug, Clone, Serialize)]
pub struct AdminDashboard {
    pub figures: Dashboard,
    /// Every agency's contracts, all time.
    pub contracts: domain::contract::Totals,
    pub jobs: Vec<JobCount>,
    pub failed_jobs: i64,
    pub at: DateTime<Utc>,
}

/// What the audit chain check says, in terms that reveal nothing sealed.
#[derive(Debug, Clone, Serialize)]
pub struct ChainStatus {
    /// Every record, sealed ones included, links and hashes right.
    pub ok: bool,
    /// How many records the check covered that the browser may show (sealed records are
    /// checked too but not counted, since their number is the number of bids).
    pub checked: i64,
    /// The first record that breaks the chain, when the browser may show it.
    pub first_broken: Option<BrokenRecord>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BrokenRecord {
    /// Absent when the broken record is still sealed.
    pub at: Option<DateTime<Utc>>,
    pub action: Option<String>,
    pub reason: String,
}

/// A record as the audit browser shows it. Never its place in the chain nor its hashes: the
/// records a reader may not see (sealed bids, open challenges) stay in the one chain, and from
/// the numbers or the hashes of the records around them their number and timing could be
/// worked out. Its content only where the reader may read it
/// ([`policy::audit_content_shown`]).
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub actor: Option<domain::ids::UserId>,
    pub action: String,
    pub subject_type: String,
    pub subject_id: String,
    /// Canonical JSON text, as recorded; absent when redacted.
    pub before: Option<String>,
    pub after: Option<String>,
    /// The content is not the reader's to see (a draft's, an invitation's).
    pub redacted: bool,
}

/// A page of the audit browser.
#[derive(Debug, Clone, Serialize)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    pub total: i64,
    pub chain: ChainStatus,
}

/// How many members the community page lists at most.
const MAX_MEMBERS: i64 = 2000;

impl Services {
    fn opc_members(tx: &mut dyn ReadTx) -> Result<Vec<Organization>> {
        Ok(tx
            .organizations(&OrgFilter {
                kind: Some(OrgKind::Vendor),
                verified: Some(true),
                opc_member: Some(true),
                limit: MAX_MEMBERS,
                ..Default::default()
            })?
            .0)
    }

    /// The summary and every member with its reputation and figures.
    pub fn opc_community(&self) -> Result<OpcCommunity> {
        let now = self.now();
        in_read(&*self.store, |tx| {
            let orgs = Self::opc_members(tx)?;
            let ids: Vec<_> = orgs.iter().map(|o| o.id).collect();
            let facts = tx.report_facts()?;
            let mut summary = reports::opc_summary(&ids, &facts, now, self.market.opc_pledge_fen);
            let contracts = tx.contracts_of_parties(&ids, false)?;
            let year = domain::contract::totals(
                &contracts,
                &self.market.workdays,
                now,
                Some(summary.year),
            );
            summary.contracted_fen_this_year = year.contracted_fen;
            summary.paid_fen_this_year = year.paid_fen;
            let mut members = Vec::with_capacity(orgs.len());
            for o in orgs {
                let ratings = tx.ratings_of_vendor(o.id)?;
                let marks: Vec<Marks> = ratings.iter().map(Rating::marks).collect();
                members.push(OpcMember {
                    reputation: ev::reputation(&marks, self.market.reputation).map(|r| r.0),
                    ratings: ratings.len(),
                    figures: summary.per_member.get(&o.id).cloned().unwrap_or_default(),
                    organization: o,
                });
            }
            members.sort_by(|a, b| {
                (b.figures.awarded_fen, b.figures.awards, b.figures.bids)
                    .cmp(&(a.figures.awarded_fen, a.figures.awards, a.figures.bids))
                    .then_with(|| a.organization.name.cmp(&b.organization.name))
            });
            Ok(OpcCommunity { summary, members })
        })
    }

    /// The administrators' dashboard.
    pub fn admin_dashboard(&self, actor: &Actor) -> Result<AdminDashboard> {
        policy::require_admin(actor)?;
        let now = self.now();
        in_read(&*self.store, |tx| {
            let opc: HashSet<_> = Self::opc_members(tx)?.iter().map(|o| o.id).collect();
            let facts = tx.report_facts()?;
            let workload = tx.evaluator_workload()?;
            let agencies: Vec<_> = tx
                .organizations(&OrgFilter {
                    kind: Some(OrgKind::Agency),
                    limit: MAX_MEMBERS,
                    ..Default::default()
                })?
                .0
                .iter()
                .map(|o| o.id)
                .collect();
            let all = tx.contracts_of_parties(&agencies, true)?;
            let contracts = domain::contract::totals(&all, &self.market.workdays, now, None);
            let jobs = tx.job_counts()?;
            let failed_jobs = jobs
                .iter()
                .filter(|c| c.status == domain::job::JobStatus::Failed)
                .map(|c| c.count)
                .sum();
            Ok(AdminDashboard {
                figures: reports::dashboard(&facts, &opc, workload, now),
                contracts,
                jobs,
                failed_jobs,
                at: now,
            })
        })
    }

    /// Jobs by kind and status (for the metrics; no figure of it depends on a sealed bid).
    pub fn job_counts(&self) -> Result<Vec<JobCount>> {
        in_read(&*self.store, |tx| tx.job_counts())
    }

    /// Parked jobs, most recently failed first.
    pub fn failed_jobs(
        &self,
        actor: &Actor,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<JobInfo>, i64)> {
        policy::require_admin(actor)?;
        in_read(&*self.store, |tx| tx.failed_jobs(offset, limit))
    }

    /// Puts a parked job back in the queue (audited). A job that is not parked answers 409.
    pub fn retry_job(&self, actor: &Actor, id: i64) -> Result<()> {
        policy::require_admin(actor)?;
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let Some(kind) = tx.retry_failed(id, now)? else {
                return Err(Error::Conflict {
                    code: "not_failed",
                    detail: Message::new(
                        "该任务不在失败列表中（可能已重试或已完成）",
                        "This job is not parked as failed (it may have been retried or done)",
                    ),
                });
            };
            let retried = DomainEvent::JobRetried { job: id, kind };
            emit(tx, Some(actor.user_id), retried, now)?;
            Ok(())
        })
    }

    /// A page of the audit log, newest first, with the chain's status. The records of a bid
    /// stay out until it is opened (for ever for a withdrawn bid or a cancelled scenario's),
    /// those of a challenge until it is answered, for administrators too; drafts' and
    /// invitations' records are listed with their content withheld.
    pub fn audit_page(&self, actor: &Actor, mut filter: AuditFilter) -> Result<AuditPage> {
        policy::require_admin(actor)?;
        let now = self.now();
        filter.sealed_at = now;
        let check = self.verify_audit_chain()?;
        in_read(&*self.store, |tx| {
            let (records, total) = tx.audit_browse(&filter)?;
            let everything = |seq: Option<i64>, limit: i64| AuditFilter {
                action: None,
                subject_type: None,
                subject_id: None,
                actor: None,
                since: None,
                seq,
                sealed_at: now,
                offset: 0,
                limit,
            };
            let visible = tx.audit_browse(&everything(None, 0))?.1;
            let chain = match check {
                ChainCheck::Intact { .. } => ChainStatus {
                    ok: true,
                    checked: visible,
                    first_broken: None,
                },
                ChainCheck::Broken { seq, reason } => {
                    // The broken record as the browser would show it, if it may.
                    let shown = tx.audit_browse(&everything(Some(seq), 1))?.0.pop();
                    ChainStatus {
                        ok: false,
                        checked: visible,
                        first_broken: Some(BrokenRecord {
                            at: shown.as_ref().map(|r| r.at),
                            action: shown.map(|r| r.action),
                            reason,
                        }),
                    }
                }
            };
            // Whether each scenario on the page was ever published, looked up once.
            let mut published = std::collections::HashMap::new();
            let mut items = Vec::with_capacity(records.len());
            for r in records {
                items.push(Self::audit_entry(tx, r, &mut published)?);
            }
            Ok(AuditPage {
                items,
                total,
                chain,
            })
        })
    }

    /// The record as the browser shows it, its content withheld where the rule says so.
    fn audit_entry(
        tx: &mut dyn ReadTx,
        r: AuditRecord,
        seen: &mut std::collections::HashMap<i64, bool>,
    ) -> Result<AuditEntry> {
        let published = match (r.subject_type.as_str(), r.subject_id.parse::<i64>()) {
            ("scenario", Ok(id)) => match seen.get(&id) {
                Some(p) => *p,
                None => {
                    let p = tx
                        .scenario(domain::scenario::ScenarioId(id))?
                        .is_some_and(|s| s.published_at.is_some());
                    seen.insert(id, p);
                    p
                }
            },
            _ => false,
        };
        let shown = policy::audit_content_shown(&r.subject_type, published);
        Ok(AuditEntry {
            at: r.at,
            actor: r.actor,
            action: r.action,
            subject_type: r.subject_type,
            subject_id: r.subject_id,
            before: r.before.filter(|_| shown),
            after: r.after.filter(|_| shown),
            redacted: !shown,
        })
    }
}
