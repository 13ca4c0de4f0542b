//! Scenario pages: the public list and detail, the agency's dashboard, the create/edit form
//! with its criteria editor (rows added and removed by submitting, so it works without
//! JavaScript), the publish/extend/cancel confirmation steps, and the Q&A forms.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use domain::account::Role;
use domain::scenario::{
    CriterionInput, MAX_ANSWER, MAX_QUESTION, Move, QuestionId, ScenarioFields, ScenarioId,
    ScenarioInput, ScenarioPatch, Status, Warning, parse_body, parse_reason, posting_warnings,
};
use domain::sector::Sector;
use domain::services::accounts::Account;
use domain::services::scenarios::{QuestionView, ScenarioQuery, ScenarioView};
use domain::{Error, FieldError};

use super::{
    CheckedForm, FormData, FormErrors, PageCtx, Pager, actor, current_account, error_page, render,
    run, see_other,
};
use crate::AppState;
use crate::api::scenarios::{ScenarioListQuery, list_query};
use crate::format::{
    beijing, datetime_local, money, parse_datetime_local, parse_yuan, time_left, yuan_input,
};
use crate::i18n::Tr;

/// A scenario as a card or a page header shows it.
#[derive(Debug, Clone)]
pub struct Card {
    pub id: i64,
    pub title: String,
    pub summary: String,
    pub agency: String,
    pub domain_label: String,
    pub status: &'static str,
    pub status_label: String,
    pub budget: String,
    pub deadline: String,
    pub time_left: Option<String>,
    pub origin: &'static str,
    pub tags: Vec<String>,
}

fn domain_label(t: &Tr, d: Sector) -> String {
    t.t(&format!("domain.{}", d.code())).to_string()
}

fn card(v: &ScenarioView, t: &Tr, now: DateTime<Utc>) -> Card {
    let s = &v.scenario;
    let live = matches!(v.status, Status::Published);
    Card {
        id: s.id.0,
        title: s.title.clone(),
        summary: s.summary.clone(),
        agency: v.owner_name.clone(),
        domain_label: domain_label(t, s.domain),
        status: v.status.code(),
        status_label: t.t(&format!("status.{}", v.status.code())).to_string(),
        budget: format!(
            "{} – {}",
            money(s.budget_min_fen, t.locale),
            money(s.budget_max_fen, t.locale)
        ),
        deadline: beijing(s.bid_deadline),
        time_left: if live {
            time_left(s.bid_deadline, now, t)
        } else {
            None
        },
        origin: s.origin.code(),
        tags: s.tags.clone(),
    }
}

fn warning_texts(ws: &[Warning], t: &Tr) -> Vec<String> {
    ws.iter()
        .map(|w| {
            if t.is_zh() {
                w.zh.clone()
            } else {
                w.en.clone()
            }
        })
        .collect()
}

fn domains(t: &Tr) -> Vec<(&'static str, String)> {
    Sector::ALL
        .iter()
        .map(|d| (d.code(), domain_label(t, *d)))
        .collect()
}

#[derive(Template)]
#[template(path = "scenarios.html")]
struct ListPage {
    ctx: PageCtx,
    cards: Vec<Card>,
    domains: Vec<(&'static str, String)>,
    statuses: Vec<(&'static str, String)>,
    domain: String,
    status: String,
    total_text: String,
    pager: Pager,
}

/// `GET /scenarios`
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let account = current_account(&req, &state).await;
    let get = |k: &str| q.get(k).cloned().filter(|v| !v.is_empty());
    let raw = ScenarioListQuery {
        status: get("status"),
        domain: get("domain"),
        agency_id: get("agency_id").and_then(|a| a.parse().ok()),
        page: get("page").and_then(|p| p.parse().ok()),
        per_page: Some(20),
    };
    let (query, paging) = match list_query(&raw) {
        Ok(x) => x,
        Err(_) => list_query(&ScenarioListQuery {
            status: None,
            domain: None,
            agency_id: None,
            page: None,
            per_page: Some(20),
        })
        .expect("defaults parse"),
    };
    let services = state.services.clone();
    let viewer = account.as_ref().map(actor);
    let page = match run(move || services.list_scenarios(viewer.as_ref(), query)).await {
        Ok(p) => p,
        Err(e) => return error_page(&req, account.as_ref(), &e),
    };
    let ctx = PageCtx::new(&req, account.as_ref(), "scenarios");
    let now = state.services.now();
    let (domain, status) = (
        raw.domain.clone().unwrap_or_default(),
        raw.status.clone().unwrap_or_default(),
    );
    let base = format!(
        "/scenarios?{}",
        serde_urlencoded::to_string([("domain", domain.as_str()), ("status", status.as_str())])
            .unwrap_or_default()
    );
    let statuses = [
        Status::Published,
        Status::Evaluating,
        Status::Awarded,
        Status::Delivered,
        Status::Closed,
        Status::Cancelled,
    ]
    .iter()
    .map(|s| {
        (
            s.code(),
            ctx.t.t(&format!("status.{}", s.code())).to_string(),
        )
    })
    .collect();
    let page_view = ListPage {
        cards: page.items.iter().map(|v| card(v, &ctx.t, now)).collect(),
        domains: domains(&ctx.t),
        statuses,
        domain,
        status,
        total_text: ctx
            .t
            .t("admin.total")
            .replace("{}", &page.total.to_string()),
        pager: Pager::new(&ctx.t, &base, paging.page, paging.per_page, page.total),
        ctx,
    };
    render(StatusCode::OK, &page_view)
}

/// The compliance hints of a scenario as it stands (as if published now, if it is a draft).
fn current_warnings(v: &ScenarioView, now: DateTime<Utc>, t: &Tr) -> Vec<String> {
    let at = v.scenario.published_at.unwrap_or(now);
    ScenarioFields::try_from(ScenarioPatch::default().over(&v.scenario))
        .map(|f| warning_texts(&posting_warnings(&f, at), t))
        .unwrap_or_default()
}

/// The newest scenarios open for bids, for the home page (none if the list cannot be read).
pub async fn latest_open(state: &web::Data<AppState>, t: &Tr, n: i64) -> Vec<Card> {
    let services = state.services.clone();
    let q = ScenarioQuery {
        status: Some(Status::Published),
        limit: n,
        ..Default::default()
    };
    match run(move || services.list_scenarios(None, q)).await {
        Ok(page) => {
            let now = state.services.now();
            page.items.iter().map(|v| card(v, t, now)).collect()
        }
        Err(e) => {
            tracing::error!(error = %e, "home page: cannot list scenarios");
            vec![]
        }
    }
}

#[derive(Template)]
#[template(path = "my_scenarios.html")]
struct MyPage {
    ctx: PageCtx,
    /// (state label, count, cards)
    groups: Vec<(String, usize, Vec<Card>)>,
}

/// `GET /my/scenarios`: the agency's scenarios grouped by state.
pub async fn mine(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let account = signed_in!(req, state);
    let a = actor(&account);
    if let Err(e) = domain::policy::can_draft_scenario(&a) {
        return error_page(&req, Some(&account), &e);
    }
    let services = state.services.clone();
    let q = ScenarioQuery {
        agency: a.organization_id,
        limit: 500,
        ..Default::default()
    };
    let page = match run(move || services.list_scenarios(Some(&a), q)).await {
        Ok(p) => p,
        Err(e) => return error_page(&req, Some(&account), &e),
    };
    let ctx = PageCtx::new(&req, Some(&account), "my_scenarios");
    let now = state.services.now();
    let groups = Status::ALL
        .iter()
        .map(|st| {
            let cards: Vec<Card> = page
                .items
                .iter()
                .filter(|v| v.status == *st)
                .map(|v| card(v, &ctx.t, now))
                .collect();
            (
                ctx.t.t(&format!("status.{}", st.code())).to_string(),
                cards.len(),
                cards,
            )
        })
        .collect();
    render(StatusCode::OK, &MyPage { ctx, groups })
}

/// A question as the page shows it.
#[derive(Debug, Clone)]
pub struct QuestionRow {
    pub id: i64,
    pub body: String,
    pub asked_at: String,
    pub mine: bool,
    /// (body, when)
    pub answers: Vec<(String, String)>,
}

impl From<&QuestionView> for QuestionRow {
    fn from(q: &QuestionView) -> Self {
        QuestionRow {
            id: q.id.0,
            body: q.body.clone(),
            asked_at: beijing(q.created_at),
            mine: q.mine,
            answers: q
                .answers
                .iter()
                .map(|a| (a.body.clone(), beijing(a.created_at)))
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "scenario.html")]
struct DetailPage {
    ctx: PageCtx,
    c: Card,
    paragraphs: Vec<String>,
    price_weight: i32,
    criteria: Vec<(String, i32, String)>,
    procurement_label: String,
    bid_count: Option<i64>,
    cancel_reason: Option<String>,
    questions: Vec<QuestionRow>,
    is_owner: bool,
    can_edit: bool,
    can_publish: bool,
    /// The owner's agency is not verified yet, so the draft cannot be published.
    publish_unverified: bool,
    can_extend: bool,
    can_cancel: bool,
    can_answer: bool,
    can_ask: bool,
    show_ask_sign_in: bool,
    warnings: Vec<String>,
    errors: FormErrors,
    // The bid panel.
    show_bid_form: bool,
    bid_action: String,
    bid_form: super::bids::BidForm,
    bid_errors: FormErrors,
    bid_message: Option<String>,
    bid_submit: String,
    with_files: bool,
    /// (bid id, status label) of the viewer's active bid.
    my_bid: Option<(i64, String)>,
    bid_unverified: bool,
    bid_sign_in: bool,
    bids_opened: bool,
    can_panel: bool,
    can_rank: bool,
    can_deliver: bool,
    can_rate: bool,
    has_notice: bool,
    show_result: bool,
}

pub(super) async fn detail_page(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    account: Option<&Account>,
    id: ScenarioId,
    errors: FormErrors,
    bid: super::bids::BidFormState,
) -> HttpResponse {
    let viewer = account.map(actor);
    let services = state.services.clone();
    let d = match run(move || services.scenario_detail(viewer.as_ref(), id)).await {
        Ok(d) => d,
        Err(e) => return error_page(req, account, &e),
    };
    let (v, qs, own_bids) = (&d.view, &d.questions, &d.own_bids);
    let ctx = PageCtx::new(req, account, "scenarios");
    let now = state.services.now();
    let s = &v.scenario;
    let is_owner = viewer
        .as_ref()
        .is_some_and(|a| domain::policy::require_scenario_owner(a, s).is_ok());
    let is_vendor = viewer.as_ref().is_some_and(|a| a.role == Role::Vendor);
    let open = v.status == Status::Published;
    let warnings = if is_owner && matches!(v.status, Status::Draft | Status::Published) {
        current_warnings(&v, now, &ctx.t)
    } else {
        vec![]
    };
    let status = if errors.is_empty() && bid.errors.is_empty() && bid.message.is_none() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let active = own_bids
        .iter()
        .find(|b| b.bid.status == domain::bid::BidStatus::Submitted);
    let verified_vendor = is_vendor
        && account
            .and_then(|a| a.organization.as_ref())
            .is_some_and(|o| o.verified);
    let my_bid = active.map(|b| (b.bid.id.0, ctx.t.t("bid.status_submitted").to_string()));
    let page = DetailPage {
        show_bid_form: d.may(Move::Bid),
        bid_action: format!("/scenarios/{}/bid", s.id.0),
        bid_form: bid.form,
        bid_errors: bid.errors,
        bid_message: bid.message,
        bid_submit: ctx.t.t("bid.submit").to_string(),
        with_files: true,
        my_bid,
        bid_unverified: is_vendor && !verified_vendor && open,
        bid_sign_in: account.is_none() && open,
        bids_opened: v.bid_count.is_some(),
        can_panel: d.may(Move::SetPanel),
        can_rank: d.may(Move::Rank),
        can_deliver: d.may(Move::Deliver),
        can_rate: d.may(Move::Close),
        has_notice: s.award.is_some(),
        show_result: s.award.is_some()
            && own_bids
                .iter()
                .any(|b| b.bid.status == domain::bid::BidStatus::Submitted),
        c: card(v, &ctx.t, now),
        paragraphs: s
            .description
            .split("\n\n")
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect(),
        price_weight: s.price_weight,
        criteria: s
            .criteria
            .iter()
            .map(|c| (c.name.clone(), c.weight, c.description.clone()))
            .collect(),
        procurement_label: ctx
            .t
            .t(&format!("scn.{}", s.procurement_type.code()))
            .to_string(),
        bid_count: v.bid_count,
        cancel_reason: s.cancel_reason.clone(),
        questions: qs.iter().map(QuestionRow::from).collect(),
        is_owner,
        can_edit: d.may(Move::Edit),
        can_publish: d.may(Move::Publish),
        publish_unverified: is_owner && v.status == Status::Draft && !d.may(Move::Publish),
        can_extend: d.may(Move::Extend),
        can_cancel: d.may(Move::Cancel),
        can_answer: d.may(Move::Answer),
        can_ask: d.may(Move::Ask),
        show_ask_sign_in: account.is_none() && open,
        warnings,
        errors,
        ctx,
    };
    render(status, &page)
}

/// `GET /scenarios/{id}`
pub async fn detail(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> HttpResponse {
    let account = current_account(&req, &state).await;
    detail_page(
        &req,
        &state,
        account.as_ref(),
        ScenarioId(path.into_inner()),
        FormErrors::default(),
        Default::default(),
    )
    .await
}

/// `POST /scenarios/{id}/questions`
pub async fn ask(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = ScenarioId(path.into_inner());
    let body = form.0.get("body");
    let a = actor(&account);
    let services = state.services.clone();
    let result = match parse_body(&body, MAX_QUESTION) {
        Ok(text) => run(move || services.ask_question(&a, id, text))
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => see_other(&format!("/scenarios/{}?notice=question_sent#qa", id.0)),
        Err(Error::Validation(errs)) => {
            let t = Tr::new(crate::session::locale_of(&req));
            detail_page(
                &req,
                &state,
                Some(&account),
                id,
                FormErrors::from_fields(&errs, &t),
                Default::default(),
            )
            .await
        }
        Err(e) => error_page(&req, Some(&account), &e),
    }
}

/// `POST /questions/{id}/answer`
pub async fn answer(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = QuestionId(path.into_inner());
    let a = actor(&account);
    let services = state.services.clone();
    let result = match parse_body(&form.0.get("body"), MAX_ANSWER) {
        Ok(text) => run(move || services.answer_question(&a, id, text)).await,
        Err(e) => Err(e),
    };
    match result {
        Ok((q, _)) => see_other(&format!("/scenarios/{}?notice=answered#qa", q.scenario.0)),
        Err(e) => error_page(&req, Some(&account), &e),
    }
}

/// One criterion row of the form.
#[derive(Debug, Clone, Default)]
pub struct CriterionRow {
    pub name: String,
    pub weight: String,
    pub description: String,
    pub name_key: String,
    pub weight_key: String,
}

/// The scenario form's values, as typed.
#[derive(Debug, Clone, Default)]
pub struct ScenarioForm {
    pub title: String,
    pub summary: String,
    pub description: String,
    pub domain: String,
    pub procurement_type: String,
    pub tags: String,
    pub budget_min: String,
    pub budget_max: String,
    pub bid_deadline: String,
    pub price_weight: String,
    pub criteria: Vec<CriterionRow>,
}

fn row(i: usize, name: String, weight: String, description: String) -> CriterionRow {
    CriterionRow {
        name,
        weight,
        description,
        name_key: format!("criteria[{i}].name"),
        weight_key: format!("criteria[{i}].weight"),
    }
}

impl ScenarioForm {
    fn blank(now: DateTime<Utc>) -> Self {
        ScenarioForm {
            domain: Sector::CityGovernance.code().into(),
            procurement_type: "services".into(),
            bid_deadline: datetime_local(now + chrono::Duration::days(30))
                .get(..11)
                .map(|d| format!("{d}17:00"))
                .unwrap_or_default(),
            price_weight: "30".into(),
            criteria: vec![
                row(0, String::new(), "40".into(), String::new()),
                row(1, String::new(), "30".into(), String::new()),
            ],
            ..Default::default()
        }
    }

    fn of(v: &ScenarioView) -> Self {
        let s = &v.scenario;
        ScenarioForm {
            title: s.title.clone(),
            summary: s.summary.clone(),
            description: s.description.clone(),
            domain: s.domain.code().into(),
            procurement_type: s.procurement_type.code().into(),
            tags: s.tags.join("，"),
            budget_min: yuan_input(s.budget_min_fen),
            budget_max: yuan_input(s.budget_max_fen),
            bid_deadline: datetime_local(s.bid_deadline),
            price_weight: s.price_weight.to_string(),
            criteria: s
                .criteria
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    row(
                        i,
                        c.name.clone(),
                        c.weight.to_string(),
                        c.description.clone(),
                    )
                })
                .collect(),
        }
    }

    fn from_post(f: &FormData) -> Self {
        let (names, weights, descs) = (
            f.all("criterion_name"),
            f.all("criterion_weight"),
            f.all("criterion_description"),
        );
        let n = names.len().max(weights.len()).max(descs.len());
        let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
        ScenarioForm {
            title: f.get("title"),
            summary: f.get("summary"),
            description: f.get("description"),
            domain: f.get("domain"),
            procurement_type: f.get("procurement_type"),
            tags: f.get("tags"),
            budget_min: f.get("budget_min"),
            budget_max: f.get("budget_max"),
            bid_deadline: f.get("bid_deadline"),
            price_weight: f.get("price_weight"),
            criteria: (0..n)
                .map(|i| row(i, at(&names, i), at(&weights, i), at(&descs, i)))
                .collect(),
        }
    }

    /// Re-numbers the rows (after one was added or removed).
    fn renumber(&mut self) {
        for (i, r) in self.criteria.iter_mut().enumerate() {
            *r = row(
                i,
                std::mem::take(&mut r.name),
                std::mem::take(&mut r.weight),
                std::mem::take(&mut r.description),
            );
        }
    }

    /// The domain input, plus the errors of values the form itself cannot read. Blank
    /// criterion rows are left out; error names keep the rows' positions.
    fn input(&self, t: &Tr) -> (ScenarioInput, Vec<FieldError>, Vec<usize>) {
        let mut errs = Vec::new();
        let money_of = |raw: &str, field: &str, errs: &mut Vec<FieldError>| {
            match raw.trim() {
            "" => None,
            s => parse_yuan(s).or_else(|| {
                errs.push(FieldError::new(field, t.pick("请输入金额（元），最多两位小数 / enter an amount in yuan, at most two decimals")));
                None
            }),
        }
        };
        let budget_min_fen = money_of(&self.budget_min, "budget_min_fen", &mut errs);
        let budget_max_fen = money_of(&self.budget_max, "budget_max_fen", &mut errs);
        let bid_deadline = match self.bid_deadline.trim() {
            "" => String::new(),
            s => match parse_datetime_local(s) {
                Some(d) => d.to_rfc3339(),
                None => {
                    errs.push(FieldError::new(
                        "bid_deadline",
                        t.pick("请选择日期和时间 / choose a date and time"),
                    ));
                    String::new()
                }
            },
        };
        let int =
            |raw: &str, field: &str, errs: &mut Vec<FieldError>| match raw.trim().parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errs.push(FieldError::new(
                        field,
                        t.pick("请输入 0 到 100 的整数 / enter a whole number from 0 to 100"),
                    ));
                    None
                }
            };
        let price_weight = int(&self.price_weight, "price_weight", &mut errs);
        let mut criteria = Vec::new();
        let mut positions = Vec::new();
        for (i, r) in self.criteria.iter().enumerate() {
            if r.name.trim().is_empty()
                && r.description.trim().is_empty()
                && r.weight.trim().is_empty()
            {
                continue;
            }
            let weight = int(&r.weight, &r.weight_key, &mut errs).unwrap_or(0);
            criteria.push(CriterionInput {
                name: r.name.clone(),
                weight,
                description: r.description.clone(),
            });
            positions.push(i);
        }
        let input = ScenarioInput {
            title: self.title.clone(),
            summary: self.summary.clone(),
            description: self.description.clone(),
            domain: self.domain.clone(),
            tags: domain::text::split_tag_line(&self.tags),
            budget_min_fen,
            budget_max_fen,
            bid_deadline,
            price_weight,
            procurement_type: self.procurement_type.clone(),
            criteria,
        };
        (input, errs, positions)
    }
}

/// Maps the domain's `criteria[k]` names back to the form's row positions and lets the form's
/// own errors win for the same field.
fn merge_errors(
    form_errs: Vec<FieldError>,
    domain_errs: Vec<FieldError>,
    positions: &[usize],
    t: &Tr,
) -> FormErrors {
    let mut out = FormErrors::from_fields(&form_errs, t);
    for mut e in domain_errs {
        if let Some(rest) = e.field.strip_prefix("criteria[")
            && let Some((k, tail)) = rest.split_once(']')
            && let Ok(k) = k.parse::<usize>()
        {
            e.field = format!("criteria[{}]{tail}", positions.get(k).copied().unwrap_or(k));
        }
        if !out.has(&e.field) {
            out.insert(&e.field, t.pick(&e.message));
        }
    }
    out
}

#[derive(Template)]
#[template(path = "scenario_form.html")]
struct FormPage {
    ctx: PageCtx,
    heading: String,
    action: String,
    back_href: Option<String>,
    form: ScenarioForm,
    domains: Vec<(&'static str, String)>,
    errors: FormErrors,
    error_summary: String,
    warnings: Vec<String>,
}

fn form_page(
    req: &HttpRequest,
    account: &Account,
    id: Option<ScenarioId>,
    form: ScenarioForm,
    errors: FormErrors,
    warnings: Vec<String>,
) -> HttpResponse {
    let ctx = PageCtx::new(req, Some(account), "my_scenarios");
    let (heading, action, back_href) = match id {
        Some(id) => (
            ctx.t.t("scn.form_edit_title").to_string(),
            format!("/scenarios/{}/edit", id.0),
            Some(format!("/scenarios/{}", id.0)),
        ),
        None => (
            ctx.t.t("scn.form_new_title").to_string(),
            "/scenarios/new".to_string(),
            None,
        ),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let n = errors.len();
    let error_summary = ctx.t.pick(&format!(
        "{n} 个字段有误，请修改后再保存 / {n} field(s) need attention before saving"
    ));
    let page = FormPage {
        domains: domains(&ctx.t),
        heading,
        action,
        back_href,
        form,
        errors,
        error_summary,
        warnings,
        ctx,
    };
    render(status, &page)
}

/// `GET /scenarios/new`
pub async fn new_form(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let account = signed_in!(req, state);
    if let Err(e) = domain::policy::can_draft_scenario(&actor(&account)) {
        return error_page(&req, Some(&account), &e);
    }
    form_page(
        &req,
        &account,
        None,
        ScenarioForm::blank(state.services.now()),
        FormErrors::default(),
        vec![],
    )
}

/// `GET /scenarios/{id}/edit`
pub async fn edit_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = ScenarioId(path.into_inner());
    let a = actor(&account);
    let services = state.services.clone();
    match run(move || {
        let v = services.scenario(Some(&a), id)?;
        domain::policy::require_scenario_owner(&a, &v.scenario)?;
        Ok(v)
    })
    .await
    {
        Ok(v) => form_page(
            &req,
            &account,
            Some(id),
            ScenarioForm::of(&v),
            FormErrors::default(),
            current_warnings(
                &v,
                state.services.now(),
                &Tr::new(crate::session::locale_of(&req)),
            ),
        ),
        Err(e) => error_page(&req, Some(&account), &e),
    }
}

/// `POST /scenarios/new` and `POST /scenarios/{id}/edit`: add or remove a criterion row, or save.
async fn save(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: Option<ScenarioId>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let f = form.0;
    let t = Tr::new(crate::session::locale_of(&req));
    let mut sf = ScenarioForm::from_post(&f);
    let op = f.get("op");
    if op == "add" {
        sf.criteria.push(CriterionRow::default());
        sf.renumber();
        return form_page(&req, &account, id, sf, FormErrors::default(), vec![]);
    }
    if let Some(i) = op
        .strip_prefix("remove:")
        .and_then(|i| i.parse::<usize>().ok())
    {
        if i < sf.criteria.len() {
            sf.criteria.remove(i);
        }
        sf.renumber();
        return form_page(&req, &account, id, sf, FormErrors::default(), vec![]);
    }
    let (input, form_errs, positions) = sf.input(&t);
    let a = actor(&account);
    let services = state.services.clone();
    let result = match ScenarioFields::try_from(input.clone()) {
        Ok(fields) if form_errs.is_empty() => match id {
            None => run(move || services.create_scenario(&a, fields)).await,
            Some(id) => {
                let patch = ScenarioPatch {
                    title: Some(input.title),
                    summary: Some(input.summary),
                    description: Some(input.description),
                    domain: Some(input.domain),
                    tags: Some(input.tags),
                    budget_min_fen: input.budget_min_fen,
                    budget_max_fen: input.budget_max_fen,
                    bid_deadline: Some(input.bid_deadline),
                    price_weight: input.price_weight,
                    procurement_type: Some(input.procurement_type),
                    criteria: Some(input.criteria),
                };
                run(move || services.update_scenario(&a, id, patch)).await
            }
        },
        Ok(_) => Err(Error::Validation(vec![])),
        Err(e) => Err(e),
    };
    match result {
        Ok((v, _)) => see_other(&format!(
            "/scenarios/{}?notice=scenario_saved",
            v.scenario.id.0
        )),
        Err(Error::Validation(domain_errs)) => {
            let errors = merge_errors(form_errs, domain_errs, &positions, &t);
            form_page(&req, &account, id, sf, errors, vec![])
        }
        Err(e) => error_page(&req, Some(&account), &e),
    }
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CheckedForm,
) -> HttpResponse {
    save(req, state, None, form).await
}

pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CheckedForm,
) -> HttpResponse {
    save(req, state, Some(ScenarioId(path.into_inner())), form).await
}

#[derive(Template)]
#[template(path = "scenario_confirm.html")]
struct ConfirmPage {
    ctx: PageCtx,
    kind: &'static str,
    id: i64,
    heading: String,
    title: String,
    lead: String,
    submit: String,
    action: String,
    current_deadline: String,
    value: String,
    warnings: Vec<String>,
    errors: FormErrors,
    form_message: Option<String>,
}

/// The three confirmation steps.
#[derive(Debug, Clone, Copy)]
pub enum Step {
    Publish,
    Extend,
    Cancel,
}

impl Step {
    fn kind(self) -> &'static str {
        match self {
            Step::Publish => "publish",
            Step::Extend => "extend",
            Step::Cancel => "cancel",
        }
    }
}

/// What a refused confirmation shows again: the typed value, field errors, a message.
#[derive(Debug, Default)]
struct Feedback {
    value: Option<String>,
    errors: FormErrors,
    message: Option<String>,
}

async fn confirm_page(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    account: &Account,
    id: ScenarioId,
    step: Step,
    feedback: Feedback,
) -> HttpResponse {
    let Feedback {
        value,
        errors,
        message,
    } = feedback;
    let a = actor(account);
    let services = state.services.clone();
    let v = match run(move || {
        let v = services.scenario(Some(&a), id)?;
        domain::policy::require_scenario_owner(&a, &v.scenario)?;
        Ok(v)
    })
    .await
    {
        Ok(v) => v,
        Err(e) => return error_page(req, Some(account), &e),
    };
    let ctx = PageCtx::new(req, Some(account), "my_scenarios");
    let now = state.services.now();
    let s = &v.scenario;
    let k = step.kind();
    let warnings = match step {
        Step::Publish => current_warnings(&v, now, &ctx.t),
        _ => vec![],
    };
    let value = value.unwrap_or_else(|| match step {
        Step::Extend => datetime_local(s.bid_deadline + chrono::Duration::days(7)),
        _ => String::new(),
    });
    let status = if errors.is_empty() && message.is_none() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ConfirmPage {
        kind: k,
        id: s.id.0,
        heading: ctx.t.t(&format!("scn.confirm_{k}_title")).to_string(),
        title: s.title.clone(),
        lead: ctx.t.t(&format!("scn.confirm_{k}_lead")).to_string(),
        submit: ctx.t.t(&format!("scn.confirm_{k}")).to_string(),
        action: format!("/scenarios/{}/{k}", s.id.0),
        current_deadline: beijing(s.bid_deadline),
        value,
        warnings,
        errors,
        form_message: message.map(|m| ctx.t.pick(&m)),
        ctx,
    };
    render(status, &page)
}

/// `GET /scenarios/{id}/{publish|extend|cancel}`
pub async fn confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let (id, step) = path.into_inner();
    let Some(step) = parse_step(&step) else {
        return error_page(&req, Some(&account), &Error::NotFound);
    };
    confirm_page(
        &req,
        &state,
        &account,
        ScenarioId(id),
        step,
        Feedback::default(),
    )
    .await
}

fn parse_step(s: &str) -> Option<Step> {
    match s {
        "publish" => Some(Step::Publish),
        "extend" => Some(Step::Extend),
        "cancel" => Some(Step::Cancel),
        _ => None,
    }
}

/// `POST /scenarios/{id}/{publish|extend|cancel}`
pub async fn act(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let (raw_id, step) = path.into_inner();
    let Some(step) = parse_step(&step) else {
        return error_page(&req, Some(&account), &Error::NotFound);
    };
    let id = ScenarioId(raw_id);
    let f = form.0;
    let t = Tr::new(crate::session::locale_of(&req));
    let a = actor(&account);
    let services = state.services.clone();
    let value = match step {
        Step::Extend => f.get("bid_deadline"),
        Step::Cancel => f.get("reason"),
        Step::Publish => String::new(),
    };
    let result: domain::Result<()> = match step {
        Step::Publish => run(move || services.publish_scenario(&a, id).map(drop)).await,
        Step::Extend => match parse_datetime_local(&value) {
            Some(d) => run(move || services.extend_deadline(&a, id, d).map(drop)).await,
            None => Err(Error::field(
                "bid_deadline",
                "请选择日期和时间 / choose a date and time",
            )),
        },
        Step::Cancel => match parse_reason(&value) {
            Ok(r) => run(move || services.cancel_scenario(&a, id, r).map(drop)).await,
            Err(e) => Err(e),
        },
    };
    let notice = match step {
        Step::Publish => "published",
        Step::Extend => "extended",
        Step::Cancel => "cancelled",
    };
    let feedback = match result {
        Ok(()) => return see_other(&format!("/scenarios/{raw_id}?notice={notice}")),
        Err(Error::Validation(errs)) => Feedback {
            errors: FormErrors::from_fields(&errs, &t),
            ..Default::default()
        },
        Err(Error::Forbidden(m)) => Feedback {
            message: Some(m),
            ..Default::default()
        },
        Err(e @ Error::IllegalTransition { .. }) => Feedback {
            message: Some(crate::error::public_detail(&e)),
            ..Default::default()
        },
        Err(e) => return error_page(&req, Some(&account), &e),
    };
    confirm_page(
        &req,
        &state,
        &account,
        id,
        step,
        Feedback {
            value: Some(value),
            ..feedback
        },
    )
    .await
}
