//! The live unread counts behind `/notifications/stream`. Each open stream registers a watcher
//! here; one thread of the process refreshes every watcher together (two statements every
//! few seconds — `APP__SERVER__LIVE_POLL_SECONDS` — whatever the number of streams: the sessions still live, and the unread counts
//! of their users), so no stream holds a thread or asks the blocking pool on its own. A
//! stream ends when its session ends (sign-out, password change or reset, deactivation); a
//! user has at most [`PER_USER`] streams open at once.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::Duration;

use app::Services;
use domain::ids::{SessionId, UserId};
use tokio::sync::watch;

/// Streams one user may have open at once (a few browser tabs).
pub const PER_USER: usize = 4;

/// What a stream knows of its session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Live {
    /// Not looked at yet.
    Waiting,
    /// The session is live with this many unread notifications.
    Unread(i64),
    /// The session has ended: the stream ends.
    Ended,
}

struct Watcher {
    session: SessionId,
    user: UserId,
    tx: watch::Sender<Live>,
}

#[derive(Default)]
struct Inner {
    next: u64,
    watchers: HashMap<u64, Watcher>,
    refresher: bool,
    /// A new watcher waits for its first count: refresh now.
    soon: bool,
}

/// The watchers of the process's open streams.
pub struct LiveHub {
    services: Services,
    /// How often the counts are refreshed without being asked (on PostgreSQL every process
    /// is also asked at once when another writes a notification or ends a session).
    every: Duration,
    inner: Mutex<Inner>,
    bell: Condvar,
}

impl std::fmt::Debug for LiveHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveHub")
            .field("streams", &self.open())
            .finish()
    }
}

/// One open stream's watcher; dropping it (the stream ends or its client went away) removes
/// it.
#[derive(Debug)]
pub struct Subscription {
    hub: Arc<LiveHub>,
    id: u64,
    pub rx: watch::Receiver<Live>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.hub.lock().watchers.remove(&self.id);
    }
}

impl LiveHub {
    pub fn new(services: Services, every: Duration) -> Arc<LiveHub> {
        Arc::new(LiveHub {
            services,
            every,
            inner: Mutex::new(Inner::default()),
            bell: Condvar::new(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How many streams are open in this process.
    pub fn open(&self) -> usize {
        self.lock().watchers.len()
    }

    /// Registers a stream of `session`, or `None` when its user has [`PER_USER`] open.
    pub fn subscribe(self: &Arc<Self>, session: SessionId, user: UserId) -> Option<Subscription> {
        let (tx, rx) = watch::channel(Live::Waiting);
        let mut inner = self.lock();
        if inner.watchers.values().filter(|w| w.user == user).count() >= PER_USER {
            return None;
        }
        inner.next += 1;
        let id = inner.next;
        inner.watchers.insert(id, Watcher { session, user, tx });
        inner.soon = true;
        if !inner.refresher {
            inner.refresher = true;
            let hub = Arc::downgrade(self);
            std::thread::Builder::new()
                .name("live-unread".into())
                .spawn(move || refresh_loop(&hub))
                .expect("a thread for the live unread counts");
        }
        drop(inner);
        self.bell.notify_one();
        Some(Subscription {
            hub: self.clone(),
            id,
            rx,
        })
    }

    /// A session may have ended (a sign-out here): look at once rather than at the next turn.
    pub fn look_now(&self) {
        self.lock().soon = true;
        self.bell.notify_one();
    }

    /// Looks at every watched session once and tells each stream what changed.
    fn refresh(&self) {
        let watched: Vec<(u64, SessionId, UserId)> = self
            .lock()
            .watchers
            .iter()
            .map(|(id, w)| (*id, w.session, w.user))
            .collect();
        if watched.is_empty() {
            return;
        }
        let pairs: Vec<(SessionId, UserId)> = watched.iter().map(|w| (w.1, w.2)).collect();
        let found = match self.services.live_unread(&pairs) {
            Ok(found) => found,
            Err(e) => {
                // The database is away: the streams keep their last count and wait.
                tracing::debug!(error = %e, "live unread counts not refreshed");
                return;
            }
        };
        let inner = self.lock();
        for ((id, _, _), now) in watched.iter().zip(found) {
            let Some(w) = inner.watchers.get(id) else {
                continue;
            };
            let next = now.map_or(Live::Ended, Live::Unread);
            w.tx.send_if_modified(|cur| {
                let changed = *cur != next;
                *cur = next;
                changed
            });
        }
    }
}

/// The refresher: every `every`, or at once when asked, while the hub lives.
fn refresh_loop(hub: &Weak<LiveHub>) {
    loop {
        let Some(h) = hub.upgrade() else { return };
        {
            let mut inner = h.lock();
            if !inner.soon {
                inner = h
                    .bell
                    .wait_timeout(inner, h.every)
                    .unwrap_or_else(|p| p.into_inner())
                    .0;
            }
            inner.soon = false;
        }
        h.refresh();
        drop(h);
    }
}
