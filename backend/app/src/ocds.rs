//! The open-contracting data of the public scenarios. Each public event of a published
//! scenario stores its release in the event's own transaction ([`record_release`], called by
//! `emit`), so the release list is one paged query; a process's record compiles its current
//! state. Only published scenarios have any; only public events make releases.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::Services;
use domain::audit::AuditDraft;
use domain::error::{Error, Result};
use domain::ocds::{self, Enquiry, Event, Process, Publisher};
use domain::ports::{AuditFilter, ReadTx, StoredRelease, Tx, in_read, in_tx};
use domain::scenario::{Scenario, ScenarioId};

/// A public event as the audit trail has it: (subject id, time, action, content).
type AuditEvent = (String, DateTime<Utc>, String, Option<String>);

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
    stored
        .iter()
        .filter_map(|r| Some((r.at, Event::of_audit(&r.action, r.after.as_deref())?)))
        .collect()
}

/// Stores the release of the event whose audit record is `draft`, when it is a public event
/// of a published scenario: the process's state as of that event, after its earlier
/// releases. Called inside the event's transaction, after the change it records: that
/// change wrote the scenario's row and holds it, so two events of one process number their
/// releases one after the other (PostgreSQL reads the releases committed before the lock).
pub(crate) fn record_release(
    tx: &mut dyn Tx,
    draft: &AuditDraft,
    now: DateTime<Utc>,
) -> Result<()> {
    if draft.subject_type != "scenario" {
        return Ok(());
    }
    let after = draft.after.as_ref().map(Value::to_string);
    let Some(event) = Event::of_audit(&draft.action, after.as_deref()) else {
        return Ok(());
    };
    let Ok(id) = draft.subject_id.parse::<i64>() else {
        return Ok(());
    };
    let Some(s) = tx.scenario(ScenarioId(id))? else {
        return Ok(());
    };
    let stored = tx.ocds_releases_of(s.id)?;
    let mut events = events_of(&stored);
    events.push((now, event));
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
        action: draft.action.clone(),
        after,
        body: release.to_string(),
    })
}

impl Services {
    fn ocds_publisher(&self) -> Publisher {
        Publisher {
            prefix: self.market.ocds_prefix.clone(),
            base_url: self.auth.public_base_url.trim_end_matches('/').to_string(),
        }
    }

    /// The public events of one scenario, or of every one, from the audit trail (oldest
    /// first): what releases were made of before they were stored.
    fn audit_events(
        tx: &mut dyn ReadTx,
        now: DateTime<Utc>,
        only: Option<ScenarioId>,
    ) -> Result<Vec<AuditEvent>> {
        let (records, _) = tx.audit_browse(&AuditFilter {
            action: Some("scenario.".into()),
            subject_type: Some("scenario".into()),
            subject_id: only.map(|s| s.0.to_string()),
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
            .filter(|r| Event::of_audit(&r.action, r.after.as_deref()).is_some())
            .map(|r| (r.subject_id, r.at, r.action, r.after))
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
            let mut by_scenario: std::collections::BTreeMap<i64, Vec<_>> = Default::default();
            for (subject, at, action, after) in Self::audit_events(tx, now, None)? {
                if let Ok(id) = subject.parse::<i64>() {
                    by_scenario.entry(id).or_default().push((at, action, after));
                }
            }
            let mut written = 0;
            for (id, entries) in by_scenario {
                let Some(s) = tx.scenario(ScenarioId(id))? else {
                    continue;
                };
                let events = entries
                    .iter()
                    .filter_map(|(at, a, after)| Some((*at, Event::of_audit(a, after.as_deref())?)))
                    .collect();
                let Some(process) = process_of(tx, s, events)? else {
                    continue;
                };
                let releases = ocds::releases(&process, &Publisher::stored());
                for (n, (release, (at, action, after))) in (1..).zip(releases.iter().zip(entries)) {
                    tx.insert_ocds_release(&StoredRelease {
                        scenario: ScenarioId(id),
                        n,
                        at,
                        action,
                        after,
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
            let process = process_of(tx, s, events_of(&stored))?.ok_or(Error::NotFound)?;
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
