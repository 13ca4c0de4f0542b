//! The open-contracting data of the public scenarios: releases (paged, since a time) and one
//! process's record. Only published scenarios have any; only public events make releases.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::Services;
use crate::error::{Error, Result};
use crate::ocds::{self, Enquiry, Event, Process, Publisher};
use crate::ports::{AuditFilter, ReadTx, ScenarioFilter, in_read};
use crate::scenario::{Scenario, ScenarioId};

impl Services {
    fn ocds_publisher(&self) -> Publisher {
        Publisher {
            prefix: self.market.ocds_prefix.clone(),
            base_url: self.auth.public_base_url.trim_end_matches('/').to_string(),
        }
    }

    /// The processes of the public scenarios (or of one), with their public events.
    fn ocds_processes(
        tx: &mut dyn ReadTx,
        now: DateTime<Utc>,
        only: Option<Scenario>,
    ) -> Result<Vec<Process>> {
        let scenarios: Vec<Scenario> = match &only {
            Some(s) => vec![s.clone()],
            None => tx
                .scenario_page(&ScenarioFilter {
                    status: None,
                    domain: None,
                    agency: None,
                    viewer_org: None,
                    now,
                    offset: 0,
                    limit: i64::MAX,
                })?
                .0
                .into_iter()
                .map(|l| l.scenario)
                .collect(),
        };
        let (records, _) = tx.audit_browse(&AuditFilter {
            action: Some("scenario.".into()),
            subject_type: Some("scenario".into()),
            subject_id: only.as_ref().map(|s| s.id.0.to_string()),
            actor: None,
            since: None,
            seq: None,
            sealed_at: now,
            offset: 0,
            limit: i64::MAX,
        })?;
        let mut events: HashMap<String, Vec<(DateTime<Utc>, Event)>> = HashMap::new();
        // Newest first from the store: oldest first here.
        for r in records.iter().rev() {
            if let Some(e) = Event::of_audit(&r.action, r.after.as_deref()) {
                events
                    .entry(r.subject_id.clone())
                    .or_default()
                    .push((r.at, e));
            }
        }
        let mut out = Vec::with_capacity(scenarios.len());
        for s in scenarios.into_iter().filter(|s| s.published_at.is_some()) {
            let Some(buyer) = tx.organization(s.owner)? else {
                continue;
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
            out.push(Process {
                events: events.remove(&s.id.0.to_string()).unwrap_or_default(),
                scenario: s,
                buyer,
                enquiries,
                notice,
            });
        }
        Ok(out)
    }

    /// A page of releases (oldest first) of every public scenario, at or after `since`: the
    /// release package, and how many releases there are in all.
    pub fn ocds_release_package(
        &self,
        since: Option<DateTime<Utc>>,
        offset: usize,
        limit: usize,
        uri: &str,
    ) -> Result<(Value, usize)> {
        let now = self.now();
        let publisher = self.ocds_publisher();
        self.store.settle_audit()?;
        let processes = in_read(&*self.store, |tx| Self::ocds_processes(tx, now, None))?;
        let mut all: Vec<Value> = processes
            .iter()
            .flat_map(|p| ocds::releases(p, &publisher))
            .filter(|r| match since {
                None => true,
                Some(t) => r["date"]
                    .as_str()
                    .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
                    .is_some_and(|d| d >= t),
            })
            .collect();
        all.sort_by(|a, b| {
            (a["date"].as_str(), a["id"].as_str()).cmp(&(b["date"].as_str(), b["id"].as_str()))
        });
        let total = all.len();
        let page: Vec<Value> = all.into_iter().skip(offset).take(limit).collect();
        Ok((ocds::package(page, uri, &publisher, now), total))
    }

    /// The record of one process by its OCID; an unknown one, or a draft's, is not found.
    pub fn ocds_record(&self, ocid: &str, uri: &str) -> Result<Value> {
        let now = self.now();
        let publisher = self.ocds_publisher();
        let id = ocid
            .strip_prefix(&format!("{}-", publisher.prefix))
            .and_then(|n| n.parse::<i64>().ok())
            .ok_or(Error::NotFound)?;
        self.store.settle_audit()?;
        let process = in_read(&*self.store, |tx| {
            let s = tx
                .scenario(ScenarioId(id))?
                .filter(|s| s.published_at.is_some())
                .ok_or(Error::NotFound)?;
            Self::ocds_processes(tx, now, Some(s))
        })?
        .pop()
        .ok_or(Error::NotFound)?;
        Ok(ocds::record_package(&process, uri, &publisher, now))
    }
}
