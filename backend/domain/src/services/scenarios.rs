//! Scenario use cases: drafting, editing, publishing, extending, cancelling, opening bids at
//! the deadline, listing, and the clarification Q&A.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Services, emit};
use crate::error::{Error, Result};
use crate::event::DomainEvent;
use crate::ids::OrganizationId;
use crate::job::{DEFAULT_MAX_ATTEMPTS, Job, NewJob};
use crate::policy::{self, Actor};
use crate::ports::{RowLock, ScenarioFilter, Tx, in_read, in_tx};
use crate::scenario::{
    self, Action, Answer, AnswerId, Criterion, CriterionId, Move, Origin, Question, QuestionId,
    Scenario, ScenarioFields, ScenarioId, ScenarioPatch, Status, Warning, transition,
};

/// A scenario as readers see it at a moment.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioView {
    pub scenario: Scenario,
    /// The status at the time of reading (a passed deadline counts as `evaluating`).
    pub status: Status,
    /// How many bids there are; `None` until the bids are opened at the deadline.
    pub bid_count: Option<i64>,
    pub owner_name: String,
}

/// A scenario with what its reader may do with it and needs to know: the read model of the
/// detail page and of `GET /api/v1/scenarios/{id}`.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioDetail {
    pub view: ScenarioView,
    /// What the reader may do now (from the policy and the lifecycle).
    #[serde(serialize_with = "move_codes")]
    pub allowed: Vec<Move>,
    /// The reader's (vendor's) own bids on the scenario, withdrawn ones too.
    pub own_bids: Vec<super::bids::BidView>,
    pub questions: Vec<QuestionView>,
}

fn move_codes<S: serde::Serializer>(moves: &[Move], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(moves.iter().map(|m| m.code()))
}

impl ScenarioDetail {
    /// Whether the reader may make this move.
    pub fn may(&self, m: Move) -> bool {
        self.allowed.contains(&m)
    }
}

/// A question as a reader may see it: never who asked.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionView {
    pub id: QuestionId,
    pub scenario: ScenarioId,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub answers: Vec<Answer>,
    /// Whether the reader asked it.
    pub mine: bool,
}

/// A page of scenarios.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioPage {
    pub items: Vec<ScenarioView>,
    pub total: i64,
}

/// What reading a list filters by.
#[derive(Debug, Clone, Default)]
pub struct ScenarioQuery {
    pub status: Option<Status>,
    pub domain: Option<crate::sector::Sector>,
    pub agency: Option<OrganizationId>,
    pub offset: i64,
    pub limit: i64,
}

impl Services {
    fn view(
        &self,
        tx: &mut dyn Tx,
        scenario: Scenario,
        now: DateTime<Utc>,
    ) -> Result<ScenarioView> {
        let owner_name = tx
            .organization(scenario.owner)?
            .map(|o| o.name)
            .unwrap_or_default();
        self.view_named(tx, scenario, owner_name, now)
    }

    fn view_named(
        &self,
        tx: &mut dyn Tx,
        scenario: Scenario,
        owner_name: String,
        now: DateTime<Utc>,
    ) -> Result<ScenarioView> {
        let status = scenario.status_at(now);
        // Sealed until the deadline: no count of any kind before it (and never for a
        // cancelled scenario, whose bids are void).
        let bid_count = if scenario.bids_opened(now) {
            Some(tx.count_active_bids(scenario.id)?)
        } else {
            None
        };
        Ok(ScenarioView {
            scenario,
            status,
            bid_count,
            owner_name,
        })
    }

    /// Loads a scenario the actor may see, else 404.
    fn visible(tx: &mut dyn Tx, viewer: Option<&Actor>, id: ScenarioId) -> Result<Scenario> {
        tx.scenario(id)?
            .filter(|s| policy::can_view_scenario(viewer, s))
            .ok_or(Error::NotFound)
    }

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

    fn criteria(&self, drafts: &[scenario::CriterionDraft]) -> Vec<Criterion> {
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
                    why: "只有草稿或投标中的场景可以修改标签 / tags change only in draft or while open for bids".into(),
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
                    format!(
                        "截止时间至少要在发布后 {hours} 小时 / the deadline must be at least {hours} hours after publication"
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

    fn schedule_opening(&self, tx: &mut dyn Tx, s: &Scenario, now: DateTime<Utc>) -> Result<()> {
        let job = NewJob {
            job: Job::OpenBids { scenario: s.id },
            run_at: s.bid_deadline,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        };
        tx.enqueue(self.next_id(), &job, now)
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

    /// One scenario, if the viewer may see it.
    pub fn scenario(&self, viewer: Option<&Actor>, id: ScenarioId) -> Result<ScenarioView> {
        let now = self.now();
        in_read(&*self.store, |tx| {
            let s = Self::visible(tx, viewer, id)?;
            self.view(tx, s, now)
        })
    }

    /// A scenario with the viewer's allowed actions, own bids and the questions they may see.
    pub fn scenario_detail(
        &self,
        viewer: Option<&Actor>,
        id: ScenarioId,
    ) -> Result<ScenarioDetail> {
        let view = self.scenario(viewer, id)?;
        let own_bids = match viewer.filter(|a| a.role == crate::account::Role::Vendor) {
            Some(a) => self.scenario_bids(a, id)?.items,
            None => vec![],
        };
        let questions = self.questions(viewer, id)?;
        let organization = match viewer.and_then(|a| a.organization_id) {
            Some(o) => in_read(&*self.store, |tx| tx.organization(o))?,
            None => None,
        };
        let has_active_bid = own_bids
            .iter()
            .any(|b| b.bid.status == crate::bid::BidStatus::Submitted);
        let allowed = policy::allowed_actions(
            viewer,
            organization.as_ref(),
            &view.scenario,
            has_active_bid,
            self.now(),
        );
        Ok(ScenarioDetail {
            view,
            allowed,
            own_bids,
            questions,
        })
    }

    /// A page of the scenarios the viewer may see.
    pub fn list_scenarios(&self, viewer: Option<&Actor>, q: ScenarioQuery) -> Result<ScenarioPage> {
        let now = self.now();
        in_read(&*self.store, |tx| {
            let filter = ScenarioFilter {
                status: q.status,
                domain: q.domain,
                agency: q.agency,
                viewer_org: viewer.and_then(|a| a.organization_id),
                now,
                offset: q.offset,
                limit: q.limit,
            };
            let (items, total) = tx.scenarios(&filter)?;
            let mut names: HashMap<OrganizationId, String> = HashMap::new();
            let mut out = Vec::with_capacity(items.len());
            for s in items {
                let name = match names.get(&s.owner) {
                    Some(n) => n.clone(),
                    None => {
                        let n = tx
                            .organization(s.owner)?
                            .map(|o| o.name)
                            .unwrap_or_default();
                        names.insert(s.owner, n.clone());
                        n
                    }
                };
                out.push(self.view_named(tx, s, name, now)?);
            }
            Ok(ScenarioPage { items: out, total })
        })
    }

    /// A vendor asks a clarification question while the scenario takes bids.
    pub fn ask_question(
        &self,
        actor: &Actor,
        id: ScenarioId,
        body: String,
    ) -> Result<QuestionView> {
        policy::can_ask_question(actor)?;
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let s = Self::visible(tx, Some(actor), id)?;
            if s.status_at(now) != Status::Published {
                return Err(scenario::Refused {
                    current: s.status_at(now),
                    action: Move::Ask,
                    why: "只能在投标期间提问 / questions are asked while the scenario takes bids"
                        .into(),
                }
                .into());
            }
            let q = Question {
                id: QuestionId(self.next_id()),
                scenario: id,
                asked_by: actor.user_id,
                body: body.clone(),
                created_at: now,
                answers: vec![],
            };
            tx.insert_question(&q)?;
            let asked = DomainEvent::QuestionAsked {
                question: q.id,
                scenario: id,
                body: body.clone(),
            };
            emit(tx, Some(actor.user_id), asked, now)?;
            Ok(QuestionView {
                id: q.id,
                scenario: id,
                body: q.body,
                created_at: now,
                answers: vec![],
                mine: true,
            })
        })
    }

    /// The questions of a scenario: answered ones for everyone, unanswered ones too for the
    /// owner (and for the vendor user who asked). Who asked is never shown.
    pub fn questions(&self, viewer: Option<&Actor>, id: ScenarioId) -> Result<Vec<QuestionView>> {
        in_read(&*self.store, |tx| {
            let s = Self::visible(tx, viewer, id)?;
            let owner = viewer.is_some_and(|a| policy::require_scenario_owner(a, &s).is_ok());
            let me = viewer.map(|a| a.user_id);
            Ok(tx
                .questions(id)?
                .into_iter()
                .filter(|q| owner || !q.answers.is_empty() || Some(q.asked_by) == me)
                .map(|q| QuestionView {
                    mine: Some(q.asked_by) == me,
                    id: q.id,
                    scenario: q.scenario,
                    body: q.body,
                    created_at: q.created_at,
                    answers: q.answers,
                })
                .collect())
        })
    }

    /// The owner answers a question while the scenario takes bids. An answer is never changed:
    /// a correction is another answer. Hints when the deadline is near.
    pub fn answer_question(
        &self,
        actor: &Actor,
        question: QuestionId,
        body: String,
    ) -> Result<(QuestionView, Vec<Warning>)> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let q = tx.question(question)?.ok_or(Error::NotFound)?;
            let s = Self::visible(tx, Some(actor), q.scenario).map_err(|_| Error::NotFound)?;
            policy::require_scenario_owner(actor, &s)?;
            if s.status_at(now) != Status::Published {
                return Err(scenario::Refused {
                    current: s.status_at(now),
                    action: Move::Answer,
                    why: "只能在投标期间答疑 / answers are given while the scenario takes bids"
                        .into(),
                }
                .into());
            }
            let a = Answer {
                id: AnswerId(self.next_id()),
                body: body.clone(),
                created_at: now,
            };
            tx.insert_answer(question, actor.user_id, &a)?;
            let answered = DomainEvent::QuestionAnswered {
                question,
                answer: a.id,
                body: body.clone(),
            };
            emit(tx, Some(actor.user_id), answered, now)?;
            let mut answers = q.answers;
            answers.push(a);
            let warnings = scenario::clarification_warnings(s.bid_deadline, now);
            Ok((
                QuestionView {
                    id: q.id,
                    scenario: q.scenario,
                    body: q.body,
                    created_at: q.created_at,
                    answers,
                    mine: false,
                },
                warnings,
            ))
        })
    }
}
