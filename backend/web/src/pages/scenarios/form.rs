//! The create and edit form, with its no-JavaScript criteria editor.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use app::accounts::Account;
use app::scenarios::ScenarioView;
use askama::Template;
use chrono::{DateTime, Utc};
use domain::message::Message;
use domain::scenario::{CriterionInput, ScenarioFields, ScenarioId, ScenarioInput, ScenarioPatch};
use domain::sector::Sector;
use domain::{Error, FieldError};

use super::{CheckedForm, FormData, FormErrors, PageCtx, actor, error_page, render, see_other};
use crate::AppState;
use crate::format::{datetime_local, parse_datetime_local, parse_yuan, yuan_input};
use crate::i18n::Tr;

use super::*;

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
    fn input(&self) -> (ScenarioInput, Vec<FieldError>, Vec<usize>) {
        let mut errs = Vec::new();
        let money_of = |raw: &str, field: &str, errs: &mut Vec<FieldError>| match raw.trim() {
            "" => None,
            s => parse_yuan(s).or_else(|| {
                errs.push(FieldError::new(
                    field,
                    Message::new(
                        "请输入金额（元），最多两位小数",
                        "enter an amount in yuan, at most two decimals",
                    ),
                ));
                None
            }),
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
                        Message::new("请选择日期和时间", "choose a date and time"),
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
                        Message::new(
                            "请输入 0 到 100 的整数",
                            "enter a whole number from 0 to 100",
                        ),
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
            out.insert(&e.field, t.msg(&e.message));
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
    let error_summary = ctx.t.msg(&Message::new(
        format!("{n} 个字段有误，请修改后再保存"),
        format!("{n} field(s) need attention before saving"),
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
    match state
        .call(move |services| {
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
    let (input, form_errs, positions) = sf.input();
    let a = actor(&account);
    let result = match ScenarioFields::try_from(input.clone()) {
        Ok(fields) if form_errs.is_empty() => match id {
            None => {
                state
                    .call(move |services| services.create_scenario(&a, fields))
                    .await
            }
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
                state
                    .call(move |services| services.update_scenario(&a, id, patch))
                    .await
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
