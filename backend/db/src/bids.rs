//! Bids, their versions and attachments.

use std::collections::HashMap;

use diesel::prelude::*;
use domain::bid::{Attachment, Bid, BidFields, BidId, BidStatus, BidVersion};
use domain::error::{Error, Result};
use domain::ids::{ConsortiumId, OrganizationId, UserId};
use domain::ports::{BidReads, BidRepo};
use domain::scenario::ScenarioId;

use crate::schema::{bid_attachments, bid_versions, bids};
use crate::time::{from_db, to_db};
use crate::{AnyConnection, db_err};

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = bids)]
struct BidRow {
    id: i64,
    scenario_id: i64,
    vendor_org_id: i64,
    submitted_by: i64,
    status: String,
    version: i32,
    price_fen: i64,
    delivery_days: i32,
    technical_proposal: String,
    team: String,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
    consortium_id: Option<i64>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = bid_attachments)]
struct AttachmentRow {
    id: i64,
    bid_id: i64,
    sha256: String,
    filename: String,
    size: i64,
    created_at: chrono::NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = bid_versions)]
struct VersionRow {
    id: i64,
    bid_id: i64,
    version: i32,
    price_fen: i64,
    delivery_days: i32,
    technical_proposal: String,
    team: String,
    attachment_hashes: String,
    content_hash: String,
    created_at: chrono::NaiveDateTime,
    salt: String,
}

impl BidRow {
    fn of(b: &Bid) -> Self {
        BidRow {
            id: b.id.0,
            scenario_id: b.scenario.0,
            vendor_org_id: b.vendor.0,
            submitted_by: b.submitted_by.0,
            status: b.status.code().into(),
            version: b.version,
            price_fen: b.fields.price_fen,
            delivery_days: b.fields.delivery_days,
            technical_proposal: b.fields.technical_proposal.clone(),
            team: b.fields.team.clone(),
            created_at: to_db(b.created_at),
            updated_at: to_db(b.updated_at),
            consortium_id: b.consortium.map(|c| c.0),
        }
    }

    fn into_domain(self, attachments: Vec<Attachment>) -> Result<Bid> {
        Ok(Bid {
            id: BidId(self.id),
            scenario: ScenarioId(self.scenario_id),
            vendor: OrganizationId(self.vendor_org_id),
            submitted_by: UserId(self.submitted_by),
            status: BidStatus::parse(&self.status).map_err(Error::internal)?,
            version: self.version,
            fields: BidFields {
                price_fen: self.price_fen,
                delivery_days: self.delivery_days,
                technical_proposal: self.technical_proposal,
                team: self.team,
            },
            attachments,
            created_at: from_db(self.created_at),
            updated_at: from_db(self.updated_at),
            consortium: self.consortium_id.map(ConsortiumId),
        })
    }
}

fn insert_attachments(c: &mut AnyConnection, b: &Bid) -> Result<()> {
    for a in &b.attachments {
        diesel::insert_into(bid_attachments::table)
            .values(AttachmentRow {
                id: a.id,
                bid_id: b.id.0,
                sha256: a.sha256.clone(),
                filename: a.filename.clone(),
                size: a.size,
                created_at: to_db(a.created_at),
            })
            .execute(c)
            .map_err(db_err)?;
    }
    Ok(())
}

/// Loads bids with their attachments.
fn with_attachments(c: &mut AnyConnection, rows: Vec<BidRow>) -> Result<Vec<Bid>> {
    if rows.is_empty() {
        return Ok(vec![]);
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let atts: Vec<AttachmentRow> = load_in!(c, bid_attachments::bid_id, &ids, |among| {
        bid_attachments::table
            .filter(among)
            .order((bid_attachments::created_at.asc(), bid_attachments::id.asc()))
            .select(AttachmentRow::as_select())
    })
    .map_err(db_err)?;
    let mut by_bid: HashMap<i64, Vec<Attachment>> = HashMap::new();
    for a in atts {
        by_bid.entry(a.bid_id).or_default().push(Attachment {
            id: a.id,
            sha256: a.sha256,
            filename: a.filename,
            size: a.size,
            created_at: from_db(a.created_at),
        });
    }
    rows.into_iter()
        .map(|r| {
            let a = by_bid.remove(&r.id).unwrap_or_default();
            r.into_domain(a)
        })
        .collect()
}

impl BidReads for AnyConnection {
    fn bid(&mut self, id: BidId) -> Result<Option<Bid>> {
        let rows: Vec<BidRow> = bids::table
            .filter(bids::id.eq(id.0))
            .select(BidRow::as_select())
            .load(self)
            .map_err(db_err)?;
        Ok(with_attachments(self, rows)?.pop())
    }

    fn bids_of_scenario(&mut self, scenario: ScenarioId) -> Result<Vec<Bid>> {
        let rows: Vec<BidRow> = on_conn!(self, |c| bids::table
            .filter(bids::scenario_id.eq(scenario.0))
            .order((bids::created_at.asc(), bids::id.asc()))
            .select(BidRow::as_select())
            .load(c))
        .map_err(db_err)?;
        with_attachments(self, rows)
    }

    fn bids_of_vendor(&mut self, vendor: OrganizationId) -> Result<Vec<Bid>> {
        let rows: Vec<BidRow> = bids::table
            .filter(bids::vendor_org_id.eq(vendor.0))
            .order((bids::created_at.desc(), bids::id.desc()))
            .select(BidRow::as_select())
            .load(self)
            .map_err(db_err)?;
        with_attachments(self, rows)
    }

    fn count_active_bids(&mut self, scenario: ScenarioId) -> Result<i64> {
        on_conn!(self, |c| bids::table
            .filter(bids::scenario_id.eq(scenario.0))
            .filter(bids::status.ne(BidStatus::Withdrawn.code()))
            .count()
            .get_result(c))
        .map_err(db_err)
    }

    fn bid_versions(&mut self, bid: BidId) -> Result<Vec<BidVersion>> {
        let rows: Vec<VersionRow> = bid_versions::table
            .filter(bid_versions::bid_id.eq(bid.0))
            .order(bid_versions::version.asc())
            .select(VersionRow::as_select())
            .load(self)
            .map_err(db_err)?;
        rows.into_iter()
            .map(|r| {
                Ok(BidVersion {
                    version: r.version,
                    fields: BidFields {
                        price_fen: r.price_fen,
                        delivery_days: r.delivery_days,
                        technical_proposal: r.technical_proposal,
                        team: r.team,
                    },
                    attachment_hashes: serde_json::from_str(&r.attachment_hashes)
                        .map_err(Error::internal)?,
                    salt: r.salt,
                    content_hash: r.content_hash,
                    created_at: from_db(r.created_at),
                })
            })
            .collect()
    }
}

impl BidRepo for AnyConnection {
    fn insert_bid(&mut self, b: &Bid) -> Result<()> {
        diesel::insert_into(bids::table)
            .values(BidRow::of(b))
            .execute(self)
            .map_err(db_err)?;
        insert_attachments(self, b)
    }

    fn update_bid(&mut self, b: &Bid) -> Result<()> {
        diesel::update(bids::table.find(b.id.0))
            .set(BidRow::of(b))
            .execute(self)
            .map_err(db_err)?;
        diesel::delete(bid_attachments::table.filter(bid_attachments::bid_id.eq(b.id.0)))
            .execute(self)
            .map_err(db_err)?;
        insert_attachments(self, b)
    }

    fn insert_bid_version(&mut self, id: i64, bid: BidId, v: &BidVersion) -> Result<()> {
        diesel::insert_into(bid_versions::table)
            .values(VersionRow {
                id,
                bid_id: bid.0,
                version: v.version,
                price_fen: v.fields.price_fen,
                delivery_days: v.fields.delivery_days,
                technical_proposal: v.fields.technical_proposal.clone(),
                team: v.fields.team.clone(),
                attachment_hashes: serde_json::to_string(&v.attachment_hashes)
                    .map_err(Error::internal)?,
                content_hash: v.content_hash.clone(),
                created_at: to_db(v.created_at),
                salt: v.salt.clone(),
            })
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }
}
