//! The session checks of this process, kept while the store's session version stands: a
//! signed-in request whose session was checked since the last change of sessions or users
//! (here, or in another process sharing the database) is answered from memory, without a
//! round trip or a thread hop.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use domain::account::User;
use domain::ids::{SessionId, UserId};

/// At most this many sessions are kept (all are forgotten beyond it; they come back as used).
const MOST: usize = 50_000;
/// A kept check is asked again after this long, however still the version stood.
const AGE: Duration = Duration::from_secs(60);

#[derive(Debug, Default)]
pub struct KeptSessions {
    /// The version the kept checks were made at, and the checks.
    kept: RwLock<(u64, HashMap<i64, Kept>)>,
}

#[derive(Debug, Clone)]
struct Kept {
    user: User,
    at: Instant,
}

impl KeptSessions {
    /// The user of a live session as checked at `version`, if that check is kept.
    pub fn get(&self, session: SessionId, user: UserId, version: u64) -> Option<User> {
        let kept = self.kept.read().unwrap_or_else(|p| p.into_inner());
        if kept.0 != version {
            return None;
        }
        kept.1
            .get(&session.0)
            .filter(|k| k.user.id == user && k.at.elapsed() < AGE)
            .map(|k| k.user.clone())
    }

    /// Keeps a check that read the database while the version stood at `version` (and
    /// still stands: the caller looked again after the read).
    pub fn keep(&self, session: SessionId, user: User, version: u64) {
        let mut kept = self.kept.write().unwrap_or_else(|p| p.into_inner());
        let (at, checks) = &mut *kept;
        // Checks of an older version are behind a change: all go at once. A check of an
        // older version than those kept is not kept.
        if version > *at || checks.len() >= MOST {
            checks.clear();
            *at = (*at).max(version);
        }
        if version == *at {
            checks.insert(
                session.0,
                Kept {
                    user,
                    at: Instant::now(),
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::account::{Locale, Role};
    use domain::ids::OrganizationId;

    fn user(id: i64) -> User {
        User {
            id: UserId(id),
            email: "a@b.cn".into(),
            display_name: "甲".into(),
            role: Role::Vendor,
            organization_id: Some(OrganizationId(3)),
            expertise: vec![],
            active: true,
            locale: Locale::default(),
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn a_kept_check_holds_only_at_its_version_and_for_its_user() {
        let k = KeptSessions::default();
        assert!(k.get(SessionId(1), UserId(7), 4).is_none());
        k.keep(SessionId(1), user(7), 4);
        assert_eq!(k.get(SessionId(1), UserId(7), 4).unwrap().id, UserId(7));
        // Another user's token naming this session, or a moved version: asked again.
        assert!(k.get(SessionId(1), UserId(8), 4).is_none());
        assert!(k.get(SessionId(1), UserId(7), 5).is_none());
        // A keep at a newer version drops what is older.
        k.keep(SessionId(2), user(9), 5);
        assert!(k.get(SessionId(1), UserId(7), 4).is_none());
        assert_eq!(k.kept.read().unwrap().1.len(), 1);
        // A check made at an older version than those kept is not kept.
        k.keep(SessionId(3), user(7), 4);
        assert!(k.get(SessionId(3), UserId(7), 4).is_none());
        assert_eq!(k.get(SessionId(2), UserId(9), 5).unwrap().id, UserId(9));
    }
}
