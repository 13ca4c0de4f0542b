use chrono::Utc;

use super::consortium::{Consortium, MemberStatus, Membership, Status, check_exclusive};
use super::*;
use crate::error::Error;
use crate::ids::{ConsortiumId, UserId};
use crate::scenario::{Origin, ProcurementType, ScenarioId, Status as ScenarioStatus};
use crate::sector::Sector;

fn scenario(title: &str, description: &str, tags: &[&str]) -> Scenario {
    Scenario {
        id: ScenarioId(1),
        owner: OrganizationId(1),
        created_by: UserId(1),
        title: title.into(),
        summary: String::new(),
        description: description.into(),
        domain: Sector::CityGovernance,
        tags: tags.iter().map(|t| t.to_string()).collect(),
        budget_min_fen: 1,
        budget_max_fen: 2,
        bid_deadline: Utc::now(),
        price_weight: 30,
        procurement_type: ProcurementType::Services,
        criteria: vec![],
        status: ScenarioStatus::Published,
        origin: Origin::Platform,
        cancel_reason: None,
        published_at: Some(Utc::now()),
        created_at: Utc::now(),
        updated_at: Utc::now(),
        award: None,
    }
}

use OfferKind::*;

#[test]
fn a_scenario_needs_the_ai_system_and_the_trades_its_text_names() {
    let drones = scenario(
        "无人机智能巡检",
        "利用无人机机巢对河道开展常态化巡检，识别漂浮物和违建，发现问题自动派单到城运中心。",
        &["无人机", "巡检"],
    );
    assert_eq!(facets(&drones), [AiSoftware, Hardware, Integration]);
    let legal = scenario(
        "24小时AI法律咨询",
        "基于大模型回答群众法律问题，需建设案例库并对接12345热线。",
        &["大模型"],
    );
    assert_eq!(facets(&legal), [AiSoftware, DataService, Integration]);
    let plain = scenario("文本分类", "对信件自动分类。", &[]);
    assert_eq!(facets(&plain), [AiSoftware], "the AI system alone");
    // A neutral phrase hides the word inside it: "智能平台" is not integration work.
    let neutral = scenario("智能平台建设", "建设智能平台。", &[]);
    assert_eq!(facets(&neutral), [AiSoftware]);
}

fn vendor(id: i64, offers: &[OfferKind], fit: f64, opc: bool) -> Candidate {
    Candidate {
        vendor: OrganizationId(id),
        opc_member: opc,
        offers: offers.to_vec(),
        fit,
        reputation: None,
    }
}

#[test]
fn teams_cover_every_facet_with_as_few_members_as_can_and_every_partner_brings_something() {
    let need = [AiSoftware, Hardware, Integration];
    let me = vendor(1, &[AiSoftware], 1.0, true);
    let others = [
        vendor(2, &[Hardware], 0.8, false),
        vendor(3, &[Integration], 0.7, true),
        vendor(4, &[Hardware, Integration], 0.5, false),
        vendor(5, &[AiSoftware], 2.0, false),
        vendor(6, &[Consulting], 3.0, true),
    ];
    let teams = suggest(&need, &me, &others, 10);
    let ids = |t: &Team| t.members.iter().map(|m| m.vendor.0).collect::<Vec<_>>();
    assert_eq!(ids(&teams[0]), [1, 4], "two cover it all");
    assert_eq!(teams[0].coverage, 1.0);
    assert_eq!(teams[0].members[1].facets, [Hardware, Integration]);
    assert_eq!(ids(&teams[1]), [1, 2, 3], "three cover it too");
    assert!(
        teams
            .iter()
            .all(|t| !ids(t).contains(&5) && !ids(t).contains(&6)),
        "a partner that adds nothing is never suggested"
    );
    assert!(teams.iter().all(|t| t.members.len() <= MAX_TEAM));
    // Partial teams come after the full ones.
    assert!(
        teams
            .iter()
            .skip_while(|t| t.coverage == 1.0)
            .all(|t| t.coverage < 1.0)
    );
    // Among equals OPC members come first.
    let equal = [
        vendor(7, &[Hardware, Integration], 0.5, false),
        vendor(8, &[Hardware, Integration], 0.5, true),
    ];
    let teams = suggest(&need, &me, &equal, 10);
    assert_eq!(ids(&teams[0]), [1, 8]);
}

fn new(lead: OrganizationId) -> Consortium {
    Consortium::new(
        ConsortiumId(1),
        ScenarioId(1),
        "联合体".into(),
        lead,
        UserId(1),
        Utc::now(),
    )
}

#[test]
fn a_consortium_forms_agrees_and_bids_by_its_rules() {
    let (lead, a, b, c) = (
        OrganizationId(1),
        OrganizationId(2),
        OrganizationId(3),
        OrganizationId(4),
    );
    let mut k = new(lead);
    assert!(
        matches!(k.check_invite(a, b), Err(Error::Forbidden(_))),
        "only the lead invites"
    );
    assert!(k.check_invite(lead, a).is_ok());
    k.members
        .push(Membership::invited(a, "一起投标".into(), Utc::now()));
    assert!(matches!(
        k.check_invite(lead, a),
        Err(Error::Conflict {
            code: "already_invited",
            ..
        })
    ));
    assert!(matches!(
        k.check_agreement(lead, &[(lead, 60), (a, 40)]),
        Err(Error::Conflict {
            code: "invitations_open",
            ..
        })
    ));
    assert!(k.check_respond(a).is_ok());
    k.members[1].status = MemberStatus::Accepted;
    assert!(matches!(
        k.check_respond(a),
        Err(Error::Conflict {
            code: "invitation_answered",
            ..
        })
    ));
    assert!(
        matches!(k.check_respond(c), Err(Error::NotFound)),
        "no invitation"
    );
    // The agreement: every member once, 1–99 each, summing to 100.
    let fields = |r: crate::error::Result<()>| match r {
        Err(Error::Validation(v)) => v.into_iter().map(|e| e.field).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        fields(k.check_agreement(lead, &[(lead, 60), (a, 30)])),
        ["shares"]
    );
    assert_eq!(
        fields(k.check_agreement(lead, &[(lead, 100), (a, 0)])),
        ["shares[0].share_pct", "shares[1].share_pct"]
    );
    assert_eq!(
        fields(k.check_agreement(lead, &[(lead, 60), (b, 40)])),
        ["shares[1].vendor_id", "shares"]
    );
    assert!(k.check_agreement(lead, &[(lead, 60), (a, 40)]).is_ok());
    assert!(matches!(
        k.check_confirm(a),
        Err(Error::Conflict {
            code: "no_agreement",
            ..
        })
    ));
    k.members[0].share_pct = Some(60);
    k.members[1].share_pct = Some(40);
    assert!(!k.is_agreed());
    k.members[0].confirmed = true;
    assert!(k.check_confirm(a).is_ok());
    k.members[1].confirmed = true;
    assert!(k.is_agreed());
    assert!(
        matches!(
            k.check_bid(lead),
            Err(Error::Conflict {
                code: "consortium_not_agreed",
                ..
            })
        ),
        "until its status says so"
    );
    k.status = Status::Agreed;
    assert!(k.check_bid(lead).is_ok());
    assert!(matches!(k.check_bid(a), Err(Error::Forbidden(_))));
    assert_eq!(k.split(100_001), [(lead, 60_000), (a, 40_001)]);
    k.status = Status::Bid;
    assert!(matches!(
        k.check_invite(lead, c),
        Err(Error::Conflict {
            code: "consortium_bid",
            ..
        })
    ));
    // At most four, declined ones not counted.
    let mut full = new(lead);
    for v in 2..=4 {
        let mut m = Membership::invited(OrganizationId(v), String::new(), Utc::now());
        m.status = MemberStatus::Accepted;
        full.members.push(m);
    }
    assert!(matches!(
        full.check_invite(lead, OrganizationId(9)),
        Err(Error::Conflict {
            code: "consortium_full",
            ..
        })
    ));
    full.members[3].status = MemberStatus::Declined;
    assert!(full.check_invite(lead, OrganizationId(9)).is_ok());
}

#[test]
fn a_vendor_takes_part_once_per_scenario() {
    assert!(check_exclusive(false, 0).is_ok());
    for (alone, elsewhere) in [(true, 0), (false, 1), (true, 2)] {
        assert!(matches!(
            check_exclusive(alone, elsewhere),
            Err(Error::Conflict {
                code: "consortium_conflict",
                ..
            })
        ));
    }
}

#[test]
fn a_vendor_outside_the_team_reads_only_its_own_invitation() {
    let (lead, a, b) = (OrganizationId(1), OrganizationId(2), OrganizationId(3));
    let mut k = new(lead);
    let mut joined = Membership::invited(a, "一起".into(), Utc::now());
    joined.status = MemberStatus::Accepted;
    joined.share_pct = Some(40);
    joined.confirmed = true;
    let mut declined = Membership::invited(b, "一起".into(), Utc::now());
    declined.status = MemberStatus::Declined;
    k.members.push(joined);
    k.members.push(declined);
    k.members[0].share_pct = Some(60);
    k.members[0].confirmed = true;
    k.status = Status::Bid;
    let whole = k.clone().seen_by(Some(a));
    assert_eq!(whole, k, "a member reads it whole");
    let outside = k.clone().seen_by(Some(b));
    let seen: Vec<OrganizationId> = outside.members.iter().map(|m| m.vendor).collect();
    assert_eq!(seen, [lead, b], "the lead and its own invitation");
    assert_eq!(outside.status, Status::Forming, "nor whether it bid");
    assert!(
        outside
            .members
            .iter()
            .all(|m| m.share_pct.is_none() && !m.confirmed)
    );
    // Its answer again is refused as answered, not as "the consortium bid".
    assert!(matches!(
        k.check_respond(b),
        Err(Error::Conflict {
            code: "invitation_answered",
            ..
        })
    ));
}
