//! A scenario's page: its detail, what the reader may do with it, and the Q&A forms.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use app::accounts::Account;
use app::challenges::ChallengeBoard;
use app::scenarios::{BiddingAs, QuestionView, ScenarioDetail};
use askama::Template;
use chrono::{DateTime, Utc};
use domain::Error;
use domain::scenario::{
    MAX_ANSWER, MAX_QUESTION, Move, QuestionId, ScenarioId, Status, parse_body,
};

use super::{CheckedForm, FormErrors, PageCtx, actor, error_page, render, see_other};
use crate::AppState;
use crate::format::beijing;
use crate::i18n::Tr;

use super::*;

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
    /// A vendor may follow (`Some(true)`), or follows and may stop (`Some(false)`).
    follow: Option<bool>,
    /// The reader's vendor was invited to bid: the agency's message.
    invited: Option<String>,
    show_ask_sign_in: bool,
    warnings: Vec<String>,
    errors: FormErrors,
    // The bid panel.
    show_bid_form: bool,
    bid_action: String,
    bid_form: BidForm,
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
    /// The owner may invite vendors (the scenario takes bids).
    can_invite: bool,
    /// The owner's best-fitting vendors, with their invitation forms.
    recommended: Vec<RecLine>,
    /// For the recommendations' forms.
    scenario_id: i64,
    page: i64,
    can_rank: bool,
    can_deliver: bool,
    /// Why the owner cannot mark delivery yet (the challenge period, an open challenge).
    delivery_hold: Option<String>,
    show_challenges: bool,
    /// The viewer may challenge the award now.
    may_challenge: bool,
    can_rate: bool,
    has_notice: bool,
    show_result: bool,
    /// An award was made: the contract page is linked.
    show_contract: bool,
    /// The trades it needs, in the page's language.
    facets: Vec<String>,
    /// The agency's payment record in one line, and its page.
    agency_record: Option<String>,
    agency_id: i64,
    /// The agreed consortium the viewer leads and would bid for.
    bidding_for: Option<String>,
    /// The viewer joined a consortium: it bids through its lead, not alone.
    member_of: Option<String>,
    /// The viewer's consortia on the scenario: (id, name).
    my_consortia: Vec<(i64, String)>,
}

/// How many recommended vendors the owner's scenario page shows (the rest on their page).
const RECOMMENDED_ON_PAGE: usize = 3;

pub(in crate::pages) async fn detail_page(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    account: Option<&Account>,
    id: ScenarioId,
    errors: FormErrors,
    bid: BidFormState,
) -> HttpResponse {
    let viewer = account.map(actor);
    let read = state
        .call(move |services| detail_of(services, viewer.as_ref(), id))
        .await;
    detail_page_of(req, state, account, id, read, errors, bid).await
}

/// The scenario as the viewer sees it and its agency's payment record (the page stands without
/// the record when it cannot be read).
type DetailRead = (ScenarioDetail, Option<app::contracts::AgencyRecord>);

fn detail_of(
    services: &app::Services,
    viewer: Option<&domain::policy::Actor>,
    id: ScenarioId,
) -> domain::Result<DetailRead> {
    services.scenario_page(viewer, id)
}

/// The scenario's page from what [`detail_of`] read.
async fn detail_page_of(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    account: Option<&Account>,
    id: ScenarioId,
    read: domain::Result<DetailRead>,
    errors: FormErrors,
    bid: BidFormState,
) -> HttpResponse {
    let viewer = account.map(actor);
    let (d, record) = match read {
        Ok(d) => d,
        Err(e) => return error_page(req, account, &e),
    };
    let ctx = PageCtx::new(req, account, "scenarios");
    let now = state.services.now();
    let recommended = recommended_on_page(state, viewer, &d, &ctx.t).await;
    // Challenges: a link once there is (or was) an award, and why delivery must wait.
    let board = if d.view.scenario.bids_opened(now) {
        state
            .call(move |services| services.challenge_board(viewer.as_ref(), id))
            .await
            .ok()
    } else {
        None
    };
    let status = if errors.is_empty() && bid.errors.is_empty() && bid.message.is_none() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    super::note_countdowns(req, [&d.view], now);
    let record =
        record.map(|r| crate::pages::contracts::RecordFigures::of(&r, &ctx.t).line(&ctx.t));
    let mut page = DetailPage::of(
        ctx,
        account.is_some(),
        &d,
        recommended,
        board.as_ref(),
        errors,
        bid,
        now,
    );
    page.agency_record = record;
    render(status, &page)
}

/// The vendors that fit best, for an owner who may invite them now (the page stands without
/// them when the ranking fails, and the failure is logged for operators).
async fn recommended_on_page(
    state: &web::Data<AppState>,
    viewer: Option<domain::policy::Actor>,
    d: &ScenarioDetail,
    t: &Tr,
) -> Vec<RecLine> {
    let Some(who) = viewer.filter(|_| d.reader.can_invite) else {
        return vec![];
    };
    let (id, search) = (d.view.scenario.id, state.search.clone());
    let recs = state
        .call(move |_| search.recommended_vendors(&who, id, 0, RECOMMENDED_ON_PAGE))
        .await
        .map(|(page, _)| page)
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "recommended vendors failed on the scenario page");
            vec![]
        });
    let invited = d.invitations.iter().map(|i| i.vendor).collect();
    let top: Vec<_> = recs
        .into_iter()
        .filter(|r| r.score > 0.0 && r.delivers)
        .take(RECOMMENDED_ON_PAGE)
        .collect();
    lines(&top, &invited, t, &d.view.scenario.title)
}

impl DetailPage {
    /// The page of what the services and the policy decided: every button is a move or a
    /// permission they allowed.
    #[allow(clippy::too_many_arguments)]
    fn of(
        ctx: PageCtx,
        signed_in: bool,
        d: &ScenarioDetail,
        recommended: Vec<RecLine>,
        board: Option<&ChallengeBoard>,
        errors: FormErrors,
        bid: BidFormState,
        now: DateTime<Utc>,
    ) -> DetailPage {
        let (v, reader) = (&d.view, d.reader);
        let s = &v.scenario;
        let open = v.status == Status::Published;
        let active = d
            .own_bids
            .iter()
            .find(|b| b.bid.status == domain::bid::BidStatus::Submitted);
        let delivery_hold = board
            .and_then(|b| b.delivery_hold.as_ref())
            .map(|m| ctx.t.msg(m));
        DetailPage {
            show_bid_form: d.may(Move::Bid),
            bid_action: format!("/scenarios/{}/bid", s.id.0),
            bid_form: match &d.bidding_as {
                BiddingAs::Lead(c, _) => BidForm {
                    consortium: c.0.to_string(),
                    ..bid.form
                },
                _ => bid.form,
            },
            bidding_for: match &d.bidding_as {
                BiddingAs::Lead(_, name) => Some(name.clone()),
                _ => None,
            },
            member_of: match &d.bidding_as {
                BiddingAs::Member(name) => Some(name.clone()),
                _ => None,
            },
            my_consortia: d
                .consortia
                .iter()
                .map(|c| (c.id.0, c.name.clone()))
                .collect(),
            bid_errors: bid.errors,
            bid_message: bid.message,
            bid_submit: ctx.t.t("bid.submit").to_string(),
            with_files: true,
            my_bid: active.map(|b| (b.bid.id.0, ctx.t.t("bid.status_submitted").to_string())),
            bid_unverified: reader.bid_awaits_verification,
            bid_sign_in: !signed_in && open,
            bids_opened: v.bid_count.is_some(),
            can_panel: d.may(Move::SetPanel),
            can_invite: reader.can_invite,
            recommended,
            scenario_id: s.id.0,
            page: 1,
            can_rank: d.may(Move::Rank),
            // Delivery goes through the contract page.
            can_deliver: false,
            delivery_hold,
            show_challenges: board.is_some_and(|b| b.filing.is_some() || !b.items.is_empty()),
            may_challenge: board.is_some_and(|b| b.may_file),
            can_rate: d.may(Move::Close),
            has_notice: s.award.is_some(),
            show_contract: s.award.is_some()
                || matches!(v.status, Status::Delivered | Status::Closed),
            agency_record: None,
            agency_id: s.owner.0,
            facets: domain::team::facets(s)
                .into_iter()
                .map(|k| ctx.t.msg(&k.label()))
                .collect(),
            show_result: s.award.is_some() && active.is_some(),
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
            questions: d.questions.iter().map(QuestionRow::from).collect(),
            is_owner: reader.is_owner,
            can_edit: d.may(Move::Edit),
            can_publish: d.may(Move::Publish),
            publish_unverified: reader.is_owner
                && v.status == Status::Draft
                && !d.may(Move::Publish),
            can_extend: d.may(Move::Extend),
            can_cancel: d.may(Move::Cancel),
            can_answer: d.may(Move::Answer),
            can_ask: d.may(Move::Ask),
            invited: if reader.is_owner {
                None
            } else {
                d.invitations.first().map(|i| i.message.clone())
            },
            follow: if d.may(Move::Follow) {
                Some(true)
            } else if d.may(Move::Unfollow) {
                Some(false)
            } else {
                None
            },
            show_ask_sign_in: !signed_in && open,
            warnings: if reader.is_owner && matches!(v.status, Status::Draft | Status::Published) {
                current_warnings(v, now, &ctx.t)
            } else {
                vec![]
            },
            errors,
            ctx,
        }
    }
}

/// `GET /scenarios/{id}`
pub async fn detail(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> HttpResponse {
    let id = ScenarioId(path.into_inner());
    // The account and the scenario in one trip to the blocking pool.
    let (account, read) = with_account(&req, &state, move |services, viewer| {
        detail_of(services, viewer, id)
    })
    .await;
    detail_page_of(
        &req,
        &state,
        account.as_ref(),
        id,
        read,
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
    let result = match parse_body(&body, MAX_QUESTION) {
        Ok(text) => state
            .call(move |services| services.ask_question(&a, id, text))
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

/// `POST /scenarios/{id}/follow` (`follow=1` starts, `follow=0` stops).
pub async fn follow(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = ScenarioId(path.into_inner());
    let on = form.0.get("follow") == "1";
    let a = actor(&account);
    match state
        .call(move |services| services.follow_scenario(&a, id, on))
        .await
    {
        Ok(true) => see_other(&format!("/scenarios/{}?notice=followed", id.0)),
        Ok(false) => see_other(&format!("/scenarios/{}?notice=unfollowed", id.0)),
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
    let result = match parse_body(&form.0.get("body"), MAX_ANSWER) {
        Ok(text) => {
            state
                .call(move |services| services.answer_question(&a, id, text))
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok((q, _)) => see_other(&format!("/scenarios/{}?notice=answered#qa", q.scenario.0)),
        Err(e) => error_page(&req, Some(&account), &e),
    }
}

/// The bid form's values, as typed (the bid panel of this page; the bid handlers fill it).
#[derive(Debug, Clone, Default)]
pub struct BidForm {
    pub price: String,
    pub delivery_days: String,
    pub technical_proposal: String,
    pub team: String,
    /// The agreed consortium the vendor leads and bids for (its id), or empty: alone.
    pub consortium: String,
}

/// What the bid panel of a scenario page shows again after a refused submission.
#[derive(Debug, Clone, Default)]
pub struct BidFormState {
    pub form: BidForm,
    pub errors: FormErrors,
    pub message: Option<String>,
}
