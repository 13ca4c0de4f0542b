//! The confirmation pages of publish, extend and cancel, and the moves themselves.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use app::accounts::Account;
use askama::Template;
use domain::Error;
use domain::message::Message;
use domain::scenario::{ScenarioId, parse_reason};

use super::{CheckedForm, FormErrors, PageCtx, actor, error_page, render, see_other};
use crate::AppState;
use crate::format::{beijing, datetime_local, parse_datetime_local};
use crate::i18n::Tr;

use super::*;

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
    message: Option<domain::message::Message>,
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
    let v = match state
        .call(move |services| {
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
        form_message: message.map(|m| ctx.t.msg(&m)),
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
    let value = match step {
        Step::Extend => f.get("bid_deadline"),
        Step::Cancel => f.get("reason"),
        Step::Publish => String::new(),
    };
    let result: domain::Result<()> = match step {
        Step::Publish => {
            state
                .call(move |services| services.publish_scenario(&a, id).map(drop))
                .await
        }
        Step::Extend => match parse_datetime_local(&value) {
            Some(d) => {
                state
                    .call(move |services| services.extend_deadline(&a, id, d).map(drop))
                    .await
            }
            None => Err(Error::field(
                "bid_deadline",
                Message::new("请选择日期和时间", "choose a date and time"),
            )),
        },
        Step::Cancel => match parse_reason(&value) {
            Ok(r) => {
                state
                    .call(move |services| services.cancel_scenario(&a, id, r).map(drop))
                    .await
            }
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
            message: Some(crate::error::public_message(&e)),
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
