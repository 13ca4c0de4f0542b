//! The OPC community's figures (public) and the administrators' dashboard, job queue and
//! audit browser.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use domain::error::{Error, FieldError};
use domain::message::Message;
use domain::ports::AuditFilter;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::query::{Page, PageQuery, Paging};

/// One month of this year's awards to members.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MonthOut {
    /// `YYYY-MM`, Beijing time.
    pub month: String,
    pub awards: i64,
    pub awarded_fen: i64,
}

/// What the OPC community's verified members have bid and won, against its pledge.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OpcSummaryOut {
    /// Verified member startups.
    pub members: i64,
    /// Their bids on scenarios whose deadline has passed (sealed bids are never counted).
    pub bids: i64,
    /// Their standing awards, all time.
    pub awards: i64,
    /// The year of the figures below (Beijing time).
    pub year: i32,
    pub awards_this_year: i64,
    pub awarded_fen_this_year: i64,
    /// The members' contracts signed this year (published and in force).
    pub contracted_fen_this_year: i64,
    /// Paid this year on the members' contracts.
    pub paid_fen_this_year: i64,
    /// The pledge: at least 100 million yuan of orders a year (setting).
    pub pledge_fen: i64,
    /// `awarded_fen_this_year / pledge_fen`.
    pub pledge_share: f64,
    /// January to December.
    pub by_month: Vec<MonthOut>,
}

impl From<&domain::reports::OpcSummary> for OpcSummaryOut {
    fn from(s: &domain::reports::OpcSummary) -> Self {
        Self {
            members: s.members,
            bids: s.bids,
            awards: s.awards,
            year: s.year,
            awards_this_year: s.awards_this_year,
            awarded_fen_this_year: s.awarded_fen_this_year,
            contracted_fen_this_year: s.contracted_fen_this_year,
            paid_fen_this_year: s.paid_fen_this_year,
            pledge_fen: s.pledge_fen,
            pledge_share: s.pledge_share,
            by_month: s
                .by_month
                .iter()
                .map(|m| MonthOut {
                    month: m.month.clone(),
                    awards: m.awards,
                    awarded_fen: m.awarded_fen,
                })
                .collect(),
        }
    }
}

#[utoipa::path(tag = "transparency", responses((status = 200, body = OpcSummaryOut)))]
#[get("/opc/summary")]
/// The OPC community's members, their opened bids and awards, and this year's awarded value
/// against the pledge, by month.
pub async fn opc_summary(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let c = state
        .opc
        .get(&state, |services| services.opc_community())
        .await?;
    Ok(HttpResponse::Ok().json(OpcSummaryOut::from(&c.summary)))
}

/// A labelled count.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CountOut {
    pub key: String,
    pub count: i64,
}

/// One domain's scenarios by state.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DomainCountsOut {
    pub domain: String,
    pub states: Vec<CountOut>,
}

/// One evaluator's load.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WorkloadOut {
    pub evaluator_id: i64,
    pub name: String,
    pub panels: i64,
    pub conflicts: i64,
    pub scores: i64,
}

/// Jobs of a kind in a status.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JobCountOut {
    pub kind: String,
    pub status: String,
    pub count: i64,
}

/// The administrators' dashboard. Bid figures count opened bids only.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DashboardOut {
    pub scenarios: i64,
    pub by_state: Vec<CountOut>,
    pub by_domain: Vec<DomainCountsOut>,
    /// Opened scenarios with 0, 1, 2, 3, 4 and 5 or more bids.
    pub bids_per_scenario: Vec<CountOut>,
    pub opened_scenarios: i64,
    pub mean_bids: f64,
    /// Awards by days from publishing: 0-7, 8-14, 15-30, 31-60, 61+.
    pub days_to_award: Vec<CountOut>,
    pub median_days_to_award: Option<f64>,
    pub opc_bids: i64,
    pub all_bids: i64,
    pub opc_awards: i64,
    pub all_awards: i64,
    pub workload: Vec<WorkloadOut>,
    pub jobs: Vec<JobCountOut>,
    pub failed_jobs: i64,
}

fn counts(bars: &[domain::reports::Bar]) -> Vec<CountOut> {
    bars.iter()
        .map(|b| CountOut {
            key: b.key.clone(),
            count: b.count,
        })
        .collect()
}

impl From<&app::reports::AdminDashboard> for DashboardOut {
    fn from(d: &app::reports::AdminDashboard) -> Self {
        let f = &d.figures;
        Self {
            scenarios: f.scenarios,
            by_state: counts(&f.by_state),
            by_domain: f
                .by_domain
                .iter()
                .map(|(dom, states)| DomainCountsOut {
                    domain: dom.code().into(),
                    states: counts(states),
                })
                .collect(),
            bids_per_scenario: counts(&f.bids_per_scenario),
            opened_scenarios: f.opened_scenarios,
            mean_bids: f.mean_bids,
            days_to_award: counts(&f.days_to_award),
            median_days_to_award: f.median_days_to_award,
            opc_bids: f.opc_bids.0,
            all_bids: f.opc_bids.1,
            opc_awards: f.opc_awards.0,
            all_awards: f.opc_awards.1,
            workload: f
                .workload
                .iter()
                .map(|w| WorkloadOut {
                    evaluator_id: w.evaluator.0,
                    name: w.name.clone(),
                    panels: w.panels,
                    conflicts: w.conflicts,
                    scores: w.scores,
                })
                .collect(),
            jobs: d
                .jobs
                .iter()
                .map(|j| JobCountOut {
                    kind: j.kind.clone(),
                    status: j.status.code().to_string(),
                    count: j.count,
                })
                .collect(),
            failed_jobs: d.failed_jobs,
        }
    }
}

#[utoipa::path(tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = DashboardOut), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)))]
#[get("/admin/dashboard")]
/// Counts for the administrators: scenarios by domain and state, bids per opened scenario,
/// days to award, the OPC share, evaluator workload and the job queue.
pub async fn dashboard(state: web::Data<AppState>, who: Authenticated) -> ApiResult<HttpResponse> {
    let d = state
        .call(move |services| services.admin_dashboard(&who.actor))
        .await?;
    Ok(HttpResponse::Ok().json(DashboardOut::from(&d)))
}

/// A parked job (its payload is never shown).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JobOut {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<&domain::ports::JobInfo> for JobOut {
    fn from(j: &domain::ports::JobInfo) -> Self {
        Self {
            id: j.id,
            kind: j.kind.clone(),
            status: j.status.code().to_string(),
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            last_error: j.last_error.clone(),
            created_at: j.created_at,
            finished_at: j.finished_at,
        }
    }
}

#[utoipa::path(tag = "admin", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = Page<JobOut>), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[get("/admin/jobs/failed")]
/// Jobs that used up their attempts, most recently failed first, with their last error.
pub async fn failed_jobs(
    state: web::Data<AppState>,
    who: Authenticated,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    domain::policy::require_admin(&who.actor)?;
    let paging = q.paging()?;
    let (offset, limit) = (paging.offset(), paging.per_page);
    let (jobs, total) = state
        .call(move |services| services.failed_jobs(&who.actor, offset, limit))
        .await?;
    Ok(HttpResponse::Ok().json(paging.page_of(jobs.iter().map(JobOut::from).collect(), total)))
}

#[utoipa::path(tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "job id")),
    responses((status = 204, description = "queued again, due now"),
        (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 409, description = "`not_failed`: not parked", body = crate::error::Problem)))]
#[post("/admin/jobs/{id}/retry")]
/// Puts a parked job back in the queue with fresh attempts (audited as `job.retry`).
pub async fn retry_job(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    state
        .call(move |services| services.retry_job(&who.actor, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Filters of the audit browser.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// An action (`scenario.award`) or its start (`scenario.`).
    pub action: Option<String>,
    /// A subject type (`scenario`), or type and id (`scenario:42`).
    pub subject: Option<String>,
    /// The acting user's id.
    pub actor: Option<String>,
    /// Records at or after this instant (RFC 3339, or a date `YYYY-MM-DD`, Beijing time).
    pub since: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Turns the browser's filters into the store's, naming every bad one.
pub fn audit_filter(q: &AuditQuery) -> Result<(AuditFilter, Paging), Error> {
    let mut errors = Vec::new();
    let paging = paging_field(q.page, q.per_page, &mut errors);
    let action = text(&q.action).map(str::to_string);
    if action.as_ref().is_some_and(|a| a.chars().count() > 100) {
        errors.push(FieldError::new(
            "action",
            Message::new("动作最多 100 个字符", "action is at most 100 characters"),
        ));
    }
    let (mut subject_type, mut subject_id) = (None, None);
    if let Some(s) = text(&q.subject) {
        let (t, id) = match s.split_once(':') {
            Some((t, id)) => (t.trim(), Some(id.trim())),
            None => (s, None),
        };
        let word = |w: &str| {
            !w.is_empty()
                && w.len() <= 40
                && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        if !word(t) || id.is_some_and(|i| !word(i)) {
            errors.push(FieldError::new(
                "subject",
                Message::new(
                    "对象应为类型或“类型:编号”，如 scenario:42",
                    "subject is a type or type:id, e.g. scenario:42",
                ),
            ));
        } else {
            subject_type = Some(t.to_string());
            subject_id = id.map(str::to_string);
        }
    }
    let actor = match text(&q.actor) {
        None => None,
        Some(a) => match a.parse::<i64>() {
            Ok(id) => Some(domain::ids::UserId(id)),
            Err(_) => {
                errors.push(FieldError::new(
                    "actor",
                    Message::new("操作人应为用户编号", "actor is a user id"),
                ));
                None
            }
        },
    };
    let since = since_field(&q.since, &mut errors);
    match paging {
        Some(paging) if errors.is_empty() => Ok((
            AuditFilter {
                action,
                subject_type,
                subject_id,
                actor,
                since,
                seq: None,
                sealed_at: Utc::now(),
                offset: paging.offset(),
                limit: paging.per_page,
            },
            paging,
        )),
        _ => Err(Error::Validation(errors)),
    }
}

/// The paging, or its errors added to `errors`.
fn paging_field(
    page: Option<i64>,
    per_page: Option<i64>,
    errors: &mut Vec<FieldError>,
) -> Option<Paging> {
    match Paging::parse(page, per_page) {
        Ok(p) => Some(p),
        Err(Error::Validation(e)) => {
            errors.extend(e);
            None
        }
        Err(_) => None,
    }
}

/// The `since` filter, or its error added to `errors`.
fn since_field(v: &Option<String>, errors: &mut Vec<FieldError>) -> Option<DateTime<Utc>> {
    let s = text(v)?;
    let t = parse_since(s);
    if t.is_none() {
        errors.push(FieldError::new(
            "since",
            Message::new(
                "时间应为 RFC 3339 或 YYYY-MM-DD",
                "since is an RFC 3339 time or a YYYY-MM-DD date",
            ),
        ));
    }
    t
}

fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// An RFC 3339 instant, or the start of a Beijing date.
pub fn parse_since(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    d.and_hms_opt(0, 0, 0)?
        .and_local_timezone(domain::beijing::offset())
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// One audit record, as an administrator may see it: no place in the chain and no hashes
/// (the chain is checked by the server, see `chain`), and no content where it is withheld.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditRecordOut {
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub action: String,
    pub subject_type: String,
    pub subject_id: String,
    /// The state before and after, as recorded (JSON); null when withheld.
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    /// The content is withheld: a draft's (until it is published) or an invitation's (the
    /// agency's and the vendor's alone).
    pub redacted: bool,
}

impl From<&app::reports::AuditEntry> for AuditRecordOut {
    fn from(r: &app::reports::AuditEntry) -> Self {
        let json = |s: &Option<String>| s.as_deref().and_then(|t| serde_json::from_str(t).ok());
        Self {
            at: r.at,
            actor_id: r.actor.map(|a| a.0),
            action: r.action.clone(),
            subject_type: r.subject_type.clone(),
            subject_id: r.subject_id.clone(),
            before: json(&r.before),
            after: json(&r.after),
            redacted: r.redacted,
        }
    }
}

/// The first record that breaks the chain.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BrokenOut {
    /// Absent while the broken record may not be shown (a sealed bid's, an open challenge's).
    pub at: Option<DateTime<Utc>>,
    pub action: Option<String>,
    pub reason: String,
}

/// The audit chain's status.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChainOut {
    /// Every record (sealed ones too) links and hashes right.
    pub ok: bool,
    /// Records checked that may be shown (sealed ones are checked but not counted).
    pub checked: i64,
    pub first_broken: Option<BrokenOut>,
}

/// A page of the audit log, newest first, and the chain's status.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditPageOut {
    pub items: Vec<AuditRecordOut>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub chain: ChainOut,
}

impl AuditPageOut {
    pub fn of(p: &app::reports::AuditPage, paging: Paging) -> Self {
        Self {
            items: p.items.iter().map(AuditRecordOut::from).collect(),
            total: p.total,
            page: paging.page,
            per_page: paging.per_page,
            chain: ChainOut {
                ok: p.chain.ok,
                checked: p.chain.checked,
                first_broken: p.chain.first_broken.as_ref().map(|b| BrokenOut {
                    at: b.at,
                    action: b.action.clone(),
                    reason: b.reason.clone(),
                }),
            },
        }
    }
}

#[utoipa::path(tag = "admin", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, body = AuditPageOut), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[get("/admin/audit")]
/// The audit log, newest first, with filters and the chain's status. Records about a bid stay
/// hidden until the bids are opened (for ever for a withdrawn bid or a cancelled scenario's),
/// from administrators too; drafts' and invitations' records carry no content.
pub async fn audit(
    state: web::Data<AppState>,
    who: Authenticated,
    q: web::Query<AuditQuery>,
) -> ApiResult<HttpResponse> {
    // Who may ask comes before what was asked: a vendor learns nothing from a bad filter.
    domain::policy::require_admin(&who.actor)?;
    let (filter, paging) = audit_filter(&q)?;
    let page = state
        .call(move |services| services.audit_page(&who.actor, filter))
        .await?;
    Ok(HttpResponse::Ok().json(AuditPageOut::of(&page, paging)))
}

/// Filters of the release list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ReleasesQuery {
    /// Releases dated at or after this instant (RFC 3339, or a date `YYYY-MM-DD`, Beijing time).
    pub since: Option<String>,
    /// From 1.
    pub page: Option<i64>,
    /// 1 to 100 (20 when absent).
    pub per_page: Option<i64>,
}

fn request_uri(req: &actix_web::HttpRequest, state: &AppState) -> String {
    format!(
        "{}{}",
        state.services.auth.public_base_url.trim_end_matches('/'),
        req.uri()
    )
}

#[utoipa::path(tag = "transparency", params(ReleasesQuery),
    responses((status = 200, description = "an OCDS 1.1.5 release package, oldest release first; `Link` names the next page", content_type = "application/json"),
        (status = 422, body = crate::error::Problem)))]
#[get("/ocds/releases")]
/// Open contracting data: one release per public event of every published scenario (tender,
/// amendment, cancellation, opening with bid statistics, award with the ranking, delivery).
pub async fn ocds_releases(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<ReleasesQuery>,
) -> ApiResult<HttpResponse> {
    let mut errors = Vec::new();
    let paging = paging_field(q.page, q.per_page, &mut errors);
    let since = since_field(&q.since, &mut errors);
    let paging = match paging {
        Some(p) if errors.is_empty() => p,
        _ => return Err(Error::Validation(errors).into()),
    };
    let uri = request_uri(&req, &state);
    let (offset, limit) = (paging.offset() as usize, paging.per_page as usize);
    let (package, total) = state
        .call(move |services| services.ocds_release_package(since, offset, limit, &uri))
        .await?;
    let mut resp = HttpResponse::Ok();
    resp.insert_header(("X-Total-Count", total.to_string()));
    if paging.page.saturating_mul(paging.per_page) < total as i64 {
        let mut next: Vec<(&str, String)> = vec![
            ("page", (paging.page + 1).to_string()),
            ("per_page", paging.per_page.to_string()),
        ];
        if let Some(s) = text(&q.since) {
            next.push(("since", s.to_string()));
        }
        resp.insert_header((
            "Link",
            format!(
                "</api/v1/ocds/releases?{}>; rel=\"next\"",
                serde_urlencoded::to_string(&next).unwrap_or_default()
            ),
        ));
    }
    Ok(resp.content_type("application/json").body(package))
}

#[utoipa::path(tag = "transparency", params(("ocid" = String, Path, description = "the open contracting id")),
    responses((status = 200, description = "an OCDS 1.1.5 record package with the compiled release", content_type = "application/json"),
        (status = 404, body = crate::error::Problem)))]
#[get("/ocds/records/{ocid}")]
/// The record of one published scenario: every release and the compiled current state.
pub async fn ocds_record(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let ocid = path.into_inner();
    let uri = request_uri(&req, &state);
    let record = state
        .call(move |services| services.ocds_record(&ocid, &uri))
        .await?;
    Ok(HttpResponse::Ok().json(record))
}
