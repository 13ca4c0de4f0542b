//! Notifications: the worker delivers the notices events left; users read theirs.

use super::Services;
use domain::actor::Actor;
use domain::error::{Error, Result};
use domain::ids::UserId;
use domain::notification::{Notice, Notification, NotificationFilter};
use domain::ports::{in_read, in_tx};

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
        // A published scenario's alerts judge by the vendors' analysed profiles: they are
        // brought up to date here, outside the write transaction, which then uses them as
        // they are now (analysing many profiles must not hold the database's write lock).
        let corpus = if waiting
            .iter()
            .any(|(_, n)| n.contains("scenario_published"))
        {
            self.warm_profiles()
                .inspect_err(|e| {
                    tracing::warn!(error = %e, "the vendors' profiles could not be analysed ahead")
                })
                .ok()
        } else {
            None
        };
        let now = self.now();
        let (mut delivered, mut failed) = (0, None);
        for (id, stored) in &waiting {
            let notice: Option<Notice> = serde_json::from_str(stored)
                .inspect_err(|e| tracing::error!(id, error = %e, "an unreadable notice is dropped"))
                .ok();
            let started = std::time::Instant::now();
            let done = in_tx(&*self.store, |tx| {
                let written = match &notice {
                    Some(notice) => self.notify(tx, *id, notice, now, corpus.as_ref())?,
                    None => 0,
                };
                tx.remove_notice(*id)?;
                Ok(written)
            });
            match done {
                Ok(written) => {
                    delivered += 1;
                    tracing::info!(
                        id,
                        kind = notice.as_ref().map(|n| n.kind().code()),
                        written,
                        ms = started.elapsed().as_millis() as u64,
                        "a notice delivered"
                    );
                }
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
