//! Score sheets, the ranking computed from them, and dissent.

use super::*;
use super::{Services, emit};
use domain::bid::{self, BidId, BidStatus};
use domain::error::{Error, Result};
use domain::evaluation::{self as ev, Dissent, PanelMember, Score, ScoreLine, StoredScore};
use domain::event::DomainEvent;
use domain::ids::UserId;
use domain::message::Message;
use domain::policy::{self, Actor};
use domain::ports::{ReadTx, RowLock, in_read, in_tx};
use domain::scenario::{self, Move, Scenario, ScenarioId, Status};
use domain::text;

impl Services {
    /// A cleared panel member saves (part of) their score sheet for one bid. Scores change
    /// until the award; every change is audited with the old and new value.
    pub fn save_scores(
        &self,
        actor: &Actor,
        bid_id: BidId,
        lines: Vec<ScoreLine>,
    ) -> Result<Vec<StoredScore>> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            // Anyone who may not read the bid gets exactly the answer of a bid that does not
            // exist (an undeclared panel member too): nothing tells them it is there.
            let b = tx.bid(bid_id)?.ok_or(Error::NotFound)?;
            let s = tx
                .lock_scenario(b.scenario, RowLock::Share)?
                .ok_or(Error::NotFound)?;
            let panel = self.cleared_panel(tx, s.id)?;
            let withdrawn = b.status == BidStatus::Withdrawn;
            if !policy::can_score(actor, b.vendor, withdrawn, &s, &panel, now) {
                return Err(Error::NotFound);
            }
            if s.status_at(now) != Status::Evaluating {
                return Err(refuse(
                    &s,
                    now,
                    Move::Score,
                    Message::new(
                        "只能在评审中为有效投标打分",
                        "scores are given to valid bids while under evaluation",
                    ),
                ));
            }
            let criteria: Vec<scenario::CriterionId> = s.criteria.iter().map(|c| c.id).collect();
            let parsed = ev::parse_sheet(&lines, &criteria)?;
            let existing = tx.scores(s.id)?;
            let mut saved = Vec::new();
            for (criterion, score, comment) in parsed {
                let old = existing
                    .iter()
                    .find(|x| {
                        x.bid == bid_id && x.evaluator == actor.user_id && x.criterion == criterion
                    })
                    .map(|x| x.score);
                let st = StoredScore {
                    evaluator: actor.user_id,
                    bid: bid_id,
                    criterion,
                    score,
                    comment,
                    updated_at: now,
                };
                tx.save_score(self.next_id(), s.id, &st)?;
                if old != Some(score) {
                    let saved = DomainEvent::ScoreSaved {
                        bid: bid_id,
                        criterion,
                        before: old,
                        after: score,
                    };
                    emit(tx, Some(actor.user_id), saved, now)?;
                }
                saved.push(st);
            }
            Ok(saved)
        })
    }

    /// An evaluator's own scores on a scenario (for their sheet).
    pub fn my_scores(&self, actor: &Actor, id: ScenarioId) -> Result<Vec<StoredScore>> {
        in_read(&*self.store, |tx| {
            Self::active_member(tx, actor, id)?;
            Ok(tx
                .scores(id)?
                .into_iter()
                .filter(|s| s.evaluator == actor.user_id)
                .collect())
        })
    }

    pub(crate) fn compute(
        &self,
        tx: &mut dyn ReadTx,
        s: &Scenario,
    ) -> Result<(Vec<RankRow>, Vec<StoredScore>, Vec<PanelMember>)> {
        let bids: Vec<bid::Bid> = tx
            .bids_of_scenario(s.id)?
            .into_iter()
            .filter(|b| b.status == BidStatus::Submitted)
            .collect();
        let cleared: Vec<PanelMember> = tx
            .panel_members(s.id)?
            .into_iter()
            .filter(PanelMember::cleared)
            .collect();
        let stored: Vec<StoredScore> = tx
            .scores(s.id)?
            .into_iter()
            .filter(|x| cleared.iter().any(|m| m.evaluator == x.evaluator))
            .collect();
        let scored: Vec<ev::ScoredBid> = bids
            .iter()
            .map(|b| ev::ScoredBid {
                bid: b.id,
                price_fen: b.fields.price_fen,
                final_submission: b.updated_at,
            })
            .collect();
        let weights: Vec<ev::Weighted> = s
            .criteria
            .iter()
            .map(|c| ev::Weighted {
                criterion: c.id,
                weight: c.weight,
            })
            .collect();
        let scores: Vec<Score> = stored.iter().map(StoredScore::score).collect();
        let prices: Vec<(domain::bid::BidId, i64)> =
            scored.iter().map(|b| (b.bid, b.price_fen)).collect();
        let low = ev::abnormally_low(&prices, self.market.low_price_share);
        let mut checks = tx.low_price_checks(s.id)?;
        let mut rows = Vec::new();
        for e in ev::evaluate(&scored, s.price_weight, &weights, &scores) {
            let b = bids
                .iter()
                .find(|b| b.id == e.bid)
                .expect("evaluated bids come from the list");
            let vendor = b.vendor;
            let org = tx.organization(vendor)?;
            let team = self.bid_team(tx, b)?;
            let bid = e.bid;
            let name = org.as_ref().map(|o| o.name.clone()).unwrap_or_default();
            let verified = org.is_some_and(|o| o.verified);
            rows.push(RankRow {
                evaluated: e,
                vendor,
                vendor_name: team.as_ref().map_or(name, |t| t.bidder_name()),
                vendor_verified: verified && team.as_ref().is_none_or(|t| t.revoked.is_empty()),
                team,
                abnormally_low: low.contains(&bid),
                low_price_check: checks
                    .iter()
                    .position(|c| c.bid == bid)
                    .map(|i| checks.swap_remove(i)),
            });
        }
        Ok((rows, stored, cleared))
    }

    /// What stands in the way of an award, each with a message naming the evaluator.
    pub(super) fn blockers(
        &self,
        tx: &mut dyn ReadTx,
        s: &Scenario,
        rows: &[RankRow],
        stored: &[StoredScore],
        cleared: &[PanelMember],
    ) -> Result<Vec<(ev::AwardBlocker, Message)>> {
        let evaluators: Vec<UserId> = cleared.iter().map(|m| m.evaluator).collect();
        let bid_ids: Vec<BidId> = rows.iter().map(|r| r.evaluated.bid).collect();
        let criteria: Vec<scenario::CriterionId> = s.criteria.iter().map(|c| c.id).collect();
        let scores: Vec<Score> = stored.iter().map(StoredScore::score).collect();
        let mut out = Vec::new();
        for b in ev::award_blockers(
            &evaluators,
            &bid_ids,
            &criteria,
            &scores,
            self.market.min_panel_size,
        ) {
            let name = match &b {
                ev::AwardBlocker::IncompleteSheet { evaluator, .. } => tx
                    .user(*evaluator)?
                    .map(|u| u.display_name)
                    .unwrap_or_default(),
                _ => String::new(),
            };
            let msg = b.message(&name);
            out.push((b, msg));
        }
        Ok(out)
    }

    /// The ranking, for the owner and administrators, once the bids are opened.
    pub fn ranking(&self, actor: &Actor, id: ScenarioId) -> Result<RankingView> {
        let now = self.now();
        in_read(&*self.store, |tx| {
            let s = tx
                .scenario(id)?
                .filter(|s| policy::can_view_scenario(Some(actor), s))
                .ok_or(Error::NotFound)?;
            policy::can_see_ranking(actor, &s)?;
            if !s.bids_opened(now) {
                return Err(refuse(
                    &s,
                    now,
                    Move::Rank,
                    Message::new(
                        "开标后才有排名",
                        "the ranking exists once the bids are opened",
                    ),
                ));
            }
            let (rows, stored, cleared) = self.compute(tx, &s)?;
            let name = |tx: &mut dyn ReadTx, u: UserId| -> Result<String> {
                Ok(tx.user(u)?.map(|x| x.display_name).unwrap_or_default())
            };
            let evaluators: Vec<UserId> = cleared.iter().map(|m| m.evaluator).collect();
            let bid_ids: Vec<BidId> = rows.iter().map(|r| r.evaluated.bid).collect();
            let criteria_ids: Vec<scenario::CriterionId> =
                s.criteria.iter().map(|c| c.id).collect();
            let scores: Vec<Score> = stored.iter().map(StoredScore::score).collect();
            let blockers = self.blockers(tx, &s, &rows, &stored, &cleared)?;
            let mut incomplete = Vec::new();
            for (e, missing) in ev::missing_scores(&evaluators, &bid_ids, &criteria_ids, &scores) {
                if missing > 0 {
                    incomplete.push((name(tx, e)?, missing));
                }
            }
            let mut outliers = Vec::new();
            for o in ev::outliers(&scores, self.market.outlier_points) {
                let n = name(tx, o.evaluator)?;
                outliers.push((o, n));
            }
            let mut dissents = Vec::new();
            for d in tx.dissents(id)? {
                let n = name(tx, d.evaluator)?;
                dissents.push((d, n));
            }
            Ok(RankingView {
                scenario: id,
                price_weight: s.price_weight,
                criteria: s
                    .criteria
                    .iter()
                    .map(|c| (c.id, c.name.clone(), c.weight))
                    .collect(),
                rows,
                incomplete,
                outliers,
                dissents,
                blockers,
            })
        })
    }

    /// A panel member writes why they disagree with the ranking.
    pub fn dissent(&self, actor: &Actor, id: ScenarioId, body: String) -> Result<Dissent> {
        let now = self.now();
        let body = text::bounded(&body, 1, 5000).map_err(|m| Error::field("body", m))?;
        in_tx(&*self.store, |tx| {
            let (s, m) = Self::locked_member(tx, actor, id, RowLock::Share)?;
            if !m.cleared() || !matches!(s.status_at(now), Status::Evaluating | Status::Awarded) {
                return Err(refuse(
                    &s,
                    now,
                    Move::Dissent,
                    Message::new(
                        "评审期间由评审组成员提出",
                        "panel members write dissents during evaluation",
                    ),
                ));
            }
            let d = Dissent {
                id: self.next_id(),
                evaluator: actor.user_id,
                body: body.clone(),
                created_at: now,
            };
            tx.insert_dissent(id, &d)?;
            let dissent = DomainEvent::DissentWritten {
                scenario: id,
                body: body.clone(),
            };
            emit(tx, Some(actor.user_id), dissent, now)?;
            Ok(d)
        })
    }
}
