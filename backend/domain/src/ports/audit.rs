//! The audit chain.

use crate::audit::AuditRecord;
use crate::error::Result;

/// What may be read of these inside any transaction, a read-only one included.
pub trait AuditReads {
    /// Records in sequence order, from `after_seq` (exclusive), at most `limit`.
    fn audit_records(&mut self, after_seq: i64, limit: i64) -> Result<Vec<AuditRecord>>;
}

/// The audit chain's storage. Appending is serialised by the store (see the db crate).
pub trait AuditRepo: AuditReads {
    /// Locks the head of the chain for this transaction and returns (last seq, last hash).
    fn lock_audit_head(&mut self) -> Result<(i64, String)>;
    /// Writes the record and moves the head to it.
    fn insert_audit_record(&mut self, rec: &AuditRecord) -> Result<()>;
}
