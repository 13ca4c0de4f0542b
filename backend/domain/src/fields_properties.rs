//! Property tests for the parsers that collect every field's error at once (into `Fields`):
//! bids, score sheets, a posting's budgets and weights, and lists of domains. For generated
//! input each one accepts exactly when every field keeps its rule, names exactly the fields
//! that break one (no more, no fewer), and hands back what it accepted unchanged but trimmed.
//! The rules are stated again here, independently of the parsers, as the oracle.

use proptest::prelude::*;

use crate::account::{CreateUserRequest, NewStaffUser, Role};
use crate::bid::{BidFields, BidInput, MAX_DELIVERY_DAYS, MAX_PROPOSAL, MAX_TEAM};
use crate::error::{Error, Fields};
use crate::evaluation::{COMMENT_ABOVE, COMMENT_BELOW, MAX_COMMENT, ScoreLine, parse_sheet};
use crate::ids::CriterionId;
use crate::matching::parse_domains;
use crate::scenario::{CriterionInput, MAX_BUDGET_FEN, ScenarioFields, ScenarioInput};
use crate::sector::Sector;
use crate::text;

/// The fields an error names, in order.
fn named(e: Error) -> Vec<String> {
    match e {
        Error::Validation(list) => list.into_iter().map(|f| f.field).collect(),
        other => panic!("a parser answered {other:?}, not a validation error"),
    }
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// Whole numbers around every edge the rules have.
fn amount(edge: i64) -> impl Strategy<Value = Option<i64>> {
    prop_oneof![
        Just(None),
        (-3i64..=3).prop_map(Some),
        (edge - 2..=edge + 2).prop_map(Some),
        any::<i64>().prop_map(Some),
        (1..edge.max(2)).prop_map(Some),
    ]
}

/// Free text as forms bring it: blank, padded, with control characters, or long.
fn free_text(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[ \t\n]{0,3}",
        "[ ]{0,2}[a-z\u{4e00}-\u{4e20}]{1,12}[ \n]{0,2}",
        "[a-z]{0,5}[\u{0}-\u{1f}\u{7f}][a-z]{0,5}",
        any::<String>(),
        (max - 1..=max + 1).prop_map(|n| "字".repeat(n)),
    ]
}

/// Whether free text keeps the bounded-text rule (trimmed, min..=max characters, no control
/// characters but line breaks and tabs).
fn keeps(s: &str, min: usize, max: usize) -> bool {
    let t = s.trim();
    let n = t.chars().count();
    n >= min
        && n <= max
        && !t
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

fn sector_code() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(Sector::ALL.map(Sector::code).to_vec()).prop_map(String::from),
        "[a-z_]{0,12}",
        Just(String::new()),
    ]
}

/// A posting whose every field but the budgets and the weights is valid.
fn posting(
    min: Option<i64>,
    max: Option<i64>,
    price_weight: Option<i64>,
    weights: &[i64],
) -> ScenarioInput {
    ScenarioInput {
        title: "河道无人机智能巡检".into(),
        summary: "常态化巡检".into(),
        description: "对辖区河道开展无人机巡检并识别违法排污".into(),
        domain: Sector::ALL[0].code().into(),
        tags: vec!["无人机".into()],
        budget_min_fen: min,
        budget_max_fen: max,
        bid_deadline: "2027-03-01T17:00:00+08:00".into(),
        price_weight,
        procurement_type: "services".into(),
        criteria: weights
            .iter()
            .enumerate()
            .map(|(i, w)| CriterionInput {
                name: format!("评分项{i}"),
                weight: *w,
                description: String::new(),
            })
            .collect(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn a_bid_names_exactly_the_fields_that_break_a_rule(
        (budget_max, price) in (1i64..=2_000_000).prop_flat_map(|b| (Just(b), amount(b))),
        days in amount(MAX_DELIVERY_DAYS),
        proposal in free_text(MAX_PROPOSAL),
        team in free_text(MAX_TEAM),
    ) {
        let mut expected = vec![];
        if !price.is_some_and(|p| p > 0 && p <= budget_max) {
            expected.push("price_fen");
        }
        if !days.is_some_and(|d| d > 0 && d <= MAX_DELIVERY_DAYS) {
            expected.push("delivery_days");
        }
        if !keeps(&proposal, 1, MAX_PROPOSAL) {
            expected.push("technical_proposal");
        }
        if !keeps(&team, 1, MAX_TEAM) {
            expected.push("team");
        }
        let input = BidInput {
            price_fen: price,
            delivery_days: days,
            technical_proposal: proposal.clone(),
            team: team.clone(),
            consortium_id: None,
        };
        match BidFields::parse(input, budget_max) {
            Ok(b) => {
                prop_assert!(expected.is_empty(), "accepted, yet {expected:?} break a rule");
                prop_assert_eq!(Some(b.price_fen), price);
                prop_assert_eq!(Some(i64::from(b.delivery_days)), days);
                prop_assert_eq!(b.technical_proposal, proposal.trim());
                prop_assert_eq!(b.team, team.trim());
            }
            Err(e) => prop_assert_eq!(named(e), expected),
        }
    }

    #[test]
    fn a_score_sheet_names_exactly_its_bad_lines(
        criteria in proptest::collection::btree_set(1i64..8, 1..5),
        lines in proptest::collection::vec(
            (0i64..10, prop_oneof![Just(None), (-5i64..=105).prop_map(Some), any::<i64>().prop_map(Some)],
             prop_oneof![Just(String::new()), Just("  ".to_string()), Just(" 理由充分 ".to_string()), Just("评".repeat(MAX_COMMENT + 1))]),
            0..8,
        ),
    ) {
        let criteria: Vec<CriterionId> = criteria.into_iter().map(CriterionId).collect();
        let lines: Vec<ScoreLine> = lines
            .into_iter()
            .map(|(criterion_id, score, comment)| ScoreLine { criterion_id, score, comment })
            .collect();
        let (mut expected, mut kept, mut seen) = (vec![], vec![], vec![]);
        for (i, l) in lines.iter().enumerate() {
            let c = CriterionId(l.criterion_id);
            if !criteria.contains(&c) || seen.contains(&c) {
                expected.push(format!("scores[{i}].criterion_id"));
                continue;
            }
            seen.push(c);
            let comment = l.comment.trim();
            match l.score {
                Some(s) if (0..=100).contains(&s) => {
                    let extreme = s < i64::from(COMMENT_BELOW) || s > i64::from(COMMENT_ABOVE);
                    if (extreme && comment.is_empty()) || comment.chars().count() > MAX_COMMENT {
                        expected.push(format!("scores[{i}].comment"));
                    } else {
                        kept.push((c, s as i32, comment.to_string()));
                    }
                }
                _ => expected.push(format!("scores[{i}].score")),
            }
        }
        match parse_sheet(&lines, &criteria) {
            Ok(out) => {
                prop_assert!(expected.is_empty(), "accepted, yet {expected:?} break a rule");
                prop_assert_eq!(out, kept);
            }
            Err(e) => prop_assert_eq!(named(e), expected),
        }
    }

    #[test]
    fn a_posting_names_exactly_its_budget_and_weight_faults(
        min in amount(MAX_BUDGET_FEN),
        max in amount(MAX_BUDGET_FEN),
        price_weight in prop_oneof![Just(None), (-5i64..=105).prop_map(Some)],
        weights in proptest::collection::vec(prop_oneof![0i64..=100, -5i64..=105, Just(10)], 0..4),
    ) {
        let valid = |v: Option<i64>| v.filter(|n| *n > 0 && *n <= MAX_BUDGET_FEN);
        let mut expected: Vec<String> = vec![];
        if valid(min).is_none() {
            expected.push("budget_min_fen".into());
        }
        if valid(max).is_none() {
            expected.push("budget_max_fen".into());
        }
        if let (Some(a), Some(b)) = (valid(min), valid(max)) && a > b {
            expected.push("budget_max_fen".into());
        }
        let pw = price_weight.filter(|w| (0..=100).contains(w));
        if pw.is_none() {
            expected.push("price_weight".into());
        }
        let mut criteria_ok = true;
        for (i, w) in weights.iter().enumerate() {
            if !(0..=100).contains(w) {
                expected.push(format!("criteria[{i}].weight"));
                criteria_ok = false;
            }
        }
        if let Some(pw) = pw && criteria_ok {
            let total = pw + weights.iter().sum::<i64>();
            if (weights.is_empty() && pw != 100) || total != 100 {
                expected.push("criteria".into());
            }
        }
        match ScenarioFields::try_from(posting(min, max, price_weight, &weights)) {
            Ok(s) => {
                prop_assert!(expected.is_empty(), "accepted, yet {expected:?} break a rule");
                prop_assert_eq!(Some(s.budget_min_fen), min);
                prop_assert_eq!(Some(s.budget_max_fen), max);
                prop_assert_eq!(Some(i64::from(s.price_weight)), price_weight);
                let got: Vec<i64> = s.criteria.iter().map(|c| i64::from(c.weight)).collect();
                prop_assert_eq!(got, weights);
            }
            Err(e) => prop_assert_eq!(sorted(named(e)), sorted(expected)),
        }
    }

    #[test]
    fn a_list_of_domains_keeps_each_known_one_once_and_names_each_unknown_one(
        codes in proptest::collection::vec(sector_code(), 0..8),
    ) {
        let mut f = Fields::new();
        let got = parse_domains(&mut f, &codes);
        let mut want: Vec<Sector> = vec![];
        for c in &codes {
            if let Ok(s) = Sector::parse(c) && !want.contains(&s) {
                want.push(s);
            }
        }
        let unknown = codes.iter().filter(|c| !Sector::ALL.iter().any(|s| s.code() == c.as_str())).count();
        prop_assert_eq!(got, want, "each known domain once, in the order given");
        match f.finish() {
            Ok(()) => prop_assert_eq!(unknown, 0),
            Err(e) => prop_assert_eq!(named(e), vec!["domains".to_string(); unknown]),
        }
    }

    #[test]
    fn an_evaluator_is_refused_for_each_unknown_domain_of_expertise(
        codes in proptest::collection::vec(sector_code(), 0..6),
    ) {
        let request = CreateUserRequest {
            email: "expert@example.cn".into(),
            password: "Qingshan-2026-demo".into(),
            display_name: "专家".into(),
            role: Some(Role::Evaluator),
            expertise: codes.clone(),
            locale: None,
        };
        let mut expected: Vec<String> = codes
            .iter()
            .enumerate()
            .filter(|(_, c)| Sector::parse(c).is_err())
            .map(|(i, _)| format!("expertise[{i}]"))
            .collect();
        if codes.is_empty() {
            expected.push("expertise".into());
        }
        match NewStaffUser::try_from(request) {
            Ok(u) => {
                prop_assert!(expected.is_empty(), "accepted, yet {expected:?} break a rule");
                let mut want: Vec<Sector> = vec![];
                for c in &codes {
                    let s = Sector::parse(c).unwrap();
                    if !want.contains(&s) {
                        want.push(s);
                    }
                }
                prop_assert_eq!(u.expertise, want);
            }
            Err(e) => prop_assert_eq!(named(e), expected),
        }
    }

    #[test]
    fn tags_come_back_trimmed_lower_cased_once_each_and_bounded(
        raw in proptest::collection::vec(free_text(20), 0..14),
    ) {
        match text::tags(&raw, 10, 20) {
            Ok(tags) => {
                prop_assert!(tags.len() <= 10);
                for (i, t) in tags.iter().enumerate() {
                    prop_assert!(!t.is_empty() && t.chars().count() <= 20);
                    prop_assert_eq!(t, &t.trim().to_lowercase());
                    prop_assert!(!tags[..i].contains(t), "{t:?} twice");
                    prop_assert!(raw.iter().any(|r| &r.trim().to_lowercase() == t));
                }
                for r in &raw {
                    let t = r.trim().to_lowercase();
                    prop_assert!(t.is_empty() || tags.contains(&t), "{t:?} was dropped");
                }
            }
            Err(_) => {
                let distinct: std::collections::BTreeSet<String> = raw
                    .iter()
                    .map(|r| r.trim().to_lowercase())
                    .filter(|t| !t.is_empty())
                    .collect();
                prop_assert!(
                    distinct.len() > 10
                        || distinct.iter().any(|t| t.chars().count() > 20 || t.chars().any(char::is_control)),
                    "refused {raw:?}, which keeps every rule"
                );
            }
        }
    }
}
