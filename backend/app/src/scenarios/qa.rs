//! The clarification Q&A: vendors ask while bids are open, the owner answers publicly.

use super::*;
use super::{Services, emit};
use domain::error::{Error, Result};
use domain::event::DomainEvent;
use domain::message::Message;
use domain::policy::{self, Actor};
use domain::ports::{ReadTx, in_read, in_tx};
use domain::scenario::{
    self, Answer, AnswerId, Move, Question, QuestionId, ScenarioId, Status, Warning,
};

impl Services {
    /// A vendor asks a clarification question while the scenario takes bids.
    pub fn ask_question(
        &self,
        actor: &Actor,
        id: ScenarioId,
        body: String,
    ) -> Result<QuestionView> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            // A draft does not exist for the asker: visibility before the role, so a refusal
            // never tells that it does.
            let s = Self::visible_locked(tx, Some(actor), id)?;
            policy::can_ask_question(actor)?;
            if s.status_at(now) != Status::Published {
                return Err(scenario::Refused {
                    current: s.status_at(now),
                    action: Move::Ask,
                    why: Message::new(
                        "只能在投标期间提问",
                        "questions are asked while the scenario takes bids",
                    ),
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
            Self::questions_for(tx, viewer, &s)
        })
    }

    /// The questions of `s` the viewer may see, inside the caller's transaction.
    pub(super) fn questions_for(
        tx: &mut dyn ReadTx,
        viewer: Option<&Actor>,
        s: &Scenario,
    ) -> Result<Vec<QuestionView>> {
        let owner = viewer.is_some_and(|a| policy::require_scenario_owner(a, s).is_ok());
        let me = viewer.map(|a| a.user_id);
        Ok(tx
            .questions(s.id)?
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
            let s =
                Self::visible_locked(tx, Some(actor), q.scenario).map_err(|_| Error::NotFound)?;
            policy::require_scenario_owner(actor, &s)?;
            if s.status_at(now) != Status::Published {
                return Err(scenario::Refused {
                    current: s.status_at(now),
                    action: Move::Answer,
                    why: Message::new(
                        "只能在投标期间答疑",
                        "answers are given while the scenario takes bids",
                    ),
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
