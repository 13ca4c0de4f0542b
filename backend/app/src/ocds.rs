//! The open-contracting data of the public scenarios. Each public event of a published
//! scenario stores its release in the event's own transaction ([`record_release`], called by
//! `emit`), so the release list is one paged query; a process's record compiles its current
//! state. Only published scenarios have any; only public events make releases.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::Services;
use domain::audit::AuditAction;
use domain::error::{Error, Result};
use domain::event::DomainEvent;
use domain::ocds::{self, Enquiry, Event, Process, Publisher};
use domain::ports::{AuditFilter, ReadTx, StoredRelease, Tx, in_read, in_tx};
use domain::scenario::{Scenario, ScenarioId};

/// A public event as an audit record of an earlier version tells it: (scenario, time, action,
/// event).
type AuditEvent = (ScenarioId, DateTime<Utc>, AuditAction, Event);

/// The process of a published scenario with the given events (oldest first): its buyer, its
/// answered questions and its standing award notice; `None` for a draft.
fn process_of(
    tx: &mut dyn ReadTx,
    s: Scenario,
    events: Vec<(DateTime<Utc>, Event)>,
) -> Result<Option<Process>> {
    if s.published_at.is_none() {
        return Ok(None);
    }
    let Some(buyer) = tx.organization(s.owner)? else {
        return Ok(None);
    };
    let enquiries = tx
        .questions(s.id)?
        .into_iter()
        .filter_map(|q| {
            let last = q.answers.last()?;
            Some(Enquiry {
                id: q.id.0,
                asked_at: q.created_at,
                question: q.body.clone(),
                answer: last.body.clone(),
                answered_at: last.created_at,
            })
        })
        .collect();
    let notice = match s.award {
        Some(_) => tx
            .award_notice(s.id)?
            .and_then(|body| serde_json::from_str(&body).ok()),
        None => None,
    };
    Ok(Some(Process {
        scenario: s,
        buyer,
        events,
        enquiries,
        notice,
    }))
}

/// The events of stored releases, oldest first.
fn events_of(stored: &[StoredRelease]) -> Vec<(DateTime<Utc>, Event)> {
    stored.iter().map(|r| (r.at, r.event.clone())).collect()
}

/// Stores the release of `event` when it is a public event of a published scenario
/// ([`Event::of`]): the process's state as of that event, after its earlier releases. Called
/// inside the event's transaction, after the change it records: that change wrote the
/// scenario's row and holds it, so two events of one process number their releases one after
/// the other (PostgreSQL reads the releases committed before the lock).
pub(crate) fn record_release(
    tx: &mut dyn Tx,
    event: &DomainEvent,
    now: DateTime<Utc>,
) -> Result<()> {
    let found = match event {
        DomainEvent::Contract(e) => contract_event(tx, e)?,
        other => Event::of(other),
    };
    let Some((id, public)) = found else {
        return Ok(());
    };
    let Some(s) = tx.scenario(id)? else {
        return Ok(());
    };
    let stored = tx.ocds_releases_of(s.id)?;
    let mut events = events_of(&stored);
    events.push((now, public.clone()));
    let Some(process) = process_of(tx, s, events)? else {
        return Ok(());
    };
    let Some(release) = ocds::releases(&process, &Publisher::stored()).pop() else {
        return Ok(());
    };
    tx.insert_ocds_release(&StoredRelease {
        scenario: process.scenario.id,
        n: i32::try_from(stored.len() + 1).map_err(Error::internal)?,
        at: now,
        action: event.action(),
        event: public,
        body: release.to_string(),
    })
}

/// The public release event of a contract's step: its confirmation (the notice), a milestone
/// accepted or a payment, an amendment confirmed, the voiding; with the contract as it stands
/// (read inside the step's transaction). Nothing before the vendor's confirmation.
fn contract_event(
    tx: &mut dyn Tx,
    e: &domain::contract::ContractEvent,
) -> Result<Option<(ScenarioId, Event)>> {
    use domain::contract::ContractEvent as E;
    use domain::ocds::ContractStage;
    let (stage, contract) = match e {
        E::Confirmed { contract, .. } => (ContractStage::Signed, *contract),
        E::Reviewed {
            contract,
            accepted: true,
            ..
        } => (ContractStage::Implementation, *contract),
        E::PaymentRecorded { payment, .. } => (ContractStage::Implementation, payment.contract),
        E::AmendmentAnswered {
            contract,
            confirmed: true,
            ..
        } => (ContractStage::Amendment, *contract),
        E::Voided { contract, .. } => (ContractStage::Termination, *contract),
        _ => return Ok(None),
    };
    let Some(c) = tx.contract(contract)?.filter(|c| c.confirmed_at.is_some()) else {
        return Ok(None);
    };
    let Some(s) = tx.scenario(c.scenario)? else {
        return Ok(None);
    };
    let publisher = Publisher::stored();
    let ocid = ocds::ocid(&publisher.prefix, &s);
    // The award it follows: the last one made before it.
    let awards = tx
        .ocds_releases_of(s.id)?
        .iter()
        .filter(|r| r.event == Event::Awarded)
        .count();
    let award = ocds::award_id(&ocid, awards.saturating_sub(1));
    let name = |tx: &mut dyn Tx, o| -> Result<String> {
        Ok(tx.organization(o)?.map(|o| o.name).unwrap_or_default())
    };
    let (buyer, vendor) = (name(tx, c.buyer)?, name(tx, c.vendor)?);
    let page = format!("{}/scenarios/{}", publisher.base_url, s.id.0);
    let json = ocds::contract_json(
        &ocid,
        &page,
        &award,
        &s.title,
        &c,
        &ocds::Parties {
            buyer: &buyer,
            vendor: &vendor,
        },
    );
    Ok(Some((
        s.id,
        Event::Contract {
            stage,
            contract: json,
        },
    )))
}

impl Services {
    fn ocds_publisher(&self) -> Publisher {
        Publisher {
            prefix: self.market.ocds_prefix.clone(),
            base_url: self.auth.public_base_url.trim_end_matches('/').to_string(),
        }
    }

    /// The public events of every scenario as the audit trail tells them (oldest first): what
    /// releases were made of before they were stored with their events.
    fn audit_events(tx: &mut dyn ReadTx, now: DateTime<Utc>) -> Result<Vec<AuditEvent>> {
        let (records, _) = tx.audit_browse(&AuditFilter {
            action: None,
            subject_type: Some("scenario".into()),
            subject_id: None,
            actor: None,
            since: None,
            seq: None,
            sealed_at: now,
            offset: 0,
            limit: i64::MAX,
        })?;
        // Newest first from the store: oldest first here.
        Ok(records
            .into_iter()
            .rev()
            .filter_map(|r| {
                let action = AuditAction::parse(&r.action)?;
                let event = Event::of_audit(action, r.after.as_deref())?;
                Some((ScenarioId(r.subject_id.parse().ok()?), r.at, action, event))
            })
            .collect())
    }

    /// Stores the releases of the events recorded before releases were stored (a database
    /// from an earlier version), once: nothing when any release is stored already.
    pub fn backfill_ocds_releases(&self) -> Result<usize> {
        let now = self.now();
        self.store.settle_audit()?;
        in_tx(&*self.store, |tx| {
            if tx.ocds_any_release()? {
                return Ok(0);
            }
            let mut by_scenario: std::collections::BTreeMap<ScenarioId, Vec<_>> =
                Default::default();
            for (id, at, action, event) in Self::audit_events(tx, now)? {
                by_scenario.entry(id).or_default().push((at, action, event));
            }
            let mut written = 0;
            for (id, entries) in by_scenario {
                let Some(s) = tx.scenario(id)? else {
                    continue;
                };
                let events = entries.iter().map(|(at, _, e)| (*at, e.clone())).collect();
                let Some(process) = process_of(tx, s, events)? else {
                    continue;
                };
                let releases = ocds::releases(&process, &Publisher::stored());
                for (n, (release, (at, action, event))) in (1..).zip(releases.iter().zip(entries)) {
                    tx.insert_ocds_release(&StoredRelease {
                        scenario: id,
                        n,
                        at,
                        action,
                        event,
                        body: release.to_string(),
                    })?;
                    written += 1;
                }
            }
            Ok(written)
        })
    }

    /// A page of releases (oldest first) of every public scenario, at or after `since`: the
    /// release package as JSON text, and how many releases there are in all. One paged
    /// query; the stored releases are not parsed.
    pub fn ocds_release_package(
        &self,
        since: Option<DateTime<Utc>>,
        offset: usize,
        limit: usize,
        uri: &str,
    ) -> Result<(String, usize)> {
        let now = self.now();
        let publisher = self.ocds_publisher();
        let (rows, total) = in_read(&*self.store, |tx| {
            tx.ocds_release_page(
                since,
                i64::try_from(offset).unwrap_or(i64::MAX),
                i64::try_from(limit).unwrap_or(i64::MAX),
            )
        })?;
        let newest = rows.iter().map(|(at, _)| *at).max();
        let releases: Vec<String> = rows
            .iter()
            .map(|(_, b)| ocds::fill_publisher_text(b, &publisher))
            .collect();
        Ok((
            ocds::package_text(&releases, newest, uri, &publisher, now),
            usize::try_from(total).unwrap_or(0),
        ))
    }

    /// The record of one process by its OCID: its stored releases and its current state
    /// compiled; an unknown one, or a draft's, is not found.
    pub fn ocds_record(&self, ocid: &str, uri: &str) -> Result<Value> {
        let now = self.now();
        let publisher = self.ocds_publisher();
        let id = ocid
            .strip_prefix(&format!("{}-", publisher.prefix))
            .and_then(|n| n.parse::<i64>().ok())
            .ok_or(Error::NotFound)?;
        let (process, stored) = in_read(&*self.store, |tx| {
            let s = tx
                .scenario(ScenarioId(id))?
                .filter(|s| s.published_at.is_some())
                .ok_or(Error::NotFound)?;
            let stored = tx.ocds_releases_of(s.id)?;
            // A contract's state was stored with the publisher's markers: filled for today.
            let events = events_of(&stored)
                .into_iter()
                .map(|(at, e)| match e {
                    Event::Contract { stage, contract } => {
                        ocds::fill_publisher(&contract.to_string(), &publisher)
                            .map(|contract| (at, Event::Contract { stage, contract }))
                            .map_err(Error::internal)
                    }
                    e => Ok((at, e)),
                })
                .collect::<Result<Vec<_>>>()?;
            let process = process_of(tx, s, events)?.ok_or(Error::NotFound)?;
            Ok((process, stored))
        })?;
        let releases = stored
            .iter()
            .map(|r| ocds::fill_publisher(&r.body, &publisher).map_err(Error::internal))
            .collect::<Result<Vec<_>>>()?;
        Ok(ocds::record_package(
            &process, releases, uri, &publisher, now,
        ))
    }
}
