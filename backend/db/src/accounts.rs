//! Organizations and users.

use diesel::prelude::*;
use domain::account::{Contact, Locale, OrgKind, Organization, Recipient, Role, User};
use domain::credit_code::CreditCode;
use domain::error::{Error, Result};
use domain::ids::{OrganizationId, UserId};
use domain::ports::{AccountReads, AccountRepo, OrgFilter, ProfileStamp};
use domain::sector::Sector;

use crate::schema::{organizations, users};
use crate::time::{from_db, to_db};
use crate::{AnyConnection, db_err, sqlite_in};

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = organizations)]
#[diesel(treat_none_as_null = true)]
struct OrgRow {
    id: i64,
    kind: String,
    name: String,
    credit_code: Option<String>,
    verified: bool,
    opc_member: bool,
    description: String,
    capabilities: String,
    contact_name: Option<String>,
    contact_phone: Option<String>,
    contact_email: Option<String>,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
    offer_kinds: String,
    open_to_teaming: bool,
}

impl OrgRow {
    fn from_domain(o: &Organization) -> Self {
        OrgRow {
            id: o.id.0,
            kind: o.kind.code().into(),
            name: o.name.clone(),
            credit_code: o.credit_code.as_ref().map(|c| c.as_str().to_string()),
            verified: o.verified,
            opc_member: o.opc_member,
            description: o.description.clone(),
            capabilities: serde_json::to_string(&o.capabilities).unwrap_or_else(|_| "[]".into()),
            contact_name: o.contact.name.clone(),
            contact_phone: o.contact.phone.clone(),
            contact_email: o.contact.email.clone(),
            created_at: to_db(o.created_at),
            updated_at: to_db(o.updated_at),
            offer_kinds: serde_json::to_string(&o.offer_kinds).unwrap_or_else(|_| "[]".into()),
            open_to_teaming: o.open_to_teaming,
        }
    }

    fn into_domain(self) -> Result<Organization> {
        Ok(Organization {
            id: OrganizationId(self.id),
            kind: OrgKind::parse(&self.kind).map_err(Error::internal)?,
            name: self.name,
            credit_code: self
                .credit_code
                .as_deref()
                .and_then(|c| CreditCode::parse(c).ok()),
            verified: self.verified,
            opc_member: self.opc_member,
            description: self.description,
            capabilities: serde_json::from_str(&self.capabilities).map_err(Error::internal)?,
            offer_kinds: serde_json::from_str(&self.offer_kinds).map_err(Error::internal)?,
            open_to_teaming: self.open_to_teaming,
            contact: Contact {
                name: self.contact_name,
                phone: self.contact_phone,
                email: self.contact_email,
            },
            created_at: from_db(self.created_at),
            updated_at: from_db(self.updated_at),
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub(crate) struct UserRow {
    id: i64,
    email: String,
    email_normalized: String,
    display_name: String,
    role: String,
    organization_id: Option<i64>,
    expertise: String,
    password_hash: String,
    active: bool,
    locale: String,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
}

/// The columns of a user that change (never the id, e-mail or hash).
#[derive(AsChangeset)]
#[diesel(table_name = users)]
#[diesel(treat_none_as_null = true)]
struct UserChanges {
    display_name: String,
    role: String,
    organization_id: Option<i64>,
    expertise: String,
    active: bool,
    locale: String,
    updated_at: chrono::NaiveDateTime,
}

impl UserRow {
    pub(crate) fn into_domain(self) -> Result<(User, String)> {
        let expertise: Vec<String> =
            serde_json::from_str(&self.expertise).map_err(Error::internal)?;
        Ok((
            User {
                id: UserId(self.id),
                email: self.email,
                display_name: self.display_name,
                role: Role::parse(&self.role).map_err(Error::internal)?,
                organization_id: self.organization_id.map(OrganizationId),
                expertise: expertise
                    .iter()
                    .filter_map(|s| Sector::parse(s).ok())
                    .collect(),
                active: self.active,
                locale: Locale::parse(&self.locale).unwrap_or_default(),
                created_at: from_db(self.created_at),
                updated_at: from_db(self.updated_at),
            },
            self.password_hash,
        ))
    }
}

fn expertise_json(e: &[Sector]) -> String {
    serde_json::to_string(&e.iter().map(|s| s.code()).collect::<Vec<_>>())
        .unwrap_or_else(|_| "[]".into())
}

fn user_changes(u: &User) -> UserChanges {
    UserChanges {
        display_name: u.display_name.clone(),
        role: u.role.code().into(),
        organization_id: u.organization_id.map(|o| o.0),
        expertise: expertise_json(&u.expertise),
        active: u.active,
        locale: u.locale.code().into(),
        updated_at: to_db(u.updated_at),
    }
}

/// `%text%` for LIKE, with the LIKE wildcards in `text` escaped by `\`.
pub(crate) fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The size of a profile's texts in bytes, in SQL (part of its stamp): SQLite counts them
/// without reading the texts.
const PROFILE_SIZE: &str = "octet_length(name) + octet_length(description) \
     + octet_length(capabilities) + octet_length(offer_kinds) \
     + CASE WHEN opc_member THEN 1 ELSE 0 END";

impl AccountReads for AnyConnection {
    fn organizations_version(&mut self) -> Result<i64> {
        crate::schema::organization_version::table
            .find(1)
            .select(crate::schema::organization_version::n)
            .first(self)
            .map_err(db_err)
    }

    fn vendor_stamps(&mut self) -> Result<Vec<(OrganizationId, ProfileStamp)>> {
        use diesel::sql_types::BigInt;
        let size = diesel::dsl::sql::<BigInt>(&format!("CAST({PROFILE_SIZE} AS BIGINT)"));
        let rows: Vec<(i64, chrono::NaiveDateTime, i64)> = organizations::table
            .filter(organizations::kind.eq(OrgKind::Vendor.code()))
            .filter(organizations::verified.eq(true))
            .select((organizations::id, organizations::updated_at, size))
            .order(organizations::id.asc())
            .load(self)
            .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|(id, at, size)| {
                (
                    OrganizationId(id),
                    ProfileStamp {
                        updated_at: from_db(at),
                        size,
                    },
                )
            })
            .collect())
    }

    fn organization(&mut self, id: OrganizationId) -> Result<Option<Organization>> {
        on_conn!(self, |c| organizations::table
            .find(id.0)
            .select(OrgRow::as_select())
            .first(c)
            .optional())
        .map_err(db_err)?
        .map(OrgRow::into_domain)
        .transpose()
    }

    fn organizations_of(&mut self, ids: &[OrganizationId]) -> Result<Vec<Organization>> {
        let ids: Vec<i64> = ids.iter().map(|i| i.0).collect();
        load_in!(self, organizations::id, &ids, |among| {
            organizations::table
                .filter(among)
                .select(OrgRow::as_select())
        })
        .map_err(db_err)?
        .into_iter()
        .map(OrgRow::into_domain)
        .collect()
    }

    fn organizations(&mut self, f: &OrgFilter) -> Result<(Vec<Organization>, i64)> {
        let filtered = |mut q: organizations::BoxedQuery<'static, _>| {
            if let Some(k) = f.kind {
                q = q.filter(organizations::kind.eq(k.code()));
            }
            if let Some(v) = f.verified {
                q = q.filter(organizations::verified.eq(v));
            }
            if let Some(o) = f.opc_member {
                q = q.filter(organizations::opc_member.eq(o));
            }
            if let Some(text) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                let pat = like_pattern(&text.to_lowercase());
                q = q.filter(
                    lower(organizations::name)
                        .like(pat.clone())
                        .escape('\\')
                        .or(lower(organizations::description).like(pat).escape('\\')),
                );
            }
            for tag in &f.tags {
                let quoted = serde_json::to_string(tag).unwrap_or_default();
                q = q.filter(
                    organizations::capabilities
                        .like(like_pattern(&quoted))
                        .escape('\\'),
                );
            }
            q
        };
        let total: i64 = filtered(organizations::table.into_boxed())
            .count()
            .get_result(self)
            .map_err(db_err)?;
        let rows: Vec<OrgRow> = filtered(organizations::table.into_boxed())
            .select(OrgRow::as_select())
            .order((
                organizations::verified.asc(),
                organizations::created_at.desc(),
                organizations::id.desc(),
            ))
            .offset(f.offset)
            .limit(f.limit)
            .load(self)
            .map_err(db_err)?;
        Ok((
            rows.into_iter()
                .map(OrgRow::into_domain)
                .collect::<Result<_>>()?,
            total,
        ))
    }

    fn user(&mut self, id: UserId) -> Result<Option<User>> {
        users::table
            .find(id.0)
            .select(UserRow::as_select())
            .first(self)
            .optional()
            .map_err(db_err)?
            .map(|r| r.into_domain().map(|(u, _)| u))
            .transpose()
    }

    fn user_by_email(&mut self, email_normalized: &str) -> Result<Option<(User, String)>> {
        users::table
            .filter(users::email_normalized.eq(email_normalized))
            .select(UserRow::as_select())
            .first(self)
            .optional()
            .map_err(db_err)?
            .map(UserRow::into_domain)
            .transpose()
    }

    fn users_of_organization(&mut self, org: OrganizationId) -> Result<Vec<User>> {
        let rows: Vec<UserRow> = users::table
            .filter(users::organization_id.eq(org.0))
            .select(UserRow::as_select())
            .order(users::created_at.asc())
            .load(self)
            .map_err(db_err)?;
        rows.into_iter()
            .map(|r| r.into_domain().map(|(u, _)| u))
            .collect()
    }

    fn recipients(&mut self, ids: &[UserId]) -> Result<Vec<Recipient>> {
        type Row = (i64, String, String, String, Option<i64>, bool, String);
        let raw: Vec<i64> = ids.iter().map(|u| u.0).collect();
        let q = users::table.select((
            users::id,
            users::email,
            users::display_name,
            users::role,
            users::organization_id,
            users::active,
            users::locale,
        ));
        let rows: Vec<Row> = match self {
            AnyConnection::Postgresql(c) => q.filter(users::id.eq_any(&raw)).load(c),
            AnyConnection::Sqlite(c) => q.filter(sqlite_in(users::id, &raw)?).load(c),
        }
        .map_err(db_err)?;
        rows.into_iter()
            .map(|(id, email, display_name, role, org, active, locale)| {
                Ok(Recipient {
                    id: UserId(id),
                    email,
                    display_name,
                    role: Role::parse(&role).map_err(Error::internal)?,
                    organization_id: org.map(OrganizationId),
                    active,
                    locale: Locale::parse(&locale).unwrap_or_default(),
                })
            })
            .collect()
    }

    fn evaluators(&mut self, sector: Option<Sector>) -> Result<Vec<User>> {
        let mut q = users::table
            .filter(users::role.eq(Role::Evaluator.code()))
            .filter(users::active.eq(true))
            .into_boxed();
        if let Some(s) = sector {
            q = q.filter(
                users::expertise
                    .like(like_pattern(&format!("\"{}\"", s.code())))
                    .escape('\\'),
            );
        }
        let rows: Vec<UserRow> = q
            .select(UserRow::as_select())
            .order(users::display_name.asc())
            .load(self)
            .map_err(db_err)?;
        rows.into_iter()
            .map(|r| r.into_domain().map(|(u, _)| u))
            .collect()
    }

    fn count_users(&mut self) -> Result<i64> {
        users::table.count().get_result(self).map_err(db_err)
    }
}

impl AccountRepo for AnyConnection {
    fn insert_organization(&mut self, org: &Organization) -> Result<()> {
        diesel::insert_into(organizations::table)
            .values(OrgRow::from_domain(org))
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }

    fn lock_organization(&mut self, id: OrganizationId) -> Result<Option<Organization>> {
        let mine = organizations::table.find(id.0);
        // SQLite's write transactions are serialised already.
        let row = match self {
            AnyConnection::Postgresql(c) => mine.select(OrgRow::as_select()).for_update().first(c),
            AnyConnection::Sqlite(c) => mine.select(OrgRow::as_select()).first(c),
        };
        row.optional()
            .map_err(db_err)?
            .map(OrgRow::into_domain)
            .transpose()
    }

    fn update_organization(&mut self, org: &Organization) -> Result<()> {
        diesel::update(organizations::table.find(org.id.0))
            .set(OrgRow::from_domain(org))
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }

    fn insert_user(&mut self, u: &User, password_hash: &str) -> Result<()> {
        let row = UserRow {
            id: u.id.0,
            email: u.email.clone(),
            email_normalized: u.email.to_lowercase(),
            display_name: u.display_name.clone(),
            role: u.role.code().into(),
            organization_id: u.organization_id.map(|o| o.0),
            expertise: expertise_json(&u.expertise),
            password_hash: password_hash.into(),
            active: u.active,
            locale: u.locale.code().into(),
            created_at: to_db(u.created_at),
            updated_at: to_db(u.updated_at),
        };
        diesel::insert_into(users::table)
            .values(row)
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }

    fn update_user(&mut self, u: &User) -> Result<()> {
        diesel::update(users::table.find(u.id.0))
            .set(user_changes(u))
            .execute(self)
            .map_err(db_err)?;
        // The session checks answer the user as stored.
        crate::live::sessions_changed(self)
    }

    fn set_password_hash(
        &mut self,
        id: UserId,
        hash: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        diesel::update(users::table.find(id.0))
            .set((
                users::password_hash.eq(hash),
                users::updated_at.eq(to_db(at)),
            ))
            .execute(self)
            .map_err(db_err)?;
        crate::live::sessions_changed(self)
    }
}
