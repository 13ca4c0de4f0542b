//! Organizations and users.

use crate::account::{Organization, Recipient, User};
use crate::error::Result;
use crate::ids::{OrganizationId, UserId};
use crate::sector::Sector;
use chrono::{DateTime, Utc};

/// Filters of the organization lists.
#[derive(Debug, Clone, Default)]
pub struct OrgFilter {
    pub kind: Option<crate::account::OrgKind>,
    pub verified: Option<bool>,
    pub opc_member: Option<bool>,
    /// Matches name or description, case-insensitively.
    pub q: Option<String>,
    /// Each tag must be among the capabilities.
    pub tags: Vec<String>,
    pub offset: i64,
    pub limit: i64,
}

/// What changes when a vendor's profile changes: its last change and the size of its texts
/// (so that two changes stamped alike by a coarse clock still differ, unless equally long).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProfileStamp {
    pub updated_at: DateTime<Utc>,
    pub size: i64,
}

/// What may be read of these inside any transaction, a read-only one included.
pub trait AccountReads {
    fn organization(&mut self, id: OrganizationId) -> Result<Option<Organization>>;
    /// The organizations of `ids` that exist, in one query (in no particular order).
    fn organizations_of(&mut self, ids: &[OrganizationId]) -> Result<Vec<Organization>>;
    /// A page of organizations and the total count.
    fn organizations(&mut self, filter: &OrgFilter) -> Result<(Vec<Organization>, i64)>;
    /// Every verified vendor's id and stamp, by id: what analysed profiles are kept against.
    fn vendor_stamps(&mut self) -> Result<Vec<(OrganizationId, ProfileStamp)>>;
    /// A counter that every change of any organization moves, whatever wrote it (the
    /// database moves it): while it stands, so does every vendor's stamp (one row read, not
    /// one per vendor).
    fn organizations_version(&mut self) -> Result<i64>;
    fn user(&mut self, id: UserId) -> Result<Option<User>>;
    /// The user and the password hash, by lower-cased e-mail.
    fn user_by_email(&mut self, email_normalized: &str) -> Result<Option<(User, String)>>;
    fn users_of_organization(&mut self, org: OrganizationId) -> Result<Vec<User>>;
    /// These users as recipients of a notice (those that exist), in one read per thousand:
    /// who they are, their role, organization and language, without whole users.
    fn recipients(&mut self, ids: &[UserId]) -> Result<Vec<Recipient>>;
    /// Active evaluators, optionally only those with expertise in a domain.
    fn evaluators(&mut self, sector: Option<Sector>) -> Result<Vec<User>>;
    fn count_users(&mut self) -> Result<i64>;
}

/// Organizations and users.
pub trait AccountRepo: AccountReads {
    fn insert_organization(&mut self, org: &Organization) -> Result<()>;
    /// The organization, locked until the transaction ends: a change read from it and
    /// written back whole ([`AccountRepo::update_organization`]) loses no concurrent change.
    fn lock_organization(&mut self, id: OrganizationId) -> Result<Option<Organization>>;
    fn update_organization(&mut self, org: &Organization) -> Result<()>;
    fn insert_user(&mut self, user: &User, password_hash: &str) -> Result<()>;
    fn update_user(&mut self, user: &User) -> Result<()>;
    fn set_password_hash(&mut self, id: UserId, hash: &str, at: DateTime<Utc>) -> Result<()>;
}
