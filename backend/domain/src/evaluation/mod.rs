//! Comprehensive scoring (综合评分法) as plain functions: price scores, per-criterion means
//! (trimmed with five or more evaluators), technical and total scores, the ranking with its
//! tie-breaks, outlier flags, score-sheet rules, and the vendors' reputation. Full precision
//! inside; round only for display. The stored shapes of panels, scores and ratings, and the
//! award rule, are in the submodules and re-exported here.

mod award;
mod records;
#[cfg(test)]
mod tests;

pub use award::*;
pub use records::*;

use crate::message::Message;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::bid::BidId;
use crate::error::{Error, FieldError, Result};
use crate::ids::{OrganizationId, UserId};
use crate::scenario::CriterionId;
use crate::scenario::ScenarioId;

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
#[derive(Debug, Clone, Default)]
pub struct ScoreLine {
    pub criterion_id: i64,
    pub score: Option<i64>,
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
                Message::new("不是该场景的评分项", "not a criterion of this scenario"),
            ));
            continue;
        }
        if !seen.insert(c) {
            errors.push(FieldError::new(
                format!("scores[{i}].criterion_id"),
                Message::new("评分项重复", "this criterion appears twice"),
            ));
            continue;
        }
        let comment = l.comment.trim().to_string();
        match l.score {
            Some(s) if (0..=100).contains(&s) => {
                let s = s as i32;
                if !(COMMENT_BELOW..=COMMENT_ABOVE).contains(&s) && comment.is_empty() {
                    errors.push(FieldError::new(
                        format!("scores[{i}].comment"),
                        Message::new(
                            "低于 40 分或高于 95 分须写明理由",
                            "a score below 40 or above 95 needs a comment",
                        ),
                    ));
                } else if comment.chars().count() > MAX_COMMENT {
                    errors.push(FieldError::new(
                        format!("scores[{i}].comment"),
                        Message::new(
                            format!("理由最多 {MAX_COMMENT} 字"),
                            format!("at most {MAX_COMMENT} characters"),
                        ),
                    ));
                } else {
                    out.push((c, s, comment));
                }
            }
            _ => errors.push(FieldError::new(
                format!("scores[{i}].score"),
                Message::new(
                    "分数应为 0 到 100 的整数",
                    "a score is a whole number from 0 to 100",
                ),
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

/// The bids whose price is more than `share` below the mean of the other valid bids (异常低价):
/// the owner must ask the vendor to explain before awarding one. A bid alone is never flagged.
pub fn abnormally_low(prices: &[(BidId, i64)], share: f64) -> Vec<BidId> {
    if prices.len() < 2 {
        return vec![];
    }
    let sum: i128 = prices.iter().map(|(_, p)| i128::from(*p)).sum();
    let others = (prices.len() - 1) as f64;
    prices
        .iter()
        .filter(|(_, p)| {
            let mean = (sum - i128::from(*p)) as f64 / others;
            (*p as f64) < mean * (1.0 - share)
        })
        .map(|(b, _)| *b)
        .collect()
}

/// The public award notice, computed and stored once, at award time.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct AwardNotice {
    pub scenario: ScenarioId,
    pub title: String,
    pub agency: String,
    pub awarded_at: DateTime<Utc>,
    /// The winning bidder: its lead's organization for a consortium, and how it is named.
    pub winner: (OrganizationId, String),
    /// A winning consortium's members with their shares, the lead marked (empty for a vendor
    /// bidding alone; absent from notices stored before consortia).
    #[serde(default)]
    pub members: Vec<crate::team::consortium::NamedMember>,
    pub price_fen: i64,
    /// (organization, name, total, rank) for every bidder.
    pub items: Vec<(OrganizationId, String, f64, usize)>,
    pub panel: Vec<String>,
}
