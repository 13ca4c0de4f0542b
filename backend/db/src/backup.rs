//! What a backup needs of the database: a consistent copy of a live SQLite database, and the
//! list of stored attachments to check files against after a restore.

use std::path::Path;

use diesel::prelude::*;

use crate::schema::bid_attachments;
use crate::{AnyConnection, Backend, Database};

impl Database {
    /// Writes a consistent copy of the live SQLite database to `dst` (which must not exist)
    /// with `VACUUM INTO`: one read transaction on the source, so the server goes on writing
    /// (the database is in WAL mode) and the copy is the state of one instant.
    pub fn sqlite_snapshot(&self, dst: &Path) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.backend() == Backend::Sqlite,
            "a snapshot is of a SQLite database"
        );
        anyhow::ensure!(!dst.exists(), "{} exists already", dst.display());
        let path = dst
            .to_str()
            .ok_or_else(|| anyhow::anyhow!("the path {} is not UTF-8", dst.display()))?;
        let mut c = self.conn().map_err(|e| anyhow::anyhow!("{e}"))?;
        let sql = format!("VACUUM INTO '{}'", path.replace('\'', "''"));
        diesel::sql_query(sql).execute(&mut *c)?;
        Ok(())
    }

    /// Every stored attachment: (SHA-256, size), once each.
    pub fn attachment_hashes(&self) -> anyhow::Result<Vec<(String, i64)>> {
        let mut c = self.conn().map_err(|e| anyhow::anyhow!("{e}"))?;
        let c: &mut AnyConnection = &mut c;
        let mut all: Vec<(String, i64)> = bid_attachments::table
            .select((bid_attachments::sha256, bid_attachments::size))
            .distinct()
            .load(c)?;
        all.extend(
            domain::ports::ChallengeReads::challenge_attachment_hashes(c)
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        );
        all.extend(
            domain::ports::ContractReads::contract_file_hashes(c)
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        );
        all.sort();
        all.dedup();
        Ok(all)
    }

    /// Whether the PostgreSQL database has no tables yet (a restore goes only into an empty
    /// one).
    pub fn postgres_is_empty(url: &str) -> anyhow::Result<bool> {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut c = diesel::PgConnection::establish(url)?;
        let n: N = diesel::sql_query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM information_schema.tables WHERE table_schema = 'public'",
        )
        .get_result(&mut c)?;
        Ok(n.n == 0)
    }
}
