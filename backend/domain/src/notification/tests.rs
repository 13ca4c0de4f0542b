//! The notification kinds, their stored notices and their texts.

use super::*;
use crate::ids::OrganizationId;
use crate::scenario::ScenarioId;

#[test]
fn kinds_round_trip_through_their_codes() {
    for k in Kind::ALL {
        assert_eq!(Kind::parse(k.code()), Some(k));
    }
    assert_eq!(Kind::parse("nope"), None);
}

#[test]
fn only_a_granted_verification_notifies() {
    let granted = DomainEvent::OrganizationVerified {
        org: OrganizationId(7),
        before: (false, false),
        after: (true, false),
    };
    assert_eq!(
        Notice::of(&granted),
        Some(Notice::OrganizationVerified { org: 7 })
    );
    let opc_only = DomainEvent::OrganizationVerified {
        org: OrganizationId(7),
        before: (true, false),
        after: (true, true),
    };
    assert_eq!(Notice::of(&opc_only), None);
    let withdrawn = DomainEvent::OrganizationVerified {
        org: OrganizationId(7),
        before: (true, false),
        after: (false, false),
    };
    assert_eq!(Notice::of(&withdrawn), None);
}

#[test]
fn a_panel_change_notifies_only_the_evaluators_it_adds() {
    use crate::ids::UserId;
    let changed = DomainEvent::PanelAssigned {
        scenario: ScenarioId(4),
        before: vec![UserId(1), UserId(2)],
        after: vec![UserId(2), UserId(3)],
        how: serde_json::json!({}),
    };
    assert_eq!(
        Notice::of(&changed),
        Some(Notice::PanelAssigned {
            scenario: 4,
            evaluators: vec![3]
        })
    );
    let same = DomainEvent::PanelAssigned {
        scenario: ScenarioId(4),
        before: vec![UserId(2)],
        after: vec![UserId(2)],
        how: serde_json::json!({}),
    };
    assert_eq!(Notice::of(&same), None);
}

#[test]
fn results_speak_of_the_recipients_own_bid() {
    let lost = Facts::AwardResult {
        scenario: 2,
        title: "河道巡检".into(),
        rank: 2,
        total: 81.456,
        won: false,
    };
    let (title, body, link) = render(&lost, Locale::ZhCn);
    assert_eq!(title, "「河道巡检」评审结果");
    assert_eq!(body, "贵方投标排名第 2，总分 81.46，未中标。");
    assert_eq!(link, "/scenarios/2/result");
    let (_, body, _) = render(
        &Facts::AwardResult {
            scenario: 2,
            title: "河道巡检".into(),
            rank: 1,
            total: 81.456,
            won: true,
        },
        Locale::En,
    );
    assert_eq!(body, "Your bid won: ranked 1 with a total of 81.46.");
}

#[test]
fn notices_are_stored_as_tagged_json() {
    let n = Notice::BidsOpened {
        scenario: 3,
        bids: 2,
    };
    let json = serde_json::to_string(&n).unwrap();
    assert_eq!(json, r#"{"kind":"bids_opened","scenario":3,"bids":2}"#);
    assert_eq!(serde_json::from_str::<Notice>(&json).unwrap(), n);
    let opened = DomainEvent::BidsOpened {
        scenario: ScenarioId(3),
        deadline: Utc::now(),
        bids: 2,
    };
    assert_eq!(
        Notice::of(&opened).map(|n| n.kind()),
        Some(Kind::BidsOpened)
    );
}

#[test]
fn texts_are_in_the_recipients_language_and_in_beijing_time() {
    let f = Facts::DeadlineExtended {
        scenario: 9,
        title: "河道巡检".into(),
        after: "2026-12-31T09:00:00Z".parse().unwrap(),
    };
    let (title, body, link) = render(&f, Locale::ZhCn);
    assert_eq!(title, "「河道巡检」投标截止时间延长");
    assert!(body.contains("2026-12-31 17:00"), "{body}");
    assert_eq!(link, "/scenarios/9");
    let (title, body, _) = render(&f, Locale::En);
    assert_eq!(title, "Deadline extended: 河道巡检");
    assert!(body.contains("2026-12-31 17:00 (Beijing time)"), "{body}");
}

#[test]
fn long_answers_are_clipped() {
    let f = Facts::QuestionAnswered {
        scenario: 1,
        title: "t".into(),
        question: "问".repeat(100),
        answer: "答".repeat(300),
    };
    let (_, body, _) = render(&f, Locale::ZhCn);
    assert!(body.contains(&format!("{}…", "答".repeat(200))));
    assert!(!body.contains(&"答".repeat(201)));
}

#[test]
fn a_kind_is_stored_as_its_code_and_an_unknown_code_is_refused() {
    for k in Kind::ALL {
        let stored = serde_json::to_string(&k).unwrap();
        assert_eq!(stored, format!("\"{}\"", k.code()));
        assert_eq!(serde_json::from_str::<Kind>(&stored).unwrap(), k);
    }
    assert!(serde_json::from_str::<Kind>("\"nope\"").is_err());
}
