//! The award rule and the redraw rule, as plain functions.

use crate::message::Message;
use serde::Serialize;

use super::{Score, missing_scores};
use crate::bid::BidId;
use crate::error::{Error, Result};
use crate::ids::UserId;
use crate::scenario::CriterionId;

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
    pub fn message(&self, name: &str) -> Message {
        match self {
            AwardBlocker::PanelTooSmall { cleared, min } => Message::new(
                format!("已声明无利益冲突的评审专家只有 {cleared} 位，至少需要 {min} 位"),
                format!(
                    "only {cleared} evaluators have cleared the conflict declaration; at least {min} are needed"
                ),
            ),
            AwardBlocker::IncompleteSheet { missing, .. } => Message::new(
                format!("{name} 的评分表还缺 {missing} 项"),
                format!("{name}'s score sheet still lacks {missing} score(s)"),
            ),
            AwardBlocker::NoValidBid => {
                Message::new("没有有效投标可以定标", "there is no valid bid to award")
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
            detail: Message::new(
                format!("评审组已重新抽取 {MAX_REDRAWS} 次，不能再抽"),
                format!("the panel was drawn again {MAX_REDRAWS} times already; no further draws"),
            ),
        });
    }
    if reason.is_empty() {
        return Err(Error::field(
            "reason",
            Message::new("重新抽取须写明理由", "a redraw needs a written reason"),
        ));
    }
    if reason.chars().count() > 1000 {
        return Err(Error::field(
            "reason",
            Message::new("最多 1000 字", "at most 1000 characters"),
        ));
    }
    Ok(reason.to_string())
}

#[cfg(test)]
mod tests {
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
