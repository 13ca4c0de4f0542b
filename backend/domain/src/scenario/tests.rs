//! The lifecycle table, the field rules and the compliance hints.
use super::*;
use chrono::Duration;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn input() -> ScenarioInput {
    ScenarioInput {
        title: "无人机智能巡检".into(),
        summary: "Drone inspection".into(),
        description: "用无人机巡检城市。".into(),
        domain: "city_governance".into(),
        tags: vec!["无人机".into()],
        budget_min_fen: Some(10_000_000),
        budget_max_fen: Some(30_000_000),
        bid_deadline: "2026-12-31T17:00:00+08:00".into(),
        price_weight: Some(30),
        procurement_type: String::new(),
        criteria: vec![
            CriterionInput {
                name: "技术方案".into(),
                weight: 50,
                description: "".into(),
            },
            CriterionInput {
                name: "团队".into(),
                weight: 20,
                description: "".into(),
            },
        ],
    }
}

fn fields_of(r: Result<ScenarioFields>) -> Vec<String> {
    match r {
        Err(Error::Validation(v)) => v.into_iter().map(|f| f.field).collect(),
        other => panic!("expected validation, got {other:?}"),
    }
}

#[test]
fn a_good_posting_parses_with_its_deadline_in_utc() {
    let f = ScenarioFields::try_from(input()).unwrap();
    assert_eq!(f.bid_deadline, t("2026-12-31T09:00:00Z"));
    assert_eq!(f.criteria.len(), 2);
    assert_eq!(f.procurement_type, ProcurementType::Services);
}

#[test]
fn every_field_rule_names_its_field() {
    type Change = Box<dyn Fn(&mut ScenarioInput)>;
    let cases: Vec<(&str, Change)> = vec![
        ("title", Box::new(|i| i.title = " ".into())),
        ("title", Box::new(|i| i.title = "题".repeat(MAX_TITLE + 1))),
        ("summary", Box::new(|i| i.summary = "".into())),
        ("description", Box::new(|i| i.description = "".into())),
        ("domain", Box::new(|i| i.domain = "space".into())),
        (
            "tags",
            Box::new(|i| i.tags = (0..11).map(|n| n.to_string()).collect()),
        ),
        ("tags", Box::new(|i| i.tags = vec!["x".repeat(21)])),
        ("budget_min_fen", Box::new(|i| i.budget_min_fen = Some(0))),
        ("budget_min_fen", Box::new(|i| i.budget_min_fen = None)),
        ("budget_max_fen", Box::new(|i| i.budget_max_fen = Some(-5))),
        (
            "budget_max_fen",
            Box::new(|i| i.budget_max_fen = Some(MAX_BUDGET_FEN + 1)),
        ),
        (
            "budget_max_fen",
            Box::new(|i| i.budget_max_fen = Some(5_000_000)),
        ),
        (
            "bid_deadline",
            Box::new(|i| i.bid_deadline = "next friday".into()),
        ),
        ("bid_deadline", Box::new(|i| i.bid_deadline = "".into())),
        ("price_weight", Box::new(|i| i.price_weight = Some(101))),
        ("price_weight", Box::new(|i| i.price_weight = None)),
        (
            "procurement_type",
            Box::new(|i| i.procurement_type = "rental".into()),
        ),
        (
            "criteria[0].name",
            Box::new(|i| i.criteria[0].name = "".into()),
        ),
        (
            "criteria[1].name",
            Box::new(|i| i.criteria[1].name = " 技术方案 ".into()),
        ),
        (
            "criteria[1].weight",
            Box::new(|i| i.criteria[1].weight = -1),
        ),
        (
            "criteria[0].description",
            Box::new(|i| i.criteria[0].description = "x".repeat(501)),
        ),
        ("criteria", Box::new(|i| i.criteria[1].weight = 25)),
        ("criteria", Box::new(|i| i.criteria.clear())),
        (
            "criteria",
            Box::new(|i| {
                i.criteria = (0..21)
                    .map(|n| CriterionInput {
                        name: n.to_string(),
                        weight: 0,
                        description: "".into(),
                    })
                    .collect()
            }),
        ),
    ];
    for (field, change) in cases {
        let mut i = input();
        change(&mut i);
        assert_eq!(
            fields_of(ScenarioFields::try_from(i)),
            vec![field.to_string()],
            "{field}"
        );
    }
}

#[test]
fn price_only_postings_need_no_criteria_and_tags_are_normalised() {
    let mut i = input();
    i.price_weight = Some(100);
    i.criteria.clear();
    i.tags = vec![" AI ".into(), "ai".into(), "".into()];
    let f = ScenarioFields::try_from(i).unwrap();
    assert!(f.criteria.is_empty());
    assert_eq!(f.tags, vec!["ai"]);
}

#[test]
fn a_weight_total_error_says_the_total() {
    let mut i = input();
    i.criteria[0].weight = 60;
    match ScenarioFields::try_from(i) {
        Err(Error::Validation(v)) => assert!(v[0].message.contains("110"), "{}", v[0].message),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_deadline_second_itself_is_too_late() {
    let d = t("2026-12-31T09:00:00Z");
    assert!(open_for_bids(
        Status::Published,
        d,
        d - Duration::seconds(1)
    ));
    assert!(!open_for_bids(Status::Published, d, d));
    assert!(!open_for_bids(
        Status::Published,
        d,
        d + Duration::seconds(1)
    ));
    assert_eq!(Status::Published.effective(d, d), Status::Evaluating);
    assert_eq!(
        Status::Draft.effective(d, d + Duration::days(1)),
        Status::Draft
    );
    assert_eq!(
        Status::Cancelled.effective(d, d + Duration::days(1)),
        Status::Cancelled
    );
}

/// Every (state, action) pair, before the deadline unless the state says otherwise.
#[test]
fn every_lifecycle_pair_is_decided() {
    use Status::*;
    let deadline = t("2026-12-31T09:00:00Z");
    let before = deadline - Duration::days(1);
    let later = Action::Extend {
        new_deadline: deadline + Duration::days(7),
    };
    let actions = [
        Action::Edit,
        Action::Publish,
        later.clone(),
        Action::Cancel,
        Action::OpenBids,
        Action::Award,
        Action::Deliver,
        Action::Close,
    ];
    // (state, expected result for each action in order; None = refused)
    let table: [(Status, [Option<Status>; 8]); 7] = [
        (
            Draft,
            [
                Some(Draft),
                Some(Published),
                None,
                Some(Cancelled),
                None,
                None,
                None,
                None,
            ],
        ),
        (
            Published,
            [
                None,
                None,
                Some(Published),
                Some(Cancelled),
                None,
                None,
                None,
                None,
            ],
        ),
        (
            Evaluating,
            [
                None,
                None,
                None,
                None,
                Some(Evaluating),
                Some(Awarded),
                None,
                None,
            ],
        ),
        (
            Awarded,
            [None, None, None, None, None, None, Some(Delivered), None],
        ),
        (
            Delivered,
            [None, None, None, None, None, None, None, Some(Closed)],
        ),
        (Closed, [None; 8]),
        (Cancelled, [None; 8]),
    ];
    for (state, expected) in table {
        for (action, want) in actions.iter().zip(expected) {
            let got = transition(state, deadline, action, before);
            match (want, &got) {
                (Some(w), Ok(g)) => assert_eq!(*g, w, "{state:?} {action:?}"),
                (None, Err(r)) => {
                    assert_eq!(r.current, state);
                    assert_eq!(r.action, action.kind());
                    assert!(
                        !r.why.zh.is_empty() && !r.why.en.is_empty() && r.why.zh != r.why.en,
                        "bilingual reason"
                    );
                }
                _ => panic!("{state:?} {action:?}: expected {want:?}, got {got:?}"),
            }
        }
    }
}

#[test]
fn a_published_scenario_past_its_deadline_behaves_as_evaluating() {
    let deadline = t("2026-12-31T09:00:00Z");
    let at = deadline;
    assert_eq!(
        transition(Status::Published, deadline, &Action::OpenBids, at),
        Ok(Status::Evaluating)
    );
    assert_eq!(
        transition(
            Status::Published,
            deadline,
            &Action::OpenBids,
            at - Duration::seconds(1)
        )
        .unwrap_err()
        .current,
        Status::Published
    );
    let ext = Action::Extend {
        new_deadline: deadline + Duration::days(1),
    };
    assert_eq!(
        transition(Status::Published, deadline, &ext, at)
            .unwrap_err()
            .current,
        Status::Evaluating
    );
    assert!(transition(Status::Published, deadline, &Action::Cancel, at).is_err());
}

#[test]
fn publishing_needs_a_future_deadline_and_extending_a_later_one() {
    let deadline = t("2026-12-31T09:00:00Z");
    assert!(transition(Status::Draft, deadline, &Action::Publish, deadline).is_err());
    assert!(
        transition(
            Status::Draft,
            deadline,
            &Action::Publish,
            deadline - Duration::seconds(1)
        )
        .is_ok()
    );
    let same = Action::Extend {
        new_deadline: deadline,
    };
    assert!(
        transition(
            Status::Published,
            deadline,
            &same,
            deadline - Duration::days(1)
        )
        .is_err()
    );
}

#[test]
fn compliance_hints_follow_the_formal_rules() {
    let mut f = ScenarioFields::try_from(input()).unwrap();
    let publish = f.bid_deadline - Duration::days(30);
    assert!(posting_warnings(&f, publish).is_empty());
    assert_eq!(
        posting_warnings(&f, f.bid_deadline - Duration::days(19))
            .iter()
            .map(|w| w.code)
            .collect::<Vec<_>>(),
        ["short_bid_window"]
    );
    f.price_weight = 5;
    assert_eq!(posting_warnings(&f, publish)[0].code, "price_weight_low");
    f.price_weight = 20;
    assert!(posting_warnings(&f, publish).is_empty());
    f.procurement_type = ProcurementType::Goods;
    assert_eq!(posting_warnings(&f, publish)[0].code, "price_weight_low");
    let d = f.bid_deadline;
    assert!(clarification_warnings(d, d - Duration::days(15)).is_empty());
    assert_eq!(
        clarification_warnings(d, d - Duration::days(14))[0].code,
        "late_clarification"
    );
    assert_eq!(opening_warnings(2)[0].code, "few_bids");
    assert!(opening_warnings(3).is_empty());
}

#[test]
fn a_patch_over_a_scenario_keeps_what_it_does_not_name() {
    let f = ScenarioFields::try_from(input()).unwrap();
    let s = Scenario {
        id: ScenarioId(1),
        owner: OrganizationId(2),
        created_by: UserId(3),
        title: f.title.clone(),
        summary: f.summary.clone(),
        description: f.description.clone(),
        domain: f.domain,
        tags: f.tags.clone(),
        budget_min_fen: f.budget_min_fen,
        budget_max_fen: f.budget_max_fen,
        bid_deadline: f.bid_deadline,
        price_weight: f.price_weight,
        procurement_type: f.procurement_type,
        criteria: f
            .criteria
            .iter()
            .enumerate()
            .map(|(i, c)| Criterion {
                id: CriterionId(i as i64),
                name: c.name.clone(),
                weight: c.weight,
                description: c.description.clone(),
            })
            .collect(),
        status: Status::Draft,
        origin: Origin::Platform,
        cancel_reason: None,
        published_at: None,
        created_at: Utc::now(),
        updated_at: Utc::now(),
        award: None,
    };
    let patch = ScenarioPatch {
        title: Some("新标题".into()),
        ..Default::default()
    };
    assert!(patch.is_substantive());
    let again = ScenarioFields::try_from(patch.over(&s)).unwrap();
    assert_eq!(again.title, "新标题");
    assert_eq!(again.criteria, f.criteria);
    assert_eq!(again.bid_deadline, f.bid_deadline);
    assert!(
        !ScenarioPatch {
            tags: Some(vec![]),
            ..Default::default()
        }
        .is_substantive()
    );
}
