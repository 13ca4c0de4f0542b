//! The bid form: its fields, the multipart upload (checked before it is read), submission.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, web};
use app::bids::BidView;
use domain::Error;
use domain::bid::{BidInput, MAX_ATTACHMENTS};
use domain::message::Message;
use domain::scenario::ScenarioId;

use super::{FormData, FormErrors, actor, csrf_failure, error_page, see_other};
use crate::AppState;
use crate::format::{parse_yuan, yuan_input};
use crate::i18n::Tr;
use crate::upload::{Upload, as_attachments, receive_pdfs};

pub use crate::pages::scenarios::{BidForm, BidFormState};

impl BidForm {
    pub(super) fn from_fields(f: &FormData) -> Self {
        BidForm {
            price: f.get("price"),
            delivery_days: f.get("delivery_days"),
            technical_proposal: f.get("technical_proposal"),
            team: f.get("team"),
            consortium: f.get("consortium_id"),
        }
    }

    pub(super) fn of(v: &BidView) -> Self {
        let b = &v.bid.fields;
        BidForm {
            price: yuan_input(b.price_fen),
            delivery_days: b.delivery_days.to_string(),
            technical_proposal: b.technical_proposal.clone(),
            team: b.team.clone(),
            consortium: v
                .bid
                .consortium
                .map(|c| c.0.to_string())
                .unwrap_or_default(),
        }
    }

    /// The domain input; an amount or number the form cannot read becomes a field error.
    pub(super) fn input(&self) -> Result<BidInput, Error> {
        let mut errs = Vec::new();
        let price_fen = match self.price.trim() {
            "" => None,
            p => parse_yuan(p).or_else(|| {
                errs.push(domain::FieldError::new(
                    "price_fen",
                    Message::new(
                        "请输入金额（元），最多两位小数",
                        "enter an amount in yuan, at most two decimals",
                    ),
                ));
                None
            }),
        };
        let delivery_days = match self.delivery_days.trim() {
            "" => None,
            d => d.parse::<i64>().ok().or_else(|| {
                errs.push(domain::FieldError::new(
                    "delivery_days",
                    Message::new("请输入天数", "enter a number of days"),
                ));
                None
            }),
        };
        let consortium_id = match self.consortium.trim() {
            "" => None,
            c => c.parse::<i64>().ok().or_else(|| {
                errs.push(domain::FieldError::new(
                    "consortium_id",
                    Message::new("请选择联合体", "choose a consortium"),
                ));
                None
            }),
        };
        if errs.is_empty() {
            Ok(BidInput {
                price_fen,
                delivery_days,
                technical_proposal: self.technical_proposal.clone(),
                team: self.team.clone(),
                consortium_id,
            })
        } else {
            Err(Error::Validation(errs))
        }
    }
}

/// Reads a multipart form once the request has earned it: the CSRF token (in the form's
/// address, `?csrf=`) matches, and `allowed` — the service's read-only check that the change
/// could be made — passes. Only then is the body read, within the upload limits.
pub(crate) async fn multipart_form(
    req: &HttpRequest,
    state: &AppState,
    payload: Multipart,
    limit: usize,
    allowed: impl FnOnce(&app::Services) -> domain::Result<()> + Send + 'static,
) -> Result<(Upload, FormData), MultipartRefusal> {
    let q = web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .unwrap_or_default();
    let token = q.get("csrf").map(String::as_str).unwrap_or_default();
    if !crate::session::csrf_form_ok(req, token) {
        return Err(MultipartRefusal::Csrf(csrf_failure(req)));
    }
    state
        .call(allowed)
        .await
        .map_err(MultipartRefusal::Refused)?;
    let up = receive_pdfs(state, payload, limit).await;
    let form = FormData::from_pairs(up.fields.clone());
    Ok((up, form))
}

/// Why a multipart form was not read.
pub(crate) enum MultipartRefusal {
    Csrf(HttpResponse),
    /// The change would be refused: nothing of the body was read.
    Refused(Error),
}

/// `POST /scenarios/{id}/bid` (multipart): submits a bid with its PDFs.
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    payload: Multipart,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = ScenarioId(path.into_inner());
    let a = actor(&account);
    let allowed = move |services: &app::Services| services.check_can_submit(&a, id);
    let t = Tr::new(crate::session::locale_of(&req));
    let (up, form, early) =
        match multipart_form(&req, &state, payload, MAX_ATTACHMENTS, allowed).await {
            Ok((up, f)) => (up, BidForm::from_fields(&f), None),
            Err(MultipartRefusal::Csrf(r)) => return r,
            Err(MultipartRefusal::Refused(e)) => (Upload::default(), BidForm::default(), Some(e)),
        };
    let result = match (early.or(up.error), form.input()) {
        (Some(e), _) | (None, Err(e)) => Err(e),
        (None, Ok(input)) => {
            let (a, files) = (actor(&account), as_attachments(&up.stored));
            state
                .call(move |services| services.submit_bid(&a, id, input, &files))
                .await
        }
    };
    match result {
        Ok((v, _)) => see_other(&format!("/bids/{}?notice=bid_submitted", v.bid.id.0)),
        Err(e) => {
            state.files.discard(&up.stored).await;
            let state_again = match e {
                Error::Validation(errs) => BidFormState {
                    form,
                    errors: FormErrors::from_fields(&errs, &t),
                    message: None,
                },
                Error::IllegalTransition { .. }
                | Error::Conflict { .. }
                | Error::Forbidden(_)
                | Error::InsufficientStorage(_) => BidFormState {
                    form,
                    errors: FormErrors::default(),
                    message: Some(t.msg(&crate::error::public_message(&e))),
                },
                other => return error_page(&req, Some(&account), &other),
            };
            crate::pages::scenarios::detail_page(
                &req,
                &state,
                Some(&account),
                id,
                FormErrors::default(),
                state_again,
            )
            .await
        }
    }
}
