//! Notifications: the worker delivers the notices events left; users read theirs.

use super::{Services, emit};
use domain::actor::Actor;
use domain::error::{Error, Result};
use domain::event::DomainEvent;
use domain::ids::{OrganizationId, UserId};
use domain::message::Message;
use domain::notify::{Invitation, MAX_INVITATION, Notice, Notification, NotificationFilter};
use domain::ports::{in_read, in_tx};
use domain::scenario::ScenarioId;

mod recipients;

pub(super) use recipients::addressed;

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
                .filter(|s| domain::policy::can_view_scenario(Some(actor), s))
                .ok_or(Error::NotFound)?;
            if actor.role != domain::account::Role::Vendor {
                return Err(Error::Forbidden(Message::new(
                    "只有企业用户可以关注场景",
                    "only vendors follow scenarios",
                )));
            }
            if follow && !domain::policy::can_follow(actor, &s, now) {
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
        let mut f = domain::error::Fields::default();
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
                .filter(|s| domain::policy::can_view_scenario(Some(actor), s))
                .ok_or(Error::NotFound)?;
            domain::policy::require_scenario_owner(actor, &s)?;
            let invited = tx
                .organization(vendor)?
                .filter(|o| o.kind == domain::account::OrgKind::Vendor && o.verified);
            if invited.is_none() {
                f.push(
                    "vendor_id",
                    Message::new("没有这家已认证的企业", "no such verified vendor"),
                );
            }
            std::mem::take(&mut f).finish()?;
            if s.status_at(now) != domain::scenario::Status::Published {
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
    ) -> Result<Vec<(Invitation, domain::scenario::Scenario)>> {
        let org = match (actor.role, actor.organization_id) {
            (domain::account::Role::Vendor, Some(o)) => o,
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
                .filter(|s| domain::policy::can_view_scenario(Some(actor), s))
                .ok_or(Error::NotFound)?;
            let all = tx.invitations_of_scenario(id)?;
            Ok(
                if domain::policy::require_scenario_owner(actor, &s).is_ok() {
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
    pub fn my_interests(&self, actor: &Actor) -> Result<domain::matching::Interests> {
        require_vendor(actor)?;
        in_read(&*self.store, |tx| {
            let mut i = tx.interests(actor.user_id)?.unwrap_or_default();
            i.email = tx
                .notification_settings(actor.user_id)?
                .unwrap_or_default()
                .pref(domain::notify::Kind::ScenarioMatch);
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
    ) -> Result<domain::matching::Interests> {
        use domain::matching::*;
        require_vendor(actor)?;
        let mut f = domain::error::Fields::default();
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
                    .insert(domain::notify::Kind::ScenarioMatch, interests.email);
                tx.put_notification_settings(actor.user_id, &s, now)?;
            }
            Ok(())
        })?;
        let mut interests = interests;
        if email.is_none() {
            interests.email = self
                .notification_settings(actor)?
                .pref(domain::notify::Kind::ScenarioMatch);
        }
        Ok(interests)
    }

    pub fn my_saved_searches(&self, actor: &Actor) -> Result<Vec<domain::matching::SavedSearch>> {
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
    ) -> Result<(domain::matching::SavedSearch, bool)> {
        require_vendor(actor)?;
        let (q, domains, tags) =
            domain::matching::check_saved_search(q, domains, tags, budget_min_fen, budget_max_fen)?;
        let now = self.now();
        let saved = domain::matching::SavedSearch {
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
        watched: &[(domain::ids::SessionId, UserId)],
    ) -> Result<Vec<Option<i64>>> {
        let sessions: Vec<_> = watched.iter().map(|(s, _)| *s).collect();
        let mut users: Vec<_> = watched.iter().map(|(_, u)| *u).collect();
        users.sort_by_key(|u| u.0);
        users.dedup();
        domain::ports::in_read(&*self.store, |tx| {
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

/// Interests and saved searches are a vendor's.
fn require_vendor(actor: &Actor) -> Result<()> {
    if actor.role == domain::account::Role::Vendor {
        Ok(())
    } else {
        Err(Error::Forbidden(Message::new(
            "只有企业用户可以订阅场景",
            "only vendors subscribe to scenarios",
        )))
    }
}
