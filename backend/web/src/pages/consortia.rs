//! A consortium's page (`/consortia/{id}`) with its forms, the vendor's consortia
//! (`/consortia`), and the invitation of a suggested team (`/scenarios/{id}/teams/invite`).
//! A consortium is sealed with the scenario's bids: for anyone but its members and invitees
//! its page answers exactly as a missing one does.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use app::accounts::Account;
use app::teams::ConsortiumBoard;
use askama::Template;
use domain::Error;
use domain::ids::{ConsortiumId, OrganizationId};
use domain::scenario::ScenarioId;
use domain::search::VendorSearch;
use domain::team::consortium::{MemberStatus, Status};

use super::challenges::refused;
use super::forms::FormErrors;
use super::{CheckedForm, PageCtx, actor, error_page, render, see_other};
use crate::AppState;
use crate::i18n::Tr;

/// How many vendors a partner search shows.
const FOUND: usize = 10;

struct MemberRow {
    id: i64,
    name: String,
    opc: bool,
    lead: bool,
    you: bool,
    status: String,
    /// `invited`, `accepted` or `declined`, for the badge's colour.
    code: &'static str,
    share: Option<u8>,
    confirmed: bool,
}

/// A vendor found by the partner search.
struct Found {
    id: i64,
    name: String,
    opc: bool,
    summary: String,
}

#[derive(Template)]
#[template(path = "consortium.html")]
struct ConsortiumPage {
    ctx: PageCtx,
    id: i64,
    name: String,
    scenario_id: i64,
    scenario_title: String,
    status: String,
    members: Vec<MemberRow>,
    /// The lead's message, while the viewer's own invitation waits for its answer.
    invitation: Option<String>,
    is_lead: bool,
    /// The consortium may still change: its scenario takes bids, it has not bid.
    open: bool,
    /// The lead may write the agreement: no invitation waits, two members or more.
    can_agree: bool,
    invitations_waiting: bool,
    /// The viewer, a member with a share, has not confirmed the agreement as it stands.
    can_confirm: bool,
    can_bid: bool,
    bid: Option<i64>,
    q: String,
    found: Vec<Found>,
    searched: bool,
    errors: FormErrors,
    message: Option<String>,
    /// The shares typed in a refused agreement form, by member.
    typed: Vec<(i64, String)>,
}

impl ConsortiumPage {
    fn typed_share(&self, member: &i64) -> String {
        self.typed
            .iter()
            .find(|(m, _)| m == member)
            .map(|(_, v)| v.clone())
            .or_else(|| {
                self.members
                    .iter()
                    .find(|m| m.id == *member)
                    .and_then(|m| m.share.map(|s| s.to_string()))
            })
            .unwrap_or_default()
    }
}

/// What a refused form brings back.
#[derive(Default)]
struct Again {
    errors: FormErrors,
    message: Option<String>,
    typed: Vec<(i64, String)>,
}

fn status_label(t: &Tr, s: Status) -> String {
    t.t(&format!("consortium.status_{}", s.code())).to_string()
}

/// The page of a consortium as the viewer may read it; a partner search when `q` is given.
async fn show(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    account: &Account,
    id: ConsortiumId,
    q: String,
    again: Again,
) -> HttpResponse {
    let who = actor(account);
    let board = match state.call(move |s| s.consortium_board(&who, id)).await {
        Ok(b) => b,
        Err(e) => return error_page(req, Some(account), &e),
    };
    let me = account.user.organization_id;
    let c = &board.consortium;
    let is_lead = me == Some(c.lead);
    let open = board.open && matches!(c.status, Status::Forming | Status::Agreed);
    let searched = is_lead && open && !q.trim().is_empty();
    let found = if searched {
        partners(state, &board, &q).await
    } else {
        vec![]
    };
    let ctx = PageCtx::new(req, Some(account), "my_bids");
    let t = &ctx.t;
    let name_of = |v: OrganizationId| {
        board
            .names
            .iter()
            .find(|(id, _, _)| *id == v)
            .map(|(_, n, o)| (n.clone(), *o))
            .unwrap_or_default()
    };
    let members: Vec<MemberRow> = c
        .members
        .iter()
        .map(|m| {
            let (name, opc) = name_of(m.vendor);
            MemberRow {
                id: m.vendor.0,
                name,
                opc,
                lead: m.vendor == c.lead,
                you: Some(m.vendor) == me,
                status: t
                    .t(&format!("consortium.member_{}", m.status.code()))
                    .to_string(),
                code: m.status.code(),
                share: m.share_pct,
                confirmed: m.confirmed,
            }
        })
        .collect();
    let mine = me.and_then(|o| c.member(o));
    let invitations_waiting = c.members.iter().any(|m| m.status == MemberStatus::Invited);
    let page = ConsortiumPage {
        id: c.id.0,
        name: c.name.clone(),
        scenario_id: c.scenario.0,
        scenario_title: board.scenario_title.clone(),
        status: status_label(t, c.status),
        invitation: mine
            .filter(|m| m.status == MemberStatus::Invited && open)
            .map(|m| m.message.clone()),
        is_lead,
        open,
        can_agree: is_lead && open && !invitations_waiting && c.accepted().count() >= 2,
        invitations_waiting,
        can_confirm: open
            && mine.is_some_and(|m| {
                m.status == MemberStatus::Accepted && m.share_pct.is_some() && !m.confirmed
            }),
        can_bid: is_lead && board.open && c.status == Status::Agreed,
        bid: board.bid.map(|b| b.0),
        members,
        q,
        found,
        searched,
        errors: again.errors,
        message: again.message,
        typed: again.typed,
        ctx,
    };
    render(StatusCode::OK, &page)
}

/// Verified vendors open to teaming that match `q`, not in the consortium already.
async fn partners(state: &web::Data<AppState>, board: &ConsortiumBoard, q: &str) -> Vec<Found> {
    let search = state.search.clone();
    let query = VendorSearch {
        text: q.trim().to_string(),
        capabilities: vec![],
        opc_member: None,
        offset: 0,
        limit: 50,
    };
    let Ok(page) = state.call(move |_| search.vendors(&query)).await else {
        return vec![];
    };
    page.items
        .into_iter()
        .filter(|o| o.open_to_teaming && board.consortium.member(o.id).is_none())
        .take(FOUND)
        .map(|o| Found {
            id: o.id.0,
            name: o.name,
            opc: o.opc_member,
            summary: o.capabilities.join("、"),
        })
        .collect()
}

/// The page again after a refused form, or the error page.
async fn again(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    account: &Account,
    id: ConsortiumId,
    e: Error,
    typed: Vec<(i64, String)>,
) -> HttpResponse {
    let t = Tr::new(crate::session::locale_of(req));
    match refused(e, &t) {
        Ok((errors, message)) => {
            let again = Again {
                errors,
                message,
                typed,
            };
            show(req, state, account, id, String::new(), again).await
        }
        Err(other) => error_page(req, Some(account), &other),
    }
}

fn back(id: ConsortiumId) -> HttpResponse {
    see_other(&format!("/consortia/{}?notice=saved", id.0))
}

/// `GET /consortia/{id}` (`?q=` searches for partners)
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    query: web::Query<std::collections::HashMap<String, String>>,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let q = query.get("q").cloned().unwrap_or_default();
    let id = ConsortiumId(path.into_inner());
    show(&req, &state, &account, id, q, Again::default()).await
}

fn org_field(form: &CheckedForm, field: &str) -> OrganizationId {
    OrganizationId(form.0.get(field).trim().parse().unwrap_or(0))
}

/// `POST /consortia/{id}/invite` (`vendor_id`, `message`)
pub async fn invite(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = ConsortiumId(path.into_inner());
    let (a, vendor, message) = (
        actor(&account),
        org_field(&form, "vendor_id"),
        form.0.get("message"),
    );
    match state
        .call(move |s| s.invite_to_consortium(&a, id, vendor, &message))
        .await
    {
        Ok(_) => back(id),
        Err(e) => again(&req, &state, &account, id, e, vec![]).await,
    }
}

/// `POST /consortia/{id}/accept` and `…/decline`
pub async fn answer(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    _form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let (id, verb) = path.into_inner();
    let id = ConsortiumId(id);
    let accept = verb == "accept";
    let a = actor(&account);
    match state
        .call(move |s| s.answer_consortium(&a, id, accept))
        .await
    {
        Ok(_) => back(id),
        Err(e) => again(&req, &state, &account, id, e, vec![]).await,
    }
}

/// `POST /consortia/{id}/agreement` (`share-{vendor}` for each member, in percent)
pub async fn agreement(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = ConsortiumId(path.into_inner());
    let members: Vec<i64> = form
        .0
        .all("member")
        .iter()
        .filter_map(|m| m.trim().parse().ok())
        .collect();
    let typed: Vec<(i64, String)> = members
        .iter()
        .map(|m| (*m, form.0.get(&format!("share-{m}"))))
        .collect();
    // A share the form cannot read goes to the rules as 0, which they refuse by name.
    let shares: Vec<(OrganizationId, i64)> = typed
        .iter()
        .map(|(m, v)| (OrganizationId(*m), v.trim().parse().unwrap_or(0)))
        .collect();
    let a = actor(&account);
    match state
        .call(move |s| s.write_agreement(&a, id, &shares))
        .await
    {
        Ok(_) => back(id),
        Err(e) => {
            // The rules name shares by place; the page says them above the form.
            let e = match e {
                Error::Validation(errs) => {
                    let t = Tr::new(crate::session::locale_of(&req));
                    let all: Vec<String> = errs.iter().map(|f| t.msg(&f.message)).collect();
                    let mut list = all.clone();
                    list.dedup();
                    Error::Validation(vec![domain::FieldError::new(
                        "shares",
                        domain::message::Message::new(list.join("；"), list.join("; ")),
                    )])
                }
                e => e,
            };
            again(&req, &state, &account, id, e, typed).await
        }
    }
}

/// `POST /consortia/{id}/confirm` (`liability` must be ticked)
pub async fn confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = ConsortiumId(path.into_inner());
    if !form.0.flag("liability") {
        let e = Error::field(
            "liability",
            domain::message::Message::new(
                "请确认承担连带责任",
                "acknowledge joint and several liability",
            ),
        );
        return again(&req, &state, &account, id, e, vec![]).await;
    }
    let a = actor(&account);
    match state.call(move |s| s.confirm_agreement(&a, id)).await {
        Ok(_) => back(id),
        Err(e) => again(&req, &state, &account, id, e, vec![]).await,
    }
}

/// `POST /scenarios/{id}/teams/invite` (`vendor_id` for each partner, `message`): the
/// suggested team's partners are invited into the consortium the vendor leads.
pub async fn invite_team(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let sid = ScenarioId(path.into_inner());
    let partners: Vec<OrganizationId> = form
        .0
        .all("vendor_id")
        .iter()
        .filter_map(|v| v.trim().parse().ok().map(OrganizationId))
        .collect();
    let (a, message) = (actor(&account), form.0.get("message"));
    match state
        .call(move |s| s.invite_partners(&a, sid, &partners, &message))
        .await
    {
        Ok(c) => back(c.id),
        Err(e) => error_page(&req, Some(&account), &e),
    }
}

struct ListRow {
    id: i64,
    name: String,
    scenario_id: i64,
    title: String,
    lead: bool,
    status: String,
    mine: String,
}

#[derive(Template)]
#[template(path = "consortia.html")]
struct ListPage {
    ctx: PageCtx,
    rows: Vec<ListRow>,
}

/// `GET /consortia`: the consortia the vendor leads, belongs to or is invited to.
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let account = signed_in!(req, state);
    let a = actor(&account);
    let found = match state.call(move |s| s.my_consortia_titled(&a)).await {
        Ok(x) => x,
        Err(e) => return error_page(&req, Some(&account), &e),
    };
    let ctx = PageCtx::new(&req, Some(&account), "my_bids");
    let me = account.user.organization_id;
    let rows = found
        .iter()
        .map(|(c, title)| ListRow {
            id: c.id.0,
            name: c.name.clone(),
            scenario_id: c.scenario.0,
            title: title.clone(),
            lead: me == Some(c.lead),
            status: status_label(&ctx.t, c.status),
            mine: me
                .and_then(|o| c.member(o))
                .map(|m| {
                    ctx.t
                        .t(&format!("consortium.member_{}", m.status.code()))
                        .to_string()
                })
                .unwrap_or_default(),
        })
        .collect();
    render(StatusCode::OK, &ListPage { rows, ctx })
}
