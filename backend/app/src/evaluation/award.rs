//! The award and its public notice (stored at award time), and each bidder's own result.

use super::*;
use super::{Services, emit};
use domain::bid::BidId;
use domain::error::{Error, Result};
use domain::event::DomainEvent;
use domain::message::Message;
use domain::policy::Actor;
use domain::ports::{ReadTx, in_read, in_tx};
use domain::scenario::{self, Action, Scenario, ScenarioId, transition};

impl Services {
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
                Message::new("最多 5000 字", "at most 5000 characters"),
            ));
        }
        in_tx(&*self.store, |tx| {
            let before = Self::owned(tx, actor, id)?;
            let status = transition(before.status, before.bid_deadline, &Action::Award, now)?;
            let (rows, stored, cleared) = self.compute(tx, &before)?;
            let blockers = self.blockers(tx, &before, &rows, &stored, &cleared)?;
            if !blockers.is_empty() {
                let zh: Vec<&str> = blockers.iter().map(|(_, m)| m.zh.as_ref()).collect();
                let en: Vec<&str> = blockers.iter().map(|(_, m)| m.en.as_ref()).collect();
                return Err(Error::Conflict {
                    code: "evaluation_incomplete",
                    detail: Message::new(
                        format!("评审尚未完成，不能定标：{}", zh.join("；")),
                        format!(
                            "the evaluation is not complete, so no award can be made: {}",
                            en.join("; ")
                        ),
                    ),
                });
            }
            let row = rows
                .iter()
                .find(|r| r.evaluated.bid == bid_id)
                .ok_or_else(|| {
                    Error::field(
                        "bid_id",
                        Message::new("不是该场景的有效投标", "not a valid bid of this scenario"),
                    )
                })?;
            if !row.vendor_verified {
                let detail = match row.team.as_ref().filter(|t| !t.revoked.is_empty()) {
                    Some(t) => Message::new(
                        format!(
                            "联合体成员 {} 的认证已被撤销，该联合体不能中标",
                            t.revoked.join("、")
                        ),
                        format!(
                            "the verification of the consortium's member {} was revoked, so the consortium cannot be awarded",
                            t.revoked.join(", ")
                        ),
                    ),
                    None => Message::new(
                        "该投标企业的认证已被撤销，不能中标",
                        "this bidder's verification was revoked, so it cannot be awarded",
                    ),
                };
                return Err(Error::Conflict {
                    code: "vendor_not_verified",
                    detail,
                });
            }
            if row.abnormally_low && row.low_price_check.is_none() {
                return Err(Error::Conflict {
                    code: "low_price_unexplained",
                    detail: Message::new(
                        "该投标报价异常低，须先记录已要求投标人说明报价的情况",
                        "this bid's price is abnormally low: record first that the vendor was asked to explain it",
                    ),
                });
            }
            if row.evaluated.rank != 1 && justification.is_none() {
                return Err(Error::field(
                    "justification",
                    Message::new(
                        "所选投标不是第一名，须写明理由",
                        "the chosen bid is not ranked first: give a justification",
                    ),
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
            // The notice first: the award's open-contracting release names it.
            let notice = self.notice_of(tx, &s)?;
            let body = serde_json::to_string(&notice).map_err(Error::internal)?;
            tx.insert_award_notice(id, now, &body)?;
            emit(tx, Some(actor.user_id), awarded, now)?;
            Ok(notice)
        })
    }

    pub(super) fn notice_of(&self, tx: &mut dyn ReadTx, s: &Scenario) -> Result<AwardNotice> {
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
            members: winner
                .team
                .as_ref()
                .map(|t| t.members.clone())
                .unwrap_or_default(),
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
            let missing = tx.awarded_without_notice()?;
            for s in &missing {
                let at = s.award.as_ref().map(|a| a.at).unwrap_or_else(|| self.now());
                let notice = self.notice_of(tx, s)?;
                let body = serde_json::to_string(&notice).map_err(Error::internal)?;
                tx.insert_award_notice(s.id, at, &body)?;
            }
            Ok(missing.len())
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
                .find(|r| r.vendor == org || r.team.as_ref().is_some_and(|t| t.has(org)))
                .ok_or(Error::NotFound)
        })
    }

    /// The owner records that the vendor of an abnormally low bid was asked to explain its
    /// price, and what it said, while the scenario is being evaluated; once per bid. Only then
    /// can that bid be awarded.
    pub fn explain_low_price(
        &self,
        actor: &Actor,
        bid_id: BidId,
        note: &str,
    ) -> Result<ev::LowPriceCheck> {
        let note = note.trim();
        if note.is_empty() {
            return Err(Error::field(
                "note",
                Message::new("请写明投标人的说明", "write what the vendor explained"),
            ));
        }
        if note.chars().count() > ev::MAX_LOW_PRICE_NOTE {
            return Err(Error::field(
                "note",
                Message::new("最多 2000 字", "at most 2000 characters"),
            ));
        }
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let bid = tx
                .bid(bid_id)?
                .filter(|b| b.status == domain::bid::BidStatus::Submitted)
                .ok_or(Error::NotFound)?;
            // Sealed: the bid does not exist for anyone but its vendor yet, so nobody learns
            // from a refusal that it does (the owner check comes after).
            let sealed = tx.scenario(bid.scenario)?.is_none_or(|s| {
                matches!(
                    s.status_at(now),
                    domain::scenario::Status::Draft | domain::scenario::Status::Published
                )
            });
            if sealed {
                return Err(Error::NotFound);
            }
            let s = Self::owned(tx, actor, bid.scenario)?;
            let status = s.status_at(now);
            if status != domain::scenario::Status::Evaluating {
                return Err(Error::Conflict {
                    code: "not_evaluating",
                    detail: Message::new(
                        "只能在评审阶段记录报价说明",
                        "a price explanation is recorded while the bids are evaluated",
                    ),
                });
            }
            let already = || Error::Conflict {
                code: "already_explained",
                detail: Message::new(
                    "已记录过该投标的报价说明",
                    "this bid's explanation is recorded already",
                ),
            };
            let (rows, _, _) = self.compute(tx, &s)?;
            let row = rows.iter().find(|r| r.evaluated.bid == bid_id);
            match row {
                Some(r) if r.low_price_check.is_some() => return Err(already()),
                Some(r) if r.abnormally_low => {}
                _ => {
                    return Err(Error::Conflict {
                        code: "not_abnormally_low",
                        detail: Message::new(
                            "该投标报价不属于异常低价",
                            "this bid's price is not abnormally low",
                        ),
                    });
                }
            }
            let check = ev::LowPriceCheck {
                bid: bid_id,
                scenario: s.id,
                note: note.to_string(),
                recorded_by: actor.user_id,
                recorded_at: now,
            };
            // Two at once: the key refuses the second, named as the check names it.
            tx.insert_low_price_check(&check).map_err(|e| match e {
                Error::Conflict {
                    code: "duplicate", ..
                } => already(),
                e => e,
            })?;
            emit(
                tx,
                Some(actor.user_id),
                DomainEvent::LowPriceExplained {
                    scenario: s.id,
                    bid: bid_id,
                    note: check.note.clone(),
                },
                now,
            )?;
            Ok(check)
        })
    }
}
