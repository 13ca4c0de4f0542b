//! Notifications, the outbox of notices they are made from, the e-mail settings and the
//! e-mails sent.

use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::ids::UserId;
use crate::notification::{NewNotification, Notification, NotificationFilter};

/// The reading side: a user's notifications and the notices waiting for the worker.
pub trait NotificationReads {
    /// A page of the user's notifications, newest first, and how many match the filter.
    fn notifications(
        &mut self,
        user: UserId,
        f: &NotificationFilter,
    ) -> Result<(Vec<Notification>, i64)>;
    /// One of the user's notifications (`None` when it is someone else's or missing).
    fn notification(&mut self, user: UserId, id: i64) -> Result<Option<Notification>>;
    fn unread_notifications(&mut self, user: UserId) -> Result<i64>;
    /// The unread counts of several users at once (a user with none may be left out).
    fn unread_counts(&mut self, users: &[UserId]) -> Result<Vec<(UserId, i64)>>;
    /// The oldest waiting notices (their outbox id and stored form).
    fn waiting_notices(&mut self, limit: i64) -> Result<Vec<(i64, String)>>;
    /// The user's e-mail settings, if ever saved.
    fn notification_settings(
        &mut self,
        user: UserId,
    ) -> Result<Option<crate::email::NotificationSettings>>;
    /// The saved settings of these users (one read for a notice's every recipient).
    fn notification_settings_of(
        &mut self,
        users: &[UserId],
    ) -> Result<Vec<(UserId, crate::email::NotificationSettings)>>;
    /// Whether an e-mail with this key was sent.
    fn email_sent(&mut self, key: &str) -> Result<bool>;
}

pub trait NotificationRepo: NotificationReads {
    /// Leaves a notice for the worker, inside the transaction of the change it tells of.
    fn enqueue_notice(&mut self, notice: &str, at: DateTime<Utc>) -> Result<()>;
    fn remove_notice(&mut self, id: i64) -> Result<()>;
    /// Writes notifications (id and content), each unless its recipient has one with the same
    /// key; returns the recipients of those written.
    fn insert_notifications(
        &mut self,
        rows: &[(i64, NewNotification)],
        at: DateTime<Utc>,
    ) -> Result<Vec<UserId>>;
    /// Takes every notification waiting for the user's daily digest out of it and hands them
    /// back, oldest first, in one statement: two digest runs at once never both take one.
    fn take_digest(&mut self, user: UserId) -> Result<Vec<Notification>>;
    /// The user's e-mail settings (the defaults until saved), locked until the transaction ends
    /// so that a change read from them and written back loses no concurrent change.
    fn lock_notification_settings(
        &mut self,
        user: UserId,
        at: DateTime<Utc>,
    ) -> Result<crate::email::NotificationSettings>;
    fn put_notification_settings(
        &mut self,
        user: UserId,
        s: &crate::email::NotificationSettings,
        at: DateTime<Utc>,
    ) -> Result<()>;
    /// Remembers that the e-mail with this key was sent.
    fn record_email_sent(&mut self, key: &str, at: DateTime<Utc>) -> Result<()>;
    /// Marks one of the user's notifications read; whether it is the user's.
    fn mark_notification_read(&mut self, user: UserId, id: i64, at: DateTime<Utc>) -> Result<bool>;
    /// Marks every unread notification of the user read; how many were.
    fn mark_all_notifications_read(&mut self, user: UserId, at: DateTime<Utc>) -> Result<i64>;
}
