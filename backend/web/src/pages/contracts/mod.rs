//! The contract page of a scenario (`/scenarios/{id}/contract`): the contract notice for
//! everyone once the vendor confirmed it; for the owner the form to record it, then to accept
//! or return milestones and record payments; for the vendor its confirmation and submissions;
//! amendments for both. Every form works without JavaScript.

mod forms;

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use app::contracts::ContractBoard;
use askama::Template;
use domain::account::Locale;
use domain::contract::{Contract, FileKind, MilestoneStatus};
use domain::scenario::ScenarioId;

use super::{FormErrors, PageCtx, actor, current_account, error_page, render};
use crate::AppState;
use crate::format::{beijing, beijing_end, money, yuan_input};

use forms::{
    accept, amend, answer_amendment, attach_signed, confirm, pay, record, report, return_milestone,
    submit,
};

/// (url, file name, size)
type FileLink = (String, String, String);

struct SubmissionRow {
    at: String,
    note: String,
    review_due: String,
    /// (accepted, text, when)
    review: Option<(bool, String, String)>,
    evidence: Vec<FileLink>,
    reports: Vec<FileLink>,
}

struct MilestoneRow {
    id: i64,
    position: i32,
    title: String,
    due_on: String,
    share: u8,
    amount: String,
    status: &'static str,
    voided: bool,
    accepted_on: Option<String>,
    pay_by: Option<String>,
    paid: String,
    overdue: bool,
    submissions: Vec<SubmissionRow>,
    can_submit: bool,
    can_review: bool,
    can_report: bool,
    /// For the amendment form: (due date, share) as they stand; accepted ones do not change.
    amendable: bool,
}

struct PaymentRow {
    id: i64,
    milestone_id: i64,
    /// In fen, for a reversing entry's form.
    fen: i64,
    paid_on: String,
    milestone: String,
    amount: String,
    reversal: bool,
    reversed: bool,
}

struct AmendmentRow {
    id: i64,
    reason: String,
    /// (milestone title, new due date, new share)
    changes: Vec<(String, String, String)>,
    by_buyer: bool,
    at: String,
    status: String,
    can_confirm: bool,
    can_decline: bool,
}

#[derive(Template)]
#[template(path = "contract.html")]
struct ContractPage {
    ctx: PageCtx,
    id: i64,
    title: String,
    buyer: String,
    vendor: String,
    has_contract: bool,
    contract_id: i64,
    value: String,
    signed_on: String,
    term: String,
    published: Option<String>,
    notice_due: String,
    late_notice: bool,
    voided: Option<String>,
    signed_files: Vec<FileLink>,
    milestones: Vec<MilestoneRow>,
    payments: Vec<PaymentRow>,
    paid: String,
    amendments: Vec<AmendmentRow>,
    earlier_voided: usize,
    is_buyer: bool,
    is_vendor: bool,
    in_force: bool,
    may_record: bool,
    record_hold: Option<String>,
    may_confirm: bool,
    can_deliver: bool,
    can_amend: bool,
    /// Accepted milestones not paid in full: (id, label, owed yuan).
    payable: Vec<(i64, String, String)>,
    /// The form that was refused, its errors, message and values.
    form: String,
    errors: FormErrors,
    message: Option<String>,
    values: HashMap<String, String>,
    /// How many milestone rows the record form offers.
    rows: Vec<usize>,
}

impl ContractPage {
    fn value(&self, key: &str) -> &str {
        self.values.get(key).map(String::as_str).unwrap_or_default()
    }

    fn err(&self, form: &str, field: &str) -> bool {
        self.form == form && self.errors.has(field)
    }

    fn err_text(&self, field: &str) -> &str {
        self.errors.get(field)
    }
}

/// An agency's public record as pages show it.
pub struct RecordFigures {
    pub contracts: i64,
    /// "95.0%", or a dash before any acceptance.
    pub on_time: String,
    /// "16 天" / "16 days", or a dash before any payment in full.
    pub median: String,
    pub overdue: i64,
    pub contracted: String,
    pub paid: String,
}

impl RecordFigures {
    pub fn of(r: &app::contracts::AgencyRecord, t: &crate::i18n::Tr) -> RecordFigures {
        let dash = || t.t("con.na").to_string();
        RecordFigures {
            contracts: r.contracts,
            on_time: r
                .milestones_accepted_on_time_pct
                .map_or_else(dash, |p| format!("{p:.1}%")),
            median: r
                .median_days_to_pay
                .map_or_else(dash, |d| t.t("con.days").replace("{}", &format!("{d}"))),
            overdue: r.overdue_now,
            contracted: money(r.contracted_fen, t.locale),
            paid: money(r.paid_fen, t.locale),
        }
    }

    /// One line: contracts, on time, median days, overdue now.
    pub fn line(&self, t: &crate::i18n::Tr) -> String {
        if self.contracts == 0 {
            return t.t("con.record_none").to_string();
        }
        t.t("con.record_text")
            .replace("{contracts}", &self.contracts.to_string())
            .replace("{on_time}", &self.on_time)
            .replace("{median}", &self.median)
            .replace("{overdue}", &self.overdue.to_string())
    }
}

/// What a refused form brings back.
#[derive(Default)]
pub(super) struct Again {
    pub form: String,
    pub errors: FormErrors,
    pub message: Option<String>,
    pub values: HashMap<String, String>,
}

/// Rows of milestones the record form offers.
const PLAN_ROWS: usize = 5;

fn size(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

fn files(c: &Contract, kind: FileKind, submission: Option<i64>) -> Vec<FileLink> {
    c.files
        .iter()
        .filter(|f| f.kind == kind && (kind == FileKind::Signed || f.submission == submission))
        .map(|f| {
            (
                format!(
                    "/scenarios/{}/contract/files/{}",
                    c.scenario.0, f.file.sha256
                ),
                f.file.filename.clone(),
                size(f.file.size),
            )
        })
        .collect()
}

pub(super) async fn page(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    id: ScenarioId,
    again: Again,
) -> HttpResponse {
    let account = current_account(req, state).await;
    let viewer = account.as_ref().map(actor);
    let b: ContractBoard = match state
        .call(move |services| services.contract_board(viewer.as_ref(), id))
        .await
    {
        Ok(b) => b,
        Err(e) => return error_page(req, account.as_ref(), &e),
    };
    let ctx = PageCtx::new(req, account.as_ref(), "scenarios");
    let locale = ctx.t.locale;
    let today = domain::beijing::date(state.services.now());
    let status = if again.errors.is_empty() && again.message.is_none() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut page = ContractPage {
        id: b.scenario.0,
        title: b.title.clone(),
        buyer: b.buyer_name.clone(),
        vendor: b.vendor_name.clone(),
        has_contract: b.contract.is_some(),
        contract_id: 0,
        value: String::new(),
        signed_on: String::new(),
        term: String::new(),
        published: None,
        notice_due: b.notice_due.map(beijing_end).unwrap_or_default(),
        late_notice: b.late_notice,
        voided: None,
        signed_files: vec![],
        milestones: vec![],
        payments: vec![],
        paid: String::new(),
        amendments: vec![],
        earlier_voided: b.voided.len(),
        is_buyer: b.party == Some(true),
        is_vendor: b.party == Some(false),
        in_force: false,
        may_record: b.may_record,
        record_hold: b.record_hold.as_ref().map(|m| ctx.t.msg(m)),
        may_confirm: b.may_confirm,
        can_deliver: false,
        can_amend: false,
        payable: vec![],
        form: again.form,
        errors: again.errors,
        message: again.message,
        values: again.values,
        rows: (0..PLAN_ROWS).collect(),
        ctx,
    };
    if let Some(c) = &b.contract {
        fill(&mut page, c, locale, today);
    }
    render(status, &page)
}

/// The contract's parts as the page shows them.
fn fill(page: &mut ContractPage, c: &Contract, locale: Locale, today: chrono::NaiveDate) {
    let in_force = c.is_active() && c.confirmed_at.is_some();
    let t = &page.ctx.t;
    page.contract_id = c.id.0;
    page.value = money(c.value_fen, locale);
    page.signed_on = c.signed_on.to_string();
    page.term = t
        .t("con.term_text")
        .replace("{days}", &c.term_days.to_string())
        .replace(
            "{end}",
            &(c.signed_on + chrono::Duration::days(i64::from(c.term_days))).to_string(),
        );
    page.published = c.published_at().map(beijing);
    page.voided = c.voided_at.map(beijing);
    page.signed_files = files(c, FileKind::Signed, None);
    page.in_force = in_force;
    page.paid = money(c.paid_fen(), locale);
    let (buyer, vendor) = (page.is_buyer, page.is_vendor);
    page.milestones = c
        .milestones
        .iter()
        .map(|m| {
            let owed = c.owed(m);
            let paid = owed.as_ref().map_or(0, |o| o.paid_fen());
            MilestoneRow {
                id: m.id.0,
                position: m.position,
                title: m.title.clone(),
                due_on: m.due_on.to_string(),
                share: m.share_pct,
                amount: money(m.amount_fen, locale),
                status: m.status.code(),
                voided: m.voided,
                accepted_on: m.accepted_on().map(|d| d.to_string()),
                pay_by: m
                    .accepted_on()
                    .map(|d| domain::contract::payment_due(d).to_string()),
                paid: money(paid, locale),
                overdue: owed.as_ref().is_some_and(|o| o.overdue(today)),
                submissions: m
                    .submissions
                    .iter()
                    .map(|s| SubmissionRow {
                        at: beijing(s.at),
                        note: s.note.clone(),
                        review_due: beijing_end(s.review_due),
                        review: s
                            .review
                            .as_ref()
                            .map(|r| (r.accepted, r.text.clone(), beijing(r.at))),
                        evidence: files(c, FileKind::Evidence, Some(s.id)),
                        reports: files(c, FileKind::Report, Some(s.id)),
                    })
                    .collect(),
                can_submit: vendor
                    && in_force
                    && matches!(
                        m.status,
                        MilestoneStatus::Pending | MilestoneStatus::Returned
                    ),
                can_review: buyer && in_force && m.status == MilestoneStatus::Submitted,
                can_report: buyer && in_force && m.status == MilestoneStatus::Accepted,
                amendable: m.status != MilestoneStatus::Accepted,
            }
        })
        .collect();
    let title_of = |id| {
        c.milestone(id)
            .map(|m| format!("{}. {}", m.position, m.title))
            .unwrap_or_default()
    };
    page.payments = c
        .payments
        .iter()
        .map(|p| PaymentRow {
            id: p.id.0,
            milestone_id: p.milestone.0,
            fen: p.amount_fen,
            paid_on: p.paid_on.to_string(),
            milestone: title_of(p.milestone),
            amount: money(p.amount_fen, locale),
            reversal: p.corrects.is_some(),
            reversed: c.payments.iter().any(|q| q.corrects == Some(p.id)),
        })
        .collect();
    page.payable = c
        .milestones
        .iter()
        .filter_map(|m| {
            let o = c.owed(m)?;
            let left = o.amount_fen - o.paid_fen();
            (left > 0).then(|| (m.id.0, title_of(m.id), yuan_input(left)))
        })
        .collect();
    let org = if buyer { c.buyer } else { c.vendor };
    page.amendments = c
        .amendments
        .iter()
        .rev()
        .map(|a| AmendmentRow {
            id: a.id.0,
            reason: a.reason.clone(),
            changes: a
                .changes
                .iter()
                .map(|ch| {
                    (
                        title_of(ch.milestone),
                        ch.due_on.map(|d| d.to_string()).unwrap_or_default(),
                        ch.share_pct.map(|s| format!("{s}%")).unwrap_or_default(),
                    )
                })
                .collect(),
            by_buyer: a.proposed_org == c.buyer,
            at: beijing(a.proposed_at),
            status: a.outcome.clone().unwrap_or_else(|| "proposed".into()),
            can_confirm: in_force && a.is_open() && (buyer || vendor) && a.proposed_org != org,
            can_decline: in_force && a.is_open() && (buyer || vendor),
        })
        .collect();
    page.can_amend = in_force
        && (buyer || vendor)
        && c.open_amendment().is_none()
        && !c.implicit
        && !c.all_accepted();
    page.can_deliver = buyer && in_force && c.implicit && !c.all_accepted();
}

/// The contract pages' routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/agencies", web::get().to(agencies))
        .route("/scenarios/{id}/contract", web::get().to(show))
        .route("/scenarios/{id}/contract", web::post().to(record))
        .route(
            "/scenarios/{id}/contract/files/{sha256}",
            web::get().to(download),
        )
        .route(
            "/scenarios/{id}/contract/attachments",
            web::post().to(attach_signed),
        )
        .route("/scenarios/{id}/contract/confirm", web::post().to(confirm))
        .route("/scenarios/{id}/contract/payments", web::post().to(pay))
        .route("/scenarios/{id}/contract/amendments", web::post().to(amend))
        .route(
            "/scenarios/{id}/amendments/{aid}",
            web::post().to(answer_amendment),
        )
        .route(
            "/scenarios/{id}/milestones/{mid}/submission",
            web::post().to(submit),
        )
        .route(
            "/scenarios/{id}/milestones/{mid}/accept",
            web::post().to(accept),
        )
        .route(
            "/scenarios/{id}/milestones/{mid}/report",
            web::post().to(report),
        )
        .route(
            "/scenarios/{id}/milestones/{mid}/return",
            web::post().to(return_milestone),
        );
}

/// `GET /scenarios/{id}/contract`
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> HttpResponse {
    page(
        &req,
        &state,
        ScenarioId(path.into_inner()),
        Again::default(),
    )
    .await
}

/// `GET /scenarios/{id}/contract/files/{sha256}`: the signed contract for everyone once
/// published; evidence and reports for the parties.
pub async fn download(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
) -> HttpResponse {
    let account = current_account(&req, &state).await;
    let viewer = account.as_ref().map(actor);
    let (id, sha) = path.into_inner();
    let found = state
        .call(move |s| s.contract_file(viewer.as_ref(), ScenarioId(id), &sha))
        .await;
    match found {
        Ok(att) => match crate::api::bids::send_pdf(&req, &state, &att).await {
            Ok(r) => r,
            Err(e) => error_page(&req, account.as_ref(), &e.0),
        },
        Err(e) => error_page(&req, account.as_ref(), &e),
    }
}

#[derive(Template)]
#[template(path = "agencies.html")]
struct AgenciesPage {
    ctx: PageCtx,
    /// (organization id, name, figures)
    rows: Vec<(i64, String, RecordFigures)>,
}

/// `GET /agencies`: every verified agency's record of acceptance and payment.
pub async fn agencies(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let account = current_account(&req, &state).await;
    let list = match state.call(|s| s.agency_directory()).await {
        Ok(l) => l,
        Err(e) => return error_page(&req, account.as_ref(), &e),
    };
    let ctx = PageCtx::new(&req, account.as_ref(), "agencies");
    let rows = list
        .iter()
        .map(|(o, r)| (o.id.0, o.name.clone(), RecordFigures::of(r, &ctx.t)))
        .collect();
    render(StatusCode::OK, &AgenciesPage { ctx, rows })
}
