//! How notifications are stored: their columns and the rows read back as domain values.

use domain::error::Result;
use domain::ids::UserId;
use domain::notification::{Kind, Notification};

use crate::schema::notifications;
use crate::time::from_db;

pub(super) type Row = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    Option<chrono::NaiveDateTime>,
    chrono::NaiveDateTime,
);

pub(super) fn columns() -> (
    notifications::id,
    notifications::user_id,
    notifications::kind,
    notifications::title,
    notifications::body,
    notifications::link,
    notifications::read_at,
    notifications::created_at,
) {
    (
        notifications::id,
        notifications::user_id,
        notifications::kind,
        notifications::title,
        notifications::body,
        notifications::link,
        notifications::read_at,
        notifications::created_at,
    )
}

pub(super) fn into_domain(r: Row) -> Result<Notification> {
    let kind = Kind::parse(&r.2)
        .ok_or_else(|| domain::Error::internal(format!("stored notification kind {:?}", r.2)))?;
    Ok(Notification {
        id: r.0,
        user: UserId(r.1),
        kind,
        title: r.3,
        body: r.4,
        link: r.5,
        read: r.6.is_some(),
        created_at: from_db(r.7),
    })
}
