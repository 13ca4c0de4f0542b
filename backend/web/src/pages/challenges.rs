//! The challenges page of a scenario: the period, the filing form for a bidder, the list, the
//! owner's answer forms and the challenger's file uploads.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use app::challenges::ChallengeBoard;
use askama::Template;
use domain::Error;
use domain::ids::ChallengeId;
use domain::scenario::ScenarioId;

use super::bids::{MultipartRefusal, multipart_form};
use super::{
    CheckedForm, FormErrors, PageCtx, actor, current_account, error_page, render, see_other,
};
use crate::AppState;
use crate::format::{beijing, beijing_end};
use crate::i18n::Tr;
use crate::upload::{Upload, as_attachments};

/// One challenge as the page shows it.
struct Item {
    id: i64,
    vendor: String,
    filed_at: String,
    due: String,
    /// `open`, `upheld` or `rejected`.
    status: &'static str,
    overdue: bool,
    reasons: String,
    /// (url, file name, size)
    files: Vec<(String, String, String)>,
    /// (decision, body, when)
    answer: Option<(&'static str, String, String)>,
    can_answer: bool,
    can_attach: bool,
}

#[derive(Template)]
#[template(path = "challenges.html")]
struct ChallengesPage {
    ctx: PageCtx,
    id: i64,
    title: String,
    /// (the period in words, open)
    filing: Option<(String, bool)>,
    may_file: bool,
    delivery_hold: Option<String>,
    items: Vec<Item>,
    reasons: String,
    errors: FormErrors,
    message: Option<String>,
    /// The challenge whose answer form had errors, with them.
    answer_for: i64,
    answer_errors: FormErrors,
    answer_body: String,
}

/// What a refused form brings back to the page.
#[derive(Default)]
struct Again {
    reasons: String,
    errors: FormErrors,
    message: Option<String>,
    answer_for: i64,
    answer_errors: FormErrors,
    answer_body: String,
}

fn size(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

async fn page(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    id: ScenarioId,
    again: Again,
) -> HttpResponse {
    let account = current_account(req, state).await;
    let viewer = account.as_ref().map(actor);
    let b: ChallengeBoard = match state
        .call(move |services| services.challenge_board(viewer.as_ref(), id))
        .await
    {
        Ok(b) => b,
        Err(e) => return error_page(req, account.as_ref(), &e),
    };
    let ctx = PageCtx::new(req, account.as_ref(), "scenarios");
    let org = account
        .as_ref()
        .and_then(|a| a.organization.as_ref())
        .map(|o| o.id);
    let filing_open = b.filing.is_some_and(|f| f.open);
    let items = b
        .items
        .iter()
        .map(|v| {
            let c = &v.challenge;
            Item {
                id: c.id.0,
                vendor: v.vendor_name.clone(),
                filed_at: beijing(c.filed_at),
                due: beijing_end(c.answer_due),
                status: c.answer.as_ref().map_or("open", |a| a.decision.code()),
                overdue: v.overdue,
                reasons: c.reasons.clone(),
                files: c
                    .attachments
                    .iter()
                    .map(|a| {
                        (
                            format!(
                                "/api/v1/scenarios/{}/challenges/{}/attachments/{}",
                                c.scenario.0, c.id.0, a.sha256
                            ),
                            a.filename.clone(),
                            size(a.size),
                        )
                    })
                    .collect(),
                answer: c
                    .answer
                    .as_ref()
                    .map(|a| (a.decision.code(), a.body.clone(), beijing(a.answered_at))),
                can_answer: b.is_owner && c.is_open(),
                can_attach: c.is_open()
                    && org == Some(c.vendor)
                    && filing_open
                    && c.attachments.len() < domain::challenge::MAX_ATTACHMENTS,
            }
        })
        .collect();
    let status =
        if again.errors.is_empty() && again.answer_errors.is_empty() && again.message.is_none() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
    let page = ChallengesPage {
        id: b.scenario.0,
        title: b.title.clone(),
        filing: b.filing.map(|f| {
            let text = ctx
                .t
                .t("chal.period_text")
                .replace("{awarded}", &beijing(f.awarded_at))
                .replace("{closes}", &beijing_end(f.closes_at));
            (text, f.open)
        }),
        may_file: b.may_file,
        delivery_hold: b.delivery_hold.as_ref().map(|m| ctx.t.msg(m)),
        items,
        reasons: again.reasons,
        errors: again.errors,
        message: again.message,
        answer_for: again.answer_for,
        answer_errors: again.answer_errors,
        answer_body: again.answer_body,
        ctx,
    };
    render(status, &page)
}

/// `GET /scenarios/{id}/challenges`
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

/// A refusal as the page shows it: field errors beside their fields, the rest on top.
pub(super) fn refused(e: Error, t: &Tr) -> Result<(FormErrors, Option<String>), Error> {
    match e {
        Error::Validation(errs) => Ok((FormErrors::from_fields(&errs, t), None)),
        Error::IllegalTransition { .. }
        | Error::Conflict { .. }
        | Error::Forbidden(_)
        | Error::InsufficientStorage(_) => Ok((
            FormErrors::default(),
            Some(t.msg(&crate::error::public_message(&e))),
        )),
        other => Err(other),
    }
}

/// `POST /scenarios/{id}/challenges?csrf=` (multipart: `reasons` and PDFs in `file`)
pub async fn file(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    payload: Multipart,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = ScenarioId(path.into_inner());
    let a = actor(&account);
    let allowed = move |services: &app::Services| services.check_can_file_challenge(&a, id);
    let t = Tr::new(crate::session::locale_of(&req));
    let limit = domain::challenge::MAX_ATTACHMENTS;
    let (up, reasons, early) = match multipart_form(&req, &state, payload, limit, allowed).await {
        Ok((up, f)) => {
            let reasons = f.get("reasons");
            (up, reasons, None)
        }
        Err(MultipartRefusal::Csrf(r)) => return r,
        Err(MultipartRefusal::Refused(e)) => (Upload::default(), String::new(), Some(e)),
    };
    let result = match early.or(up.error) {
        Some(e) => Err(e),
        None => {
            let (a, files, text) = (actor(&account), as_attachments(&up.stored), reasons.clone());
            state
                .call(move |services| services.file_challenge(&a, id, &text, files))
                .await
        }
    };
    match result {
        Ok(v) => see_other(&format!(
            "/scenarios/{}/challenges?notice=challenge_filed#challenge-{}",
            id.0, v.challenge.id.0
        )),
        Err(e) => {
            state.files.discard(&up.stored).await;
            match refused(e, &t) {
                Ok((errors, message)) => {
                    let again = Again {
                        reasons,
                        errors,
                        message,
                        ..Again::default()
                    };
                    page(&req, &state, id, again).await
                }
                Err(other) => error_page(&req, Some(&account), &other),
            }
        }
    }
}

/// `POST /scenarios/{id}/challenges/{cid}/attachments?csrf=` (multipart: one PDF in `file`)
pub async fn attach(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
    payload: Multipart,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let (id, cid) = path.into_inner();
    let (id, cid) = (ScenarioId(id), ChallengeId(cid));
    let a = actor(&account);
    let allowed =
        move |services: &app::Services| services.check_can_attach_to_challenge(&a, id, cid);
    let t = Tr::new(crate::session::locale_of(&req));
    let (up, early) = match multipart_form(&req, &state, payload, 1, allowed).await {
        Ok((up, _)) => (up, None),
        Err(MultipartRefusal::Csrf(r)) => return r,
        Err(MultipartRefusal::Refused(e)) => (Upload::default(), Some(e)),
    };
    let result = match (early.or(up.error), up.stored.first()) {
        (Some(e), _) => Err(e),
        (None, None) => Err(Error::field(
            "file",
            domain::message::Message::new("请选择一个 PDF 文件", "choose a PDF file"),
        )),
        (None, Some(_)) => {
            let (a, file) = (actor(&account), as_attachments(&up.stored).remove(0));
            state
                .call(move |services| services.attach_to_challenge(&a, id, cid, file))
                .await
        }
    };
    match result {
        Ok(_) => see_other(&format!(
            "/scenarios/{}/challenges?notice=saved#challenge-{}",
            id.0, cid.0
        )),
        Err(e) => {
            state.files.discard(&up.stored).await;
            match refused(e, &t) {
                Ok((errors, message)) => {
                    // A file's problem is shown on top: the upload box has no value to keep.
                    let message = message
                        .or_else(|| (!errors.is_empty()).then(|| errors.get("file").to_string()));
                    page(
                        &req,
                        &state,
                        id,
                        Again {
                            message,
                            ..Again::default()
                        },
                    )
                    .await
                }
                Err(other) => error_page(&req, Some(&account), &other),
            }
        }
    }
}

/// `POST /challenges/{id}/answer` (`decision`, `body`)
pub async fn answer(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let cid = ChallengeId(path.into_inner());
    let f = form.0;
    let (decision, body) = (f.get("decision"), f.get("body"));
    let sid = f.get("scenario").trim().parse::<i64>().unwrap_or(0);
    let (a, d, text) = (actor(&account), decision.clone(), body.clone());
    let t = Tr::new(crate::session::locale_of(&req));
    match state
        .call(move |services| services.answer_challenge(&a, cid, &d, &text))
        .await
    {
        Ok(v) => see_other(&format!(
            "/scenarios/{}/challenges?notice=challenge_answered#challenge-{}",
            v.challenge.scenario.0, cid.0
        )),
        Err(e) if sid <= 0 => error_page(&req, Some(&account), &e),
        Err(e) => match refused(e, &t) {
            Ok((answer_errors, message)) => {
                let again = Again {
                    message,
                    answer_for: cid.0,
                    answer_errors,
                    answer_body: body,
                    ..Again::default()
                };
                page(&req, &state, ScenarioId(sid), again).await
            }
            Err(other) => error_page(&req, Some(&account), &other),
        },
    }
}
