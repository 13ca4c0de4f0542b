//! Notifications: the worker delivers the notices events left; users read theirs.

use std::collections::BTreeSet;

use super::{Services, emit};
use crate::actor::Actor;
use crate::bid::BidStatus;
use crate::error::{Error, Result};
use crate::event::DomainEvent;
use crate::ids::{OrganizationId, UserId};
use crate::message::Message;
use crate::notify::{
    Facts, Invitation, MAX_INVITATION, NewNotification, Notice, Notification, NotificationFilter,
    render,
};
use crate::ports::{ReadTx, Tx, in_read, in_tx};
use crate::scenario::{QuestionId, ScenarioId};

/// How many notices one delivery round takes.
const NOTICE_BATCH: i64 = 100;

impl Services {
    /// Delivers waiting notices, each in a transaction of its own: one notification per
    /// recipient, then the notice is gone. A notice that fails stays for the next round and
    /// does not hold back the others. Returns how many notices were delivered; fails only when
    /// none could be.
    pub fn deliver_notices(&self) -> Result<usize> {
        let waiting = in_read(&*self.store, |tx| tx.waiting_notices(NOTICE_BATCH))?;
        let now = self.now();
        let (mut delivered, mut failed) = (0, None);
        for (id, stored) in &waiting {
            let notice: Option<Notice> = serde_json::from_str(stored)
                .inspect_err(|e| tracing::error!(id, error = %e, "an unreadable notice is dropped"))
                .ok();
            let done = in_tx(&*self.store, |tx| {
                if let Some(notice) = &notice {
                    self.notify(tx, *id, notice, now)?;
                }
                tx.remove_notice(*id)
            });
            match done {
                Ok(()) => delivered += 1,
                Err(e) => {
                    tracing::warn!(id, error = %e, "a notice could not be delivered; it waits");
                    failed = Some(e);
                }
            }
        }
        match failed {
            Some(e) if delivered == 0 => Err(e),
            _ => Ok(delivered),
        }
    }

    /// Starts (`true`) or stops following a scenario the actor may see; returns whether the
    /// actor follows it now. Only vendors follow, and only while the scenario takes bids.
    pub fn follow_scenario(&self, actor: &Actor, id: ScenarioId, follow: bool) -> Result<bool> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let s = tx
                .scenario(id)?
                .filter(|s| crate::policy::can_view_scenario(Some(actor), s))
                .ok_or(Error::NotFound)?;
            if actor.role != crate::account::Role::Vendor {
                return Err(Error::Forbidden(Message::new(
                    "只有企业用户可以关注场景",
                    "only vendors follow scenarios",
                )));
            }
            if follow && !crate::policy::can_follow(actor, &s, now) {
                return Err(Error::Conflict {
                    code: "not_open",
                    detail: Message::new(
                        "只能关注正在投标的场景",
                        "only a scenario that takes bids can be followed",
                    ),
                });
            }
            tx.set_following(id, actor.user_id, follow, now)?;
            Ok(follow)
        })
    }

    /// The scenario's owner invites a verified vendor to bid, with a message, while the
    /// scenario takes bids; once per vendor. The vendor is notified.
    pub fn invite_vendor(
        &self,
        actor: &Actor,
        id: ScenarioId,
        vendor: OrganizationId,
        message: &str,
    ) -> Result<Invitation> {
        let message = message.trim();
        let mut f = crate::error::Fields::default();
        if message.is_empty() {
            f.push(
                "message",
                Message::new("请写一句邀请的话", "write a line to the vendor"),
            );
        } else if message.chars().count() > MAX_INVITATION {
            f.push(
                "message",
                Message::new("邀请最多 1000 字", "at most 1000 characters"),
            );
        }
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let s = tx
                .scenario(id)?
                .filter(|s| crate::policy::can_view_scenario(Some(actor), s))
                .ok_or(Error::NotFound)?;
            crate::policy::require_scenario_owner(actor, &s)?;
            let invited = tx
                .organization(vendor)?
                .filter(|o| o.kind == crate::account::OrgKind::Vendor && o.verified);
            if invited.is_none() {
                f.push(
                    "vendor_id",
                    Message::new("没有这家已认证的企业", "no such verified vendor"),
                );
            }
            std::mem::take(&mut f).finish()?;
            if s.status_at(now) != crate::scenario::Status::Published {
                return Err(Error::Conflict {
                    code: "not_open",
                    detail: Message::new(
                        "只能邀请企业参与正在投标的场景",
                        "vendors can be invited only while the scenario takes bids",
                    ),
                });
            }
            let duplicate = || Error::Conflict {
                code: "duplicate_invitation",
                detail: Message::new("已邀请过这家企业", "this vendor is invited already"),
            };
            if tx
                .invitations_of_scenario(id)?
                .iter()
                .any(|i| i.vendor == vendor)
            {
                return Err(duplicate());
            }
            let invitation = Invitation {
                id: self.ids.next_at(now),
                scenario: id,
                vendor,
                invited_by: actor.user_id,
                message: message.to_string(),
                created_at: now,
            };
            // Two invitations at once: the unique index refuses the second, named the same way.
            tx.insert_invitation(&invitation).map_err(|e| match e {
                Error::Conflict {
                    code: "duplicate", ..
                } => duplicate(),
                e => e,
            })?;
            emit(
                tx,
                Some(actor.user_id),
                DomainEvent::VendorInvited(Box::new(invitation.clone())),
                now,
            )?;
            Ok(invitation)
        })
    }

    /// The invitations the actor's vendor received, newest first, with their scenarios.
    pub fn my_invitations(
        &self,
        actor: &Actor,
    ) -> Result<Vec<(Invitation, crate::scenario::Scenario)>> {
        let org = match (actor.role, actor.organization_id) {
            (crate::account::Role::Vendor, Some(o)) => o,
            _ => {
                return Err(Error::Forbidden(Message::new(
                    "只有企业用户会收到邀请",
                    "only vendors receive invitations",
                )));
            }
        };
        in_read(&*self.store, |tx| {
            let mut out = vec![];
            for i in tx.invitations_of_vendor(org)? {
                if let Some(s) = tx.scenario(i.scenario)? {
                    out.push((i, s));
                }
            }
            Ok(out)
        })
    }

    /// The invitations of a scenario: its owner sees all of them, an invited vendor its own,
    /// everyone else none (who was invited is nobody else's business).
    pub fn scenario_invitations(&self, actor: &Actor, id: ScenarioId) -> Result<Vec<Invitation>> {
        in_read(&*self.store, |tx| {
            let s = tx
                .scenario(id)?
                .filter(|s| crate::policy::can_view_scenario(Some(actor), s))
                .ok_or(Error::NotFound)?;
            let all = tx.invitations_of_scenario(id)?;
            Ok(
                if crate::policy::require_scenario_owner(actor, &s).is_ok() {
                    all
                } else {
                    all.into_iter()
                        .filter(|i| Some(i.vendor) == actor.organization_id)
                        .collect()
                },
            )
        })
    }

    /// The vendor user's interests (empty until saved). Their `email` is the user's e-mail
    /// choice for matching scenarios, as the notification settings hold it.
    pub fn my_interests(&self, actor: &Actor) -> Result<crate::matching::Interests> {
        require_vendor(actor)?;
        in_read(&*self.store, |tx| {
            let mut i = tx.interests(actor.user_id)?.unwrap_or_default();
            i.email = tx
                .notification_settings(actor.user_id)?
                .unwrap_or_default()
                .pref(crate::notify::Kind::ScenarioMatch);
            Ok(i)
        })
    }

    /// Replaces the vendor user's interests; every bad part is named.
    pub fn save_interests(
        &self,
        actor: &Actor,
        domains: &[String],
        tags: &[String],
        keywords: &[String],
        budget_min_fen: Option<i64>,
        email: Option<&str>,
    ) -> Result<crate::matching::Interests> {
        use crate::matching::*;
        require_vendor(actor)?;
        let mut f = crate::error::Fields::default();
        let interests = Interests {
            domains: parse_domains(&mut f, domains),
            tags: clean_terms(&mut f, "tags", tags),
            keywords: clean_terms(&mut f, "keywords", keywords),
            budget_min_fen: check_budget(&mut f, "budget_min_fen", budget_min_fen),
            email: match email {
                None => EmailPref::default(),
                Some(e) => EmailPref::parse(e).unwrap_or_else(|| {
                    f.push(
                        "email",
                        Message::new(
                            "应为 immediate、daily 或 off",
                            "one of immediate, daily, off",
                        ),
                    );
                    EmailPref::default()
                }),
            },
        };
        f.finish()?;
        let now = self.now();
        in_tx(&*self.store, |tx| {
            tx.put_interests(actor.user_id, &interests, now)?;
            // The interests' choice is the matching scenarios' e-mail setting.
            if email.is_some() {
                let mut s = tx.lock_notification_settings(actor.user_id, now)?;
                s.prefs
                    .insert(crate::notify::Kind::ScenarioMatch, interests.email);
                tx.put_notification_settings(actor.user_id, &s, now)?;
            }
            Ok(())
        })?;
        let mut interests = interests;
        if email.is_none() {
            interests.email = self
                .notification_settings(actor)?
                .pref(crate::notify::Kind::ScenarioMatch);
        }
        Ok(interests)
    }

    pub fn my_saved_searches(&self, actor: &Actor) -> Result<Vec<crate::matching::SavedSearch>> {
        require_vendor(actor)?;
        in_read(&*self.store, |tx| tx.saved_searches(actor.user_id))
    }

    /// Saves a search (the search page's query and filters); new scenarios that fit it notify.
    /// Saving one the user has already hands back the stored one (`false`: nothing new).
    pub fn save_search(
        &self,
        actor: &Actor,
        q: &str,
        domains: &[String],
        tags: &[String],
        budget_min_fen: Option<i64>,
        budget_max_fen: Option<i64>,
    ) -> Result<(crate::matching::SavedSearch, bool)> {
        require_vendor(actor)?;
        let (q, domains, tags) =
            crate::matching::check_saved_search(q, domains, tags, budget_min_fen, budget_max_fen)?;
        let now = self.now();
        let saved = crate::matching::SavedSearch {
            id: self.ids.next_at(now),
            user: actor.user_id,
            q,
            domains,
            tags,
            budget_min_fen,
            budget_max_fen,
            created_at: now,
        };
        in_tx(&*self.store, |tx| {
            let same = tx.saved_searches(actor.user_id)?.into_iter().find(|s| {
                (
                    &s.q,
                    &s.domains,
                    &s.tags,
                    s.budget_min_fen,
                    s.budget_max_fen,
                ) == (
                    &saved.q,
                    &saved.domains,
                    &saved.tags,
                    saved.budget_min_fen,
                    saved.budget_max_fen,
                )
            });
            match same {
                Some(s) => Ok((s, false)),
                None => {
                    tx.insert_saved_search(&saved)?;
                    Ok((saved, true))
                }
            }
        })
    }

    /// Deletes one of the actor's saved searches (someone else's is "not found").
    pub fn delete_saved_search(&self, actor: &Actor, id: i64) -> Result<()> {
        in_tx(&*self.store, |tx| {
            if tx.delete_saved_search(actor.user_id, id)? {
                Ok(())
            } else {
                Err(Error::NotFound)
            }
        })
    }

    /// How many notices wait for delivery (at most one batch is counted).
    pub fn notice_backlog(&self) -> Result<usize> {
        in_read(&*self.store, |tx| tx.waiting_notices(NOTICE_BATCH)).map(|w| w.len())
    }

    /// The signed-in user's notifications, newest first, and how many match.
    pub fn notifications(
        &self,
        actor: &Actor,
        f: &NotificationFilter,
    ) -> Result<(Vec<Notification>, i64)> {
        in_read(&*self.store, |tx| tx.notifications(actor.user_id, f))
    }

    /// For the live unread counts of every open stream at once (two statements, whatever
    /// their number): each watched session's user's unread count while the session is live,
    /// `None` once it has ended (signed out, password changed, user deactivated).
    pub fn live_unread(
        &self,
        watched: &[(crate::ids::SessionId, UserId)],
    ) -> Result<Vec<Option<i64>>> {
        let sessions: Vec<_> = watched.iter().map(|(s, _)| *s).collect();
        let mut users: Vec<_> = watched.iter().map(|(_, u)| *u).collect();
        users.sort_by_key(|u| u.0);
        users.dedup();
        crate::ports::in_read(&*self.store, |tx| {
            let live: std::collections::HashSet<_> =
                tx.live_sessions(&sessions)?.into_iter().collect();
            let counts: std::collections::HashMap<_, _> =
                tx.unread_counts(&users)?.into_iter().collect();
            Ok(watched
                .iter()
                .map(|w| {
                    live.contains(w)
                        .then(|| counts.get(&w.1).copied().unwrap_or(0))
                })
                .collect())
        })
    }

    pub fn unread_notifications(&self, user: UserId) -> Result<i64> {
        in_read(&*self.store, |tx| tx.unread_notifications(user))
    }

    /// Marks one of the actor's notifications read and hands it back. Someone else's answers
    /// "not found", as a missing one does, so that ids reveal nothing.
    pub fn mark_notification_read(&self, actor: &Actor, id: i64) -> Result<Notification> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let n = tx.notification(actor.user_id, id)?.ok_or(Error::NotFound)?;
            tx.mark_notification_read(actor.user_id, id, now)?;
            Ok(n)
        })
    }

    /// Marks every notification of the actor read; returns how many were unread.
    pub fn mark_all_notifications_read(&self, actor: &Actor) -> Result<i64> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            tx.mark_all_notifications_read(actor.user_id, now)
        })
    }
}

/// One recipient of a notice: who, the facts they read, and their notification.
pub(super) type Addressed = (crate::account::User, std::sync::Arc<Facts>, NewNotification);

/// The notifications a notice makes: who hears of it, and what each reads, in their language.
/// Recipients are read in one query per group, however many there are.
pub(super) fn addressed(
    services: &Services,
    tx: &mut dyn Tx,
    id: i64,
    notice: &Notice,
) -> Result<Vec<Addressed>> {
    let mut out = vec![];
    let mut seen = BTreeSet::new();
    for (facts, orgs, extra) in recipients(services, tx, notice)? {
        let facts = std::sync::Arc::new(facts);
        let mut users: Vec<crate::account::User> = vec![];
        for org in orgs {
            users.extend(tx.users_of_organization(org)?);
        }
        users.extend(tx.users_by_ids(&extra)?);
        users.sort_by_key(|u| u.id);
        for u in users {
            if !u.active || !seen.insert(u.id) {
                continue;
            }
            let (title, body, link) = render(&facts, u.locale);
            let n = NewNotification {
                digest: false,
                user: u.id,
                kind: notice.kind(),
                key: notice.key(id),
                title,
                body,
                link,
            };
            out.push((u, facts.clone(), n));
        }
    }
    Ok(out)
}

/// What one set of recipients reads: the facts, the organizations whose users hear of them,
/// and users besides them.
type Group = (Facts, Vec<OrganizationId>, Vec<UserId>);

/// The facts of a notice and who hears of them (several groups when recipients read different
/// facts); nothing when what the notice names is gone.
fn recipients(services: &Services, tx: &mut dyn Tx, notice: &Notice) -> Result<Vec<Group>> {
    let scenario = |tx: &mut dyn Tx, id: i64| tx.scenario(ScenarioId(id));
    Ok(match notice {
        Notice::OrganizationVerified { org } => {
            let org = OrganizationId(*org);
            tx.organization(org)?
                .map(|o| {
                    (
                        Facts::OrganizationVerified { org_name: o.name },
                        vec![org],
                        vec![],
                    )
                })
                .into_iter()
                .collect()
        }
        Notice::BidsOpened {
            scenario: sid,
            bids,
        } => match scenario(tx, *sid)? {
            Some(s) => {
                let mut orgs = vec![s.owner];
                orgs.extend(bidders(tx, s.id)?);
                vec![(
                    Facts::BidsOpened {
                        scenario: *sid,
                        title: s.title,
                        bids: *bids,
                    },
                    orgs,
                    vec![],
                )]
            }
            None => vec![],
        },
        Notice::DeadlineExtended {
            scenario: sid,
            after,
        } => match scenario(tx, *sid)? {
            Some(s) => vec![(
                Facts::DeadlineExtended {
                    scenario: *sid,
                    title: s.title,
                    after: *after,
                },
                bidders(tx, s.id)?,
                tx.followers(s.id)?,
            )],
            None => vec![],
        },
        Notice::QuestionAnswered { question } => {
            let Some(q) = tx.question(QuestionId(*question))? else {
                return Ok(vec![]);
            };
            let Some(s) = tx.scenario(q.scenario)? else {
                return Ok(vec![]);
            };
            let answer = q.answers.last().map(|a| a.body.clone()).unwrap_or_default();
            vec![(
                Facts::QuestionAnswered {
                    scenario: s.id.0,
                    title: s.title,
                    question: q.body,
                    answer,
                },
                bidders(tx, q.scenario)?,
                [vec![q.asked_by], tx.followers(q.scenario)?].concat(),
            )]
        }
        Notice::ScenarioPublished { scenario: sid } => match scenario(tx, *sid)? {
            Some(s) => {
                let synonyms = tx
                    .synonyms()?
                    .unwrap_or_else(crate::search::default_synonyms);
                let candidate = crate::matching::Candidate::of(&s);
                let mut users: Vec<UserId> = tx
                    .all_interests()?
                    .into_iter()
                    .filter(|(_, i)| candidate.fits_interests(i, &synonyms))
                    .map(|(u, _)| u)
                    .collect();
                users.extend(
                    tx.all_saved_searches()?
                        .into_iter()
                        .filter(|q| candidate.fits_search(q, &synonyms))
                        .map(|q| q.user),
                );
                users.sort();
                users.dedup();
                // Only vendors' users hear of it (a role may have changed since saving).
                let vendors: Vec<UserId> = tx
                    .users_by_ids(&users)?
                    .into_iter()
                    .filter(|u| u.role == crate::account::Role::Vendor)
                    .map(|u| u.id)
                    .collect();
                let agency = tx
                    .organization(s.owner)?
                    .map(|o| o.name)
                    .unwrap_or_default();
                vec![(
                    Facts::ScenarioMatch {
                        scenario: *sid,
                        title: s.title,
                        agency,
                        deadline: s.bid_deadline,
                    },
                    vec![],
                    vendors,
                )]
            }
            None => vec![],
        },
        Notice::Invitation { invitation } => {
            let Some(i) = tx.invitation(*invitation)? else {
                return Ok(vec![]);
            };
            let Some(s) = tx.scenario(i.scenario)? else {
                return Ok(vec![]);
            };
            let agency = tx
                .organization(s.owner)?
                .map(|o| o.name)
                .unwrap_or_default();
            vec![(
                Facts::Invitation {
                    scenario: s.id.0,
                    title: s.title,
                    agency,
                    message: i.message,
                },
                vec![i.vendor],
                vec![],
            )]
        }
        Notice::DeadlineReminder {
            scenario: sid,
            deadline,
        } => match scenario(tx, *sid)? {
            Some(s) => {
                // Followers who have not bid: a bidder has nothing left to do by the deadline.
                let bidding = bidders(tx, s.id)?;
                let mut waiting = vec![];
                for u in tx.followers(s.id)? {
                    let bid = tx
                        .user(u)?
                        .and_then(|u| u.organization_id)
                        .is_some_and(|o| bidding.contains(&o));
                    if !bid {
                        waiting.push(u);
                    }
                }
                vec![(
                    Facts::DeadlineReminder {
                        scenario: *sid,
                        title: s.title,
                        deadline: *deadline,
                    },
                    vec![],
                    waiting,
                )]
            }
            None => vec![],
        },
        Notice::PanelAssigned {
            scenario: sid,
            evaluators,
        } => match scenario(tx, *sid)? {
            Some(s) => vec![(
                Facts::PanelAssigned {
                    scenario: *sid,
                    title: s.title,
                },
                vec![],
                evaluators.iter().map(|u| UserId(*u)).collect(),
            )],
            None => vec![],
        },
        Notice::AwardResult { scenario: sid } => match scenario(tx, *sid)? {
            Some(s) => {
                let winner = s.award.as_ref().map(|a| a.bid);
                let (rows, _, _) = services.compute(tx, &s)?;
                rows.into_iter()
                    .map(|r| {
                        (
                            Facts::AwardResult {
                                scenario: *sid,
                                title: s.title.clone(),
                                rank: r.evaluated.rank,
                                total: r.evaluated.total,
                                won: Some(r.evaluated.bid) == winner,
                            },
                            vec![r.vendor],
                            vec![],
                        )
                    })
                    .collect()
            }
            None => vec![],
        },
        Notice::ChallengeFiled { challenge } | Notice::ChallengeReminder { challenge, .. } => {
            let Some(c) = tx.challenge(crate::ids::ChallengeId(*challenge))? else {
                return Ok(vec![]);
            };
            let Some(s) = tx.scenario(c.scenario)? else {
                return Ok(vec![]);
            };
            let vendor = tx
                .organization(c.vendor)?
                .map(|o| o.name)
                .unwrap_or_default();
            let facts = match notice {
                Notice::ChallengeReminder { nth, .. } => Facts::ChallengeReminder {
                    scenario: s.id.0,
                    title: s.title,
                    vendor,
                    due: c.answer_due,
                    last: *nth >= 2,
                },
                _ => Facts::ChallengeFiled {
                    scenario: s.id.0,
                    title: s.title,
                    vendor,
                    due: c.answer_due,
                },
            };
            // The owner only: an open challenge is nobody else's to know of.
            vec![(facts, vec![s.owner], vec![])]
        }
        Notice::ChallengeAnswered { challenge } => {
            let Some(c) = tx.challenge(crate::ids::ChallengeId(*challenge))? else {
                return Ok(vec![]);
            };
            let Some(s) = tx.scenario(c.scenario)? else {
                return Ok(vec![]);
            };
            let vendor = tx
                .organization(c.vendor)?
                .map(|o| o.name)
                .unwrap_or_default();
            let upheld = c
                .answer
                .as_ref()
                .is_some_and(|a| a.decision == crate::challenge::Decision::Upheld);
            let mut orgs = bidders(tx, s.id)?;
            if !orgs.contains(&c.vendor) {
                orgs.push(c.vendor);
            }
            vec![(
                Facts::ChallengeAnswered {
                    scenario: s.id.0,
                    title: s.title,
                    vendor,
                    upheld,
                },
                orgs,
                vec![],
            )]
        }
        Notice::RatingReceived {
            scenario: sid,
            vendor,
            stars,
        } => match scenario(tx, *sid)? {
            Some(s) => vec![(
                Facts::RatingReceived {
                    vendor: *vendor,
                    title: s.title,
                    stars: *stars,
                },
                vec![OrganizationId(*vendor)],
                vec![],
            )],
            None => vec![],
        },
    })
}

/// The vendors with a bid in force on a scenario. Each hears only of its own bid's scenario:
/// nothing in a notification tells one bidder of another.
fn bidders(tx: &mut dyn ReadTx, scenario: ScenarioId) -> Result<Vec<OrganizationId>> {
    let mut orgs: Vec<OrganizationId> = tx
        .bids_of_scenario(scenario)?
        .into_iter()
        .filter(|b| b.status == BidStatus::Submitted)
        .map(|b| b.vendor)
        .collect();
    orgs.sort();
    orgs.dedup();
    Ok(orgs)
}

/// Interests and saved searches are a vendor's.
fn require_vendor(actor: &Actor) -> Result<()> {
    if actor.role == crate::account::Role::Vendor {
        Ok(())
    } else {
        Err(Error::Forbidden(Message::new(
            "只有企业用户可以订阅场景",
            "only vendors subscribe to scenarios",
        )))
    }
}
