//! The OPC community page (public) and the administrators' dashboard, job queue and audit
//! browser. Charts are inline SVG drawn by [`crate::charts`].

use std::collections::{BTreeMap, HashMap};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use domain::Error;
use domain::job::JobStatus;
use domain::scenario::Status;
use domain::sector::Sector;

use super::admin::require_admin;
use super::{
    CheckedForm, FormErrors, PageCtx, Pager, actor, current_account, error_page, render, see_other,
};
use crate::AppState;
use crate::api::reports::{AuditQuery, audit_filter};
use crate::charts::{ChartBar, columns, progress, rows, stacked_rows};
use crate::format::{beijing, money};
use crate::query::Paging;

/// A member startup's row.
struct MemberRow {
    id: i64,
    name: String,
    description: String,
    capabilities: Vec<String>,
    reputation: Option<String>,
    ratings: usize,
    bids: i64,
    awards: i64,
    awarded: String,
}

#[derive(Template)]
#[template(path = "opc.html")]
struct OpcPage {
    ctx: PageCtx,
    members_n: i64,
    bids: i64,
    awards: i64,
    year: i32,
    awards_year: i64,
    awarded: String,
    contracted: String,
    paid: String,
    pledge: String,
    /// Percent of the pledge, one decimal.
    share_text: String,
    /// The progress bar (SVG).
    bar: String,
    chart: String,
    members: Vec<MemberRow>,
}

/// `/opc`: the community's members, bids and awards, and this year against the pledge.
pub async fn opc(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let account = current_account(&req, &state).await;
    let c = match state
        .opc
        .get(&state, |services| services.opc_community())
        .await
    {
        Ok(c) => c,
        Err(e) => return error_page(&req, account.as_ref(), &e),
    };
    let ctx = PageCtx::new(&req, account.as_ref(), "opc");
    let loc = ctx.t.locale;
    let s = &c.summary;
    let month_names: Vec<ChartBar> = s
        .by_month
        .iter()
        .enumerate()
        .map(|(i, m)| ChartBar {
            label: ctx.t.t("opc.month").replace("{}", &(i + 1).to_string()),
            value: m.awarded_fen as f64,
            text: if m.awarded_fen > 0 {
                money(m.awarded_fen, loc)
            } else {
                "0".into()
            },
        })
        .collect();
    let chart = columns(
        "opc-months",
        &ctx.t
            .t("opc.chart_title")
            .replace("{}", &s.year.to_string()),
        &month_names,
    );
    let pct = s.pledge_share * 100.0;
    let members = c
        .members
        .iter()
        .map(|m| MemberRow {
            id: m.organization.id.0,
            name: m.organization.name.clone(),
            description: m.organization.description.clone(),
            capabilities: m.organization.capabilities.clone(),
            reputation: m.reputation.map(|r| format!("{r:.1}")),
            ratings: m.ratings,
            bids: m.figures.bids,
            awards: m.figures.awards,
            awarded: money(m.figures.awarded_fen, loc),
        })
        .collect();
    render(
        StatusCode::OK,
        &OpcPage {
            members_n: s.members,
            bids: s.bids,
            awards: s.awards,
            year: s.year,
            awards_year: s.awards_this_year,
            awarded: money(s.awarded_fen_this_year, loc),
            contracted: money(s.contracted_fen_this_year, loc),
            paid: money(s.paid_fen_this_year, loc),
            pledge: money(s.pledge_fen, loc),
            share_text: format!("{pct:.1}"),
            bar: progress(
                "opc-pledge",
                ctx.t.t("opc.pledge_title"),
                s.pledge_share,
                &format!("{pct:.1}%"),
            ),
            chart,
            members,
            ctx,
        },
    )
}

struct WorkloadRow {
    name: String,
    panels: i64,
    conflicts: i64,
    scores: i64,
}

/// Jobs of one kind: (kind, queued, running, failed, done).
type JobLine = (String, i64, i64, i64, i64);

#[derive(Template)]
#[template(path = "admin_dashboard.html")]
struct DashboardPage {
    ctx: PageCtx,
    scenarios: i64,
    opened: i64,
    mean_bids: String,
    median_days: String,
    awards: i64,
    failed_jobs: i64,
    contracts: domain::contract::Totals,
    contracted: String,
    paid: String,
    chart_states: String,
    chart_domains: String,
    chart_bids: String,
    chart_days: String,
    chart_opc: String,
    workload: Vec<WorkloadRow>,
    jobs: Vec<JobLine>,
    at: String,
}

fn percent(part: i64, whole: i64) -> f64 {
    if whole > 0 {
        part as f64 * 100.0 / whole as f64
    } else {
        0.0
    }
}

/// `/admin`: the dashboard.
pub async fn dashboard(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let account = match require_admin(&req, &state).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let a = actor(&account);
    let d = match state
        .call(move |services| services.admin_dashboard(&a))
        .await
    {
        Ok(d) => d,
        Err(e) => return error_page(&req, Some(&account), &e),
    };
    let ctx = PageCtx::new(&req, Some(&account), "admin");
    let t = &ctx.t;
    let f = &d.figures;
    let status_label = |code: &str| t.t(&format!("status.{code}")).to_string();
    let chart_states = rows(
        "chart-states",
        t.t("dash.by_state"),
        &f.by_state
            .iter()
            .map(|b| ChartBar::count(status_label(&b.key), b.count))
            .collect::<Vec<_>>(),
    );
    let series: Vec<String> = Status::ALL.iter().map(|s| status_label(s.code())).collect();
    let domains: Vec<(String, Vec<i64>)> = Sector::ALL
        .iter()
        .map(|sector| {
            let parts = f
                .by_domain
                .iter()
                .find(|(d, _)| d == sector)
                .map(|(_, states)| {
                    Status::ALL
                        .iter()
                        .map(|st| {
                            states
                                .iter()
                                .find(|b| b.key == st.code())
                                .map_or(0, |b| b.count)
                        })
                        .collect()
                })
                .unwrap_or_else(|| vec![0; Status::ALL.len()]);
            (t.t(&format!("domain.{}", sector.code())).to_string(), parts)
        })
        .collect();
    let chart_domains = stacked_rows("chart-domains", t.t("dash.by_domain"), &series, &domains);
    let chart_bids = columns(
        "chart-bids",
        t.t("dash.bids_per_scenario"),
        &f.bids_per_scenario
            .iter()
            .map(|b| ChartBar::count(t.t("dash.n_bids").replace("{}", &b.key), b.count))
            .collect::<Vec<_>>(),
    );
    let chart_days = columns(
        "chart-days",
        t.t("dash.days_to_award"),
        &f.days_to_award
            .iter()
            .map(|b| ChartBar::count(t.t("dash.n_days").replace("{}", &b.key), b.count))
            .collect::<Vec<_>>(),
    );
    let share = |label: &str, (part, whole): (i64, i64)| {
        let p = percent(part, whole);
        ChartBar {
            label: label.to_string(),
            value: p,
            text: format!("{p:.0}% ({part}/{whole})"),
        }
    };
    let chart_opc = rows(
        "chart-opc",
        t.t("dash.opc_share"),
        &[
            share(t.t("dash.opc_bids"), f.opc_bids),
            share(t.t("dash.opc_awards"), f.opc_awards),
        ],
    );
    let mut jobs: BTreeMap<String, [i64; 4]> = BTreeMap::new();
    for c in &d.jobs {
        let slot = match c.status {
            JobStatus::Queued => 0,
            JobStatus::Running => 1,
            JobStatus::Failed => 2,
            JobStatus::Done => 3,
        };
        jobs.entry(c.kind.clone()).or_default()[slot] += c.count;
    }
    let page = DashboardPage {
        scenarios: f.scenarios,
        opened: f.opened_scenarios,
        mean_bids: format!("{:.1}", f.mean_bids),
        median_days: f
            .median_days_to_award
            .map_or_else(|| "—".into(), |m| format!("{m:.1}")),
        awards: f.opc_awards.1,
        failed_jobs: d.failed_jobs,
        contracts: d.contracts,
        contracted: money(d.contracts.contracted_fen, ctx.t.locale),
        paid: money(d.contracts.paid_fen, ctx.t.locale),
        chart_states,
        chart_domains,
        chart_bids,
        chart_days,
        chart_opc,
        workload: f
            .workload
            .iter()
            .map(|w| WorkloadRow {
                name: w.name.clone(),
                panels: w.panels,
                conflicts: w.conflicts,
                scores: w.scores,
            })
            .collect(),
        jobs: jobs
            .into_iter()
            .map(|(k, [q, r, fl, dn])| (k, q, r, fl, dn))
            .collect(),
        at: beijing(d.at),
        ctx,
    };
    render(StatusCode::OK, &page)
}

struct JobRowView {
    id: i64,
    kind: String,
    attempts: String,
    last_error: String,
    created: String,
    failed: String,
}

#[derive(Template)]
#[template(path = "admin_jobs.html")]
struct JobsPage {
    ctx: PageCtx,
    jobs: Vec<JobRowView>,
    total_text: String,
    pager: Pager,
}

/// `/admin/jobs`: parked jobs with their last error and a retry button.
pub async fn jobs(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let account = match require_admin(&req, &state).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let paging =
        Paging::parse(q.get("page").and_then(|p| p.parse().ok()), Some(20)).unwrap_or(Paging {
            page: 1,
            per_page: 20,
        });
    let a = actor(&account);
    let (offset, limit) = (paging.offset(), paging.per_page);
    let (list, total) = match state
        .call(move |services| services.failed_jobs(&a, offset, limit))
        .await
    {
        Ok(x) => x,
        Err(e) => return error_page(&req, Some(&account), &e),
    };
    let ctx = PageCtx::new(&req, Some(&account), "admin");
    let pager = Pager::new(&ctx.t, "/admin/jobs", paging.page, paging.per_page, total);
    let page = JobsPage {
        jobs: list
            .into_iter()
            .map(|j| JobRowView {
                id: j.id,
                kind: j.kind,
                attempts: format!("{}/{}", j.attempts, j.max_attempts),
                last_error: j.last_error.unwrap_or_default(),
                created: beijing(j.created_at),
                failed: j.finished_at.map(beijing).unwrap_or_default(),
            })
            .collect(),
        total_text: ctx.t.t("admin.total").replace("{}", &total.to_string()),
        pager,
        ctx,
    };
    render(StatusCode::OK, &page)
}

/// `POST /admin/jobs/{id}/retry`.
pub async fn retry_job(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    _form: CheckedForm,
) -> HttpResponse {
    let account = match require_admin(&req, &state).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let a = actor(&account);
    let id = path.into_inner();
    match state.call(move |services| services.retry_job(&a, id)).await {
        Ok(()) => see_other("/admin/jobs?notice=job_retried"),
        Err(Error::Conflict { .. }) => see_other("/admin/jobs?notice=job_not_failed"),
        Err(e) => error_page(&req, Some(&account), &e),
    }
}

struct AuditRowView {
    at: String,
    actor: String,
    action: String,
    subject: String,
    before: String,
    after: String,
    redacted: bool,
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    ctx: PageCtx,
    q: AuditQuery,
    errors: FormErrors,
    rows: Vec<AuditRowView>,
    total_text: String,
    chain_ok: bool,
    chain_text: String,
    pager: Pager,
}

fn pretty(json: &Option<String>) -> String {
    json.as_deref()
        .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_default()
}

/// `/admin/audit`: the audit log with filters and the chain's status.
pub async fn audit(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<AuditQuery>,
) -> HttpResponse {
    let account = match require_admin(&req, &state).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let mut q = q.into_inner();
    q.per_page = Some(30);
    let ctx = PageCtx::new(&req, Some(&account), "admin");
    let (filter, paging, errors) = match audit_filter(&q) {
        Ok((f, p)) => (f, p, FormErrors::default()),
        Err(Error::Validation(e)) => {
            // The form comes back with the message beside each bad field; the log is shown
            // unfiltered below it.
            let errors = FormErrors::from_fields(&e, &ctx.t);
            let (f, p) = audit_filter(&AuditQuery {
                per_page: Some(30),
                ..AuditQuery::default()
            })
            .expect("no filters parse");
            (f, p, errors)
        }
        Err(e) => return error_page(&req, Some(&account), &e),
    };
    let a = actor(&account);
    let result = match state
        .call(move |services| services.audit_page(&a, filter))
        .await
    {
        Ok(r) => r,
        Err(e) => return error_page(&req, Some(&account), &e),
    };
    let t = &ctx.t;
    let chain_text = match &result.chain.first_broken {
        None => t
            .t("audit.chain_ok")
            .replace("{}", &result.chain.checked.to_string()),
        Some(b) => {
            let at =
                b.at.map(beijing)
                    .unwrap_or_else(|| t.t("audit.sealed").into());
            t.t("audit.chain_broken")
                .replace("{at}", &at)
                .replace("{reason}", &b.reason)
        }
    };
    let base = format!(
        "/admin/audit?{}",
        serde_urlencoded::to_string([
            ("action", q.action.as_deref().unwrap_or("")),
            ("subject", q.subject.as_deref().unwrap_or("")),
            ("actor", q.actor.as_deref().unwrap_or("")),
            ("since", q.since.as_deref().unwrap_or("")),
        ])
        .unwrap_or_default()
    );
    let pager = Pager::new(t, &base, paging.page, paging.per_page, result.total);
    let page = AuditPage {
        rows: result
            .items
            .iter()
            .map(|r| AuditRowView {
                at: beijing(r.at),
                actor: r
                    .actor
                    .map(|a| a.0.to_string())
                    .unwrap_or_else(|| "—".into()),
                action: r.action.clone(),
                subject: format!("{}:{}", r.subject_type, r.subject_id),
                before: pretty(&r.before),
                after: pretty(&r.after),
                redacted: r.redacted,
            })
            .collect(),
        total_text: t.t("admin.total").replace("{}", &result.total.to_string()),
        chain_ok: result.chain.ok,
        chain_text,
        pager,
        errors,
        q,
        ctx,
    };
    render(StatusCode::OK, &page)
}
