//! Delivery, the owner's rating and the vendor's reply.

use actix_web::{HttpRequest, HttpResponse, web};
use domain::Error;
use domain::evaluation::Marks;
use domain::scenario::ScenarioId;

use super::{CheckedForm, FormErrors, actor, error_page, see_other};
use crate::AppState;
use crate::i18n::Tr;

/// `POST /scenarios/{id}/deliver`
pub async fn deliver(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    _checked: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = ScenarioId(path.into_inner());
    let a = actor(&account);
    match state.call(move |services| services.deliver(&a, id)).await {
        Ok(()) => see_other(&format!("/scenarios/{}?notice=saved", id.0)),
        Err(e) => error_page(&req, Some(&account), &e),
    }
}

/// `POST /scenarios/{id}/rating`
pub async fn rate(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = ScenarioId(path.into_inner());
    let f = form.0;
    let mark = |k: &str| f.get(k).trim().parse::<i32>().unwrap_or(0);
    let marks = Marks {
        quality: mark("quality"),
        timeliness: mark("timeliness"),
        communication: mark("communication"),
    };
    let (a, comment) = (actor(&account), f.get("comment"));
    match state
        .call(move |services| services.rate(&a, id, marks, comment))
        .await
    {
        Ok(_) => see_other(&format!("/scenarios/{}?notice=saved", id.0)),
        Err(Error::Validation(errs)) => {
            let t = Tr::new(crate::session::locale_of(&req));
            crate::pages::scenarios::detail_page(
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

/// `POST /ratings/{id}/reply`
pub async fn reply(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = domain::ids::RatingId(path.into_inner());
    let (a, body) = (actor(&account), form.0.get("body"));
    match state
        .call(move |services| services.reply_to_rating(&a, id, body))
        .await
    {
        Ok(r) => see_other(&format!("/organizations/{}?notice=saved", r.vendor.0)),
        Err(e) => error_page(&req, Some(&account), &e),
    }
}
