//! A bid's page: versions, receipts and files; revise, withdraw, attach and remove files.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use app::accounts::Account;
use app::bids::BidView;
use askama::Template;
use domain::Error;
use domain::bid::{BidId, BidStatus, MAX_ATTACHMENTS};
use domain::message::Message;

use super::*;
use super::{CheckedForm, FormErrors, PageCtx, actor, error_page, render, see_other};
use crate::AppState;
use crate::format::{beijing, money};
use crate::i18n::Tr;
use crate::upload::{Upload, as_attachments};

#[derive(Template)]
#[template(path = "bid.html")]
pub(super) struct BidPage {
    ctx: PageCtx,
    id: i64,
    own: bool,
    scenario_id: i64,
    scenario_title: String,
    vendor: String,
    /// The consortium the bid is for, every member named with its share.
    consortium: Option<String>,
    status_label: String,
    withdrawn: bool,
    locked: bool,
    /// The scenario was cancelled: the bid is void and never opened.
    voided: bool,
    can_withdraw_void: bool,
    deadline: String,
    price: String,
    delivery: String,
    version: i32,
    updated_at: String,
    proposal: Vec<String>,
    team: String,
    /// (name, size, url, sha256)
    attachments: Vec<(String, String, String, String)>,
    /// (version, when, price, days)
    versions: Vec<(i32, String, String, String)>,
    /// (version, when, hash, "ok" | "bad" | "", salt for the bidder)
    receipts: Vec<(i32, String, String, &'static str, Option<String>)>,
    can_change: bool,
    can_add_file: bool,
    errors: FormErrors,
}

pub(super) fn size_label(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / 1048576.0)
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

pub(super) fn bid_page(
    req: &HttpRequest,
    account: &Account,
    v: &BidView,
    errors: FormErrors,
) -> HttpResponse {
    let ctx = PageCtx::new(req, Some(account), "my_bids");
    let t = &ctx.t;
    let b = &v.bid;
    let own = account.user.organization_id == Some(b.vendor);
    let open = !v.opened && !v.voided && b.status == BidStatus::Submitted;
    let days = |d: i32| t.t("bid.days_unit").replace("{}", &d.to_string());
    let page = BidPage {
        id: b.id.0,
        own,
        scenario_id: b.scenario.0,
        scenario_title: v.scenario_title.clone(),
        vendor: v.bidder(),
        consortium: v.team.as_ref().map(|t| t.bidder_name()),
        status_label: t.t(&format!("bid.status_{}", b.status.code())).to_string(),
        withdrawn: b.status == BidStatus::Withdrawn,
        locked: v.opened,
        voided: v.voided,
        can_withdraw_void: own && v.voided && b.status == BidStatus::Submitted,
        deadline: beijing(v.bid_deadline),
        price: money(b.fields.price_fen, t.locale),
        delivery: days(b.fields.delivery_days),
        version: b.version,
        updated_at: beijing(b.updated_at),
        proposal: b
            .fields
            .technical_proposal
            .split("\n\n")
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect(),
        team: b.fields.team.clone(),
        attachments: b
            .attachments
            .iter()
            .map(|a| {
                (
                    a.filename.clone(),
                    size_label(a.size),
                    format!("/api/v1/bids/{}/attachments/{}", b.id.0, a.sha256),
                    a.sha256.clone(),
                )
            })
            .collect(),
        versions: v
            .versions
            .iter()
            .flatten()
            .rev()
            .skip(1)
            .map(|x| {
                (
                    x.version,
                    beijing(x.created_at),
                    money(x.fields.price_fen, t.locale),
                    days(x.fields.delivery_days),
                )
            })
            .collect(),
        receipts: v
            .receipts
            .iter()
            .map(|r| {
                (
                    r.receipt.version,
                    r.receipt
                        .server_time
                        .with_timezone(&domain::beijing::offset())
                        .format("%Y-%m-%d %H:%M:%S")
                        .to_string(),
                    r.receipt.content_sha256.clone(),
                    match r.matches {
                        Some(true) => "ok",
                        Some(false) => "bad",
                        None => "",
                    },
                    r.receipt.salt.clone(),
                )
            })
            .collect(),
        can_change: own && open,
        can_add_file: own && open && b.attachments.len() < MAX_ATTACHMENTS,
        errors,
        ctx,
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(status, &page)
}

pub(super) async fn load(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    account: &Account,
    id: BidId,
) -> Result<BidView, HttpResponse> {
    let a = actor(account);
    state
        .call(move |services| services.bid(&a, id))
        .await
        .map_err(|e| error_page(req, Some(account), &e))
}

/// `GET /bids/{id}`
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> HttpResponse {
    let account = signed_in!(req, state);
    match load(&req, &state, &account, BidId(path.into_inner())).await {
        Ok(v) => bid_page(&req, &account, &v, FormErrors::default()),
        Err(r) => r,
    }
}

#[derive(Template)]
#[template(path = "bid_edit.html")]
pub(super) struct EditPage {
    ctx: PageCtx,
    id: i64,
    heading: String,
    scenario_title: String,
    withdraw: bool,
    bid_action: String,
    bid_form: BidForm,
    bid_errors: FormErrors,
    bid_message: Option<String>,
    bid_submit: String,
    with_files: bool,
}

pub(super) fn edit_page(
    req: &HttpRequest,
    account: &Account,
    v: &BidView,
    withdraw: bool,
    form: BidFormState,
) -> HttpResponse {
    let ctx = PageCtx::new(req, Some(account), "my_bids");
    let status = if form.errors.is_empty() && form.message.is_none() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = EditPage {
        id: v.bid.id.0,
        heading: ctx
            .t
            .t(if withdraw {
                "bid.withdraw_title"
            } else {
                "bid.revise"
            })
            .to_string(),
        scenario_title: v.scenario_title.clone(),
        withdraw,
        bid_action: format!("/bids/{}/edit", v.bid.id.0),
        bid_form: form.form,
        bid_errors: form.errors,
        bid_message: form.message,
        bid_submit: ctx.t.t("bid.revise_submit").to_string(),
        with_files: false,
        ctx,
    };
    render(status, &page)
}

/// `GET /bids/{id}/edit` and `GET /bids/{id}/withdraw`
pub async fn edit_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let (id, what) = path.into_inner();
    let v = match load(&req, &state, &account, BidId(id)).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if account.user.organization_id != Some(v.bid.vendor) {
        return error_page(&req, Some(&account), &Error::NotFound);
    }
    let form = BidFormState {
        form: BidForm::of(&v),
        ..Default::default()
    };
    edit_page(&req, &account, &v, what == "withdraw", form)
}

pub(super) fn refusal(e: Error, form: BidForm, t: &Tr) -> Result<BidFormState, Error> {
    match e {
        Error::Validation(errs) => Ok(BidFormState {
            form,
            errors: FormErrors::from_fields(&errs, t),
            message: None,
        }),
        // A full disk keeps what the vendor typed: the form comes back with the message.
        Error::IllegalTransition { .. }
        | Error::Conflict { .. }
        | Error::InsufficientStorage(_) => Ok(BidFormState {
            form,
            errors: FormErrors::default(),
            message: Some(t.msg(&crate::error::public_message(&e))),
        }),
        other => Err(other),
    }
}

/// `POST /bids/{id}/edit`: a revision (a new version with a new receipt).
pub async fn revise(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = BidId(path.into_inner());
    let t = Tr::new(crate::session::locale_of(&req));
    let bf = BidForm::from_fields(&form.0);
    let result = match bf.input() {
        Ok(input) => {
            let a = actor(&account);
            state
                .call(move |services| services.revise_bid(&a, id, input))
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => see_other(&format!("/bids/{}?notice=bid_revised", id.0)),
        Err(e) => match (refusal(e, bf, &t), load(&req, &state, &account, id).await) {
            (Ok(st), Ok(v)) => edit_page(&req, &account, &v, false, st),
            (Err(e), _) => error_page(&req, Some(&account), &e),
            (_, Err(r)) => r,
        },
    }
}

/// `POST /bids/{id}/withdraw`
pub async fn withdraw(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    _checked: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = BidId(path.into_inner());
    let a = actor(&account);
    let t = Tr::new(crate::session::locale_of(&req));
    match state
        .call(move |services| services.withdraw_bid(&a, id))
        .await
    {
        Ok(_) => see_other(&format!("/bids/{}?notice=bid_withdrawn", id.0)),
        Err(e) => match (
            refusal(e, BidForm::default(), &t),
            load(&req, &state, &account, id).await,
        ) {
            (Ok(st), Ok(v)) => edit_page(&req, &account, &v, true, st),
            (Err(e), _) => error_page(&req, Some(&account), &e),
            (_, Err(r)) => r,
        },
    }
}

/// `POST /bids/{id}/attachments` (multipart): adds one PDF.
pub async fn attach(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    payload: Multipart,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = BidId(path.into_inner());
    let a = actor(&account);
    let allowed = move |services: &app::Services| services.check_can_attach(&a, id);
    let up = match multipart_form(&req, &state, payload, 1, allowed).await {
        Ok((up, _)) => up,
        Err(MultipartRefusal::Csrf(r)) => return r,
        Err(MultipartRefusal::Refused(e)) => Upload {
            error: Some(e),
            ..Upload::default()
        },
    };
    let t = Tr::new(crate::session::locale_of(&req));
    let result = match (up.error, up.stored.first()) {
        (Some(e), _) => Err(e),
        (None, None) => Err(Error::field(
            "file",
            Message::new("请选择一个 PDF 文件", "choose a PDF file"),
        )),
        (None, Some(_)) => {
            let (a, new) = (actor(&account), as_attachments(&up.stored).remove(0));
            state
                .call(move |services| services.add_attachment(&a, id, new))
                .await
        }
    };
    match result {
        Ok(_) => see_other(&format!("/bids/{}?notice=attachment_added", id.0)),
        Err(e) => {
            state.files.discard(&up.stored).await;
            match (
                refusal(e, BidForm::default(), &t),
                load(&req, &state, &account, id).await,
            ) {
                (Ok(st), Ok(v)) => {
                    let mut errors = st.errors;
                    if let Some(m) = st.message {
                        errors.insert("file", m);
                    }
                    bid_page(&req, &account, &v, errors)
                }
                (Err(e), _) => error_page(&req, Some(&account), &e),
                (_, Err(r)) => r,
            }
        }
    }
}

/// `POST /bids/{id}/attachments/{sha256}/remove`
pub async fn detach(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    _checked: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let (id, sha) = path.into_inner();
    let a = actor(&account);
    match state
        .call(move |services| services.remove_attachment(&a, BidId(id), &sha))
        .await
    {
        Ok(_) => see_other(&format!("/bids/{id}?notice=attachment_removed")),
        Err(e) => error_page(&req, Some(&account), &e),
    }
}
