//! The audit chain. Appenders first update the single `audit_head` row, which takes a row lock
//! on PostgreSQL (and the write lock on SQLite), so that records get consecutive numbers and
//! each links to the one committed before it.

use diesel::prelude::*;
use domain::audit::AuditRecord;
use domain::error::Result;
use domain::ids::UserId;
use domain::ports::{AuditReads, AuditRepo};

use crate::schema::{audit_head, audit_log};
use crate::time::{from_db, to_db};
use crate::{AnyConnection, db_err};

pub(crate) type AuditRow = (
    i64,
    Option<i64>,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    chrono::NaiveDateTime,
    String,
    String,
);

impl AuditReads for AnyConnection {
    fn audit_records(&mut self, after_seq: i64, limit: i64) -> Result<Vec<AuditRecord>> {
        let rows: Vec<AuditRow> = audit_log::table
            .filter(audit_log::seq.gt(after_seq))
            .order(audit_log::seq.asc())
            .limit(limit)
            .load(self)
            .map_err(db_err)?;
        Ok(rows.into_iter().map(record_of).collect())
    }
}

pub(crate) fn record_of(r: AuditRow) -> AuditRecord {
    AuditRecord {
        seq: r.0,
        actor: r.1.map(UserId),
        action: r.2,
        subject_type: r.3,
        subject_id: r.4,
        before: r.5,
        after: r.6,
        at: from_db(r.7),
        prev_hash: r.8,
        hash: r.9,
    }
}

impl AuditRepo for AnyConnection {
    fn lock_audit_head(&mut self) -> Result<(i64, String)> {
        // A no-op update takes the row lock until the transaction ends.
        diesel::update(audit_head::table.find(1))
            .set(audit_head::seq.eq(audit_head::seq))
            .execute(self)
            .map_err(db_err)?;
        audit_head::table
            .find(1)
            .select((audit_head::seq, audit_head::hash))
            .first(self)
            .map_err(db_err)
    }

    fn insert_audit_record(&mut self, r: &AuditRecord) -> Result<()> {
        diesel::insert_into(audit_log::table)
            .values((
                audit_log::seq.eq(r.seq),
                audit_log::actor_id.eq(r.actor.map(|a| a.0)),
                audit_log::action.eq(&r.action),
                audit_log::subject_type.eq(&r.subject_type),
                audit_log::subject_id.eq(&r.subject_id),
                audit_log::before_json.eq(&r.before),
                audit_log::after_json.eq(&r.after),
                audit_log::at.eq(to_db(r.at)),
                audit_log::prev_hash.eq(&r.prev_hash),
                audit_log::hash.eq(&r.hash),
            ))
            .execute(self)
            .map_err(db_err)?;
        diesel::update(audit_head::table.find(1))
            .set((audit_head::seq.eq(r.seq), audit_head::hash.eq(&r.hash)))
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }
}
