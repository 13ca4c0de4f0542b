//! How notifications, invitations, interests and saved searches are stored: their columns
//! and the rows read back as domain values.

use domain::error::Result;
use domain::ids::{OrganizationId, UserId};
use domain::matching::{EmailPref, Interests, SavedSearch};
use domain::notify::{Invitation, Kind, Notification};
use domain::scenario::ScenarioId;
use domain::sector::Sector;

use crate::schema::{interests, invitations, notifications, saved_searches};
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

pub(super) type InvitationRow = (i64, i64, i64, i64, String, chrono::NaiveDateTime);

pub(super) fn invitation_columns() -> (
    invitations::id,
    invitations::scenario_id,
    invitations::vendor_org_id,
    invitations::invited_by,
    invitations::message,
    invitations::created_at,
) {
    (
        invitations::id,
        invitations::scenario_id,
        invitations::vendor_org_id,
        invitations::invited_by,
        invitations::message,
        invitations::created_at,
    )
}

pub(super) fn invitation_of(r: InvitationRow) -> Invitation {
    Invitation {
        id: r.0,
        scenario: ScenarioId(r.1),
        vendor: OrganizationId(r.2),
        invited_by: UserId(r.3),
        message: r.4,
        created_at: from_db(r.5),
    }
}

pub(super) fn json_list<T: serde::Serialize>(v: &[T]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

pub(super) fn stored_list<T: serde::de::DeserializeOwned>(s: &str) -> Result<Vec<T>> {
    serde_json::from_str(s).map_err(|e| domain::Error::internal(format!("a stored list: {e}")))
}

pub(super) type InterestRow = (i64, String, String, String, Option<i64>, String);

pub(super) fn interest_columns() -> (
    interests::user_id,
    interests::domains,
    interests::tags,
    interests::keywords,
    interests::budget_min_fen,
    interests::email,
) {
    (
        interests::user_id,
        interests::domains,
        interests::tags,
        interests::keywords,
        interests::budget_min_fen,
        interests::email,
    )
}

pub(super) fn interests_of(r: InterestRow) -> Result<(UserId, Interests)> {
    Ok((
        UserId(r.0),
        Interests {
            domains: stored_list::<Sector>(&r.1)?,
            tags: stored_list(&r.2)?,
            keywords: stored_list(&r.3)?,
            budget_min_fen: r.4,
            email: EmailPref::parse(&r.5).unwrap_or_default(),
        },
    ))
}

pub(super) type SearchRow = (
    i64,
    i64,
    String,
    String,
    String,
    Option<i64>,
    Option<i64>,
    chrono::NaiveDateTime,
);

pub(super) fn search_columns() -> (
    saved_searches::id,
    saved_searches::user_id,
    saved_searches::query_text,
    saved_searches::domains,
    saved_searches::tags,
    saved_searches::budget_min_fen,
    saved_searches::budget_max_fen,
    saved_searches::created_at,
) {
    (
        saved_searches::id,
        saved_searches::user_id,
        saved_searches::query_text,
        saved_searches::domains,
        saved_searches::tags,
        saved_searches::budget_min_fen,
        saved_searches::budget_max_fen,
        saved_searches::created_at,
    )
}

pub(super) fn search_of(r: SearchRow) -> Result<SavedSearch> {
    Ok(SavedSearch {
        id: r.0,
        user: UserId(r.1),
        q: r.2,
        domains: stored_list(&r.3)?,
        tags: stored_list(&r.4)?,
        budget_min_fen: r.5,
        budget_max_fen: r.6,
        created_at: from_db(r.7),
    })
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
