use super::*;
use chrono::TimeZone;

fn t(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

fn scenario(id: i64, status: Status, deadline: DateTime<Utc>) -> ScenarioFact {
    ScenarioFact {
        id: ScenarioId(id),
        domain: if id % 2 == 0 {
            Sector::CityGovernance
        } else {
            Sector::AiIndustry
        },
        status,
        deadline,
        published_at: (status != Status::Draft).then(|| deadline - chrono::Duration::days(20)),
    }
}

const A: OrganizationId = OrganizationId(100);
const B: OrganizationId = OrganizationId(200);
const OUTSIDER: OrganizationId = OrganizationId(300);

/// Now is 2026-12-01 12:00 UTC. Scenario 1 is opened (deadline passed, stored as published),
/// 2 is still open, 3 was cancelled before its deadline, 4 was awarded to A, 5 to the
/// outsider, 6 to B a minute into 2027 in Beijing (still 2026 in UTC).
fn facts() -> (Facts, DateTime<Utc>) {
    let now = t(2026, 12, 1, 12);
    let past = t(2026, 11, 1, 0);
    let facts = Facts {
        scenarios: vec![
            scenario(1, Status::Published, past),
            scenario(2, Status::Published, t(2026, 12, 20, 0)),
            scenario(3, Status::Cancelled, t(2026, 12, 25, 0)),
            scenario(4, Status::Awarded, t(2026, 3, 1, 0)),
            scenario(5, Status::Delivered, t(2026, 5, 1, 0)),
            scenario(6, Status::Awarded, t(2026, 12, 1, 0)),
            scenario(7, Status::Draft, t(2026, 12, 30, 0)),
        ],
        bids: vec![
            (ScenarioId(1), A),
            (ScenarioId(1), OUTSIDER),
            (ScenarioId(2), A),
            (ScenarioId(2), B),
            (ScenarioId(3), B),
            (ScenarioId(4), A),
            (ScenarioId(4), B),
            (ScenarioId(5), OUTSIDER),
            (ScenarioId(6), B),
        ],
        awards: vec![
            AwardFact {
                scenario: ScenarioId(4),
                vendor: A,
                price_fen: 30_000_000,
                awarded_at: t(2026, 3, 10, 2),
            },
            AwardFact {
                scenario: ScenarioId(5),
                vendor: OUTSIDER,
                price_fen: 99_000_000,
                awarded_at: t(2026, 5, 3, 2),
            },
            AwardFact {
                scenario: ScenarioId(6),
                vendor: B,
                price_fen: 5_000_000,
                awarded_at: Utc.with_ymd_and_hms(2025, 12, 31, 16, 1, 0).unwrap(),
            },
        ],
    };
    (facts, now)
}

#[test]
fn sealed_and_void_bids_are_never_counted() {
    let (f, now) = facts();
    let opened = f.opened_bids(now);
    assert!(
        opened.iter().all(|(s, _)| s.0 != 2 && s.0 != 3),
        "{opened:?}"
    );
    assert_eq!(opened.len(), 6);
    let s = opc_summary(&[A, B], &f, now, OPC_PLEDGE_FEN);
    // A: scenario 1 and 4; B: 4 and 6. The open scenario 2 and the cancelled 3 do not count.
    assert_eq!(s.bids, 4);
    assert_eq!(s.per_member[&A].bids, 2);
    assert_eq!(s.per_member[&B].bids, 2);
    // The moment scenario 2's deadline passes, its bids count.
    let later = opc_summary(&[A, B], &f, t(2026, 12, 20, 0), OPC_PLEDGE_FEN);
    assert_eq!(later.bids, 6);
}

#[test]
fn the_year_and_its_months_are_beijing_time() {
    let (f, now) = facts();
    let s = opc_summary(&[A, B], &f, now, OPC_PLEDGE_FEN);
    assert_eq!(s.year, 2026);
    assert_eq!(
        (s.members, s.awards),
        (2, 2),
        "the outsider's award is not the community's"
    );
    // B's award fell at 00:01 on 1 January 2026 in Beijing: this year's, in January.
    assert_eq!(s.awards_this_year, 2);
    assert_eq!(s.awarded_fen_this_year, 35_000_000);
    assert_eq!(s.by_month.len(), 12);
    assert_eq!(s.by_month[0].month, "2026-01");
    assert_eq!(
        (s.by_month[0].awards, s.by_month[0].awarded_fen),
        (1, 5_000_000)
    );
    assert_eq!(
        (s.by_month[2].awards, s.by_month[2].awarded_fen),
        (1, 30_000_000)
    );
    assert_eq!(
        s.by_month.iter().map(|m| m.awarded_fen).sum::<i64>(),
        35_000_000
    );
    assert!((s.pledge_share - 35_000_000.0 / OPC_PLEDGE_FEN as f64).abs() < 1e-12);
    // At 23:59 on 31 December UTC it is already 2027 in Beijing: a new year, nothing yet.
    let new_year = opc_summary(&[A, B], &f, t(2026, 12, 31, 17), OPC_PLEDGE_FEN);
    assert_eq!((new_year.year, new_year.awarded_fen_this_year), (2027, 0));
    assert_eq!(new_year.awards, 2);
}

#[test]
fn a_consortium_award_counts_once_and_its_value_by_each_members_share() {
    let (mut f, now) = facts();
    // Scenario 8, awarded in June to a consortium of A (60 %), the outsider (30 %) and B
    // (10 %) for 1,000,000 fen: the store hands over one fact per member, by share.
    f.scenarios
        .push(scenario(8, Status::Awarded, t(2026, 6, 1, 0)));
    for (v, fen) in [(A, 600_000), (OUTSIDER, 300_000), (B, 100_000)] {
        f.bids.push((ScenarioId(8), v));
        f.awards.push(AwardFact {
            scenario: ScenarioId(8),
            vendor: v,
            price_fen: fen,
            awarded_at: t(2026, 6, 10, 2),
        });
    }
    let s = opc_summary(&[A, B], &f, now, OPC_PLEDGE_FEN);
    assert_eq!(s.awards, 3, "the consortium's award counts once");
    assert_eq!(s.awards_this_year, 3);
    assert_eq!(s.by_month[5].awards, 1);
    assert_eq!(
        s.by_month[5].awarded_fen, 700_000,
        "only the members' shares, not the outsider's"
    );
    assert_eq!(s.awarded_fen_this_year, 35_700_000);
    assert_eq!(s.per_member[&A].awarded_fen, 30_600_000);
    assert_eq!(s.per_member[&B].awarded_fen, 5_100_000);
    assert_eq!((s.per_member[&A].awards, s.per_member[&B].awards), (2, 2));
}

#[test]
fn a_member_without_anything_still_counts_as_a_member() {
    let (f, now) = facts();
    let c = OrganizationId(400);
    let s = opc_summary(&[A, B, c], &f, now, 0);
    assert_eq!(s.members, 3);
    assert_eq!(s.per_member[&c], MemberFigures::default());
    assert_eq!(s.pledge_share, 0.0, "no pledge, no division by zero");
}

#[test]
fn the_dashboard_counts_states_as_seen_now_and_only_opened_bids() {
    let (f, now) = facts();
    let members: HashSet<_> = [A, B].into_iter().collect();
    let d = dashboard(&f, &members, vec![], now);
    assert_eq!(d.scenarios, 7);
    let state = |k: &str| d.by_state.iter().find(|b| b.key == k).unwrap().count;
    assert_eq!(state("evaluating"), 1, "a passed deadline is evaluating");
    assert_eq!(state("published"), 1);
    assert_eq!((state("awarded"), state("delivered")), (2, 1));
    assert_eq!(
        (state("cancelled"), state("draft"), state("closed")),
        (1, 1, 0)
    );
    assert_eq!(d.by_state.len(), Status::ALL.len());
    assert_eq!(
        d.by_domain
            .iter()
            .map(|(_, b)| b.iter().map(|x| x.count).sum::<i64>())
            .sum::<i64>(),
        7
    );
    // Opened: 1 (2 bids), 4 (2), 5 (1), 6 (1).
    assert_eq!(d.opened_scenarios, 4);
    let hist: Vec<i64> = d.bids_per_scenario.iter().map(|b| b.count).collect();
    assert_eq!(hist, vec![0, 2, 2, 0, 0, 0]);
    assert!((d.mean_bids - 1.5).abs() < 1e-12);
    assert_eq!(d.opc_bids, (4, 6));
    assert_eq!(d.opc_awards, (2, 3));
}

#[test]
fn days_to_award_fall_in_their_buckets_at_the_edges() {
    let base = t(2026, 1, 1, 0);
    let mut f = Facts::default();
    for (i, days) in [7i64, 8, 14, 15, 61].iter().enumerate() {
        let id = ScenarioId(i as i64 + 1);
        f.scenarios.push(ScenarioFact {
            id,
            domain: Sector::Other,
            status: Status::Awarded,
            deadline: base,
            published_at: Some(base),
        });
        f.awards.push(AwardFact {
            scenario: id,
            vendor: A,
            price_fen: 1,
            awarded_at: base + chrono::Duration::days(*days) + chrono::Duration::hours(3),
        });
    }
    let d = dashboard(&f, &HashSet::new(), vec![], t(2026, 6, 1, 0));
    let counts: Vec<(String, i64)> = d
        .days_to_award
        .iter()
        .map(|b| (b.key.clone(), b.count))
        .collect();
    assert_eq!(
        counts,
        vec![
            ("0-7".into(), 1),
            ("8-14".into(), 2),
            ("15-30".into(), 1),
            ("31-60".into(), 0),
            ("61+".into(), 1)
        ]
    );
    assert_eq!(d.median_days_to_award, Some(14.0));
    assert_eq!(d.opc_awards, (0, 5));
}

#[test]
fn the_busiest_evaluators_come_first() {
    let w = |id: i64, name: &str, panels, conflicts, scores| Workload {
        evaluator: UserId(id),
        name: name.into(),
        panels,
        conflicts,
        scores,
    };
    let d = dashboard(
        &Facts::default(),
        &HashSet::new(),
        vec![
            w(1, "甲", 1, 0, 9),
            w(2, "乙", 2, 1, 0),
            w(3, "丙", 1, 0, 12),
        ],
        t(2026, 6, 1, 0),
    );
    let order: Vec<i64> = d.workload.iter().map(|x| x.evaluator.0).collect();
    assert_eq!(order, vec![2, 3, 1]);
    assert_eq!(d.median_days_to_award, None);
}
