//! The e-mail side of notifications: each recipient's choice per kind (immediate, daily digest,
//! off), the send jobs written with the notifications, the daily digest, and unsubscribing by
//! a signed link.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::Services;
use domain::account::Recipient;
use domain::actor::Actor;
use domain::email::{
    DigestItem, EmailMessage, NotificationSettings, OutgoingEmail, Unsubscribe,
    check_unsubscribe_token, next_digest_at, unsubscribe_token,
};
use domain::error::{Error, Fields, Result};
use domain::ids::UserId;
use domain::job::{Job, NewJob};
use domain::matching::EmailPref;
use domain::message::Message;
use domain::notification::{Kind, Notice};
use domain::ports::{Tx, in_read, in_tx};
use domain::recommend::Corpus;

/// Where a user changes what they receive.
const SETTINGS_PATH: &str = "/notifications/settings";

impl Services {
    /// Writes a notice's notifications and, in the same transaction, the e-mail each recipient
    /// chose: a send job now, or a place in the next daily digest. A recipient who has the
    /// notification already (the notice was delivered before) gets nothing new. Returns how
    /// many notifications were written.
    pub(super) fn notify(
        &self,
        tx: &mut dyn Tx,
        outbox_id: i64,
        notice: &Notice,
        now: DateTime<Utc>,
        corpus: Option<&Arc<Corpus>>,
    ) -> Result<usize> {
        let kind = notice.kind();
        let addressed = super::notifications::addressed(self, tx, outbox_id, notice, corpus)?;
        let ids: Vec<UserId> = addressed.iter().map(|(u, ..)| u.id).collect();
        let settings: HashMap<UserId, NotificationSettings> =
            tx.notification_settings_of(&ids)?.into_iter().collect();
        let default = NotificationSettings::default();
        let setting = |u: UserId| settings.get(&u).unwrap_or(&default);
        let (people, rows): (Vec<_>, Vec<_>) = addressed
            .into_iter()
            .map(|(u, facts, mut n)| {
                n.digest = setting(u.id).pref(kind) == EmailPref::Daily;
                ((u, facts), (self.ids.next_at(now), n))
            })
            .unzip();
        let written: HashSet<UserId> = tx.insert_notifications(&rows, now)?.into_iter().collect();
        // What is the same for many recipients is written once: the settings page's address,
        // and the address of the last link seen (one per notice and language).
        let settings_page = self.absolute(SETTINGS_PATH);
        let mut link = (String::new(), String::new());
        let mut jobs = vec![];
        for ((u, facts), (_, n)) in people.into_iter().zip(&rows) {
            if !written.contains(&u.id) {
                continue;
            }
            let s = setting(u.id);
            match s.pref(kind) {
                EmailPref::Immediate => {
                    if link.0 != n.link {
                        link = (n.link.clone(), self.absolute(&n.link));
                    }
                    let key = format!("mail:{}:{}", u.id.0, n.key);
                    let message = EmailMessage::Notification {
                        display_name: u.display_name.clone(),
                        facts: (*facts).clone(),
                        link: link.1.clone(),
                        settings: settings_page.clone(),
                    };
                    let mail = self.mail_to(&u, message, &key, Unsubscribe::Kind(kind));
                    jobs.push((
                        self.ids.next_at(now),
                        NewJob::once(Job::SendEmail(mail), now, key),
                    ));
                }
                EmailPref::Daily => {
                    let at = next_digest_at(now, s.digest_hour);
                    let day = domain::beijing::day(at);
                    let key = format!("digest:{}:{day}", u.id.0);
                    let job = Job::SendDigest { user: u.id.0, day };
                    jobs.push((self.ids.next_at(now), NewJob::once(job, at, key)));
                }
                EmailPref::Off => {}
            }
        }
        tx.enqueue_many(&jobs, now)?;
        Ok(written.len())
    }

    fn absolute(&self, path: &str) -> String {
        format!("{}{path}", self.auth.public_base_url)
    }

    /// The unsubscribe address of a user and scope: its page asks to confirm, and a one-click
    /// POST to it (RFC 8058) does it.
    pub fn unsubscribe_link(&self, user: UserId, what: Unsubscribe) -> String {
        let token = unsubscribe_token(&self.auth.link_secret, user, what);
        self.absolute(&format!("/unsubscribe?token={token}"))
    }

    fn mail_to(
        &self,
        u: &Recipient,
        message: EmailMessage,
        key: &str,
        what: Unsubscribe,
    ) -> OutgoingEmail {
        OutgoingEmail {
            to: u.email.clone(),
            locale: u.locale,
            message,
            key: Some(key.to_string()),
            unsubscribe: Some(self.unsubscribe_link(u.id, what)),
        }
    }

    /// The digest job: the user's notifications waiting for the digest (of the kinds still
    /// taken daily) become one e-mail, and stop waiting, in one transaction. Run twice, it
    /// finds nothing the second time.
    pub fn send_digest(&self, user: UserId, day: &str) -> Result<()> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let waiting = tx.take_digest(user)?;
            let Some(first) = waiting.first().map(|n| n.id) else {
                return Ok(());
            };
            let Some(u) = tx.user(user)?.filter(|u| u.active) else {
                return Ok(());
            };
            let settings = tx.notification_settings(user)?.unwrap_or_default();
            let items: Vec<DigestItem> = waiting
                .into_iter()
                .filter(|n| settings.pref(n.kind) == EmailPref::Daily)
                .map(|n| DigestItem {
                    kind: n.kind,
                    title: n.title,
                    body: n.body,
                    link: self.absolute(&n.link),
                    created_at: n.created_at,
                })
                .collect();
            if items.is_empty() {
                return Ok(());
            }
            let key = format!("digest-mail:{}:{day}:{first}", user.0);
            let message = EmailMessage::Digest {
                display_name: u.display_name.clone(),
                day: day.to_string(),
                items,
                settings: self.absolute(SETTINGS_PATH),
                hour: settings.digest_hour,
            };
            let mail = self.mail_to(&(&u).into(), message, &key, Unsubscribe::Digest);
            tx.enqueue(
                self.ids.next_at(now),
                &NewJob::once(Job::SendEmail(mail), now, key),
                now,
            )
            .map(drop)
        })
    }

    /// Whether the e-mail with this key went out already (a send job run again skips it).
    pub fn email_sent(&self, key: &str) -> Result<bool> {
        in_read(&*self.store, |tx| tx.email_sent(key))
    }

    pub fn record_email_sent(&self, key: &str) -> Result<()> {
        let now = self.now();
        in_tx(&*self.store, |tx| tx.record_email_sent(key, now))
    }

    /// The signed-in user's e-mail settings (the defaults until saved).
    pub fn notification_settings(&self, actor: &Actor) -> Result<NotificationSettings> {
        in_read(&*self.store, |tx| {
            Ok(tx.notification_settings(actor.user_id)?.unwrap_or_default())
        })
    }

    /// Changes the named kinds' choices and, if given, the digest hour; every bad part is
    /// named (`kinds.<kind>`, `digest_hour`) and nothing changes then.
    pub fn save_notification_settings(
        &self,
        actor: &Actor,
        kinds: &[(String, String)],
        digest_hour: Option<i64>,
    ) -> Result<NotificationSettings> {
        let mut f = Fields::default();
        let mut changes = vec![];
        for (k, p) in kinds {
            match (Kind::parse(k), EmailPref::parse(p)) {
                (Some(k), Some(p)) => changes.push((k, p)),
                (None, _) => f.push(
                    &format!("kinds.{k}"),
                    Message::new("没有这种通知", "no such kind of notification"),
                ),
                (_, None) => f.push(
                    &format!("kinds.{k}"),
                    Message::new(
                        "应为 immediate、daily 或 off",
                        "one of immediate, daily, off",
                    ),
                ),
            }
        }
        let hour = match digest_hour {
            None => None,
            Some(h @ 0..=23) => Some(h as u8),
            Some(_) => {
                f.push(
                    "digest_hour",
                    Message::new("应为 0 到 23 点", "an hour from 0 to 23"),
                );
                None
            }
        };
        f.finish()?;
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let mut s = tx.lock_notification_settings(actor.user_id, now)?;
            for (k, p) in &changes {
                s.prefs.insert(*k, *p);
            }
            if let Some(h) = hour {
                s.digest_hour = h;
            }
            tx.put_notification_settings(actor.user_id, &s, now)?;
            Ok(s)
        })
    }

    /// What a genuine unsubscribe token names (`None` for anything else), without changing it.
    pub fn unsubscribe_target(&self, token: &str) -> Option<(UserId, Unsubscribe)> {
        check_unsubscribe_token(&self.auth.link_secret, token)
    }

    /// Follows an unsubscribe link: that kind's e-mail (or, for a digest's link, every kind taken
    /// daily) is turned off for that user; nothing else changes. Works without signing in; a
    /// token that is not genuine changes nothing and names the field.
    pub fn unsubscribe(&self, token: &str) -> Result<(UserId, Vec<Kind>)> {
        let Some((user, what)) = self.unsubscribe_target(token) else {
            return Err(Error::field(
                "token",
                Message::new("退订链接无效或已损坏", "the unsubscribe link is not valid"),
            ));
        };
        let now = self.now();
        in_tx(&*self.store, |tx| {
            if tx.user(user)?.is_none() {
                return Err(Error::NotFound);
            }
            let mut s = tx.lock_notification_settings(user, now)?;
            let off: Vec<Kind> = match what {
                Unsubscribe::Kind(k) => vec![k],
                Unsubscribe::Digest => Kind::ALL
                    .into_iter()
                    .filter(|k| s.pref(*k) == EmailPref::Daily)
                    .collect(),
            };
            for k in &off {
                s.prefs.insert(*k, EmailPref::Off);
            }
            tx.put_notification_settings(user, &s, now)?;
            Ok((user, off))
        })
    }
}
