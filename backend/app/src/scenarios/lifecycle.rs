//! A scenario's lifecycle: drafting, editing, publishing, extending, cancelling, and the job that
//! opens the bids at the deadline.

use chrono::{DateTime, Utc};
use domain::message::Message;

use super::*;
use super::{Services, emit};
use domain::error::{Error, Result};
use domain::event::DomainEvent;
use domain::job::{DEFAULT_MAX_ATTEMPTS, Job, NewJob};
use domain::policy::{self, Actor};
use domain::ports::{RowLock, Tx, in_tx};
use domain::scenario::{
    self, Action, Criterion, CriterionId, Move, Origin, Scenario, ScenarioFields, ScenarioId,
    ScenarioPatch, Status, Warning, transition,
};

impl Services {
    /// Loads a scenario for a change by its owner, its row locked until the transaction ends
    /// (so the checks that follow and the change are one step): 404 if the actor may not see
    /// it, 403 if they may see but not manage it.
    pub(crate) fn owned(tx: &mut dyn Tx, actor: &Actor, id: ScenarioId) -> Result<Scenario> {
        let s = tx
            .lock_scenario(id, RowLock::Update)?
            .filter(|s| policy::can_view_scenario(Some(actor), s))
            .ok_or(Error::NotFound)?;
        policy::require_scenario_owner(actor, &s)?;
        Ok(s)
    }

    pub(super) fn criteria(&self, drafts: &[scenario::CriterionDraft]) -> Vec<Criterion> {
        drafts
            .iter()
            .map(|c| Criterion {
                id: CriterionId(self.next_id()),
                name: c.name.clone(),
                weight: c.weight,
                description: c.description.clone(),
            })
            .collect()
    }

    /// An agency user drafts a scenario. Answers the compliance hints as if it were published now.
    pub fn create_scenario(
        &self,
        actor: &Actor,
        fields: ScenarioFields,
    ) -> Result<(ScenarioView, Vec<Warning>)> {
        self.create_scenario_from(actor, fields, Origin::Platform)
    }

    /// Drafts a scenario with a catalogue origin (demo data).
    pub fn create_scenario_from(
        &self,
        actor: &Actor,
        fields: ScenarioFields,
        origin: Origin,
    ) -> Result<(ScenarioView, Vec<Warning>)> {
        let owner = policy::can_draft_scenario(actor)?;
        let now = self.now();
        let warnings = scenario::posting_warnings(&fields, now);
        in_tx(&*self.store, |tx| {
            let s = Scenario {
                id: ScenarioId(self.next_id()),
                owner,
                created_by: actor.user_id,
                title: fields.title.clone(),
                summary: fields.summary.clone(),
                description: fields.description.clone(),
                domain: fields.domain,
                tags: fields.tags.clone(),
                budget_min_fen: fields.budget_min_fen,
                budget_max_fen: fields.budget_max_fen,
                bid_deadline: fields.bid_deadline,
                price_weight: fields.price_weight,
                procurement_type: fields.procurement_type,
                criteria: self.criteria(&fields.criteria),
                status: Status::Draft,
                origin,
                cancel_reason: None,
                published_at: None,
                created_at: now,
                updated_at: now,
                award: None,
            };
            tx.insert_scenario(&s)?;
            emit(
                tx,
                Some(actor.user_id),
                DomainEvent::ScenarioCreated(Box::new(s.clone())),
                now,
            )?;
            Ok((self.view(tx, s, now)?, warnings.clone()))
        })
    }

    /// The owner edits a scenario: substantive fields only in draft; tags also while published.
    pub fn update_scenario(
        &self,
        actor: &Actor,
        id: ScenarioId,
        patch: ScenarioPatch,
    ) -> Result<(ScenarioView, Vec<Warning>)> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let before = Self::owned(tx, actor, id)?;
            let substantive = patch.is_substantive();
            if substantive {
                transition(before.status, before.bid_deadline, &Action::Edit, now)?;
            } else if !matches!(before.status_at(now), Status::Draft | Status::Published) {
                return Err(scenario::Refused {
                    current: before.status_at(now),
                    action: Move::Edit,
                    why: Message::new(
                        "只有草稿或投标中的场景可以修改标签",
                        "tags change only in draft or while open for bids",
                    ),
                }
                .into());
            }
            let fields = ScenarioFields::try_from(patch.over(&before))?;
            let mut s = before.clone();
            s.title = fields.title.clone();
            s.summary = fields.summary.clone();
            s.description = fields.description.clone();
            s.domain = fields.domain;
            s.tags = fields.tags.clone();
            s.budget_min_fen = fields.budget_min_fen;
            s.budget_max_fen = fields.budget_max_fen;
            s.bid_deadline = fields.bid_deadline;
            s.price_weight = fields.price_weight;
            s.procurement_type = fields.procurement_type;
            let same_criteria = before.criteria.len() == fields.criteria.len()
                && before.criteria.iter().zip(&fields.criteria).all(|(a, b)| {
                    a.name == b.name && a.weight == b.weight && a.description == b.description
                });
            if !same_criteria {
                s.criteria = self.criteria(&fields.criteria);
            }
            s.updated_at = now;
            tx.update_scenario(&s)?;
            let edited = DomainEvent::ScenarioEdited {
                before: Box::new(before),
                after: Box::new(s.clone()),
            };
            emit(tx, Some(actor.user_id), edited, now)?;
            let warnings = scenario::posting_warnings(&fields, now);
            Ok((self.view(tx, s, now)?, warnings))
        })
    }

    /// The owner publishes a draft. The agency must be verified and the deadline in the future
    /// (and at least the minimum bid window away). A job is written, due at the deadline, that
    /// opens the bids.
    pub fn publish_scenario(
        &self,
        actor: &Actor,
        id: ScenarioId,
    ) -> Result<(ScenarioView, Vec<Warning>)> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let before = Self::owned(tx, actor, id)?;
            let org = tx.organization(before.owner)?.ok_or(Error::NotFound)?;
            policy::can_publish(actor, &org)?;
            if before.status == Status::Draft
                && before.bid_deadline - now < self.market.min_bid_window
                && !scenario::deadline_passed(before.bid_deadline, now)
            {
                let hours = self.market.min_bid_window.num_hours();
                return Err(Error::field(
                    "bid_deadline",
                    Message::new(
                        format!("截止时间至少要在发布后 {hours} 小时"),
                        format!("the deadline must be at least {hours} hours after publication"),
                    ),
                ));
            }
            let status = transition(before.status, before.bid_deadline, &Action::Publish, now)?;
            let mut s = before.clone();
            s.status = status;
            s.published_at = Some(now);
            s.updated_at = now;
            tx.update_scenario(&s)?;
            self.schedule_opening(tx, &s, now)?;
            let published = DomainEvent::ScenarioPublished {
                scenario: id,
                before: before.status,
                deadline: s.bid_deadline,
            };
            emit(tx, Some(actor.user_id), published, now)?;
            let fields = ScenarioFields::try_from(ScenarioPatch::default().over(&s))?;
            let warnings = scenario::posting_warnings(&fields, now);
            Ok((self.view(tx, s, now)?, warnings))
        })
    }

    pub(super) fn schedule_opening(
        &self,
        tx: &mut dyn Tx,
        s: &Scenario,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let job = NewJob {
            job: Job::OpenBids { scenario: s.id },
            run_at: s.bid_deadline,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            dedup_key: None,
        };
        tx.enqueue(self.next_id(), &job, now)?;
        let remind_at = s.bid_deadline - domain::notification::REMIND_BEFORE;
        if remind_at > now {
            let reminder = NewJob {
                job: Job::RemindDeadline {
                    scenario: s.id,
                    deadline: s.bid_deadline,
                },
                run_at: remind_at,
                max_attempts: DEFAULT_MAX_ATTEMPTS,
                dedup_key: None,
            };
            tx.enqueue(self.next_id(), &reminder, now)?;
        }
        Ok(())
    }

    /// The reminder job: a day before the deadline, the followers hear of it. Nothing happens
    /// if the deadline moved or bidding is over.
    pub fn remind_deadline(&self, id: ScenarioId, deadline: DateTime<Utc>) -> Result<()> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let Some(s) = tx.scenario(id)? else {
                return Ok(());
            };
            // (Compared to the millisecond: the database keeps less than the job's text.)
            let moved = s.bid_deadline.timestamp_millis() != deadline.timestamp_millis();
            if s.status_at(now) != Status::Published || moved {
                return Ok(());
            }
            let notice = domain::notification::Notice::DeadlineReminder {
                scenario: id.0,
                deadline,
            };
            let stored = serde_json::to_string(&notice).map_err(Error::internal)?;
            tx.enqueue_notice(&stored, now)
        })
    }

    /// The owner moves the deadline later while bids are open; the opening job moves with it.
    pub fn extend_deadline(
        &self,
        actor: &Actor,
        id: ScenarioId,
        new_deadline: DateTime<Utc>,
    ) -> Result<ScenarioView> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let before = Self::owned(tx, actor, id)?;
            transition(
                before.status,
                before.bid_deadline,
                &Action::Extend { new_deadline },
                now,
            )?;
            let mut s = before.clone();
            s.bid_deadline = new_deadline;
            s.updated_at = now;
            tx.update_scenario(&s)?;
            self.schedule_opening(tx, &s, now)?;
            let extended = DomainEvent::DeadlineExtended {
                scenario: id,
                before: before.bid_deadline,
                after: new_deadline,
            };
            emit(tx, Some(actor.user_id), extended, now)?;
            self.view(tx, s, now)
        })
    }

    /// The owner cancels a draft or an open scenario, with a reason.
    pub fn cancel_scenario(
        &self,
        actor: &Actor,
        id: ScenarioId,
        reason: String,
    ) -> Result<ScenarioView> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let before = Self::owned(tx, actor, id)?;
            let status = transition(before.status, before.bid_deadline, &Action::Cancel, now)?;
            let mut s = before.clone();
            s.status = status;
            s.cancel_reason = Some(reason.clone());
            s.updated_at = now;
            tx.update_scenario(&s)?;
            let cancelled = DomainEvent::ScenarioCancelled {
                scenario: id,
                before: before.status,
                reason: reason.clone(),
            };
            emit(tx, Some(actor.user_id), cancelled, now)?;
            self.view(tx, s, now)
        })
    }

    /// The deadline job: opens the bids of a scenario whose deadline has passed. Idempotent;
    /// does nothing when the deadline was extended or the bids are already open.
    pub fn open_bids(&self, id: ScenarioId) -> Result<()> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let Some(before) = tx.lock_scenario(id, RowLock::Update)? else {
                return Ok(());
            };
            if before.status != Status::Published
                || !scenario::deadline_passed(before.bid_deadline, now)
            {
                return Ok(());
            }
            let status = transition(before.status, before.bid_deadline, &Action::OpenBids, now)?;
            let mut s = before;
            s.status = status;
            s.updated_at = now;
            tx.update_scenario(&s)?;
            // The deadline has passed, so the number of bids is no longer sealed.
            let bids = tx.count_active_bids(id)?;
            let opened = DomainEvent::BidsOpened {
                scenario: id,
                deadline: s.bid_deadline,
                bids,
            };
            emit(tx, None, opened, now)
        })
    }
}
