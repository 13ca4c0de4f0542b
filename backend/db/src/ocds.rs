//! The stored open-contracting releases.

use diesel::prelude::*;

use domain::audit::AuditAction;
use domain::error::Result;
use domain::ports::{OcdsReads, OcdsRepo, ReleasePage, StoredRelease};
use domain::scenario::ScenarioId;

use crate::schema::ocds_releases;
use crate::time::{from_db, to_db};
use crate::{AnyConnection, db_err};

type Row = (
    i64,
    i32,
    chrono::NaiveDateTime,
    String,
    Option<String>,
    String,
);

impl OcdsReads for AnyConnection {
    fn ocds_releases_of(&mut self, scenario: ScenarioId) -> Result<Vec<StoredRelease>> {
        let rows: Vec<Row> = ocds_releases::table
            .filter(ocds_releases::scenario_id.eq(scenario.0))
            .order(ocds_releases::n.asc())
            .load(self)
            .map_err(db_err)?;
        rows.into_iter()
            .map(|r| {
                let action = AuditAction::parse(&r.3).ok_or_else(|| {
                    domain::Error::internal(format!("stored release action {:?}", r.3))
                })?;
                let event = serde_json::from_str(r.4.as_deref().unwrap_or_default())
                    .map_err(|e| domain::Error::internal(format!("stored release event: {e}")))?;
                Ok(StoredRelease {
                    scenario: ScenarioId(r.0),
                    n: r.1,
                    at: from_db(r.2),
                    action,
                    event,
                    body: r.5,
                })
            })
            .collect()
    }

    fn ocds_release_page(
        &mut self,
        since: Option<chrono::DateTime<chrono::Utc>>,
        offset: i64,
        limit: i64,
    ) -> Result<ReleasePage> {
        let query = || {
            let mut q = ocds_releases::table.into_boxed();
            if let Some(t) = since {
                q = q.filter(ocds_releases::released_at.ge(to_db(t)));
            }
            q
        };
        let total: i64 = query().count().get_result(self).map_err(db_err)?;
        let rows: Vec<(chrono::NaiveDateTime, String)> = query()
            .order((
                ocds_releases::released_at.asc(),
                ocds_releases::scenario_id.asc(),
                ocds_releases::n.asc(),
            ))
            .offset(offset)
            .limit(limit)
            .select((ocds_releases::released_at, ocds_releases::body))
            .load(self)
            .map_err(db_err)?;
        Ok((
            rows.into_iter().map(|(at, b)| (from_db(at), b)).collect(),
            total,
        ))
    }

    fn ocds_any_release(&mut self) -> Result<bool> {
        let one: Option<i64> = ocds_releases::table
            .select(ocds_releases::scenario_id)
            .first(self)
            .optional()
            .map_err(db_err)?;
        Ok(one.is_some())
    }
}

impl OcdsRepo for AnyConnection {
    fn insert_ocds_release(&mut self, r: &StoredRelease) -> Result<()> {
        let event = serde_json::to_string(&r.event).map_err(domain::Error::internal)?;
        diesel::insert_into(ocds_releases::table)
            .values((
                ocds_releases::scenario_id.eq(r.scenario.0),
                ocds_releases::n.eq(r.n),
                ocds_releases::released_at.eq(to_db(r.at)),
                ocds_releases::action.eq(r.action.code()),
                ocds_releases::after_json.eq(event),
                ocds_releases::body.eq(&r.body),
            ))
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }
}
