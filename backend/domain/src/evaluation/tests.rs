//! The worked example, the tie-breaks and the property tests of the scoring rules.
use super::*;
use proptest::prelude::*;

fn t(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
}

#[test]
fn price_scores_use_the_lowest_price_as_benchmark() {
    assert_eq!(price_score(100, 100, 30), 30.0);
    assert_eq!(price_score(100, 200, 30), 15.0);
    assert!((price_score(300, 400, 40) - 30.0).abs() < 1e-12);
    assert_eq!(price_score(100, 0, 30), 0.0);
}

#[test]
fn the_mean_drops_the_extremes_only_with_five_or_more() {
    assert_eq!(criterion_mean(&[]), None);
    assert_eq!(criterion_mean(&[80]), Some(80.0));
    assert_eq!(criterion_mean(&[60, 70, 80, 100]), Some(77.5));
    // 5 scores: drop 20 and 100 → (70+80+90)/3 = 80.
    assert_eq!(criterion_mean(&[100, 70, 20, 90, 80]), Some(80.0));
    // Only one of equal extremes is dropped: [50,50,60,70,70] → (50+60+70)/3 = 60.
    assert_eq!(criterion_mean(&[70, 50, 60, 50, 70]), Some(60.0));
}

/// The worked example: 5 evaluators (E1–E5), 4 bids (A–D), 3 criteria.
/// Price weight 40; criteria: technical solution (K1) 30, delivery capability (K2) 20,
/// service (K3) 10. Prices (yuan): A 800,000; B 1,000,000; C 640,000; D 800,000.
///
/// Price scores (benchmark C = 640,000):
///   A = 640/800 × 40 = 32;  B = 640/1000 × 40 = 25.6;  C = 40;  D = 32.
///
/// Scores E1..E5 and trimmed means (drop one highest, one lowest):
///   A: K1 [80 85 90 70 95] → (80+85+90)/3 = 85;  K2 [70 70 80 60 90] → (70+70+80)/3 = 73.333…;
///      K3 [90 90 90 90 90] → 90.
///      technical = 85×0.3 + 73.333…×0.2 + 90×0.1 = 25.5 + 14.666… + 9 = 49.1666…
///      total = 32 + 49.1666… = 81.1666…
///   B: K1 [95 95 95 95 95] → 95;  K2 [90 90 90 90 90] → 90;  K3 [100 100 100 100 100] → 100.
///      technical = 28.5 + 18 + 10 = 56.5;  total = 25.6 + 56.5 = 82.1
///   C: K1 [60 65 70 75 80] → 70;  K2 [50 60 70 80 90] → 70;  K3 [40 50 60 70 80] → 60.
///      technical = 21 + 14 + 6 = 41;  total = 40 + 41 = 81
///   D: same scores as A, same price, submitted later → total 81.1666…, ranked after A.
/// Ranking: B 82.1 (1), A 81.17 (2), D 81.17 (3, tie on total and price, later), C 81 (4).
#[test]
fn the_worked_example_ranks_as_computed_by_hand() {
    let (k1, k2, k3) = (CriterionId(1), CriterionId(2), CriterionId(3));
    let weights = [
        Weighted {
            criterion: k1,
            weight: 30,
        },
        Weighted {
            criterion: k2,
            weight: 20,
        },
        Weighted {
            criterion: k3,
            weight: 10,
        },
    ];
    let (a, b, c, d) = (BidId(10), BidId(20), BidId(30), BidId(40));
    let bids = [
        ScoredBid {
            bid: a,
            price_fen: 80_000_000,
            final_submission: t(1),
        },
        ScoredBid {
            bid: b,
            price_fen: 100_000_000,
            final_submission: t(2),
        },
        ScoredBid {
            bid: c,
            price_fen: 64_000_000,
            final_submission: t(3),
        },
        ScoredBid {
            bid: d,
            price_fen: 80_000_000,
            final_submission: t(4),
        },
    ];
    let sheet: [(BidId, [[i32; 5]; 3]); 4] = [
        (a, [[80, 85, 90, 70, 95], [70, 70, 80, 60, 90], [90; 5]]),
        (b, [[95; 5], [90; 5], [100; 5]]),
        (
            c,
            [
                [60, 65, 70, 75, 80],
                [50, 60, 70, 80, 90],
                [40, 50, 60, 70, 80],
            ],
        ),
        (d, [[80, 85, 90, 70, 95], [70, 70, 80, 60, 90], [90; 5]]),
    ];
    let mut scores = Vec::new();
    for (bid, per_criterion) in sheet {
        for (ci, crit) in [k1, k2, k3].into_iter().enumerate() {
            for (e, s) in per_criterion[ci].iter().enumerate() {
                scores.push(Score {
                    evaluator: UserId(e as i64 + 1),
                    bid,
                    criterion: crit,
                    score: *s,
                });
            }
        }
    }
    let r = evaluate(&bids, 40, &weights, &scores);
    let order: Vec<BidId> = r.iter().map(|e| e.bid).collect();
    assert_eq!(order, [b, a, d, c]);
    let by = |id| r.iter().find(|e| e.bid == id).unwrap();
    assert!((by(a).price_score - 32.0).abs() < 1e-9);
    assert!((by(b).price_score - 25.6).abs() < 1e-9);
    assert!((by(c).price_score - 40.0).abs() < 1e-9);
    assert!((by(a).technical_score - (25.5 + 44.0 / 3.0 + 9.0)).abs() < 1e-9);
    assert!((by(a).total - (32.0 + 25.5 + 44.0 / 3.0 + 9.0)).abs() < 1e-9);
    assert!((by(b).total - 82.1).abs() < 1e-9);
    assert!((by(c).total - 81.0).abs() < 1e-9);
    assert_eq!(round2(by(a).total), 81.17);
    assert_eq!(
        (by(b).rank, by(a).rank, by(d).rank, by(c).rank),
        (1, 2, 3, 4)
    );
}

#[test]
fn ties_go_to_the_lower_price_then_the_earlier_submission() {
    let w = [Weighted {
        criterion: CriterionId(1),
        weight: 50,
    }];
    // Equal prices and equal scores: only the submission time differs.
    let bids = [
        ScoredBid {
            bid: BidId(2),
            price_fen: 100,
            final_submission: t(5),
        },
        ScoredBid {
            bid: BidId(1),
            price_fen: 100,
            final_submission: t(9),
        },
    ];
    let scores = [
        Score {
            evaluator: UserId(1),
            bid: BidId(1),
            criterion: CriterionId(1),
            score: 70,
        },
        Score {
            evaluator: UserId(1),
            bid: BidId(2),
            criterion: CriterionId(1),
            score: 70,
        },
    ];
    let r = evaluate(&bids, 50, &w, &scores);
    assert_eq!(
        r[0].bid,
        BidId(2),
        "earlier final submission wins a full tie"
    );
    // Equal totals, different prices: price weight 0 makes price irrelevant to the total.
    let bids = [
        ScoredBid {
            bid: BidId(1),
            price_fen: 300,
            final_submission: t(1),
        },
        ScoredBid {
            bid: BidId(2),
            price_fen: 200,
            final_submission: t(2),
        },
    ];
    let r = evaluate(
        &bids,
        0,
        &[Weighted {
            criterion: CriterionId(1),
            weight: 100,
        }],
        &[
            Score {
                evaluator: UserId(1),
                bid: BidId(1),
                criterion: CriterionId(1),
                score: 70,
            },
            Score {
                evaluator: UserId(1),
                bid: BidId(2),
                criterion: CriterionId(1),
                score: 70,
            },
        ],
    );
    assert_eq!(r[0].bid, BidId(2), "the lower price wins a tie on total");
}

#[test]
fn outliers_are_flagged_without_changing_numbers() {
    let s = |e: i64, v: i32| Score {
        evaluator: UserId(e),
        bid: BidId(1),
        criterion: CriterionId(1),
        score: v,
    };
    let scores = [s(1, 80), s(2, 85), s(3, 30), s(4, 82)];
    let flags = outliers(&scores, 30.0);
    assert_eq!(flags.len(), 1);
    assert_eq!((flags[0].evaluator, flags[0].score), (UserId(3), 30));
    assert!((flags[0].others_mean - (80.0 + 85.0 + 82.0) / 3.0).abs() < 1e-9);
    assert!(outliers(&[s(1, 80)], 30.0).is_empty());
}

#[test]
fn missing_scores_count_every_unscored_cell() {
    let m = missing_scores(
        &[UserId(1), UserId(2)],
        &[BidId(1), BidId(2)],
        &[CriterionId(1), CriterionId(2)],
        &[Score {
            evaluator: UserId(1),
            bid: BidId(1),
            criterion: CriterionId(1),
            score: 50,
        }],
    );
    assert_eq!(m[&UserId(1)], 3);
    assert_eq!(m[&UserId(2)], 4);
}

#[test]
fn a_sheet_needs_comments_at_the_extremes_and_known_criteria() {
    let c = [CriterionId(1), CriterionId(2)];
    let line = |id, score, comment: &str| ScoreLine {
        criterion_id: id,
        score,
        comment: comment.into(),
    };
    assert_eq!(
        parse_sheet(&[line(1, Some(70), ""), line(2, Some(96), "出色")], &c)
            .unwrap()
            .len(),
        2
    );
    let bad = parse_sheet(
        &[
            line(1, Some(39), ""),
            line(2, Some(101), ""),
            line(3, Some(50), ""),
            line(1, Some(50), ""),
        ],
        &c,
    )
    .unwrap_err();
    match bad {
        Error::Validation(v) => {
            let f: Vec<&str> = v.iter().map(|e| e.field.as_str()).collect();
            assert_eq!(
                f,
                [
                    "scores[0].comment",
                    "scores[1].score",
                    "scores[2].criterion_id",
                    "scores[3].criterion_id"
                ]
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(parse_sheet(&[line(1, None, "")], &c).is_err());
}

#[test]
fn reputation_leans_on_the_prior_until_ratings_accumulate() {
    let p = ReputationPrior {
        prior: 3.5,
        weight: 3.0,
    };
    assert_eq!(reputation(&[], p), None);
    let five = Marks {
        quality: 5,
        timeliness: 5,
        communication: 5,
    };
    let (one, n) = reputation(&[five], p).unwrap();
    assert_eq!(n, 1);
    assert!((one - (3.5 * 3.0 + 5.0) / 4.0).abs() < 1e-12);
    let (many, _) = reputation(&vec![five; 30], p).unwrap();
    assert!(many > one && many < 5.0);
}

fn arb_case() -> impl Strategy<Value = (Vec<i64>, Vec<Vec<Vec<i32>>>, i32)> {
    // bids × criteria(2) × evaluators(1..7) scores, prices, price weight.
    (1usize..6, 1usize..7, 0i32..=100).prop_flat_map(|(nb, ne, pw)| {
        (
            proptest::collection::vec(1i64..10_000_000, nb),
            proptest::collection::vec(
                proptest::collection::vec(proptest::collection::vec(0i32..=100, ne), 2),
                nb,
            ),
            Just(pw),
        )
    })
}

fn build(
    prices: &[i64],
    sheet: &[Vec<Vec<i32>>],
    pw: i32,
) -> (Vec<ScoredBid>, Vec<Weighted>, Vec<Score>) {
    let rest = 100 - pw;
    let weights = vec![
        Weighted {
            criterion: CriterionId(1),
            weight: rest / 2,
        },
        Weighted {
            criterion: CriterionId(2),
            weight: rest - rest / 2,
        },
    ];
    let bids: Vec<ScoredBid> = prices
        .iter()
        .enumerate()
        .map(|(i, p)| ScoredBid {
            bid: BidId(i as i64 + 1),
            price_fen: *p,
            final_submission: t(i as i64),
        })
        .collect();
    let mut scores = Vec::new();
    for (bi, per_c) in sheet.iter().enumerate() {
        for (ci, per_e) in per_c.iter().enumerate() {
            for (ei, s) in per_e.iter().enumerate() {
                scores.push(Score {
                    evaluator: UserId(ei as i64 + 1),
                    bid: BidId(bi as i64 + 1),
                    criterion: CriterionId(ci as i64 + 1),
                    score: *s,
                });
            }
        }
    }
    (bids, weights, scores)
}

proptest! {
    #[test]
    fn the_lowest_price_gets_the_full_price_weight((prices, sheet, pw) in arb_case()) {
        let (bids, weights, scores) = build(&prices, &sheet, pw);
        let r = evaluate(&bids, pw, &weights, &scores);
        let lowest = prices.iter().min().unwrap();
        for e in r.iter().filter(|e| e.price_fen == *lowest) {
            prop_assert!((e.price_score - f64::from(pw)).abs() < 1e-9);
        }
    }

    #[test]
    fn totals_stay_within_0_and_100((prices, sheet, pw) in arb_case()) {
        let (bids, weights, scores) = build(&prices, &sheet, pw);
        for e in evaluate(&bids, pw, &weights, &scores) {
            prop_assert!(e.total >= 0.0 && e.total <= 100.0 + 1e-9, "{}", e.total);
        }
    }

    #[test]
    fn the_ranking_ignores_the_order_of_bids_and_scores((prices, sheet, pw) in arb_case(), seed in any::<u64>()) {
        let (bids, weights, scores) = build(&prices, &sheet, pw);
        let base: Vec<(BidId, usize)> = evaluate(&bids, pw, &weights, &scores).iter().map(|e| (e.bid, e.rank)).collect();
        // A deterministic shuffle from the seed.
        let shuffle = |n: usize, k: u64| -> Vec<usize> {
            let mut idx: Vec<usize> = (0..n).collect();
            let mut x = k | 1;
            for i in (1..n).rev() {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                idx.swap(i, (x % (i as u64 + 1)) as usize);
            }
            idx
        };
        let bids2: Vec<ScoredBid> = shuffle(bids.len(), seed).into_iter().map(|i| bids[i].clone()).collect();
        let scores2: Vec<Score> = shuffle(scores.len(), seed.rotate_left(7)).into_iter().map(|i| scores[i]).collect();
        let again: Vec<(BidId, usize)> = evaluate(&bids2, pw, &weights, &scores2).iter().map(|e| (e.bid, e.rank)).collect();
        prop_assert_eq!(base, again);
    }
}

#[test]
fn a_bid_more_than_the_share_below_the_others_mean_is_abnormally_low() {
    let b = |n| BidId(n);
    // The others' mean is 100: 80 is exactly 20 % below (not more), 79.99 is.
    assert_eq!(
        abnormally_low(&[(b(1), 8_000), (b(2), 10_000), (b(3), 10_000)], 0.2),
        vec![]
    );
    assert_eq!(
        abnormally_low(&[(b(1), 7_999), (b(2), 10_000), (b(3), 10_000)], 0.2),
        vec![b(1)]
    );
    // Each bid is measured against the others, not against a mean that includes itself.
    assert_eq!(abnormally_low(&[(b(1), 50), (b(2), 100)], 0.2), vec![b(1)]);
    // One bid has nothing to compare with; equal bids are never low.
    assert_eq!(abnormally_low(&[(b(1), 1)], 0.2), vec![]);
    assert_eq!(abnormally_low(&[(b(1), 100), (b(2), 100)], 0.2), vec![]);
    // The share is a setting.
    assert_eq!(abnormally_low(&[(b(1), 85), (b(2), 100)], 0.1), vec![b(1)]);
    assert_eq!(abnormally_low(&[(b(1), 85), (b(2), 100)], 0.2), vec![]);
}

#[test]
fn a_panel_is_pending_until_every_score_is_given_and_a_conflict_is_its_own_state() {
    let at = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
    let member = |has_conflict: Option<bool>, removed: bool| PanelMember {
        id: crate::ids::PanelMemberId(1),
        evaluator: UserId(1),
        added_at: at,
        declared_at: has_conflict.map(|_| at),
        has_conflict,
        note: String::new(),
        removed_at: removed.then_some(at),
    };
    let cleared = member(Some(false), false);
    assert_eq!(
        PanelState::of(&member(None, false), None),
        PanelState::Pending,
        "sealed"
    );
    assert_eq!(
        PanelState::of(&member(None, false), Some((0, 6))),
        PanelState::Pending,
        "not declared"
    );
    assert_eq!(PanelState::of(&cleared, Some((5, 6))), PanelState::Pending);
    assert_eq!(
        PanelState::of(&cleared, Some((6, 6))),
        PanelState::Evaluated
    );
    assert_eq!(
        PanelState::of(&cleared, Some((0, 0))),
        PanelState::Evaluated,
        "no bid came"
    );
    assert_eq!(
        PanelState::of(&member(Some(true), true), None),
        PanelState::Conflict
    );
    assert_eq!(PanelState::parse("evaluated"), Some(PanelState::Evaluated));
    assert_eq!(PanelState::parse("nope"), None);
}
