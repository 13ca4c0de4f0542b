//! Who may do what. Every permission of the product is decided here, by plain functions over
//! the signed-in actor, so that handlers never decide ad hoc.

use crate::message::Message;
use chrono::{DateTime, Utc};

use crate::account::{OrgKind, Organization, Role};
use crate::error::{Error, Result};
use crate::ids::{OrganizationId, UserId};
use crate::scenario::Scenario;

pub use crate::actor::Actor;

fn forbidden(why: Message) -> Error {
    Error::Forbidden(why)
}

/// Only administrators manage users and verify organizations.
pub fn require_admin(actor: &Actor) -> Result<()> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(forbidden(Message::new(
            "需要管理员权限",
            "this needs an administrator",
        )))
    }
}

/// A member of an organization may edit its public profile; administrators may too.
pub fn can_edit_organization(actor: &Actor, org: OrganizationId) -> Result<()> {
    if actor.role == Role::Admin || actor.organization_id == Some(org) {
        Ok(())
    } else {
        Err(forbidden(Message::new(
            "只有该组织成员可以修改资料",
            "only a member of this organization may edit its profile",
        )))
    }
}

/// An agency may publish only once an administrator has verified it.
pub fn can_publish(actor: &Actor, org: &Organization) -> Result<()> {
    if actor.role != Role::Agency || org.kind != OrgKind::Agency {
        return Err(forbidden(Message::new(
            "只有机构用户可以发布场景",
            "only agency users publish scenarios",
        )));
    }
    if actor.organization_id != Some(org.id) {
        return Err(forbidden(Message::new(
            "不是本机构的用户",
            "not a member of this agency",
        )));
    }
    if !org.verified {
        return Err(forbidden(Message::new(
            "机构尚未通过认证，暂不能发布",
            "the agency is not verified yet, so it cannot publish",
        )));
    }
    Ok(())
}

/// A vendor may bid only once an administrator has verified it.
pub fn can_bid(actor: &Actor, org: &Organization) -> Result<()> {
    if actor.role != Role::Vendor || org.kind != OrgKind::Vendor {
        return Err(forbidden(Message::new(
            "只有企业用户可以投标",
            "only vendor users submit bids",
        )));
    }
    if actor.organization_id != Some(org.id) {
        return Err(forbidden(Message::new(
            "不是本企业的用户",
            "not a member of this vendor",
        )));
    }
    if !org.verified {
        return Err(forbidden(Message::new(
            "企业尚未通过认证，暂不能投标",
            "the vendor is not verified yet, so it cannot bid",
        )));
    }
    Ok(())
}

/// An agency user may draft scenarios for their organization (verified or not: only
/// publishing needs verification). Returns the organization.
pub fn can_draft_scenario(actor: &Actor) -> Result<OrganizationId> {
    match (actor.role, actor.organization_id) {
        (Role::Agency, Some(org)) => Ok(org),
        _ => Err(forbidden(Message::new(
            "只有机构用户可以发布场景",
            "only agency users post scenarios",
        ))),
    }
}

/// Whether the viewer may know the scenario exists: once published everyone may; a draft
/// only its own organization.
pub fn can_view_scenario(viewer: Option<&Actor>, s: &Scenario) -> bool {
    s.is_public() || viewer.is_some_and(|a| a.organization_id == Some(s.owner))
}

/// Only the owning agency's users manage a scenario.
pub fn require_scenario_owner(actor: &Actor, s: &Scenario) -> Result<()> {
    if actor.role == Role::Agency && actor.organization_id == Some(s.owner) {
        Ok(())
    } else {
        Err(forbidden(Message::new(
            "只有发布机构可以管理该场景",
            "only the posting agency manages this scenario",
        )))
    }
}

/// The ranking (prices and scores of every bid) is for the owner agency and administrators.
pub fn can_see_ranking(actor: &Actor, s: &Scenario) -> Result<()> {
    if actor.role == Role::Admin || require_scenario_owner(actor, s).is_ok() {
        Ok(())
    } else {
        Err(forbidden(Message::new(
            "只有发布机构和管理员可以查看排名",
            "only the posting agency and administrators see the ranking",
        )))
    }
}

/// The panel's membership is for its members, the owner agency and administrators.
pub fn can_see_panel(actor: &Actor, s: &Scenario, is_member: bool) -> bool {
    is_member || actor.role == Role::Admin || require_scenario_owner(actor, s).is_ok()
}

/// Only evaluators have panels to work on.
pub fn require_evaluator(actor: &Actor) -> Result<()> {
    if actor.role == Role::Evaluator {
        Ok(())
    } else {
        Err(forbidden(Message::new(
            "只有评审专家有评审任务",
            "only evaluators have panels",
        )))
    }
}

/// A vendor user's organization (their bids are its bids).
pub fn require_vendor(actor: &Actor) -> Result<OrganizationId> {
    match (actor.role, actor.organization_id) {
        (Role::Vendor, Some(org)) => Ok(org),
        _ => Err(forbidden(Message::new(
            "只有企业用户有投标",
            "only vendor users have bids",
        ))),
    }
}

/// Who may sit on an evaluation panel: an active evaluator.
pub fn may_sit_on_panel(user: &crate::account::User) -> bool {
    user.role == Role::Evaluator && user.active
}

/// Which role changes an administrator may make: only between administrator and evaluator
/// (agency and vendor users belong to their organizations).
pub fn role_may_change(from: Role, to: Role) -> bool {
    let staff = |r: Role| matches!(r, Role::Admin | Role::Evaluator);
    staff(from) && staff(to)
}

/// Only the rated vendor's users reply to a rating.
pub fn can_reply_to_rating(actor: &Actor, rated_vendor: OrganizationId) -> Result<()> {
    if actor.role == Role::Vendor && actor.organization_id == Some(rated_vendor) {
        Ok(())
    } else {
        Err(forbidden(Message::new(
            "只有被评价的企业可以回复",
            "only the rated vendor replies",
        )))
    }
}

/// Signed-in vendor users ask clarification questions.
pub fn can_ask_question(actor: &Actor) -> Result<()> {
    if actor.role == Role::Vendor && actor.organization_id.is_some() {
        Ok(())
    } else {
        Err(forbidden(Message::new(
            "只有企业用户可以提问",
            "only vendor users ask questions",
        )))
    }
}

/// Who may read a bid (its content, its files, even that it exists). The bidding vendor's
/// users always. Once the bids are opened also the owner agency's users and the scenario's
/// cleared panel, but only bids that are still in the running: a withdrawn bid stays the
/// vendor's alone, and a cancelled scenario's bids are never opened. Nobody else, ever
/// (administrators included): to them the bid does not exist.
pub fn can_read_bid(
    viewer: &Actor,
    bid_vendor: OrganizationId,
    bid_withdrawn: bool,
    s: &Scenario,
    cleared_panel: &[UserId],
    now: DateTime<Utc>,
) -> bool {
    if viewer.organization_id == Some(bid_vendor) {
        return true;
    }
    !bid_withdrawn && can_list_all_bids(viewer, s, cleared_panel, now)
}

/// Whether a bid is opened at `now`, and so may be known to anyone but its vendor (its
/// records in the audit browser included): its scenario's bids are opened and the bid was not
/// withdrawn. A withdrawn bid, and every bid of a cancelled scenario, stays its vendor's alone
/// for ever. The audit store applies the same rule in its query (`db::reports`), and a
/// contract test checks the two agree on both databases.
pub fn bid_opened(bid_withdrawn: bool, s: &Scenario, now: DateTime<Utc>) -> bool {
    !bid_withdrawn && s.bids_opened(now)
}

/// Whether an administrator reading the audit browser may see a record's content (its
/// before and after). A scenario's records show theirs once it has been published (a draft
/// is its agency's until then, and a draft cancelled unpublished stays so); an invitation is
/// between the agency and the vendor it invited, so its records never show theirs. The
/// record itself stays in the chain and in the list.
pub fn audit_content_shown(subject_type: &str, scenario_ever_published: bool) -> bool {
    match subject_type {
        "invitation" => false,
        "scenario" => scenario_ever_published,
        _ => true,
    }
}

/// Whether the viewer may see every valid bid of a scenario (and their number): only once the
/// bids are opened, only the owner agency's users and the cleared panel.
pub fn can_list_all_bids(
    viewer: &Actor,
    s: &Scenario,
    cleared_panel: &[UserId],
    now: DateTime<Utc>,
) -> bool {
    s.bids_opened(now)
        && ((viewer.role == Role::Agency && viewer.organization_id == Some(s.owner))
            || (viewer.role == Role::Evaluator && cleared_panel.contains(&viewer.user_id)))
}

/// What the viewer may do with a scenario now, from the permissions above and the lifecycle
/// ([`crate::scenario::transition`]): what the API's `allowed_actions` and the detail page's
/// buttons show. `organization` is the viewer's own (for verification); `has_active_bid` whether
/// it already has a bid in the running; `following` whether the viewer follows the scenario
/// (`None`: not asked, and neither follow move is named).
pub fn allowed_actions(
    viewer: Option<&Actor>,
    organization: Option<&Organization>,
    s: &Scenario,
    has_active_bid: bool,
    following: Option<bool>,
    now: DateTime<Utc>,
) -> Vec<crate::scenario::Move> {
    use crate::scenario::{Action, Move, Status, transition};
    let Some(actor) = viewer else {
        return vec![];
    };
    let status = s.status_at(now);
    let moves = |action: &Action| transition(s.status, s.bid_deadline, action, now).is_ok();
    let mut out = Vec::new();
    if require_scenario_owner(actor, s).is_ok() {
        let verified = organization.is_some_and(|o| can_publish(actor, o).is_ok());
        let later = s.bid_deadline + chrono::Duration::days(1);
        for (action, m) in [
            (Action::Edit, Move::Edit),
            (Action::Publish, Move::Publish),
            (
                Action::Extend {
                    new_deadline: later,
                },
                Move::Extend,
            ),
            (Action::Cancel, Move::Cancel),
        ] {
            if moves(&action) && (m != Move::Publish || verified) {
                out.push(m);
            }
        }
        if status == Status::Published {
            out.push(Move::Answer);
        }
        if matches!(status, Status::Published | Status::Evaluating) {
            out.push(Move::SetPanel);
        }
        if s.bids_opened(now) {
            out.push(Move::Rank);
        }
        for (action, m) in [
            (Action::Award, Move::Award),
            (Action::Deliver, Move::Deliver),
            (Action::Close, Move::Close),
        ] {
            if moves(&action) {
                out.push(m);
            }
        }
    }
    if status == Status::Published && can_ask_question(actor).is_ok() {
        let bids = organization.is_some_and(|o| can_bid(actor, o).is_ok());
        if bids && !has_active_bid {
            out.push(Move::Bid);
        }
        out.push(Move::Ask);
    }
    match following {
        Some(true) if actor.role == Role::Vendor => out.push(Move::Unfollow),
        Some(false) if can_follow(actor, s, now) => out.push(Move::Follow),
        _ => {}
    }
    out
}

/// Following a scenario (to hear of its answers and extensions): vendor users only; starting
/// to follow only while the scenario takes bids. Stopping is always allowed.
pub fn check_follow(actor: &Actor, s: &Scenario, follow: bool, now: DateTime<Utc>) -> Result<()> {
    if actor.role != Role::Vendor {
        return Err(forbidden(Message::new(
            "只有企业用户可以关注场景",
            "only vendors follow scenarios",
        )));
    }
    if follow && s.status_at(now) != crate::scenario::Status::Published {
        return Err(Error::Conflict {
            code: "not_open",
            detail: Message::new(
                "只能关注正在投标的场景",
                "only a scenario that takes bids can be followed",
            ),
        });
    }
    Ok(())
}

/// Whether the actor may start following the scenario now (see [`check_follow`]).
pub fn can_follow(actor: &Actor, s: &Scenario, now: DateTime<Utc>) -> bool {
    check_follow(actor, s, true, now).is_ok()
}

/// Interests and saved searches are a vendor user's (and so is the search page's offer to
/// save a search); only a user who may keep them hears of the scenarios that fit them (a role
/// may have changed since they were saved).
pub fn subscribes(role: Role) -> bool {
    role == Role::Vendor
}

/// See [`subscribes`].
pub fn can_subscribe(actor: &Actor) -> Result<()> {
    if subscribes(actor.role) {
        Ok(())
    } else {
        Err(forbidden(Message::new(
            "只有企业用户可以订阅场景",
            "only vendors subscribe to scenarios",
        )))
    }
}

/// Whether the actor may invite vendors to bid on the scenario now (and so sees the vendors
/// recommended for it): its owner, while it takes bids.
pub fn can_invite(actor: &Actor, s: &Scenario, now: DateTime<Utc>) -> bool {
    require_scenario_owner(actor, s).is_ok()
        && s.status_at(now) == crate::scenario::Status::Published
}

/// The vendor whose invitations the user reads.
pub fn invitation_inbox(actor: &Actor) -> Result<OrganizationId> {
    match (actor.role, actor.organization_id) {
        (Role::Vendor, Some(org)) => Ok(org),
        _ => Err(forbidden(Message::new(
            "只有企业用户会收到邀请",
            "only vendors receive invitations",
        ))),
    }
}

/// Which of a scenario's invitations the actor sees: its owner all of them, a vendor user its
/// own organization's; nobody else any (who was invited is nobody else's business).
pub fn can_see_invitation(actor: &Actor, s: &Scenario, invited: OrganizationId) -> bool {
    require_scenario_owner(actor, s).is_ok()
        || (actor.role == Role::Vendor && actor.organization_id == Some(invited))
}

/// Whether the actor's organization is the bid's vendor: its users change and withdraw the
/// bid.
pub fn is_bidder(actor: &Actor, bid_vendor: OrganizationId) -> bool {
    actor.organization_id == Some(bid_vendor)
}

/// Whether an earlier version of a bid (its content and receipt) may be shown: to the bidder
/// only. Everyone else who may read the bid sees its final version and that receipt.
pub fn can_see_bid_history(viewer: &Actor, bid_vendor: OrganizationId) -> bool {
    is_bidder(viewer, bid_vendor)
}

/// Whether the actor may score a bid: an evaluator who may read it (see [`can_read_bid`]).
pub fn can_score(
    actor: &Actor,
    bid_vendor: OrganizationId,
    bid_withdrawn: bool,
    s: &Scenario,
    cleared_panel: &[UserId],
    now: DateTime<Utc>,
) -> bool {
    actor.role == Role::Evaluator
        && can_read_bid(actor, bid_vendor, bid_withdrawn, s, cleared_panel, now)
}

/// Whether a vendor user would be shown that verification stands between them and bidding:
/// their organization is not verified and the scenario takes bids.
pub fn bid_awaits_verification(
    actor: &Actor,
    organization: Option<&Organization>,
    s: &Scenario,
    now: DateTime<Utc>,
) -> bool {
    actor.role == Role::Vendor
        && !organization.is_some_and(|o| o.verified)
        && s.status_at(now) == crate::scenario::Status::Published
}

/// Who may challenge an award: a bidder with a bid in force, not the winner.
pub fn can_challenge(bidder: bool, winner: bool) -> Result<()> {
    if !bidder {
        return Err(forbidden(Message::new(
            "只有参与投标的供应商可以提出质疑",
            "only a bidder can challenge the award",
        )));
    }
    if winner {
        return Err(forbidden(Message::new(
            "中标供应商不能质疑本次中标结果",
            "the winning bidder cannot challenge its own award",
        )));
    }
    Ok(())
}

/// Who may read a challenge: everyone an answered one; an open one only the scenario's owner
/// and the challenger (nobody else learns that an award is being challenged, or by whom).
pub fn can_read_challenge(
    viewer_org: Option<OrganizationId>,
    owner: OrganizationId,
    challenger: OrganizationId,
    answered: bool,
) -> bool {
    answered || viewer_org == Some(owner) || viewer_org == Some(challenger)
}

#[cfg(test)]
mod tests;
