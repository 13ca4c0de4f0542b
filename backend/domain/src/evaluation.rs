//! Comprehensive scoring (综合评分法) as plain functions: price scores, per-criterion means
//! (trimmed with five or more evaluators), technical and total scores, the ranking with its
//! tie-breaks, outlier flags, score-sheet rules, and the vendors' reputation. Full precision
//! inside; round only for display.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::bid::BidId;
use crate::error::{Error, FieldError, Result};
use crate::ids::UserId;
use crate::scenario::CriterionId;

/// A bid as scoring sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoredBid {
    pub bid: BidId,
    pub price_fen: i64,
    /// When its final version was submitted (the last tie-break).
    pub final_submission: DateTime<Utc>,
}

/// One evaluator's score of one criterion of one bid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Score {
    pub evaluator: UserId,
    pub bid: BidId,
    pub criterion: CriterionId,
    /// 0 to 100.
    pub score: i32,
}

/// A technical criterion and its weight (percent of the total).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weighted {
    pub criterion: CriterionId,
    pub weight: i32,
}

/// The evaluation of one bid.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluated {
    pub bid: BidId,
    pub price_fen: i64,
    pub price_score: f64,
    /// Per criterion: the (trimmed) mean of the evaluators' scores, `None` if nobody scored it.
    pub criteria: Vec<(CriterionId, Option<f64>)>,
    pub technical_score: f64,
    pub total: f64,
    /// From 1.
    pub rank: usize,
}

/// Price score: the lowest valid price is the benchmark and scores the full price weight;
/// every other bid scores `benchmark / price × price_weight`.
pub fn price_score(lowest_fen: i64, price_fen: i64, price_weight: i32) -> f64 {
    if price_fen <= 0 || lowest_fen <= 0 {
        return 0.0;
    }
    lowest_fen as f64 / price_fen as f64 * f64::from(price_weight)
}

/// The mean of the scores; with five or more, the single highest and lowest are dropped first.
pub fn criterion_mean(scores: &[i32]) -> Option<f64> {
    if scores.is_empty() {
        return None;
    }
    let mut s: Vec<i32> = scores.to_vec();
    s.sort_unstable();
    let kept = if s.len() >= 5 {
        &s[1..s.len() - 1]
    } else {
        &s[..]
    };
    Some(kept.iter().map(|x| f64::from(*x)).sum::<f64>() / kept.len() as f64)
}

/// Σ criterion mean × weight / 100 (unscored criteria count as 0).
pub fn technical_score(means: &[(CriterionId, Option<f64>)], weights: &[Weighted]) -> f64 {
    weights
        .iter()
        .map(|w| {
            let mean = means
                .iter()
                .find(|(c, _)| *c == w.criterion)
                .and_then(|(_, m)| *m)
                .unwrap_or(0.0);
            mean * f64::from(w.weight) / 100.0
        })
        .sum()
}

/// Scores and ranks every bid: by total (higher first), then lower price, then earlier final
/// submission, then bid id (so the order never depends on how the inputs were listed).
pub fn evaluate(
    bids: &[ScoredBid],
    price_weight: i32,
    weights: &[Weighted],
    scores: &[Score],
) -> Vec<Evaluated> {
    let lowest = bids
        .iter()
        .map(|b| b.price_fen)
        .filter(|p| *p > 0)
        .min()
        .unwrap_or(0);
    let mut out: Vec<(Evaluated, DateTime<Utc>)> = bids
        .iter()
        .map(|b| {
            let criteria: Vec<(CriterionId, Option<f64>)> = weights
                .iter()
                .map(|w| {
                    let s: Vec<i32> = scores
                        .iter()
                        .filter(|x| x.bid == b.bid && x.criterion == w.criterion)
                        .map(|x| x.score)
                        .collect();
                    (w.criterion, criterion_mean(&s))
                })
                .collect();
            let ps = price_score(lowest, b.price_fen, price_weight);
            let ts = technical_score(&criteria, weights);
            (
                Evaluated {
                    bid: b.bid,
                    price_fen: b.price_fen,
                    price_score: ps,
                    technical_score: ts,
                    total: ps + ts,
                    criteria,
                    rank: 0,
                },
                b.final_submission,
            )
        })
        .collect();
    out.sort_by(|(a, at), (b, bt)| {
        b.total
            .total_cmp(&a.total)
            .then(a.price_fen.cmp(&b.price_fen))
            .then(at.cmp(bt))
            .then(a.bid.cmp(&b.bid))
    });
    out.into_iter()
        .enumerate()
        .map(|(i, (mut e, _))| {
            e.rank = i + 1;
            e
        })
        .collect()
}

/// Rounds for display only.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// An evaluator's score far from the others' mean on one criterion of one bid.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outlier {
    pub evaluator: UserId,
    pub bid: BidId,
    pub criterion: CriterionId,
    pub score: i32,
    pub others_mean: f64,
}

/// Flags every score more than `threshold` points from the mean of the other evaluators'
/// scores on the same criterion of the same bid. Flags inform; they change no number.
pub fn outliers(scores: &[Score], threshold: f64) -> Vec<Outlier> {
    let mut out = Vec::new();
    for s in scores {
        let others: Vec<f64> = scores
            .iter()
            .filter(|o| o.bid == s.bid && o.criterion == s.criterion && o.evaluator != s.evaluator)
            .map(|o| f64::from(o.score))
            .collect();
        if others.is_empty() {
            continue;
        }
        let mean = others.iter().sum::<f64>() / others.len() as f64;
        if (f64::from(s.score) - mean).abs() > threshold {
            out.push(Outlier {
                evaluator: s.evaluator,
                bid: s.bid,
                criterion: s.criterion,
                score: s.score,
                others_mean: mean,
            });
        }
    }
    out.sort_by_key(|o| (o.bid, o.criterion, o.evaluator));
    out
}

/// How many scores each evaluator still owes: every criterion of every bid.
pub fn missing_scores(
    evaluators: &[UserId],
    bids: &[BidId],
    criteria: &[CriterionId],
    scores: &[Score],
) -> BTreeMap<UserId, usize> {
    let have: BTreeSet<(UserId, BidId, CriterionId)> = scores
        .iter()
        .map(|s| (s.evaluator, s.bid, s.criterion))
        .collect();
    evaluators
        .iter()
        .map(|e| {
            let missing = bids
                .iter()
                .flat_map(|b| criteria.iter().map(move |c| (*e, *b, *c)))
                .filter(|k| !have.contains(k))
                .count();
            (*e, missing)
        })
        .collect()
}

/// Scores below this or above [`COMMENT_ABOVE`] need a comment.
pub const COMMENT_BELOW: i32 = 40;
pub const COMMENT_ABOVE: i32 = 95;
pub const MAX_COMMENT: usize = 1000;

/// One line of a score sheet as submitted.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ScoreLine {
    pub criterion_id: i64,
    pub score: Option<i64>,
    #[serde(default)]
    pub comment: String,
}

/// Checks a sheet's lines against the scenario's criteria: each score 0–100, a comment for
/// scores below 40 or above 95, each criterion at most once. Errors name `scores[i].…`.
pub fn parse_sheet(
    lines: &[ScoreLine],
    criteria: &[CriterionId],
) -> Result<Vec<(CriterionId, i32, String)>> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, l) in lines.iter().enumerate() {
        let c = CriterionId(l.criterion_id);
        if !criteria.contains(&c) {
            errors.push(FieldError::new(
                format!("scores[{i}].criterion_id"),
                "不是该场景的评分项 / not a criterion of this scenario",
            ));
            continue;
        }
        if !seen.insert(c) {
            errors.push(FieldError::new(
                format!("scores[{i}].criterion_id"),
                "评分项重复 / this criterion appears twice",
            ));
            continue;
        }
        let comment = l.comment.trim().to_string();
        match l.score {
            Some(s) if (0..=100).contains(&s) => {
                let s = s as i32;
                if !(COMMENT_BELOW..=COMMENT_ABOVE).contains(&s) && comment.is_empty() {
                    errors.push(FieldError::new(format!("scores[{i}].comment"), "低于 40 分或高于 95 分须写明理由 / a score below 40 or above 95 needs a comment"));
                } else if comment.chars().count() > MAX_COMMENT {
                    errors.push(FieldError::new(
                        format!("scores[{i}].comment"),
                        format!("理由最多 {MAX_COMMENT} 字 / at most {MAX_COMMENT} characters"),
                    ));
                } else {
                    out.push((c, s, comment));
                }
            }
            _ => errors.push(FieldError::new(
                format!("scores[{i}].score"),
                "分数应为 0 到 100 的整数 / a score is a whole number from 0 to 100",
            )),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Error::Validation(errors))
    }
}

/// The reputation settings: a Bayesian average pulls a vendor with few ratings towards the
/// prior mean, as if it had `weight` ratings of `prior` already.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReputationPrior {
    /// On the 1–5 scale.
    pub prior: f64,
    /// How many ratings the prior counts as.
    pub weight: f64,
}

impl Default for ReputationPrior {
    fn default() -> Self {
        Self {
            prior: 3.5,
            weight: 3.0,
        }
    }
}

/// A rating's three marks, 1 to 5 each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marks {
    pub quality: i32,
    pub timeliness: i32,
    pub communication: i32,
}

impl Marks {
    pub fn mean(&self) -> f64 {
        f64::from(self.quality + self.timeliness + self.communication) / 3.0
    }
}

/// (Bayesian average, count), or `None` without ratings.
pub fn reputation(ratings: &[Marks], prior: ReputationPrior) -> Option<(f64, usize)> {
    if ratings.is_empty() {
        return None;
    }
    let n = ratings.len() as f64;
    let sum: f64 = ratings.iter().map(Marks::mean).sum();
    Some((
        (prior.prior * prior.weight + sum) / (prior.weight + n),
        ratings.len(),
    ))
}

#[cfg(test)]
mod tests {
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
}

/// A member of a scenario's evaluation panel, with their conflict declaration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PanelMember {
    pub id: crate::ids::PanelMemberId,
    pub evaluator: UserId,
    pub added_at: DateTime<Utc>,
    pub declared_at: Option<DateTime<Utc>>,
    /// `None` until declared.
    pub has_conflict: Option<bool>,
    pub note: String,
    /// Set when taken off the panel (by the owner, or by declaring a conflict).
    pub removed_at: Option<DateTime<Utc>>,
}

impl PanelMember {
    pub fn active(&self) -> bool {
        self.removed_at.is_none()
    }

    /// Declared no conflict: may see the bids and score them.
    pub fn cleared(&self) -> bool {
        self.active() && self.has_conflict == Some(false)
    }
}

/// A stored score with its comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredScore {
    pub evaluator: UserId,
    pub bid: BidId,
    pub criterion: CriterionId,
    pub score: i32,
    pub comment: String,
    pub updated_at: DateTime<Utc>,
}

impl StoredScore {
    /// The score as the scoring rules take it.
    pub fn score(&self) -> Score {
        Score {
            evaluator: self.evaluator,
            bid: self.bid,
            criterion: self.criterion,
            score: self.score,
        }
    }
}

/// An evaluator's written disagreement with the ranking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dissent {
    pub id: i64,
    pub evaluator: UserId,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// The owner's rating of the vendor after delivery, and the vendor's one reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rating {
    pub id: crate::ids::RatingId,
    pub scenario: crate::scenario::ScenarioId,
    pub vendor: crate::ids::OrganizationId,
    pub rated_by: UserId,
    pub quality: i32,
    pub timeliness: i32,
    pub communication: i32,
    pub comment: String,
    pub created_at: DateTime<Utc>,
    pub reply: Option<String>,
    pub replied_at: Option<DateTime<Utc>>,
}

impl Rating {
    pub fn marks(&self) -> Marks {
        Marks {
            quality: self.quality,
            timeliness: self.timeliness,
            communication: self.communication,
        }
    }
}

/// What still stands in the way of an award: the award is decided on complete score sheets
/// of a full panel, never on a partial one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AwardBlocker {
    /// Fewer evaluators have declared no conflict than the smallest panel allows.
    PanelTooSmall { cleared: usize, min: usize },
    /// A cleared evaluator has not scored every criterion of every valid bid.
    IncompleteSheet { evaluator: UserId, missing: usize },
    /// There is no valid bid to award.
    NoValidBid,
}

impl AwardBlocker {
    /// The reason for people, Chinese first.
    pub fn message(&self, name: &str) -> String {
        match self {
            AwardBlocker::PanelTooSmall { cleared, min } => format!(
                "已声明无利益冲突的评审专家只有 {cleared} 位，至少需要 {min} 位 / only {cleared} evaluators have cleared the conflict declaration; at least {min} are needed"
            ),
            AwardBlocker::IncompleteSheet { missing, .. } => format!(
                "{name} 的评分表还缺 {missing} 项 / {name}'s score sheet still lacks {missing} score(s)"
            ),
            AwardBlocker::NoValidBid => {
                "没有有效投标可以定标 / there is no valid bid to award".into()
            }
        }
    }
}

/// The award rule: every cleared panel member has scored every criterion of every valid bid,
/// and at least `min_panel` members are cleared. Empty when the award may be made.
pub fn award_blockers(
    cleared: &[UserId],
    bids: &[BidId],
    criteria: &[CriterionId],
    scores: &[Score],
    min_panel: usize,
) -> Vec<AwardBlocker> {
    let mut out = Vec::new();
    if bids.is_empty() {
        out.push(AwardBlocker::NoValidBid);
    }
    if cleared.len() < min_panel {
        out.push(AwardBlocker::PanelTooSmall {
            cleared: cleared.len(),
            min: min_panel,
        });
    }
    for (evaluator, missing) in missing_scores(cleared, bids, criteria, scores) {
        if missing > 0 {
            out.push(AwardBlocker::IncompleteSheet { evaluator, missing });
        }
    }
    out
}

/// How often a panel may be drawn again after the first draw.
pub const MAX_REDRAWS: usize = 2;

/// The redraw rule: the first draw needs no reason; each later one needs a written reason, and
/// after [`MAX_REDRAWS`] redraws the panel is not drawn again. Returns the trimmed reason.
pub fn check_redraw(earlier_draws: usize, reason: &str) -> Result<String> {
    let reason = reason.trim();
    if earlier_draws == 0 {
        return Ok(reason.to_string());
    }
    if earlier_draws > MAX_REDRAWS {
        return Err(Error::Conflict {
            code: "redraw_limit",
            detail: format!(
                "评审组已重新抽取 {MAX_REDRAWS} 次，不能再抽 / the panel was drawn again {MAX_REDRAWS} times already; no further draws"
            ),
        });
    }
    if reason.is_empty() {
        return Err(Error::field(
            "reason",
            "重新抽取须写明理由 / a redraw needs a written reason",
        ));
    }
    if reason.chars().count() > 1000 {
        return Err(Error::field(
            "reason",
            "最多 1000 字 / at most 1000 characters",
        ));
    }
    Ok(reason.to_string())
}

#[cfg(test)]
mod award_rule_tests {
    use super::*;

    fn sc(e: i64, b: i64, c: i64) -> Score {
        Score {
            evaluator: UserId(e),
            bid: BidId(b),
            criterion: CriterionId(c),
            score: 70,
        }
    }

    #[test]
    fn an_award_needs_complete_sheets_from_a_full_panel() {
        let cleared = [UserId(1), UserId(2), UserId(3)];
        let bids = [BidId(10), BidId(11)];
        let crit = [CriterionId(100)];
        let full: Vec<Score> = [1, 2, 3]
            .iter()
            .flat_map(|e| [10, 11].map(|b| sc(*e, b, 100)))
            .collect();
        assert!(award_blockers(&cleared, &bids, &crit, &full, 3).is_empty());
        // One evaluator who scored one bid: the case that was awarded before.
        let one = [sc(1, 10, 100)];
        let b = award_blockers(&cleared[..1], &bids, &crit, &one, 3);
        assert_eq!(
            b,
            vec![
                AwardBlocker::PanelTooSmall { cleared: 1, min: 3 },
                AwardBlocker::IncompleteSheet {
                    evaluator: UserId(1),
                    missing: 1
                }
            ]
        );
        let mut partial = full.clone();
        partial.pop();
        assert_eq!(
            award_blockers(&cleared, &bids, &crit, &partial, 3),
            vec![AwardBlocker::IncompleteSheet {
                evaluator: UserId(3),
                missing: 1
            }]
        );
        assert_eq!(
            award_blockers(&cleared, &[], &crit, &[], 3),
            vec![AwardBlocker::NoValidBid]
        );
        assert!(b[1].message("专家一").contains("专家一"));
    }

    #[test]
    fn redraws_need_a_reason_and_stop_at_the_limit() {
        assert_eq!(check_redraw(0, "").unwrap(), "");
        assert!(matches!(check_redraw(1, "  "), Err(Error::Validation(_))));
        assert_eq!(check_redraw(1, " 专家临时出差 ").unwrap(), "专家临时出差");
        assert!(check_redraw(MAX_REDRAWS, "理由").is_ok());
        assert!(matches!(
            check_redraw(MAX_REDRAWS + 1, "理由"),
            Err(Error::Conflict {
                code: "redraw_limit",
                ..
            })
        ));
    }
}
