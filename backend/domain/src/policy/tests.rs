//! Every permission as a table: who may do what, at which moment.
use super::*;
use chrono::Utc;

fn actor(role: Role, org: Option<i64>) -> Actor {
    Actor {
        user_id: UserId(1),
        role,
        organization_id: org.map(OrganizationId),
    }
}

fn org(id: i64, kind: OrgKind, verified: bool) -> Organization {
    Organization {
        id: OrganizationId(id),
        kind,
        name: "x".into(),
        credit_code: None,
        verified,
        opc_member: false,
        description: String::new(),
        capabilities: vec![],
        offer_kinds: vec![],
        open_to_teaming: false,
        contact: Default::default(),
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
}

#[test]
fn only_admins_pass_require_admin() {
    assert!(require_admin(&actor(Role::Admin, None)).is_ok());
    for r in [Role::Agency, Role::Vendor, Role::Evaluator] {
        assert!(matches!(
            require_admin(&actor(r, Some(1))),
            Err(Error::Forbidden(_))
        ));
    }
}

#[test]
fn members_and_admins_edit_an_organization() {
    assert!(can_edit_organization(&actor(Role::Vendor, Some(5)), OrganizationId(5)).is_ok());
    assert!(can_edit_organization(&actor(Role::Admin, None), OrganizationId(5)).is_ok());
    assert!(can_edit_organization(&actor(Role::Vendor, Some(6)), OrganizationId(5)).is_err());
    assert!(can_edit_organization(&actor(Role::Evaluator, None), OrganizationId(5)).is_err());
}

#[test]
fn an_unverified_agency_may_not_publish_and_says_why() {
    let a = actor(Role::Agency, Some(1));
    assert!(can_publish(&a, &org(1, OrgKind::Agency, true)).is_ok());
    match can_publish(&a, &org(1, OrgKind::Agency, false)) {
        Err(Error::Forbidden(why)) => assert!(why.contains("not verified")),
        other => panic!("{other:?}"),
    }
    assert!(can_publish(&a, &org(2, OrgKind::Agency, true)).is_err());
    assert!(
        can_publish(
            &actor(Role::Vendor, Some(1)),
            &org(1, OrgKind::Vendor, true)
        )
        .is_err()
    );
}

fn scenario(owner: i64, published: bool) -> Scenario {
    use crate::scenario::*;
    Scenario {
        id: ScenarioId(1),
        owner: OrganizationId(owner),
        created_by: UserId(1),
        title: "t".into(),
        summary: "s".into(),
        description: "d".into(),
        domain: crate::sector::Sector::Other,
        tags: vec![],
        budget_min_fen: 1,
        budget_max_fen: 2,
        bid_deadline: Utc::now(),
        price_weight: 100,
        procurement_type: ProcurementType::Services,
        criteria: vec![],
        status: if published {
            Status::Published
        } else {
            Status::Draft
        },
        origin: Origin::Platform,
        cancel_reason: None,
        published_at: published.then(Utc::now),
        created_at: Utc::now(),
        updated_at: Utc::now(),
        award: None,
    }
}

#[test]
fn drafts_are_visible_to_their_agency_only_and_owners_manage() {
    let own = actor(Role::Agency, Some(1));
    let other = actor(Role::Agency, Some(2));
    let draft = scenario(1, false);
    assert!(can_view_scenario(Some(&own), &draft));
    assert!(!can_view_scenario(Some(&other), &draft));
    assert!(!can_view_scenario(None, &draft));
    assert!(can_view_scenario(None, &scenario(1, true)));
    assert!(require_scenario_owner(&own, &draft).is_ok());
    assert!(require_scenario_owner(&other, &draft).is_err());
    assert!(require_scenario_owner(&actor(Role::Admin, None), &draft).is_err());
    assert_eq!(can_draft_scenario(&own).unwrap(), OrganizationId(1));
    assert!(can_draft_scenario(&actor(Role::Vendor, Some(1))).is_err());
    assert!(can_ask_question(&actor(Role::Vendor, Some(3))).is_ok());
    assert!(can_ask_question(&actor(Role::Agency, Some(3))).is_err());
}

#[test]
fn the_sealing_rule_as_a_table() {
    use crate::scenario::Status;
    let vendor = OrganizationId(10);
    let panelist = UserId(30);
    let own_vendor = actor(Role::Vendor, Some(10));
    let other_vendor = Actor {
        user_id: UserId(2),
        ..actor(Role::Vendor, Some(11))
    };
    let owner_user = actor(Role::Agency, Some(20));
    let other_agency = actor(Role::Agency, Some(21));
    let evaluator = Actor {
        user_id: panelist,
        ..actor(Role::Evaluator, None)
    };
    let stranger_evaluator = Actor {
        user_id: UserId(31),
        ..actor(Role::Evaluator, None)
    };
    let admin = actor(Role::Admin, None);
    let now = Utc::now();
    let at = |status: Status, deadline_passed: bool| {
        let mut s = scenario(20, true);
        s.status = status;
        s.bid_deadline = if deadline_passed {
            now - chrono::Duration::seconds(1)
        } else {
            now + chrono::Duration::hours(1)
        };
        s
    };
    let open = at(Status::Published, false);
    let opened = at(Status::Published, true);
    let awarded = at(Status::Awarded, true);
    let cancelled = at(Status::Cancelled, true);
    // (viewer, may read a valid bid once opened)
    let table = [
        (&own_vendor, true),
        (&other_vendor, false),
        (&owner_user, true),
        (&other_agency, false),
        (&evaluator, true),
        (&stranger_evaluator, false),
        (&admin, false),
    ];
    for (viewer, after) in table {
        let own = viewer.organization_id == Some(vendor);
        let read = |s: &Scenario, withdrawn: bool| {
            can_read_bid(viewer, vendor, withdrawn, s, &[panelist], now)
        };
        assert_eq!(read(&open, false), own, "{viewer:?} before the deadline");
        assert_eq!(read(&opened, false), after, "{viewer:?} after the deadline");
        assert_eq!(read(&awarded, false), after, "{viewer:?} after the award");
        assert_eq!(read(&opened, true), own, "{viewer:?}: a withdrawn bid");
        assert_eq!(
            read(&cancelled, false),
            own,
            "{viewer:?}: a cancelled scenario"
        );
        assert_eq!(
            can_list_all_bids(viewer, &opened, &[panelist], now),
            after && !own,
            "{viewer:?} lists"
        );
        for s in [&open, &cancelled] {
            assert!(!can_list_all_bids(viewer, s, &[panelist], now));
        }
        assert_eq!(can_see_bid_history(viewer, vendor), own);
    }
}

#[test]
fn allowed_actions_follow_the_owner_the_lifecycle_and_verification() {
    use crate::scenario::{Move, Status};
    let now = Utc::now();
    let owner = actor(Role::Agency, Some(1));
    let agency = org(1, OrgKind::Agency, true);
    let unverified_agency = org(1, OrgKind::Agency, false);
    let vendor = actor(Role::Vendor, Some(3));
    let verified = org(3, OrgKind::Vendor, true);
    let unverified = org(3, OrgKind::Vendor, false);
    let mut draft = scenario(1, false);
    draft.bid_deadline = now + chrono::Duration::days(10);
    let mut open = draft.clone();
    open.status = Status::Published;
    open.published_at = Some(now);
    let mut evaluating = open.clone();
    evaluating.bid_deadline = now - chrono::Duration::seconds(1);
    let mut awarded = evaluating.clone();
    awarded.status = Status::Awarded;
    let allowed = |a: Option<&Actor>, o: Option<&Organization>, s: &Scenario, has_bid| {
        allowed_actions(a, o, s, has_bid, None, now)
    };
    assert_eq!(
        allowed(Some(&owner), Some(&agency), &draft, false),
        [Move::Edit, Move::Publish, Move::Cancel]
    );
    assert_eq!(
        allowed(Some(&owner), Some(&unverified_agency), &draft, false),
        [Move::Edit, Move::Cancel],
        "an unverified agency may not publish"
    );
    assert_eq!(
        allowed(Some(&owner), Some(&agency), &open, false),
        [Move::Extend, Move::Cancel, Move::Answer, Move::SetPanel]
    );
    assert_eq!(
        allowed(Some(&owner), Some(&agency), &evaluating, false),
        [Move::SetPanel, Move::Rank, Move::Award]
    );
    assert_eq!(
        allowed(Some(&owner), Some(&agency), &awarded, false),
        [Move::Rank, Move::Deliver]
    );
    assert_eq!(
        allowed(Some(&vendor), Some(&verified), &open, false),
        [Move::Bid, Move::Ask]
    );
    assert_eq!(
        allowed(Some(&vendor), Some(&verified), &open, true),
        [Move::Ask]
    );
    assert_eq!(
        allowed(Some(&vendor), Some(&unverified), &open, false),
        [Move::Ask]
    );
    assert!(allowed(Some(&vendor), Some(&verified), &evaluating, false).is_empty());
    assert!(allowed(None, None, &open, false).is_empty());
    let other = actor(Role::Agency, Some(2));
    assert!(
        allowed(
            Some(&other),
            Some(&org(2, OrgKind::Agency, true)),
            &open,
            false
        )
        .is_empty()
    );
}

#[test]
fn an_unverified_vendor_may_not_bid_and_says_why() {
    let v = actor(Role::Vendor, Some(3));
    assert!(can_bid(&v, &org(3, OrgKind::Vendor, true)).is_ok());
    match can_bid(&v, &org(3, OrgKind::Vendor, false)) {
        Err(Error::Forbidden(why)) => assert!(why.contains("not verified")),
        other => panic!("{other:?}"),
    }
    assert!(
        can_bid(
            &actor(Role::Agency, Some(3)),
            &org(3, OrgKind::Vendor, true)
        )
        .is_err()
    );
}

#[test]
fn a_bid_is_opened_only_after_the_deadline_never_withdrawn_never_of_a_cancelled_scenario() {
    use crate::scenario::Status;
    let mut s = scenario(1, true);
    let now = Utc::now();
    s.bid_deadline = now + chrono::Duration::seconds(1);
    assert!(!bid_opened(false, &s, now), "before the deadline");
    s.bid_deadline = now;
    assert!(bid_opened(false, &s, now), "at the deadline, to the second");
    assert!(!bid_opened(true, &s, now), "withdrawn: never");
    s.status = Status::Cancelled;
    assert!(!bid_opened(false, &s, now), "cancelled: never");
    s.bid_deadline = now - chrono::Duration::days(30);
    assert!(
        !bid_opened(false, &s, now),
        "cancelled: never, however long after"
    );
}

#[test]
fn audit_content_is_withheld_for_unpublished_drafts_and_every_invitation() {
    assert!(!audit_content_shown("scenario", false));
    assert!(audit_content_shown("scenario", true));
    assert!(!audit_content_shown("invitation", false));
    assert!(!audit_content_shown("invitation", true));
    for other in [
        "bid",
        "user",
        "organization",
        "challenge",
        "thesaurus",
        "job",
    ] {
        assert!(audit_content_shown(other, false), "{other}");
    }
}

#[test]
fn vendors_follow_scenarios_that_take_bids_and_stop_any_time() {
    use crate::scenario::{Move, Status};
    let now = Utc::now();
    let vendor = actor(Role::Vendor, Some(3));
    let owner = actor(Role::Agency, Some(1));
    let mut open = scenario(1, false);
    open.bid_deadline = now + chrono::Duration::days(10);
    open.status = Status::Published;
    open.published_at = Some(now);
    let mut closed = open.clone();
    closed.bid_deadline = now - chrono::Duration::seconds(1);
    let moves = |a: &Actor, s: &Scenario, following| {
        allowed_actions(Some(a), None, s, false, Some(following), now)
            .into_iter()
            .filter(|m| matches!(m, Move::Follow | Move::Unfollow))
            .collect::<Vec<_>>()
    };
    assert_eq!(moves(&vendor, &open, false), [Move::Follow]);
    assert_eq!(moves(&vendor, &open, true), [Move::Unfollow]);
    assert_eq!(moves(&vendor, &closed, false), []);
    assert_eq!(moves(&vendor, &closed, true), [Move::Unfollow]);
    assert_eq!(moves(&owner, &open, false), []);
    assert!(check_follow(&vendor, &closed, false, now).is_ok());
    assert!(matches!(
        check_follow(&vendor, &closed, true, now),
        Err(Error::Conflict {
            code: "not_open",
            ..
        })
    ));
    assert!(matches!(
        check_follow(&owner, &open, true, now),
        Err(Error::Forbidden(_))
    ));
}

#[test]
fn invitations_are_the_owner_and_the_invited_vendor_s_alone() {
    use crate::scenario::Status;
    let now = Utc::now();
    let owner = actor(Role::Agency, Some(1));
    let invited = actor(Role::Vendor, Some(3));
    let other = actor(Role::Vendor, Some(4));
    let mut open = scenario(1, false);
    open.bid_deadline = now + chrono::Duration::days(10);
    open.status = Status::Published;
    assert!(can_invite(&owner, &open, now) && !can_invite(&invited, &open, now));
    let mut draft = open.clone();
    draft.status = Status::Draft;
    assert!(!can_invite(&owner, &draft, now));
    assert!(can_see_invitation(&owner, &open, OrganizationId(3)));
    assert!(can_see_invitation(&invited, &open, OrganizationId(3)));
    assert!(!can_see_invitation(&other, &open, OrganizationId(3)));
    assert!(!can_see_invitation(
        &actor(Role::Admin, None),
        &open,
        OrganizationId(3)
    ));
    assert_eq!(invitation_inbox(&invited).unwrap(), OrganizationId(3));
    assert!(invitation_inbox(&owner).is_err());
    assert!(can_subscribe(&invited).is_ok() && can_subscribe(&owner).is_err());
}

#[test]
fn challenges_are_filed_by_losing_bidders_and_read_open_by_the_two_parties() {
    assert!(can_challenge(true, false).is_ok());
    assert!(matches!(
        can_challenge(false, false),
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        can_challenge(true, true),
        Err(Error::Forbidden(_))
    ));
    let (owner, challenger, other) = (OrganizationId(1), OrganizationId(3), OrganizationId(4));
    assert!(can_read_challenge(Some(owner), owner, challenger, false));
    assert!(can_read_challenge(
        Some(challenger),
        owner,
        challenger,
        false
    ));
    assert!(!can_read_challenge(Some(other), owner, challenger, false));
    assert!(!can_read_challenge(None, owner, challenger, false));
    assert!(can_read_challenge(None, owner, challenger, true));
}
