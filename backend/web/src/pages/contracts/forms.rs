//! The contract page's forms: each does one service call and comes back to the page, with
//! the refused form's errors beside its fields and what it was given kept.

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use domain::Error;
use domain::contract::{Change, MilestonePlan, Terms};
use domain::error::Fields;
use domain::ids::{AmendmentId, ContractId, MilestoneId, PaymentId};
use domain::message::Message;
use domain::scenario::ScenarioId;

use super::{Again, PLAN_ROWS, page};
use crate::AppState;
use crate::format::parse_yuan;
use crate::i18n::Tr;
use crate::pages::bids::{MultipartRefusal, multipart_form};
use crate::pages::forms::FormData;
use crate::pages::{CheckedForm, actor, error_page, see_other};
use crate::upload::{Upload, as_attachments};
use app::accounts::Account;

/// Where a change leads back to, with a notice.
fn back(id: ScenarioId, anchor: &str) -> HttpResponse {
    see_other(&format!(
        "/scenarios/{}/contract?notice=saved#{anchor}",
        id.0
    ))
}

/// The page again after a refusal of `form`: field errors beside their fields, the rest on
/// top; anything else is an error page.
async fn again(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    account: &Account,
    id: ScenarioId,
    form: &str,
    values: HashMap<String, String>,
    e: Error,
) -> HttpResponse {
    let t = Tr::new(crate::session::locale_of(req));
    let (errors, message) = match crate::pages::challenges::refused(e, &t) {
        Ok(x) => x,
        Err(other) => return error_page(req, Some(account), &other),
    };
    // A file's problem is said on top too: a file box keeps no value.
    let message = message.or_else(|| errors.has("file").then(|| errors.get("file").to_string()));
    let again = Again {
        form: form.to_string(),
        errors,
        message,
        values,
    };
    page(req, state, id, again).await
}

fn values(f: &FormData, keys: &[String]) -> HashMap<String, String> {
    keys.iter().map(|k| (k.clone(), f.get(k))).collect()
}

/// A date typed in a form, or its error under `field`.
fn date(f: &mut Fields, field: &str, s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").unwrap_or_else(|_| {
        f.push(
            field,
            Message::new("请填写日期（YYYY-MM-DD）", "a date as YYYY-MM-DD"),
        );
        NaiveDate::MIN
    })
}

/// An amount in yuan, or its error under `field`.
fn yuan(f: &mut Fields, field: &str, s: &str) -> i64 {
    parse_yuan(s).unwrap_or_else(|| {
        f.push(field, Message::new("请填写金额（元）", "an amount in yuan"));
        0
    })
}

/// The record form's terms: the value in yuan, the dates, and the milestone rows filled in.
fn terms(f: &FormData) -> Result<Terms, Error> {
    let mut errs = Fields::new();
    let value_fen = yuan(&mut errs, "value_fen", &f.get("value_yuan"));
    let signed_on = date(&mut errs, "signed_on", &f.get("signed_on"));
    let term_days = f.get("term_days").trim().parse::<u32>().unwrap_or(0);
    let mut milestones = vec![];
    for i in 0..PLAN_ROWS {
        let (title, due, share) = (
            f.get(&format!("m{i}_title")),
            f.get(&format!("m{i}_due")),
            f.get(&format!("m{i}_share")),
        );
        if title.trim().is_empty() && due.trim().is_empty() && share.trim().is_empty() {
            continue;
        }
        let n = milestones.len();
        milestones.push(MilestonePlan {
            title,
            due_on: date(&mut errs, &format!("milestones[{n}].due_on"), &due),
            share_pct: share.trim().parse::<u8>().unwrap_or(0),
        });
    }
    errs.finish()?;
    Ok(Terms {
        value_fen,
        signed_on,
        term_days,
        milestones,
    })
}

/// The record form's field names.
fn record_keys() -> Vec<String> {
    let mut keys: Vec<String> = ["value_yuan", "signed_on", "term_days"]
        .iter()
        .map(|k| k.to_string())
        .collect();
    for i in 0..PLAN_ROWS {
        for k in ["title", "due", "share"] {
            keys.push(format!("m{i}_{k}"));
        }
    }
    keys
}

/// Reads a multipart form after `allowed`: the files, the fields, or the refusal.
async fn read_multipart(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    payload: Multipart,
    limit: usize,
    allowed: impl FnOnce(&app::Services) -> domain::Result<()> + Send + 'static,
) -> Result<(Upload, FormData, Option<Error>), HttpResponse> {
    match multipart_form(req, state, payload, limit, allowed).await {
        Ok((mut up, f)) => {
            let err = up.error.take();
            Ok((up, f, err))
        }
        Err(MultipartRefusal::Csrf(r)) => Err(r),
        Err(MultipartRefusal::Refused(e)) => {
            Ok((Upload::default(), FormData::from_pairs(vec![]), Some(e)))
        }
    }
}

/// `POST /scenarios/{id}/contract` (the terms; the signed PDF is uploaded after, on the
/// contract's own form)
pub async fn record(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = ScenarioId(path.into_inner());
    let f = form.0;
    let result = match terms(&f) {
        Err(e) => Err(e),
        Ok(t) => {
            let a = actor(&account);
            state
                .call(move |s| s.record_contract(&a, id, t, vec![]))
                .await
                .map(drop)
        }
    };
    match result {
        Ok(()) => back(id, "contract"),
        Err(e) => {
            again(
                &req,
                &state,
                &account,
                id,
                "record",
                values(&f, &record_keys()),
                e,
            )
            .await
        }
    }
}

/// One PDF received after `allowed`, then stored by `call`; back to the page's `anchor` of
/// the scenario `id`, or the page again on a refusal.
async fn one_file<F>(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: Multipart,
    account: Account,
    (id, anchor): (ScenarioId, &str),
    allowed: impl FnOnce(&app::Services) -> domain::Result<()> + Send + 'static,
    call: F,
) -> HttpResponse
where
    F: FnOnce(
            &app::Services,
            app::bids::NewAttachment,
        ) -> domain::Result<domain::contract::Contract>
        + Send
        + 'static,
{
    let (up, _, early) = match read_multipart(&req, &state, payload, 1, allowed).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let result = match (early, up.stored.first()) {
        (Some(e), _) => Err(e),
        (None, None) => Err(Error::field(
            "file",
            Message::new("请选择一个 PDF 文件", "choose a PDF file"),
        )),
        (None, Some(_)) => {
            let file = as_attachments(&up.stored).remove(0);
            state.call(move |s| call(s, file)).await.map(drop)
        }
    };
    match result {
        Ok(()) => back(id, anchor),
        Err(e) => {
            state.files.discard(&up.stored).await;
            again(&req, &state, &account, id, anchor, HashMap::new(), e).await
        }
    }
}

/// `POST /scenarios/{id}/contract/attachments?csrf=` (multipart: the signed PDF in `file`)
pub async fn attach_signed(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    payload: Multipart,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = ScenarioId(path.into_inner());
    let (a, b) = (actor(&account), actor(&account));
    one_file(
        req,
        state,
        payload,
        account,
        (id, "contract"),
        move |s| s.check_can_attach_contract(&a, id),
        move |s, f| s.attach_to_contract(&b, id, f),
    )
    .await
}

/// `POST /scenarios/{id}/milestones/{mid}/report?csrf=` (multipart: the acceptance report PDF)
pub async fn report(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
    payload: Multipart,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let (id, mid) = path.into_inner();
    let (id, mid) = (ScenarioId(id), MilestoneId(mid));
    let (a, b) = (actor(&account), actor(&account));
    one_file(
        req,
        state,
        payload,
        account,
        (id, &format!("milestone-{}", mid.0)),
        move |s| s.check_can_attach_to_milestone(&a, mid, true),
        move |s, f| s.attach_to_milestone(&b, mid, true, f),
    )
    .await
}

/// `POST /scenarios/{id}/contract/confirm` (`contract`)
pub async fn confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = ScenarioId(path.into_inner());
    let cid = ContractId(form.0.get("contract").trim().parse().unwrap_or(0));
    let a = actor(&account);
    match state.call(move |s| s.confirm_contract(&a, cid)).await {
        Ok(_) => back(id, "contract"),
        Err(e) => again(&req, &state, &account, id, "confirm", HashMap::new(), e).await,
    }
}

/// `POST /scenarios/{id}/milestones/{mid}/submission?csrf=` (multipart: `note`, PDFs)
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
    payload: Multipart,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let (id, mid) = path.into_inner();
    let (id, mid) = (ScenarioId(id), MilestoneId(mid));
    let a = actor(&account);
    let allowed = move |s: &app::Services| s.check_can_submit_milestone(&a, mid);
    let (up, f, early) =
        match read_multipart(&req, &state, payload, domain::contract::MAX_FILES, allowed).await {
            Ok(x) => x,
            Err(r) => return r,
        };
    let note = f.get("note");
    let result = match early {
        Some(e) => Err(e),
        None => {
            let (a, files, text) = (actor(&account), as_attachments(&up.stored), note.clone());
            state
                .call(move |s| s.submit_milestone(&a, mid, &text, files))
                .await
                .map(drop)
        }
    };
    let form = format!("submit-{}", mid.0);
    match result {
        Ok(()) => back(id, &format!("milestone-{}", mid.0)),
        Err(e) => {
            state.files.discard(&up.stored).await;
            let kept = HashMap::from([("note".to_string(), note)]);
            again(&req, &state, &account, id, &form, kept, e).await
        }
    }
}

/// `POST /scenarios/{id}/milestones/{mid}/accept?csrf=` (multipart: `remarks`, a report PDF)
pub async fn accept(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
    payload: Multipart,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let (id, mid) = path.into_inner();
    let (id, mid) = (ScenarioId(id), MilestoneId(mid));
    let a = actor(&account);
    let allowed = move |s: &app::Services| s.check_can_review_milestone(&a, mid);
    let (up, f, early) = match read_multipart(&req, &state, payload, 1, allowed).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let remarks = f.get("remarks");
    let result = match early {
        Some(e) => Err(e),
        None => {
            let (a, files, text) = (actor(&account), as_attachments(&up.stored), remarks.clone());
            state
                .call(move |s| s.review_milestone(&a, mid, true, &text, files))
                .await
                .map(drop)
        }
    };
    match result {
        Ok(()) => back(id, &format!("milestone-{}", mid.0)),
        Err(e) => {
            state.files.discard(&up.stored).await;
            let kept = HashMap::from([("remarks".to_string(), remarks)]);
            again(
                &req,
                &state,
                &account,
                id,
                &format!("review-{}", mid.0),
                kept,
                e,
            )
            .await
        }
    }
}

/// `POST /scenarios/{id}/milestones/{mid}/return` (`reasons`)
pub async fn return_milestone(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let (id, mid) = path.into_inner();
    let (id, mid) = (ScenarioId(id), MilestoneId(mid));
    let reasons = form.0.get("reasons");
    let (a, text) = (actor(&account), reasons.clone());
    match state
        .call(move |s| s.review_milestone(&a, mid, false, &text, vec![]))
        .await
    {
        Ok(_) => back(id, &format!("milestone-{}", mid.0)),
        Err(e) => {
            let kept = HashMap::from([("reasons".to_string(), reasons)]);
            again(
                &req,
                &state,
                &account,
                id,
                &format!("review-{}", mid.0),
                kept,
                e,
            )
            .await
        }
    }
}

/// `POST /scenarios/{id}/contract/payments` (`contract`, `milestone_id`, `amount_yuan`,
/// `paid_on`; a reversal: `corrects` and the negative amount it names)
pub async fn pay(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = ScenarioId(path.into_inner());
    let f = form.0;
    let num = |k: &str| f.get(k).trim().parse::<i64>().unwrap_or(0);
    let (cid, mid) = (
        ContractId(num("contract")),
        MilestoneId(num("milestone_id")),
    );
    let corrects = Some(num("corrects")).filter(|c| *c > 0).map(PaymentId);
    let mut errs = Fields::new();
    let paid_on = date(&mut errs, "paid_on", &f.get("paid_on"));
    let amount = if corrects.is_some() {
        -num("reverse_fen")
    } else {
        yuan(&mut errs, "amount_fen", &f.get("amount_yuan"))
    };
    let keys: Vec<String> = ["milestone_id", "amount_yuan", "paid_on"]
        .iter()
        .map(|k| k.to_string())
        .collect();
    let kept = values(&f, &keys);
    let result = match errs.finish() {
        Err(e) => Err(e),
        Ok(()) => {
            let a = actor(&account);
            state
                .call(move |s| s.record_payment(&a, cid, mid, amount, paid_on, corrects))
                .await
                .map(drop)
        }
    };
    match result {
        Ok(()) => back(id, "payments"),
        Err(e) => again(&req, &state, &account, id, "pay", kept, e).await,
    }
}

/// `POST /scenarios/{id}/contract/amendments` (`contract`, `reason`, and for each milestone
/// `due_{id}` and `share_{id}`: the ones that differ from the contract are the changes)
pub async fn amend(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = ScenarioId(path.into_inner());
    let f = form.0;
    let cid = ContractId(f.get("contract").trim().parse().unwrap_or(0));
    let reason = f.get("reason");
    let ids: Vec<i64> = f
        .get("milestones")
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let mut errs = Fields::new();
    let mut changes = vec![];
    let mut keys = vec!["reason".to_string()];
    for (i, m) in ids.iter().enumerate() {
        let (due, share) = (f.get(&format!("due_{m}")), f.get(&format!("share_{m}")));
        let (was_due, was_share) = (
            f.get(&format!("was_due_{m}")),
            f.get(&format!("was_share_{m}")),
        );
        keys.push(format!("due_{m}"));
        keys.push(format!("share_{m}"));
        let due_on = (due.trim() != was_due.trim())
            .then(|| date(&mut errs, &format!("milestones[{i}].due_on"), &due));
        let share_pct =
            (share.trim() != was_share.trim()).then(|| share.trim().parse::<u8>().unwrap_or(0));
        if due_on.is_some() || share_pct.is_some() {
            changes.push(Change {
                milestone: MilestoneId(*m),
                due_on,
                share_pct,
            });
        }
    }
    let kept = values(&f, &keys);
    let result = match errs.finish() {
        Err(e) => Err(e),
        Ok(()) => {
            let a = actor(&account);
            state
                .call(move |s| s.propose_amendment(&a, cid, changes, &reason))
                .await
                .map(drop)
        }
    };
    match result {
        Ok(()) => back(id, "amendments"),
        Err(e) => again(&req, &state, &account, id, "amend", kept, e).await,
    }
}

/// `POST /scenarios/{id}/amendments/{aid}` (`answer`: `confirm` or `decline`)
pub async fn answer_amendment(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let (id, aid) = path.into_inner();
    let (id, aid) = (ScenarioId(id), AmendmentId(aid));
    let confirm = form.0.get("answer") == "confirm";
    let a = actor(&account);
    match state
        .call(move |s| s.answer_amendment(&a, aid, confirm))
        .await
    {
        Ok(_) => back(id, "amendments"),
        Err(e) => again(&req, &state, &account, id, "amend", HashMap::new(), e).await,
    }
}
