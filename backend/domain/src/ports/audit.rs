//! The audit chain.

use crate::audit::{AuditRecord, Unsealed};
use crate::error::Result;

/// What may be read of these inside any transaction, a read-only one included.
pub trait AuditReads {
    /// Records in sequence order, from `after_seq` (exclusive), at most `limit`.
    fn audit_records(&mut self, after_seq: i64, limit: i64) -> Result<Vec<AuditRecord>>;
}

/// The audit chain's storage.
pub trait AuditRepo: AuditReads {
    /// Appends the record, committed with this transaction. The store chains it: in this
    /// transaction (SQLite, whose writers are serialised anyway), or just after the commit
    /// together with the records other transactions committed meanwhile (PostgreSQL; readers
    /// call [`crate::ports::Store::settle_audit`] first).
    fn append_audit(&mut self, record: Unsealed) -> Result<()>;
}
