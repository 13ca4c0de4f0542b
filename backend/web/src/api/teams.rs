//! OPC teams: a scenario's facets, and consortia (联合体) forming — sealed with the scenario's
//! bids, so that only members (and each invitee, of its own invitation) read one.

use actix_web::{HttpResponse, get, post, put, web};
use domain::ids::{ConsortiumId, OrganizationId};
use domain::scenario::ScenarioId;
use domain::team::consortium::{BidTeam, Consortium, NamedMember};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::{Authenticated, MaybeAuthenticated};
use crate::error::ApiResult;

/// A vendor as a team shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TeamVendor {
    pub id: i64,
    pub name: String,
    pub opc_member: bool,
}

/// One member of a consortium.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConsortiumMemberOut {
    pub vendor: TeamVendor,
    /// Its share of the work under the agreement, once written.
    pub share_pct: Option<u8>,
    /// `invited`, `accepted` or `declined`.
    pub status: &'static str,
    /// It confirmed the agreement as it stands.
    pub confirmed: bool,
}

/// A consortium, as its members read it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConsortiumOut {
    pub id: i64,
    pub scenario_id: i64,
    pub name: String,
    /// The lead's organization.
    pub lead: i64,
    /// `forming`, `agreed`, `bid` or `dissolved`.
    pub status: &'static str,
    pub members: Vec<ConsortiumMemberOut>,
}

/// A consortium with its members' names, read in the same call.
/// A member of a consortium's bid or of an award's winner, with its share of the work.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NamedMemberOut {
    pub organization_id: i64,
    pub name: String,
    pub share_pct: u8,
    /// The lead (牵头人), who submits the bid and signs for the consortium.
    pub lead: bool,
}

impl From<&NamedMember> for NamedMemberOut {
    fn from(m: &NamedMember) -> Self {
        NamedMemberOut {
            organization_id: m.organization_id.0,
            name: m.name.clone(),
            share_pct: m.share_pct,
            lead: m.lead,
        }
    }
}

/// The consortium a bid is for.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BidTeamOut {
    pub id: i64,
    pub name: String,
    pub members: Vec<NamedMemberOut>,
}

impl From<&BidTeam> for BidTeamOut {
    fn from(t: &BidTeam) -> Self {
        BidTeamOut {
            id: t.id.0,
            name: t.name.clone(),
            members: t.members.iter().map(NamedMemberOut::from).collect(),
        }
    }
}

async fn out(state: &AppState, c: Consortium) -> ApiResult<ConsortiumOut> {
    let ids: Vec<OrganizationId> = c.members.iter().map(|m| m.vendor).collect();
    let names = state.call(move |s| s.team_vendors(&ids)).await?;
    Ok(ConsortiumOut {
        id: c.id.0,
        scenario_id: c.scenario.0,
        name: c.name.clone(),
        lead: c.lead.0,
        status: c.status.code(),
        members: c
            .members
            .iter()
            .map(|m| {
                let (name, opc) = names
                    .iter()
                    .find(|(id, _, _)| *id == m.vendor)
                    .map(|(_, n, o)| (n.clone(), *o))
                    .unwrap_or_default();
                ConsortiumMemberOut {
                    vendor: TeamVendor {
                        id: m.vendor.0,
                        name,
                        opc_member: opc,
                    },
                    share_pct: m.share_pct,
                    status: m.status.code(),
                    confirmed: m.confirmed,
                }
            })
            .collect(),
    })
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ConsortiumIn {
    /// Its name (up to 100 characters); the lead's name and "联合体" when empty.
    #[serde(default)]
    #[schema(max_length = 100)]
    pub name: String,
}

#[utoipa::path(tag = "teams", request_body = ConsortiumIn, security(("bearer" = [])), params(("id" = i64, Path, description = "scenario id")),
    responses((status = 201, body = ConsortiumOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, description = "not open for bids, or the vendor bids alone or in another consortium (`consortium_conflict`)", body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
#[post("/scenarios/{id}/consortia")]
/// A verified vendor forms a consortium for the scenario and leads it.
pub async fn form(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<ConsortiumIn>,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    let name = body.into_inner().name;
    let c = state
        .call(move |s| s.form_consortium(&who.actor, id, &name))
        .await?;
    Ok(HttpResponse::Created().json(out(&state, c).await?))
}

#[utoipa::path(tag = "teams", security(("bearer" = [])), params(("id" = i64, Path, description = "consortium id")),
    responses((status = 200, body = ConsortiumOut), (status = 404, description = "no such consortium, or not a member or invitee", body = crate::error::Problem)))]
#[get("/consortia/{id}")]
/// A consortium, for its members and invitees (404 to everyone else, as for a missing id).
pub async fn get_consortium(
    state: web::Data<AppState>,
    who: MaybeAuthenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = ConsortiumId(path.into_inner());
    let c = state
        .call(move |s| s.consortium(who.0.as_ref().map(|a| &a.actor), id))
        .await?;
    Ok(HttpResponse::Ok().json(out(&state, c).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct InvitationIn {
    /// The verified vendor invited.
    #[serde(default)]
    #[schema(required = true)]
    pub vendor_id: i64,
    /// Up to 1000 characters.
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub message: String,
}

#[utoipa::path(tag = "teams", request_body = InvitationIn, security(("bearer" = [])), params(("id" = i64, Path, description = "consortium id")),
    responses((status = 201, body = ConsortiumOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/consortia/{id}/invitations")]
/// The lead invites a verified vendor; it hears of it.
pub async fn invite(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<InvitationIn>,
) -> ApiResult<HttpResponse> {
    let id = ConsortiumId(path.into_inner());
    let InvitationIn { vendor_id, message } = body.into_inner();
    let c = state
        .call(move |s| s.invite_to_consortium(&who.actor, id, OrganizationId(vendor_id), &message))
        .await?;
    Ok(HttpResponse::Created().json(out(&state, c).await?))
}

async fn answer(
    state: web::Data<AppState>,
    who: Authenticated,
    id: i64,
    joins: bool,
) -> ApiResult<HttpResponse> {
    let id = ConsortiumId(id);
    let c = state
        .call(move |s| s.answer_consortium(&who.actor, id, joins))
        .await?;
    Ok(HttpResponse::Ok().json(out(&state, c).await?))
}

#[utoipa::path(tag = "teams", security(("bearer" = [])), params(("id" = i64, Path, description = "consortium id")),
    responses((status = 200, body = ConsortiumOut), (status = 404, body = crate::error::Problem),
        (status = 409, description = "answered, or the vendor bids alone or in another consortium (`consortium_conflict`)", body = crate::error::Problem)))]
#[post("/consortia/{id}/accept")]
/// The invited vendor joins.
pub async fn accept(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    answer(state, who, path.into_inner(), true).await
}

#[utoipa::path(tag = "teams", security(("bearer" = [])), params(("id" = i64, Path, description = "consortium id")),
    responses((status = 200, body = ConsortiumOut), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
#[post("/consortia/{id}/decline")]
/// The invited vendor declines.
pub async fn decline(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    answer(state, who, path.into_inner(), false).await
}

/// One member's share.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ShareIn {
    pub vendor_id: i64,
    #[schema(minimum = 1, maximum = 99)]
    pub share_pct: i64,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AgreementIn {
    /// Every member who accepted, once, each 1–99, summing to 100.
    #[serde(default)]
    pub shares: Vec<ShareIn>,
}

#[utoipa::path(tag = "teams", request_body = AgreementIn, security(("bearer" = [])), params(("id" = i64, Path, description = "consortium id")),
    responses((status = 200, body = ConsortiumOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, description = "an invitation waits for its answer", body = crate::error::Problem), (status = 422, description = "the shares (named)", body = crate::error::Problem)))]
#[put("/consortia/{id}/agreement")]
/// The lead writes the agreement; every member confirms it again.
pub async fn agreement(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<AgreementIn>,
) -> ApiResult<HttpResponse> {
    let id = ConsortiumId(path.into_inner());
    let shares: Vec<(OrganizationId, i64)> = body
        .into_inner()
        .shares
        .into_iter()
        .map(|s| (OrganizationId(s.vendor_id), s.share_pct))
        .collect();
    let c = state
        .call(move |s| s.write_agreement(&who.actor, id, &shares))
        .await?;
    Ok(HttpResponse::Ok().json(out(&state, c).await?))
}

#[utoipa::path(tag = "teams", security(("bearer" = [])), params(("id" = i64, Path, description = "consortium id")),
    responses((status = 200, body = ConsortiumOut), (status = 404, body = crate::error::Problem),
        (status = 409, description = "no agreement yet, or confirmed already", body = crate::error::Problem)))]
#[post("/consortia/{id}/agreement/confirm")]
/// A member confirms the agreement (joint and several liability); the last makes it `agreed`.
pub async fn confirm(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = ConsortiumId(path.into_inner());
    let c = state
        .call(move |s| s.confirm_agreement(&who.actor, id))
        .await?;
    Ok(HttpResponse::Ok().json(out(&state, c).await?))
}

/// A page of the caller's consortia.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConsortiumListOut {
    pub items: Vec<ConsortiumOut>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[utoipa::path(tag = "teams", security(("bearer" = [])), params(crate::api::PageQuery),
    responses((status = 200, body = ConsortiumListOut), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[get("/me/consortia")]
/// The consortia the vendor leads, belongs to or is invited to, newest first.
pub async fn mine(
    state: web::Data<AppState>,
    who: Authenticated,
    q: web::Query<crate::api::PageQuery>,
) -> ApiResult<HttpResponse> {
    let paging = q.paging()?;
    let list = state.call(move |s| s.my_consortia(&who.actor)).await?;
    let total = list.len() as i64;
    let mut items = vec![];
    for c in list
        .into_iter()
        .skip(paging.offset() as usize)
        .take(paging.per_page as usize)
    {
        items.push(out(&state, c).await?);
    }
    Ok(HttpResponse::Ok().json(ConsortiumListOut {
        items,
        total,
        page: paging.page,
        per_page: paging.per_page,
    }))
}

/// A member of a suggested team and the facets it brings.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TeamMemberOut {
    pub vendor: TeamVendor,
    /// The facets (offer kind codes) it covers.
    pub facets: Vec<&'static str>,
}

/// Why a team is suggested, in both languages.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TeamReason {
    pub text: String,
    pub text_en: String,
}

/// A suggested team: the caller first, then its partners.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TeamOut {
    pub members: Vec<TeamMemberOut>,
    /// The share of the scenario's facets the team covers (1: all).
    pub coverage: f64,
    pub score: f64,
    pub reasons: Vec<TeamReason>,
}

/// A page of suggested teams.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TeamPage {
    pub items: Vec<TeamOut>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[utoipa::path(tag = "teams", security(("bearer" = [])), params(crate::api::PageQuery, ("id" = i64, Path, description = "scenario id")),
    responses((status = 200, body = TeamPage), (status = 403, description = "not a verified vendor", body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, description = "not open for bids", body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
#[get("/scenarios/{id}/team-suggestions")]
/// Teams of 2–4 verified vendors open to teaming, the caller among them, that together cover
/// what the scenario needs: the most coverage first, then fewer members, then fit and
/// reputation (OPC members first among equals).
pub async fn suggestions(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    q: web::Query<crate::api::PageQuery>,
) -> ApiResult<HttpResponse> {
    let paging = q.paging()?;
    let id = ScenarioId(path.into_inner());
    let search = state.search.clone();
    let (offset, limit) = (paging.offset() as usize, paging.per_page as usize);
    let (teams, _, total) = state
        .call(move |_| search.team_suggestions(&who.actor, id, offset, limit))
        .await?;
    let ids: Vec<OrganizationId> = teams
        .iter()
        .flat_map(|t| t.members.iter().map(|m| m.vendor))
        .collect();
    let names = state.call(move |s| s.team_vendors(&ids)).await?;
    let vendor = |id: OrganizationId| {
        let (name, opc) = names
            .iter()
            .find(|(v, _, _)| *v == id)
            .map(|(_, n, o)| (n.clone(), *o))
            .unwrap_or_default();
        TeamVendor {
            id: id.0,
            name,
            opc_member: opc,
        }
    };
    let items = teams
        .iter()
        .map(|t| TeamOut {
            members: t
                .members
                .iter()
                .map(|m| TeamMemberOut {
                    vendor: vendor(m.vendor),
                    facets: m.facets.iter().map(|k| k.code()).collect(),
                })
                .collect(),
            coverage: (t.coverage * 100.0).round() / 100.0,
            score: (t.score * 100.0).round() / 100.0,
            reasons: t
                .members
                .iter()
                .skip(1)
                .map(|m| {
                    let v = vendor(m.vendor);
                    let labels = |zh: bool| {
                        m.facets
                            .iter()
                            .map(|k| {
                                let l = k.label();
                                if zh {
                                    l.zh.into_owned()
                                } else {
                                    l.en.into_owned()
                                }
                            })
                            .collect::<Vec<_>>()
                    };
                    TeamReason {
                        text: format!("{} 补足：{}", v.name, labels(true).join("、")),
                        text_en: format!("{} brings: {}", v.name, labels(false).join(", ")),
                    }
                })
                .collect(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(TeamPage {
        items,
        total: total as i64,
        page: paging.page,
        per_page: paging.per_page,
    }))
}
