//! A consortium (联合体) bidding as one: the lead invites members, each accepts or declines;
//! the agreement names each member's share of the work (whole percent, summing to 100) and is
//! confirmed by every member, and any change asks every member again; only an agreed
//! consortium bids, through its lead; a vendor bids on a scenario alone or in one consortium,
//! never both.

use chrono::{DateTime, Utc};

use crate::error::{Error, Fields, Result};
use crate::ids::{ConsortiumId, OrganizationId, UserId};
use crate::message::Message;
use crate::scenario::ScenarioId;

use super::MAX_TEAM;

/// Where a member stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberStatus {
    Invited,
    Accepted,
    Declined,
}

/// Where the consortium stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Members join; the agreement is written and confirmed.
    Forming,
    /// Every member confirmed the agreement: the lead may bid.
    Agreed,
    /// Its bid is in.
    Bid,
    Dissolved,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Forming => "forming",
            Status::Agreed => "agreed",
            Status::Bid => "bid",
            Status::Dissolved => "dissolved",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Forming,
            Status::Agreed,
            Status::Bid,
            Status::Dissolved,
        ]
        .into_iter()
        .find(|x| x.code() == s)
    }
}

impl MemberStatus {
    pub fn code(self) -> &'static str {
        match self {
            MemberStatus::Invited => "invited",
            MemberStatus::Accepted => "accepted",
            MemberStatus::Declined => "declined",
        }
    }

    pub fn parse(s: &str) -> Option<MemberStatus> {
        [
            MemberStatus::Invited,
            MemberStatus::Accepted,
            MemberStatus::Declined,
        ]
        .into_iter()
        .find(|x| x.code() == s)
    }
}

/// One member (the lead is one too, accepted from the start).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub vendor: OrganizationId,
    pub status: MemberStatus,
    /// Its share of the work under the agreement, once written.
    pub share_pct: Option<u8>,
    /// It confirmed the agreement as it stands (joint liability acknowledged).
    pub confirmed: bool,
    /// The lead's message with the invitation.
    pub message: String,
    pub invited_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
}

impl Membership {
    /// A new invitation.
    pub fn invited(vendor: OrganizationId, message: String, at: DateTime<Utc>) -> Membership {
        Membership {
            vendor,
            status: MemberStatus::Invited,
            share_pct: None,
            confirmed: false,
            message,
            invited_at: at,
            answered_at: None,
        }
    }
}

/// A consortium: who leads it, on which scenario, its members and state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consortium {
    pub id: ConsortiumId,
    pub scenario: ScenarioId,
    pub name: String,
    pub lead: OrganizationId,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub status: Status,
    /// The lead first, then in the order invited.
    pub members: Vec<Membership>,
}

fn conflict(
    code: &'static str,
    zh: impl Into<std::borrow::Cow<'static, str>>,
    en: impl Into<std::borrow::Cow<'static, str>>,
) -> Error {
    Error::Conflict {
        code,
        detail: Message::new(zh, en),
    }
}

fn forbidden(zh: &'static str, en: &'static str) -> Error {
    Error::Forbidden(Message::new(zh, en))
}

impl Consortium {
    /// A new consortium of its lead alone.
    pub fn new(
        id: ConsortiumId,
        scenario: ScenarioId,
        name: String,
        lead: OrganizationId,
        by: UserId,
        at: DateTime<Utc>,
    ) -> Consortium {
        let mut first = Membership::invited(lead, String::new(), at);
        first.status = MemberStatus::Accepted;
        first.answered_at = Some(at);
        Consortium {
            id,
            scenario,
            name,
            lead,
            created_by: by,
            created_at: at,
            status: Status::Forming,
            members: vec![first],
        }
    }

    /// Whether `org` may read it: a member who accepted, or a vendor invited (declined too:
    /// of its own invitation).
    pub fn visible_to(&self, org: Option<OrganizationId>) -> bool {
        org.is_some_and(|o| self.member(o).is_some())
    }

    /// The consortium as `org` may read it: whole for a member who accepted; for a vendor
    /// only invited (or that declined), its own invitation and the lead who sent it, never
    /// who else was asked or joined.
    pub fn seen_by(mut self, org: Option<OrganizationId>) -> Consortium {
        let member = org
            .and_then(|o| self.member(o))
            .is_some_and(|m| m.status == MemberStatus::Accepted);
        if !member {
            let lead = self.lead;
            self.members
                .retain(|m| m.vendor == lead || Some(m.vendor) == org);
            // Nor whether it agreed or bid: to an outsider it is as it was when asked.
            if self.status != Status::Dissolved {
                self.status = Status::Forming;
            }
            for m in self.members.iter_mut() {
                m.share_pct = None;
                m.confirmed = false;
            }
        }
        self
    }

    pub fn member(&self, v: OrganizationId) -> Option<&Membership> {
        self.members.iter().find(|m| m.vendor == v)
    }

    /// The members who accepted (the lead first).
    pub fn accepted(&self) -> impl Iterator<Item = &Membership> {
        self.members
            .iter()
            .filter(|m| m.status == MemberStatus::Accepted)
    }

    fn check_forming(&self) -> Result<()> {
        match self.status {
            Status::Forming | Status::Agreed => Ok(()),
            Status::Bid => Err(conflict(
                "consortium_bid",
                "联合体已投标，成员和协议不能再变更",
                "the consortium has bid: its members and agreement stay as they are",
            )),
            Status::Dissolved => Err(conflict(
                "consortium_dissolved",
                "联合体已解散",
                "the consortium is dissolved",
            )),
        }
    }

    /// The lead invites `vendor` (not a member yet, the team not full).
    pub fn check_invite(&self, by: OrganizationId, vendor: OrganizationId) -> Result<()> {
        if by != self.lead {
            return Err(forbidden(
                "只有牵头人可以邀请成员",
                "only the lead invites members",
            ));
        }
        self.check_forming()?;
        if self.member(vendor).is_some() {
            return Err(conflict(
                "already_invited",
                "该企业已被邀请或已是成员",
                "this vendor is invited or a member already",
            ));
        }
        let active = self
            .members
            .iter()
            .filter(|m| m.status != MemberStatus::Declined)
            .count();
        if active >= MAX_TEAM {
            return Err(conflict(
                "consortium_full",
                format!("联合体最多 {MAX_TEAM} 家成员"),
                format!("a consortium has at most {MAX_TEAM} members"),
            ));
        }
        Ok(())
    }

    /// The invited `vendor` answers its invitation.
    pub fn check_respond(&self, vendor: OrganizationId) -> Result<()> {
        // Its own answer first: a vendor that answered learns nothing of how the team went on.
        match self.member(vendor).map(|m| m.status) {
            Some(MemberStatus::Invited) => self.check_forming(),
            Some(_) => Err(conflict(
                "invitation_answered",
                "该邀请已答复",
                "this invitation is answered already",
            )),
            None => Err(Error::NotFound),
        }
    }

    /// The lead writes the agreement: a share for each member who accepted, none for anyone
    /// else, each 1–99, summing to 100; no invitation left unanswered.
    pub fn check_agreement(
        &self,
        by: OrganizationId,
        shares: &[(OrganizationId, i64)],
    ) -> Result<()> {
        if by != self.lead {
            return Err(forbidden(
                "只有牵头人可以拟定协议",
                "only the lead writes the agreement",
            ));
        }
        self.check_forming()?;
        if self
            .members
            .iter()
            .any(|m| m.status == MemberStatus::Invited)
        {
            return Err(conflict(
                "invitations_open",
                "尚有邀请未答复，答复后再拟定协议",
                "some invitations are not answered yet: write the agreement after",
            ));
        }
        let mut f = Fields::new();
        let accepted: Vec<OrganizationId> = self.accepted().map(|m| m.vendor).collect();
        if accepted.len() < 2 {
            f.push(
                "shares",
                Message::new(
                    "联合体至少需要两家成员",
                    "a consortium has at least two members",
                ),
            );
        }
        for (i, (v, pct)) in shares.iter().enumerate() {
            let field = format!("shares[{i}]");
            if !accepted.contains(v) {
                f.push(
                    &format!("{field}.vendor_id"),
                    Message::new("不是联合体成员", "not a member of the consortium"),
                );
            } else if shares.iter().filter(|(w, _)| w == v).count() > 1 {
                f.push(
                    &format!("{field}.vendor_id"),
                    Message::new("每个成员只列一次", "each member is listed once"),
                );
            }
            if !(1..=99).contains(pct) {
                f.push(
                    &format!("{field}.share_pct"),
                    Message::new("份额须为 1 至 99", "a share is 1 to 99"),
                );
            }
        }
        for v in &accepted {
            if !shares.iter().any(|(w, _)| w == v) {
                f.push(
                    "shares",
                    Message::new("每个成员都须有份额", "every member needs a share"),
                );
                break;
            }
        }
        let total: i64 = shares.iter().map(|(_, p)| *p).sum();
        if total != 100 {
            f.push(
                "shares",
                Message::new(
                    format!("份额之和须为 100%（现为 {total}%）"),
                    format!("the shares must sum to 100% (they sum to {total}%)"),
                ),
            );
        }
        f.finish()
    }

    /// A member confirms the agreement as it stands.
    pub fn check_confirm(&self, vendor: OrganizationId) -> Result<()> {
        self.check_forming()?;
        match self.member(vendor) {
            Some(m) if m.status == MemberStatus::Accepted && m.share_pct.is_some() => Ok(()),
            Some(m) if m.status == MemberStatus::Accepted => Err(conflict(
                "no_agreement",
                "牵头人尚未拟定协议",
                "the lead has not written the agreement yet",
            )),
            _ => Err(Error::NotFound),
        }
    }

    /// Agreed: every member who accepted has a share and confirmed it, no invitation is open,
    /// and there are at least two.
    pub fn is_agreed(&self) -> bool {
        let accepted: Vec<&Membership> = self.accepted().collect();
        accepted.len() >= 2
            && accepted
                .iter()
                .all(|m| m.share_pct.is_some() && m.confirmed)
            && !self
                .members
                .iter()
                .any(|m| m.status == MemberStatus::Invited)
    }

    /// The lead bids for an agreed consortium.
    pub fn check_bid(&self, by: OrganizationId) -> Result<()> {
        if by != self.lead {
            return Err(forbidden(
                "只有牵头人可以代表联合体投标",
                "only the lead bids for the consortium",
            ));
        }
        match self.status {
            Status::Agreed => Ok(()),
            Status::Forming => Err(conflict(
                "consortium_not_agreed",
                "联合体协议尚未经全体成员确认",
                "every member has not confirmed the agreement yet",
            )),
            _ => self.check_forming(),
        }
    }

    /// Each member's share of `value_fen` (the last takes the rounding), for figures such as
    /// the OPC community's awarded value.
    pub fn split(&self, value_fen: i64) -> Vec<(OrganizationId, i64)> {
        let shared: Vec<(OrganizationId, u8)> = self
            .accepted()
            .filter_map(|m| m.share_pct.map(|p| (m.vendor, p)))
            .collect();
        let shares: Vec<u8> = shared.iter().map(|(_, p)| *p).collect();
        shared
            .iter()
            .map(|(v, _)| *v)
            .zip(crate::contract::amounts(value_fen, &shares))
            .collect()
    }
}

/// A member as a consortium's bid, the ranking and the award notice name it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NamedMember {
    pub organization_id: OrganizationId,
    pub name: String,
    pub share_pct: u8,
    pub lead: bool,
}

/// The consortium a bid is for, as its readers see it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BidTeam {
    pub id: ConsortiumId,
    pub name: String,
    /// The lead first, then in the order they joined.
    pub members: Vec<NamedMember>,
    /// The names of the members whose verification was revoked: the bid cannot be awarded.
    pub revoked: Vec<String>,
}

impl BidTeam {
    /// The consortium's members who accepted, named, with their shares and whether each is
    /// still verified (`orgs`: id, name, verified).
    pub fn of(c: &Consortium, orgs: &[(OrganizationId, String, bool)]) -> BidTeam {
        let mut members = vec![];
        let mut revoked = vec![];
        for m in c.accepted() {
            let (name, verified) = orgs
                .iter()
                .find(|(id, _, _)| *id == m.vendor)
                .map(|(_, n, v)| (n.clone(), *v))
                .unwrap_or_default();
            if !verified {
                revoked.push(name.clone());
            }
            members.push(NamedMember {
                organization_id: m.vendor,
                name,
                share_pct: m.share_pct.unwrap_or(0),
                lead: m.vendor == c.lead,
            });
        }
        BidTeam {
            id: c.id,
            name: c.name.clone(),
            members,
            revoked,
        }
    }

    pub fn has(&self, org: OrganizationId) -> bool {
        self.members.iter().any(|m| m.organization_id == org)
    }

    /// How the bidder is named wherever one name is shown: the consortium, then every member
    /// with its share, the lead marked.
    pub fn bidder_name(&self) -> String {
        let list: Vec<String> = self
            .members
            .iter()
            .map(|m| {
                let lead = if m.lead { "（牵头 lead）" } else { "" };
                format!("{}{} {}%", m.name, lead, m.share_pct)
            })
            .collect();
        format!("{}：{}", self.name, list.join("、"))
    }
}

/// Whether `vendor` may take part in a bid on a scenario on which it already bids alone
/// (`bids_alone`) or is a member (accepted, or invited) of the consortia `elsewhere` (other
/// than the one in question): never twice.
pub fn check_exclusive(bids_alone: bool, elsewhere: usize) -> Result<()> {
    if bids_alone || elsewhere > 0 {
        return Err(conflict(
            "consortium_conflict",
            "该企业已单独投标或已加入本场景的另一个联合体，同一采购项目不能重复参与",
            "this vendor already bids alone or in another consortium on this scenario; one may take part once",
        ));
    }
    Ok(())
}
