//! Evaluation use cases: the panel (chosen or drawn), conflict declarations, score sheets,
//! the ranking, dissent, the award and its public notice, delivery, the rating and the reply.
//! Each moment (panel assigned, award, rating received) is one service call.

use chrono::{DateTime, Utc};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use serde::Serialize;

use super::{Services, emit};
use crate::account::Role;
use crate::bid::{self, BidId, BidStatus};
use crate::error::{Error, Result};
use crate::evaluation::{
    self as ev, Dissent, Evaluated, Marks, Outlier, PanelMember, Rating, Score, ScoreLine,
    StoredScore,
};
use crate::event::DomainEvent;
use crate::ids::{OrganizationId, UserId};
use crate::policy::{self, Actor};
use crate::ports::{PanelDraw, RowLock, Tx, in_read, in_tx};
use crate::scenario::{self, Action, Move, Scenario, ScenarioId, Status, transition};
use crate::text;

/// A panel member with their name.
#[derive(Debug, Clone, Serialize)]
pub struct MemberView {
    pub member: PanelMember,
    pub name: String,
}

/// The panel of a scenario.
#[derive(Debug, Clone, Serialize)]
pub struct PanelView {
    pub members: Vec<MemberView>,
    /// Members who declared a conflict and left: the owner replaces them.
    pub conflicts: Vec<MemberView>,
    /// Once a score is saved the panel no longer changes.
    pub locked: bool,
    pub min_size: usize,
    /// Every draw so far (seed, pool, result, reason), oldest first.
    pub draws: Vec<PanelDraw>,
    /// How many more redraws are allowed.
    pub redraws_left: usize,
}

/// One bid in the ranking.
#[derive(Debug, Clone, Serialize)]
pub struct RankRow {
    pub evaluated: Evaluated,
    pub vendor: OrganizationId,
    pub vendor_name: String,
    /// Whether the vendor is still verified; a bid of a revoked vendor cannot be awarded.
    pub vendor_verified: bool,
}

/// The ranking with what the owner needs to judge it.
#[derive(Debug, Clone, Serialize)]
pub struct RankingView {
    pub scenario: ScenarioId,
    pub price_weight: i32,
    pub criteria: Vec<(scenario::CriterionId, String, i32)>,
    pub rows: Vec<RankRow>,
    /// (evaluator name, scores still missing) for every incomplete sheet.
    pub incomplete: Vec<(String, usize)>,
    pub outliers: Vec<(Outlier, String)>,
    pub dissents: Vec<(Dissent, String)>,
    /// What stands in the way of an award, with a message each (empty: the award may be made).
    pub blockers: Vec<(ev::AwardBlocker, String)>,
}

/// The public award notice, computed and stored once, at award time.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct AwardNotice {
    pub scenario: ScenarioId,
    pub title: String,
    pub agency: String,
    pub awarded_at: DateTime<Utc>,
    pub winner: (OrganizationId, String),
    pub price_fen: i64,
    /// (organization, name, total, rank) for every bidder.
    pub items: Vec<(OrganizationId, String, f64, usize)>,
    pub panel: Vec<String>,
}

/// A page of award notices, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct NoticePage {
    pub items: Vec<AwardNotice>,
    pub total: i64,
}

/// One of an evaluator's panels as their workspace shows it.
#[derive(Debug, Clone, Serialize)]
pub struct MyPanel {
    pub scenario: super::scenarios::ScenarioView,
    pub member: PanelMember,
    /// (scores given, scores due) once the bids are opened; nothing that depends on bids
    /// before that.
    pub progress: Option<(usize, usize)>,
}

/// Ratings of a vendor and its reputation.
#[derive(Debug, Clone, Serialize)]
pub struct VendorRatings {
    pub ratings: Vec<Rating>,
    /// The Bayesian average, absent without ratings.
    pub reputation: Option<f64>,
    pub count: usize,
}

fn refuse(s: &Scenario, now: DateTime<Utc>, action: Move, why: &str) -> Error {
    scenario::Refused {
        current: s.status_at(now),
        action,
        why: why.to_string(),
    }
    .into()
}

impl Services {
    fn owned_scenario(tx: &mut dyn Tx, actor: &Actor, id: ScenarioId) -> Result<Scenario> {
        Self::owned(tx, actor, id)
    }

    fn panel_view(&self, tx: &mut dyn Tx, s: &Scenario) -> Result<PanelView> {
        let (mut members, mut conflicts) = (Vec::new(), Vec::new());
        for m in tx.panel_members(s.id)? {
            let name = tx
                .user(m.evaluator)?
                .map(|u| u.display_name)
                .unwrap_or_default();
            if m.active() {
                members.push(MemberView { member: m, name });
            } else if m.has_conflict == Some(true) {
                conflicts.push(MemberView { member: m, name });
            }
        }
        let draws = tx.panel_draws(s.id)?;
        Ok(PanelView {
            members,
            conflicts,
            locked: !tx.scores(s.id)?.is_empty(),
            min_size: self.market.min_panel_size,
            redraws_left: (ev::MAX_REDRAWS + 1).saturating_sub(draws.len()),
            draws,
        })
    }

    /// Replaces the active panel with `evaluators` (kept members keep their declarations).
    fn write_panel(
        &self,
        tx: &mut dyn Tx,
        actor: &Actor,
        s: &Scenario,
        evaluators: &[UserId],
        how: serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<PanelView> {
        if !matches!(s.status_at(now), Status::Published | Status::Evaluating) {
            return Err(refuse(
                s,
                now,
                Move::SetPanel,
                "只有投标中或评审中的场景可以组建评审组 / a panel is formed while the scenario takes or evaluates bids",
            ));
        }
        if !tx.scores(s.id)?.is_empty() {
            return Err(Error::Conflict {
                code: "panel_locked",
                detail:
                    "已有评分，评审组不能再变更 / scoring has begun: the panel no longer changes"
                        .into(),
            });
        }
        let mut unique: Vec<UserId> = Vec::new();
        for e in evaluators {
            if !unique.contains(e) {
                unique.push(*e);
            }
        }
        if unique.len() < self.market.min_panel_size {
            let n = self.market.min_panel_size;
            return Err(Error::field(
                "evaluator_ids",
                format!("评审组至少 {n} 人 / a panel needs at least {n} evaluators"),
            ));
        }
        for (i, e) in unique.iter().enumerate() {
            let ok = tx
                .user(*e)?
                .is_some_and(|u| u.role == Role::Evaluator && u.active);
            if !ok {
                return Err(Error::field(
                    format!("evaluator_ids[{i}]"),
                    "不是在册的评审专家 / not an active evaluator",
                ));
            }
        }
        let existing = tx.panel_members(s.id)?;
        let before: Vec<UserId> = existing
            .iter()
            .filter(|m| m.active())
            .map(|m| m.evaluator)
            .collect();
        for m in &existing {
            if m.active() && !unique.contains(&m.evaluator) {
                let mut gone = m.clone();
                gone.removed_at = Some(now);
                tx.save_panel_member(s.id, &gone)?;
            }
        }
        for e in &unique {
            match existing.iter().find(|m| m.evaluator == *e) {
                Some(m) if m.active() => {}
                Some(m) if m.has_conflict == Some(true) => {
                    return Err(Error::Conflict { code: "declared_conflict", detail: "该专家已声明利益冲突，不能再加入 / this evaluator declared a conflict and cannot rejoin".into() });
                }
                Some(m) => {
                    let mut back = m.clone();
                    back.removed_at = None;
                    back.added_at = now;
                    tx.save_panel_member(s.id, &back)?;
                }
                None => tx.save_panel_member(
                    s.id,
                    &PanelMember {
                        id: crate::ids::PanelMemberId(self.next_id()),
                        evaluator: *e,
                        added_at: now,
                        declared_at: None,
                        has_conflict: None,
                        note: String::new(),
                        removed_at: None,
                    },
                )?,
            }
        }
        let assigned = DomainEvent::PanelAssigned {
            scenario: s.id,
            before,
            after: unique,
            how,
        };
        emit(tx, Some(actor.user_id), assigned, now)?;
        self.panel_view(tx, s)
    }

    /// The owner chooses the panel.
    pub fn set_panel(
        &self,
        actor: &Actor,
        id: ScenarioId,
        evaluators: Vec<UserId>,
    ) -> Result<PanelView> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let s = Self::owned_scenario(tx, actor, id)?;
            self.write_panel(tx, actor, &s, &evaluators, serde_json::json!("chosen"), now)
        })
    }

    /// The owner draws `n` evaluators at random from those with expertise in the scenario's
    /// domain (and no declared conflict on it). The seed comes from the operating system's
    /// random source, never from the caller, so a draw cannot be steered; seed, pool and result
    /// are recorded and audited, so the draw can be checked. A redraw needs a reason and is
    /// allowed [`ev::MAX_REDRAWS`] times.
    pub fn draw_panel(
        &self,
        actor: &Actor,
        id: ScenarioId,
        n: usize,
        reason: String,
    ) -> Result<PanelView> {
        use rand::TryRngCore;
        let now = self.now();
        let seed = rand::rngs::OsRng
            .try_next_u64()
            .map_err(|e| Error::internal(format!("the random source failed: {e}")))?;
        in_tx(&*self.store, |tx| {
            let s = Self::owned_scenario(tx, actor, id)?;
            let earlier = tx.panel_draws(id)?.len();
            let reason = ev::check_redraw(earlier, &reason)?;
            let conflicted: Vec<UserId> = tx
                .panel_members(id)?
                .into_iter()
                .filter(|m| m.has_conflict == Some(true))
                .map(|m| m.evaluator)
                .collect();
            let mut pool: Vec<UserId> = tx
                .evaluators(Some(s.domain))?
                .into_iter()
                .map(|u| u.id)
                .filter(|u| !conflicted.contains(u))
                .collect();
            pool.sort();
            if pool.len() < n {
                return Err(Error::field(
                    "n",
                    format!(
                        "该领域只有 {} 位可抽取的专家 / only {} evaluators in this domain can be drawn",
                        pool.len(),
                        pool.len()
                    ),
                ));
            }
            let mut drawn = pool.clone();
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            drawn.shuffle(&mut rng);
            drawn.truncate(n);
            let draw = PanelDraw {
                id: self.next_id(),
                drawn_by: actor.user_id,
                seed: seed.to_string(),
                pool: pool.clone(),
                drawn: drawn.clone(),
                reason: reason.clone(),
                at: now,
            };
            tx.insert_panel_draw(id, &draw)?;
            self.write_panel(
                tx,
                actor,
                &s,
                &drawn,
                serde_json::json!({"draw": {"seed": draw.seed, "n": n, "domain": s.domain, "pool": pool, "redraw": earlier, "reason": reason}}),
                now,
            )
        })
    }

    /// The panel: for the owner, administrators and the members themselves.
    pub fn panel(&self, actor: &Actor, id: ScenarioId) -> Result<PanelView> {
        in_read(&*self.store, |tx| {
            let s = tx
                .scenario(id)?
                .filter(|s| policy::can_view_scenario(Some(actor), s))
                .ok_or(Error::NotFound)?;
            let member = tx
                .panel_members(id)?
                .iter()
                .any(|m| m.active() && m.evaluator == actor.user_id);
            if !(member
                || actor.role == Role::Admin
                || policy::require_scenario_owner(actor, &s).is_ok())
            {
                return Err(Error::NotFound);
            }
            self.panel_view(tx, &s)
        })
    }

    /// The scenario and the actor's active membership of its panel (404 otherwise). A change
    /// locks the scenario's row first, so it cannot interleave with a panel change or the
    /// award (nor, with `Update`, with another change of the same kind).
    fn active_member(
        tx: &mut dyn Tx,
        actor: &Actor,
        id: ScenarioId,
        lock: Option<RowLock>,
    ) -> Result<(Scenario, PanelMember)> {
        let s = match lock {
            Some(mode) => tx.lock_scenario(id, mode)?,
            None => tx.scenario(id)?,
        }
        .ok_or(Error::NotFound)?;
        let m = tx
            .panel_members(id)?
            .into_iter()
            .find(|m| m.active() && m.evaluator == actor.user_id)
            .ok_or(Error::NotFound)?;
        Ok((s, m))
    }

    /// The names of the bidding organizations, for a panel member's conflict declaration
    /// (nothing of the bids themselves). Only once the bids are opened.
    pub fn bidders_for_declaration(&self, actor: &Actor, id: ScenarioId) -> Result<Vec<String>> {
        let now = self.now();
        in_read(&*self.store, |tx| {
            let (s, _) = Self::active_member(tx, actor, id, None)?;
            if !s.bids_opened(now) {
                return Err(refuse(
                    &s,
                    now,
                    Move::Declare,
                    "开标后才能看到投标企业名单 / the bidders are known once the bids are opened",
                ));
            }
            let mut names = Vec::new();
            for b in tx
                .bids_of_scenario(id)?
                .into_iter()
                .filter(|b| b.status == BidStatus::Submitted)
            {
                names.push(
                    tx.organization(b.vendor)?
                        .map(|o| o.name)
                        .unwrap_or_default(),
                );
            }
            names.sort();
            Ok(names)
        })
    }

    /// A panel member declares whether they have a conflict of interest with any bidder. A
    /// conflict takes them off the panel; "no conflict" lets them see and score the bids.
    pub fn declare_conflict(
        &self,
        actor: &Actor,
        id: ScenarioId,
        has_conflict: bool,
        note: String,
    ) -> Result<PanelMember> {
        let now = self.now();
        let note = text::bounded(&note, 0, 1000).map_err(|m| Error::field("note", m))?;
        in_tx(&*self.store, |tx| {
            let (s, mut m) = Self::active_member(tx, actor, id, Some(RowLock::Update))?;
            if s.status_at(now) != Status::Evaluating {
                return Err(refuse(
                    &s,
                    now,
                    Move::Declare,
                    "开标后、定标前声明 / declarations are made between opening and award",
                ));
            }
            if m.declared_at.is_some() {
                return Err(Error::Conflict {
                    code: "already_declared",
                    detail: "已经声明过 / already declared".into(),
                });
            }
            m.declared_at = Some(now);
            m.has_conflict = Some(has_conflict);
            m.note = note.clone();
            if has_conflict {
                m.removed_at = Some(now);
            }
            tx.save_panel_member(id, &m)?;
            let declared = DomainEvent::ConflictDeclared {
                scenario: id,
                has_conflict,
                note: note.clone(),
            };
            emit(tx, Some(actor.user_id), declared, now)?;
            Ok(m)
        })
    }

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
            if actor.role != Role::Evaluator
                || !policy::can_read_bid(actor, b.vendor, withdrawn, &s, &panel, now)
            {
                return Err(Error::NotFound);
            }
            if s.status_at(now) != Status::Evaluating {
                return Err(refuse(
                    &s,
                    now,
                    Move::Score,
                    "只能在评审中为有效投标打分 / scores are given to valid bids while under evaluation",
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
            Self::active_member(tx, actor, id, None)?;
            Ok(tx
                .scores(id)?
                .into_iter()
                .filter(|s| s.evaluator == actor.user_id)
                .collect())
        })
    }

    fn compute(
        &self,
        tx: &mut dyn Tx,
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
        let mut rows = Vec::new();
        for e in ev::evaluate(&scored, s.price_weight, &weights, &scores) {
            let vendor = bids
                .iter()
                .find(|b| b.id == e.bid)
                .map(|b| b.vendor)
                .expect("evaluated bids come from the list");
            let org = tx.organization(vendor)?;
            rows.push(RankRow {
                evaluated: e,
                vendor,
                vendor_name: org.as_ref().map(|o| o.name.clone()).unwrap_or_default(),
                vendor_verified: org.is_some_and(|o| o.verified),
            });
        }
        Ok((rows, stored, cleared))
    }

    /// What stands in the way of an award, each with a message naming the evaluator.
    fn blockers(
        &self,
        tx: &mut dyn Tx,
        s: &Scenario,
        rows: &[RankRow],
        stored: &[StoredScore],
        cleared: &[PanelMember],
    ) -> Result<Vec<(ev::AwardBlocker, String)>> {
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
            if !(actor.role == Role::Admin || policy::require_scenario_owner(actor, &s).is_ok()) {
                return Err(Error::Forbidden("只有发布机构和管理员可以查看排名 / only the posting agency and administrators see the ranking".into()));
            }
            if !s.bids_opened(now) {
                return Err(refuse(
                    &s,
                    now,
                    Move::Rank,
                    "开标后才有排名 / the ranking exists once the bids are opened",
                ));
            }
            let (rows, stored, cleared) = self.compute(tx, &s)?;
            let name = |tx: &mut dyn Tx, u: UserId| -> Result<String> {
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
            let (s, m) = Self::active_member(tx, actor, id, Some(RowLock::Share))?;
            if !m.cleared() || !matches!(s.status_at(now), Status::Evaluating | Status::Awarded) {
                return Err(refuse(
                    &s,
                    now,
                    Move::Dissent,
                    "评审期间由评审组成员提出 / panel members write dissents during evaluation",
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

    /// The owner awards one bid. Any rank may win, but anything but rank 1 needs a written
    /// justification. The award notice becomes public.
    pub fn award(
        &self,
        actor: &Actor,
        id: ScenarioId,
        bid_id: BidId,
        justification: Option<String>,
    ) -> Result<AwardNotice> {
        let now = self.now();
        let justification = justification
            .map(|j| j.trim().to_string())
            .filter(|j| !j.is_empty());
        if let Some(j) = &justification
            && j.chars().count() > 5000
        {
            return Err(Error::field(
                "justification",
                "最多 5000 字 / at most 5000 characters",
            ));
        }
        in_tx(&*self.store, |tx| {
            let before = Self::owned_scenario(tx, actor, id)?;
            let status = transition(before.status, before.bid_deadline, &Action::Award, now)?;
            let (rows, stored, cleared) = self.compute(tx, &before)?;
            let blockers = self.blockers(tx, &before, &rows, &stored, &cleared)?;
            if !blockers.is_empty() {
                let why: Vec<String> = blockers.into_iter().map(|(_, m)| m).collect();
                return Err(Error::Conflict {
                    code: "evaluation_incomplete",
                    detail: format!(
                        "评审尚未完成，不能定标 / the evaluation is not complete, so no award can be made: {}",
                        why.join("；")
                    ),
                });
            }
            let row = rows
                .iter()
                .find(|r| r.evaluated.bid == bid_id)
                .ok_or_else(|| {
                    Error::field(
                        "bid_id",
                        "不是该场景的有效投标 / not a valid bid of this scenario",
                    )
                })?;
            if !row.vendor_verified {
                return Err(Error::Conflict {
                    code: "vendor_not_verified",
                    detail: "该投标企业的认证已被撤销，不能中标 / this bidder's verification was revoked, so it cannot be awarded".into(),
                });
            }
            if row.evaluated.rank != 1 && justification.is_none() {
                return Err(Error::field(
                    "justification",
                    "所选投标不是第一名，须写明理由 / the chosen bid is not ranked first: give a justification",
                ));
            }
            let mut s = before.clone();
            s.status = status;
            s.award = Some(scenario::Award {
                bid: bid_id,
                at: now,
                justification: justification.clone(),
            });
            s.updated_at = now;
            tx.update_scenario(&s)?;
            let awarded = DomainEvent::AwardMade {
                scenario: id,
                before: before.status_at(now),
                bid: bid_id,
                rank: row.evaluated.rank,
                justification: justification.clone(),
            };
            emit(tx, Some(actor.user_id), awarded, now)?;
            let notice = self.notice_of(tx, &s)?;
            let body = serde_json::to_string(&notice).map_err(Error::internal)?;
            tx.insert_award_notice(id, now, &body)?;
            Ok(notice)
        })
    }

    fn notice_of(&self, tx: &mut dyn Tx, s: &Scenario) -> Result<AwardNotice> {
        let award = s.award.clone().ok_or(Error::NotFound)?;
        let (rows, _, cleared) = self.compute(tx, s)?;
        let winner = rows
            .iter()
            .find(|r| r.evaluated.bid == award.bid)
            .ok_or_else(|| Error::internal("the awarded bid is missing"))?;
        let mut panel = Vec::new();
        for m in cleared {
            panel.push(
                tx.user(m.evaluator)?
                    .map(|u| u.display_name)
                    .unwrap_or_default(),
            );
        }
        Ok(AwardNotice {
            scenario: s.id,
            title: s.title.clone(),
            agency: tx
                .organization(s.owner)?
                .map(|o| o.name)
                .unwrap_or_default(),
            awarded_at: award.at,
            winner: (winner.vendor, winner.vendor_name.clone()),
            price_fen: winner.evaluated.price_fen,
            items: rows
                .iter()
                .map(|r| {
                    (
                        r.vendor,
                        r.vendor_name.clone(),
                        r.evaluated.total,
                        r.evaluated.rank,
                    )
                })
                .collect(),
            panel,
        })
    }

    /// Stores the notice of every award made before notices were stored at award time (a
    /// database from an earlier version); the scores of an awarded scenario no longer change,
    /// so the notice is the one that award would have stored. Returns how many were stored.
    pub fn backfill_award_notices(&self) -> Result<usize> {
        in_tx(&*self.store, |tx| {
            let mut stored = 0;
            for status in [Status::Awarded, Status::Delivered, Status::Closed] {
                let filter = crate::ports::ScenarioFilter {
                    status: Some(status),
                    domain: None,
                    agency: None,
                    viewer_org: None,
                    now: self.now(),
                    offset: 0,
                    limit: i64::MAX,
                };
                for s in tx.scenarios(&filter)?.0 {
                    let Some(award) = s.award.clone() else {
                        continue;
                    };
                    if tx.award_notice(s.id)?.is_none() {
                        let notice = self.notice_of(tx, &s)?;
                        let body = serde_json::to_string(&notice).map_err(Error::internal)?;
                        tx.insert_award_notice(s.id, award.at, &body)?;
                        stored += 1;
                    }
                }
            }
            Ok(stored)
        })
    }

    /// The public award notice, as stored at award time.
    pub fn award_notice(&self, id: ScenarioId) -> Result<AwardNotice> {
        in_read(&*self.store, |tx| {
            let body = tx.award_notice(id)?.ok_or(Error::NotFound)?;
            serde_json::from_str(&body).map_err(Error::internal)
        })
    }

    /// A page of award notices, newest first.
    pub fn award_notices(&self, offset: i64, limit: i64) -> Result<NoticePage> {
        in_read(&*self.store, |tx| {
            let (bodies, total) = tx.award_notices(offset, limit)?;
            let items = bodies
                .iter()
                .map(|b| serde_json::from_str(b).map_err(Error::internal))
                .collect::<Result<_>>()?;
            Ok(NoticePage { items, total })
        })
    }

    /// A bidding vendor's own evaluation: its per-criterion means, total and rank, never
    /// another bidder's details. Only once awarded.
    pub fn my_result(&self, actor: &Actor, id: ScenarioId) -> Result<RankRow> {
        in_read(&*self.store, |tx| {
            let s = tx
                .scenario(id)?
                .filter(|s| s.award.is_some())
                .ok_or(Error::NotFound)?;
            let org = actor.organization_id.ok_or(Error::NotFound)?;
            let (rows, _, _) = self.compute(tx, &s)?;
            rows.into_iter()
                .find(|r| r.vendor == org)
                .ok_or(Error::NotFound)
        })
    }

    /// The owner marks the awarded work delivered.
    pub fn deliver(&self, actor: &Actor, id: ScenarioId) -> Result<()> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let before = Self::owned_scenario(tx, actor, id)?;
            let status = transition(before.status, before.bid_deadline, &Action::Deliver, now)?;
            let mut s = before.clone();
            s.status = status;
            s.updated_at = now;
            tx.update_scenario(&s)?;
            let delivered = DomainEvent::Delivered {
                scenario: id,
                before: before.status,
            };
            emit(tx, Some(actor.user_id), delivered, now)
        })
    }

    /// The owner rates the delivered work (1–5 each, with a comment), which closes the scenario.
    pub fn rate(
        &self,
        actor: &Actor,
        id: ScenarioId,
        marks: Marks,
        comment: String,
    ) -> Result<Rating> {
        let now = self.now();
        let mut errors = Vec::new();
        for (field, v) in [
            ("quality", marks.quality),
            ("timeliness", marks.timeliness),
            ("communication", marks.communication),
        ] {
            if !(1..=5).contains(&v) {
                errors.push(crate::FieldError::new(
                    field,
                    "评分为 1 到 5 / marks are 1 to 5",
                ));
            }
        }
        let comment = match text::bounded(&comment, 1, 2000) {
            Ok(c) => c,
            Err(m) => {
                errors.push(crate::FieldError::new("comment", m));
                String::new()
            }
        };
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        in_tx(&*self.store, |tx| {
            let before = Self::owned_scenario(tx, actor, id)?;
            let status = transition(before.status, before.bid_deadline, &Action::Close, now)?;
            let award = before
                .award
                .clone()
                .ok_or_else(|| Error::internal("a delivered scenario has an award"))?;
            let vendor = tx.bid(award.bid)?.ok_or(Error::NotFound)?.vendor;
            let r = Rating {
                id: crate::ids::RatingId(self.next_id()),
                scenario: id,
                vendor,
                rated_by: actor.user_id,
                quality: marks.quality,
                timeliness: marks.timeliness,
                communication: marks.communication,
                comment: comment.clone(),
                created_at: now,
                reply: None,
                replied_at: None,
            };
            tx.insert_rating(&r)?;
            let mut s = before.clone();
            s.status = status;
            s.updated_at = now;
            tx.update_scenario(&s)?;
            emit(
                tx,
                Some(actor.user_id),
                DomainEvent::Rated(Box::new(r.clone())),
                now,
            )?;
            Ok(r)
        })
    }

    /// The rated vendor replies, once.
    pub fn reply_to_rating(
        &self,
        actor: &Actor,
        rating: crate::ids::RatingId,
        body: String,
    ) -> Result<Rating> {
        let now = self.now();
        let body = text::bounded(&body, 1, 2000).map_err(|m| Error::field("body", m))?;
        in_tx(&*self.store, |tx| {
            let mut r = tx.rating(rating)?.ok_or(Error::NotFound)?;
            if actor.organization_id != Some(r.vendor) || actor.role != Role::Vendor {
                return Err(Error::Forbidden(
                    "只有被评价的企业可以回复 / only the rated vendor replies".into(),
                ));
            }
            if !tx.save_reply(rating, &body, now)? {
                return Err(Error::Conflict {
                    code: "already_replied",
                    detail: "只能回复一次 / a rating is answered once".into(),
                });
            }
            r.reply = Some(body.clone());
            r.replied_at = Some(now);
            let replied = DomainEvent::RatingReplied {
                rating,
                reply: body.clone(),
            };
            emit(tx, Some(actor.user_id), replied, now)?;
            Ok(r)
        })
    }

    /// The evaluator's panels: the scenario, their membership and, once the bids are opened,
    /// their progress. Panels they were taken off (or left by declaring a conflict) are gone.
    pub fn my_panels(&self, actor: &Actor) -> Result<Vec<MyPanel>> {
        if actor.role != Role::Evaluator {
            return Err(Error::Forbidden(
                "只有评审专家有评审任务 / only evaluators have panels".into(),
            ));
        }
        let now = self.now();
        let memberships = in_read(&*self.store, |tx| tx.panels_of_evaluator(actor.user_id))?;
        let mut out = Vec::new();
        for (sid, m) in memberships.into_iter().filter(|(_, m)| m.active()) {
            let view = self.scenario(Some(actor), sid)?;
            let progress = if view.scenario.bids_opened(now) {
                let per_bid = view.scenario.criteria.len();
                Some(in_read(&*self.store, |tx| {
                    let bids = tx
                        .bids_of_scenario(sid)?
                        .into_iter()
                        .filter(|b| b.status == BidStatus::Submitted)
                        .count();
                    let given = tx
                        .scores(sid)?
                        .iter()
                        .filter(|s| s.evaluator == actor.user_id)
                        .count();
                    Ok((given, bids * per_bid))
                })?)
            } else {
                None
            };
            out.push(MyPanel {
                scenario: view,
                member: m,
                progress,
            });
        }
        Ok(out)
    }

    /// Every active evaluator, for the owner's panel page.
    pub fn active_evaluators(&self) -> Result<Vec<crate::account::User>> {
        in_read(&*self.store, |tx| tx.evaluators(None))
    }

    /// A vendor's public ratings and reputation.
    pub fn vendor_ratings(&self, org: OrganizationId) -> Result<VendorRatings> {
        in_read(&*self.store, |tx| {
            let ratings = tx.ratings_of_vendor(org)?;
            let marks: Vec<Marks> = ratings.iter().map(Rating::marks).collect();
            let rep = ev::reputation(&marks, self.market.reputation);
            Ok(VendorRatings {
                reputation: rep.map(|r| r.0),
                count: ratings.len(),
                ratings,
            })
        })
    }
}
