//! The evaluation panel: chosen or drawn, conflict declarations, and each evaluator's panels.

use chrono::{DateTime, Utc};
use domain::message::Message;
use rand::SeedableRng;
use rand::seq::SliceRandom;

use super::*;
use super::{Services, emit};
use domain::bid::BidStatus;
use domain::error::{Error, Result};
use domain::evaluation::{self as ev, PanelMember};
use domain::event::DomainEvent;
use domain::ids::UserId;
use domain::policy::{self, Actor};
use domain::ports::{PanelDraw, ReadTx, RowLock, Tx, in_read, in_tx};
use domain::scenario::{Move, Scenario, ScenarioId, Status};
use domain::text;

impl Services {
    pub(super) fn panel_view(&self, tx: &mut dyn ReadTx, s: &Scenario) -> Result<PanelView> {
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
                Message::new(
                    "只有投标中或评审中的场景可以组建评审组",
                    "a panel is formed while the scenario takes or evaluates bids",
                ),
            ));
        }
        if !tx.scores(s.id)?.is_empty() {
            return Err(Error::Conflict {
                code: "panel_locked",
                detail: Message::new(
                    "已有评分，评审组不能再变更",
                    "scoring has begun: the panel no longer changes",
                ),
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
                Message::new(
                    format!("评审组至少 {n} 人"),
                    format!("a panel needs at least {n} evaluators"),
                ),
            ));
        }
        for (i, e) in unique.iter().enumerate() {
            let ok = tx.user(*e)?.is_some_and(|u| policy::may_sit_on_panel(&u));
            if !ok {
                return Err(Error::field(
                    format!("evaluator_ids[{i}]"),
                    Message::new("不是在册的评审专家", "not an active evaluator"),
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
                    return Err(Error::Conflict {
                        code: "declared_conflict",
                        detail: Message::new(
                            "该专家已声明利益冲突，不能再加入",
                            "this evaluator declared a conflict and cannot rejoin",
                        ),
                    });
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
                        id: domain::ids::PanelMemberId(self.next_id()),
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
            let s = Self::owned(tx, actor, id)?;
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
            let s = Self::owned(tx, actor, id)?;
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
                    Message::new(
                        format!("该领域只有 {} 位可抽取的专家", pool.len()),
                        format!("only {} evaluators in this domain can be drawn", pool.len()),
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
            if !policy::can_see_panel(actor, &s, member) {
                return Err(Error::NotFound);
            }
            self.panel_view(tx, &s)
        })
    }

    /// The scenario and the actor's active membership of its panel (404 otherwise). A change
    /// locks the scenario's row first, so it cannot interleave with a panel change or the
    /// award (nor, with `Update`, with another change of the same kind).
    pub(super) fn locked_member(
        tx: &mut dyn Tx,
        actor: &Actor,
        id: ScenarioId,
        mode: RowLock,
    ) -> Result<(Scenario, PanelMember)> {
        let s = tx.lock_scenario(id, mode)?;
        Self::member_of(tx, actor, id, s)
    }

    /// The same, read without a lock (for what the member only reads).
    pub(super) fn active_member(
        tx: &mut dyn ReadTx,
        actor: &Actor,
        id: ScenarioId,
    ) -> Result<(Scenario, PanelMember)> {
        let s = tx.scenario(id)?;
        Self::member_of(tx, actor, id, s)
    }

    fn member_of(
        tx: &mut dyn ReadTx,
        actor: &Actor,
        id: ScenarioId,
        s: Option<Scenario>,
    ) -> Result<(Scenario, PanelMember)> {
        let s = s.ok_or(Error::NotFound)?;
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
            let (s, _) = Self::active_member(tx, actor, id)?;
            if !s.bids_opened(now) {
                return Err(refuse(
                    &s,
                    now,
                    Move::Declare,
                    Message::new(
                        "开标后才能看到投标企业名单",
                        "the bidders are known once the bids are opened",
                    ),
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
            let (s, mut m) = Self::locked_member(tx, actor, id, RowLock::Update)?;
            if s.status_at(now) != Status::Evaluating {
                return Err(refuse(
                    &s,
                    now,
                    Move::Declare,
                    Message::new(
                        "开标后、定标前声明",
                        "declarations are made between opening and award",
                    ),
                ));
            }
            if m.declared_at.is_some() {
                return Err(Error::Conflict {
                    code: "already_declared",
                    detail: Message::new("已经声明过", "already declared"),
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

    /// The evaluator's panels: the scenario, their membership and, once the bids are opened,
    /// their progress. Panels they were taken off (or left by declaring a conflict) are gone.
    pub fn my_panels(&self, actor: &Actor) -> Result<Vec<MyPanel>> {
        policy::require_evaluator(actor)?;
        let now = self.now();
        let memberships = in_read(&*self.store, |tx| tx.panels_of_evaluator(actor.user_id))?;
        let mut out = Vec::new();
        // Active memberships, and those left by declaring a conflict (the workspace lists them
        // under their own filter); not those the owner replaced.
        for (sid, m) in memberships
            .into_iter()
            .filter(|(_, m)| m.active() || m.has_conflict == Some(true))
        {
            let view = self.scenario(Some(actor), sid)?;
            let progress = if view.scenario.bids_opened(now) && m.active() {
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
    pub fn active_evaluators(&self) -> Result<Vec<domain::account::User>> {
        in_read(&*self.store, |tx| tx.evaluators(None))
    }
}
