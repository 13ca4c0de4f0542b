//! Search storage: the index outbox (marks written inside service transactions, drained by
//! the indexer) and the thesaurus administrators edit.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use domain::error::Result;
use domain::ids::UserId;
use domain::ports::{IndexQueue, SearchOutboxRepo, SynonymReads, SynonymRepo};
use domain::search::DocRef;

use crate::schema::{search_outbox, search_synonyms};
use crate::time::{from_db, to_db};
use crate::{AnyConnection, Database, db_err};

impl SearchOutboxRepo for AnyConnection {
    fn mark_for_index(&mut self, doc: DocRef, at: DateTime<Utc>) -> Result<()> {
        let row = (
            search_outbox::kind.eq(doc.kind()),
            search_outbox::doc_id.eq(doc.id()),
            search_outbox::marked_at.eq(to_db(at)),
        );
        // One entry per document, also when two transactions mark it at once.
        on_backend!(self, |c| {
            diesel::insert_into(search_outbox::table)
                .values(row)
                .on_conflict((search_outbox::kind, search_outbox::doc_id))
                .do_update()
                .set(search_outbox::marked_at.eq(excluded(search_outbox::marked_at)))
                .execute(c)
        })
        .map_err(db_err)?;
        Ok(())
    }
}

impl SynonymReads for AnyConnection {
    fn synonyms(&mut self) -> Result<Option<Vec<Vec<String>>>> {
        let stored: Option<String> = search_synonyms::table
            .select(search_synonyms::groups)
            .filter(search_synonyms::id.eq(1))
            .first(self)
            .optional()
            .map_err(db_err)?;
        stored
            .map(|json| {
                serde_json::from_str(&json)
                    .map_err(|e| domain::Error::internal(format!("stored synonyms: {e}")))
            })
            .transpose()
    }
}

impl SynonymRepo for AnyConnection {
    fn save_synonyms(
        &mut self,
        groups: &[Vec<String>],
        by: UserId,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let json = serde_json::to_string(groups).map_err(domain::Error::internal)?;
        let row = (
            search_synonyms::id.eq(1),
            search_synonyms::groups.eq(json),
            search_synonyms::updated_by.eq(by.0),
            search_synonyms::updated_at.eq(to_db(at)),
        );
        // One statement, so two saves at once cannot both insert the single row.
        on_backend!(self, |c| {
            diesel::insert_into(search_synonyms::table)
                .values(row)
                .on_conflict(search_synonyms::id)
                .do_update()
                .set((
                    search_synonyms::groups.eq(excluded(search_synonyms::groups)),
                    search_synonyms::updated_by.eq(excluded(search_synonyms::updated_by)),
                    search_synonyms::updated_at.eq(excluded(search_synonyms::updated_at)),
                ))
                .execute(c)
        })
        .map_err(db_err)?;
        Ok(())
    }
}

impl IndexQueue for Database {
    fn waiting(&self, limit: i64) -> Result<Vec<(DocRef, DateTime<Utc>)>> {
        let rows: Vec<(String, i64, chrono::NaiveDateTime)> = self.read(|c| {
            search_outbox::table
                .select((
                    search_outbox::kind,
                    search_outbox::doc_id,
                    search_outbox::marked_at,
                ))
                .order((search_outbox::marked_at.asc(), search_outbox::doc_id.asc()))
                .limit(limit)
                .load(c)
                .map_err(db_err)
        })?;
        Ok(rows
            .into_iter()
            .filter_map(|(k, id, at)| DocRef::of(&k, id).map(|d| (d, from_db(at))))
            .collect())
    }

    fn indexed(&self, doc: DocRef, marked_at: DateTime<Utc>) -> Result<()> {
        self.write(|c| {
            diesel::delete(
                search_outbox::table
                    .filter(search_outbox::kind.eq(doc.kind()))
                    .filter(search_outbox::doc_id.eq(doc.id()))
                    .filter(search_outbox::marked_at.le(to_db(marked_at))),
            )
            .execute(c)
            .map_err(db_err)?;
            Ok(())
        })
    }

    fn backlog(&self) -> Result<i64> {
        // One statement: no transaction around it.
        let mut c = self.conn()?;
        let out = search_outbox::table
            .count()
            .get_result(&mut *c)
            .map_err(db_err);
        crate::mark(&mut c, out)
    }
}
