//! Open contracting data (OCDS 1.1.5): one release per public event of a scenario — tender
//! published, deadline extended, cancelled, bids opened, awarded, delivered — each the state
//! as of that event. Nothing sealed appears before the deadline: bid statistics come from the
//! opening's own record (its count is public once opened), and the bidders only with the
//! published award notice. Built here from facts; the JSON is checked against the official
//! schema in the tests.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

mod contracts;
mod package;

pub use contracts::*;
pub use package::*;

use crate::account::Organization;
use crate::audit::AuditAction;
use crate::evaluation::AwardNotice;
use crate::event::DomainEvent;
use crate::scenario::{Scenario, ScenarioId};

/// A public event of a scenario (from its domain event; stored with its release as JSON).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Published {
        deadline: DateTime<Utc>,
    },
    Extended {
        deadline: DateTime<Utc>,
    },
    Cancelled {
        reason: String,
    },
    Opened {
        bids: i64,
    },
    Awarded,
    /// An upheld challenge withdrew the award; the notice withdrawn (kept by the audit trail).
    Withdrawn {
        notice: Option<Box<AwardNotice>>,
    },
    Delivered,
    /// A public step of the contract, with the contract as it stands after it.
    Contract {
        stage: ContractStage,
        contract: Value,
    },
}

impl Event {
    /// The public event a domain event is, with its scenario (`None` for every other event).
    pub fn of(event: &DomainEvent) -> Option<(ScenarioId, Event)> {
        Some(match event {
            DomainEvent::ScenarioPublished {
                scenario, deadline, ..
            } => (
                *scenario,
                Event::Published {
                    deadline: *deadline,
                },
            ),
            DomainEvent::DeadlineExtended {
                scenario, after, ..
            } => (*scenario, Event::Extended { deadline: *after }),
            DomainEvent::ScenarioCancelled {
                scenario, reason, ..
            } => (
                *scenario,
                Event::Cancelled {
                    reason: reason.clone(),
                },
            ),
            DomainEvent::BidsOpened { scenario, bids, .. } => {
                (*scenario, Event::Opened { bids: *bids })
            }
            DomainEvent::AwardMade { scenario, .. } => (*scenario, Event::Awarded),
            DomainEvent::AwardWithdrawn {
                scenario, notice, ..
            } => (
                *scenario,
                Event::Withdrawn {
                    notice: serde_json::from_value(notice.clone()).ok().map(Box::new),
                },
            ),
            DomainEvent::Delivered { scenario, .. } => (*scenario, Event::Delivered),
            _ => return None,
        })
    }

    /// The public event an audit record of a scenario tells of (`None` for the private ones):
    /// for the records written before releases were stored with their events, which the
    /// backfill reads.
    pub fn of_audit(action: AuditAction, after: Option<&str>) -> Option<Event> {
        let after: Value = after
            .and_then(|a| serde_json::from_str(a).ok())
            .unwrap_or(Value::Null);
        let time = |k: &str| {
            after[k]
                .as_str()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc))
        };
        Some(match action {
            AuditAction::ScenarioPublish => Event::Published {
                deadline: time("bid_deadline")?,
            },
            AuditAction::ScenarioExtend => Event::Extended {
                deadline: time("bid_deadline")?,
            },
            AuditAction::ScenarioCancel => Event::Cancelled {
                reason: after["reason"].as_str().unwrap_or_default().to_string(),
            },
            AuditAction::ScenarioOpenBids => Event::Opened {
                bids: after["bids"].as_i64().unwrap_or(0),
            },
            AuditAction::ScenarioAward => Event::Awarded,
            AuditAction::ScenarioAwardWithdraw => Event::Withdrawn {
                notice: serde_json::from_value(after["notice"].clone())
                    .ok()
                    .map(Box::new),
            },
            AuditAction::ScenarioDeliver => Event::Delivered,
            _ => return None,
        })
    }

    fn key(&self) -> &'static str {
        match self {
            Event::Published { .. } => "tender",
            Event::Extended { .. } => "amendment",
            Event::Cancelled { .. } => "cancellation",
            Event::Opened { .. } => "opening",
            Event::Awarded => "award",
            Event::Withdrawn { .. } => "award-withdrawal",
            Event::Delivered => "delivery",
            Event::Contract { stage, .. } => stage.key(),
        }
    }

    fn tag(&self) -> &'static str {
        match self {
            Event::Published { .. } => "tender",
            Event::Extended { .. } => "tenderAmendment",
            Event::Cancelled { .. } => "tenderCancellation",
            Event::Opened { .. } => "tenderUpdate",
            Event::Awarded => "award",
            Event::Withdrawn { .. } => "awardUpdate",
            Event::Delivered => "contractTermination",
            Event::Contract { stage, .. } => stage.tag(),
        }
    }
}

/// An answered clarification question.
#[derive(Debug, Clone, PartialEq)]
pub struct Enquiry {
    pub id: i64,
    pub asked_at: DateTime<Utc>,
    pub question: String,
    pub answer: String,
    pub answered_at: DateTime<Utc>,
}

/// What one contracting process's releases are made of.
#[derive(Debug, Clone)]
pub struct Process {
    pub scenario: Scenario,
    pub buyer: Organization,
    /// Oldest first.
    pub events: Vec<(DateTime<Utc>, Event)>,
    pub enquiries: Vec<Enquiry>,
    pub notice: Option<AwardNotice>,
}

pub fn ocid(prefix: &str, s: &Scenario) -> String {
    format!("{prefix}-{}", s.id.0)
}

pub(crate) fn at(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn yuan(fen: i64) -> Value {
    json!({"amount": fen as f64 / 100.0, "currency": "CNY"})
}

fn org_id(o: crate::ids::OrganizationId) -> String {
    format!("org-{}", o.0)
}

/// Every release of the process, oldest first.
pub fn releases(p: &Process, publisher: &Publisher) -> Vec<Value> {
    let mut out = Vec::with_capacity(p.events.len());
    let mut seen: std::collections::HashMap<&'static str, usize> = Default::default();
    for i in 0..p.events.len() {
        let (date, event) = &p.events[i];
        let n = seen.entry(event.key()).or_default();
        *n += 1;
        let id = if *n == 1 {
            format!("{}-{}", ocid(&publisher.prefix, &p.scenario), event.key())
        } else {
            format!(
                "{}-{}-{n}",
                ocid(&publisher.prefix, &p.scenario),
                event.key()
            )
        };
        out.push(release(p, publisher, &p.events[..=i], *date, event, id));
    }
    out
}

/// The release of `event`, the state after every event in `history` (which ends with it).
fn release(
    p: &Process,
    publisher: &Publisher,
    history: &[(DateTime<Utc>, Event)],
    date: DateTime<Utc>,
    event: &Event,
    id: String,
) -> Value {
    let s = &p.scenario;
    let ocid = ocid(&publisher.prefix, s);
    let page = format!("{}/scenarios/{}", publisher.base_url, s.id.0);
    let mut deadline = s.bid_deadline;
    let (mut cancelled, mut opened, mut delivered) = (None, None, false);
    let mut contract: Option<&Value> = None;
    // Every award so far, each with the notice it published and whether it still stands.
    let mut awards: Vec<(&AwardNotice, bool)> = vec![];
    for (_, e) in history {
        match e {
            Event::Published { deadline: d } | Event::Extended { deadline: d } => deadline = *d,
            Event::Cancelled { reason } => cancelled = Some(reason.clone()),
            Event::Opened { bids } => opened = Some(*bids),
            Event::Awarded => {
                if let Some(n) = notice_of_award(p, awards.len()) {
                    awards.push((n, true));
                }
            }
            Event::Withdrawn { .. } => {
                if let Some(last) = awards.last_mut() {
                    last.1 = false;
                }
            }
            Event::Delivered => delivered = true,
            Event::Contract { contract: c, .. } => contract = Some(c),
        }
    }
    let standing = awards
        .iter()
        .rev()
        .find(|(_, active)| *active)
        .map(|(n, _)| *n);
    let buyer = json!({"id": org_id(p.buyer.id), "name": p.buyer.name});
    let mut buyer_party = json!({
        "id": org_id(p.buyer.id),
        "name": p.buyer.name,
        "roles": ["buyer", "procuringEntity"],
    });
    if let Some(code) = &p.buyer.credit_code {
        buyer_party["identifier"] =
            json!({"scheme": "CN-USCC", "id": code.as_str(), "legalName": p.buyer.name});
    }
    let mut parties = vec![buyer_party];
    if let Some((n, _)) = awards.last() {
        for (org, name, _, _) in &n.items {
            let won = *org == n.winner.0 && !n.members.is_empty();
            if won {
                // A consortium: each member is a party of its own, the lead marked.
                let supplier = standing.is_some_and(|w| w.winner.0 == n.winner.0);
                parties.extend(n.members.iter().map(|m| member_party(m, supplier)));
                continue;
            }
            let mut roles = vec!["tenderer"];
            if standing.is_some_and(|w| *org == w.winner.0) {
                roles.push("supplier");
            }
            parties.push(json!({"id": org_id(*org), "name": name, "roles": roles}));
        }
    }
    let awarded = standing.is_some();
    let status = if cancelled.is_some() {
        "cancelled"
    } else if awarded {
        "complete"
    } else {
        "active"
    };
    let mut criteria = vec![format!("价格 / price {}%", s.price_weight)];
    criteria.extend(
        s.criteria
            .iter()
            .map(|c| format!("{} {}%（{}）", c.name, c.weight, c.description)),
    );
    let enquiries: Vec<Value> = p
        .enquiries
        .iter()
        .filter(|e| e.answered_at <= date)
        .map(|e| {
            json!({
                "id": e.id.to_string(),
                "date": at(e.asked_at),
                "description": e.question,
                "answer": e.answer,
                "dateAnswered": at(e.answered_at),
            })
        })
        .collect();
    let published = s.published_at.unwrap_or(date);
    let mut tender = json!({
        "id": format!("{ocid}-tender"),
        "title": s.title,
        "description": s.description,
        "status": status,
        "value": yuan(s.budget_max_fen),
        "minValue": yuan(s.budget_min_fen),
        "procurementMethod": "open",
        "procurementMethodDetails": "公开征集（青山区人工智能机会场景集市）/ open call on the scenario market",
        "mainProcurementCategory": s.procurement_type.code(),
        "awardCriteria": "ratedCriteria",
        "awardCriteriaDetails": format!("综合评分法 / rated criteria: {}", criteria.join("；")),
        "submissionMethod": ["electronicSubmission"],
        "tenderPeriod": {"startDate": at(published), "endDate": at(deadline)},
        "enquiryPeriod": {"startDate": at(published), "endDate": at(deadline)},
        "hasEnquiries": !enquiries.is_empty(),
        "enquiries": enquiries,
        "documents": [{
            "id": format!("{ocid}-notice"),
            "documentType": "tenderNotice",
            "title": s.title,
            "url": page,
            "format": "text/html",
            "language": "zh",
        }],
        "classification": {"scheme": "scenario-market-domain", "id": s.domain.code(), "description": s.domain.label_zh()},
    });
    if let Some(reason) = &cancelled {
        tender["statusDetails"] = json!(reason);
    }
    let mut r = json!({
        "ocid": ocid,
        "id": id,
        "date": at(date),
        "tag": [event.tag()],
        "initiationType": "tender",
        "language": "zh",
        "parties": parties,
        "buyer": buyer,
        "tender": tender,
    });
    // Bid statistics exist only from the opening on.
    if let Some(n) = opened {
        r["tender"]["numberOfTenderers"] = json!(n);
        r["bids"] = json!({"statistics": [{
            "id": format!("{ocid}-valid-bids"),
            "measure": "validBids",
            "value": n,
            "date": at(deadline),
        }]});
    }
    if !awards.is_empty() {
        let list: Vec<Value> = awards
            .iter()
            .enumerate()
            .map(|(k, (n, active))| award_json(&ocid, &page, s, k, n, *active))
            .collect();
        r["awards"] = json!(list);
    }
    if let Some(c) = contract {
        let mut c = c.clone();
        if delivered && c["status"] == "active" {
            c["status"] = json!("terminated");
            c["statusDetails"] = json!("已交付 / delivered");
        }
        r["contracts"] = json!([c]);
    } else if let (Some(n), true) = (standing, delivered) {
        let k = awards.len() - 1;
        r["contracts"] = json!([{
            "id": format!("{ocid}-contract"),
            "awardID": award_id(&ocid, k),
            "title": s.title,
            "status": "terminated",
            "statusDetails": "已交付 / delivered",
            "value": yuan(n.price_fen),
            "dateSigned": at(n.awarded_at),
        }]);
    }
    r
}

/// The id of the `k`-th award (from 0) of a process: the first keeps the plain name.
pub fn award_id(ocid: &str, k: usize) -> String {
    if k == 0 {
        format!("{ocid}-award")
    } else {
        format!("{ocid}-award-{}", k + 1)
    }
}

/// The notice the `k`-th award (from 0) published: the one its withdrawal kept, or, for the
/// award in force, the stored one.
fn notice_of_award(p: &Process, k: usize) -> Option<&AwardNotice> {
    let mut seen = 0;
    let mut after_award = false;
    for (_, e) in &p.events {
        match e {
            Event::Awarded => {
                after_award = seen == k;
                seen += 1;
            }
            Event::Withdrawn { notice } if after_award => return notice.as_deref(),
            _ => {}
        }
    }
    if seen > k { p.notice.as_ref() } else { None }
}

/// The award's suppliers: the winner, or every member of a winning consortium.
fn suppliers(n: &AwardNotice) -> Value {
    if n.members.is_empty() {
        return json!([{"id": org_id(n.winner.0), "name": n.winner.1}]);
    }
    n.members
        .iter()
        .map(|m| json!({"id": org_id(m.organization_id), "name": m.name}))
        .collect()
}

/// A consortium member as a party: a tenderer (and a supplier while the award stands), with
/// its share of the work and whether it leads, under `details`.
fn member_party(m: &crate::team::consortium::NamedMember, supplier: bool) -> Value {
    let roles = if supplier {
        json!(["tenderer", "supplier"])
    } else {
        json!(["tenderer"])
    };
    json!({
        "id": org_id(m.organization_id),
        "name": m.name,
        "roles": roles,
        "details": {"consortiumLead": m.lead, "consortiumSharePercent": m.share_pct},
    })
}

fn award_json(
    ocid: &str,
    page: &str,
    s: &Scenario,
    k: usize,
    n: &AwardNotice,
    active: bool,
) -> Value {
    let ranking = n
        .items
        .iter()
        .map(|(_, name, total, rank)| format!("{rank}. {name} {total:.2}"))
        .collect::<Vec<_>>()
        .join("；");
    let mut a = json!({
        "id": award_id(ocid, k),
        "title": s.title,
        "description": format!("评审排名 / ranking: {ranking}"),
        "status": if active { "active" } else { "cancelled" },
        "date": at(n.awarded_at),
        "value": yuan(n.price_fen),
        "suppliers": suppliers(n),
    });
    if active {
        a["documents"] = json!([{
            "id": format!("{ocid}-award-notice"),
            "documentType": "awardNotice",
            "title": format!("中标公告 / award notice: {}", s.title),
            "url": format!("{page}/notice"),
            "format": "text/html",
            "language": "zh",
        }]);
    } else {
        a["statusDetails"] =
            json!("质疑成立，中标结果已撤销 / withdrawn after an upheld challenge");
        a["documents"] = json!([{
            "id": format!("{ocid}-challenges-{}", k + 1),
            "documentType": "complaints",
            "title": format!("质疑与答复 / challenges and answers: {}", s.title),
            "url": format!("{page}/challenges"),
            "format": "text/html",
            "language": "zh",
        }]);
    }
    a
}

/// The process's current state as one release (answers given since the last event too).
pub fn compiled(p: &Process, publisher: &Publisher, now: DateTime<Utc>) -> Option<Value> {
    let (_, last) = p.events.last()?;
    let id = format!("{}-compiled", ocid(&publisher.prefix, &p.scenario));
    let mut r = release(p, publisher, &p.events, now, last, id);
    r["tag"] = json!(["compiled"]);
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_records_become_public_events_and_private_ones_nothing() {
        let e = Event::of_audit(
            AuditAction::ScenarioPublish,
            Some(r#"{"status":"published","bid_deadline":"2026-12-20T09:00:00Z"}"#),
        );
        assert!(matches!(e, Some(Event::Published { .. })));
        assert_eq!(
            Event::of_audit(AuditAction::ScenarioOpenBids, Some(r#"{"bids":3}"#)),
            Some(Event::Opened { bids: 3 })
        );
        for private in [
            AuditAction::ScenarioCreate,
            AuditAction::ScenarioEdit,
            AuditAction::PanelSet,
            AuditAction::BidSubmit,
        ] {
            assert_eq!(Event::of_audit(private, Some("{}")), None, "{private}");
        }
        assert_eq!(
            Event::of_audit(AuditAction::ScenarioExtend, Some("{}")),
            None,
            "no date, no event"
        );
    }

    #[test]
    fn public_domain_events_become_release_events_that_store_and_read_back() {
        use chrono::TimeZone;
        let at = Utc.with_ymd_and_hms(2026, 12, 20, 9, 0, 0).unwrap();
        let published = DomainEvent::ScenarioPublished {
            scenario: ScenarioId(4),
            before: crate::scenario::Status::Draft,
            deadline: at,
        };
        let (id, e) = Event::of(&published).unwrap();
        assert_eq!(
            (id, &e),
            (ScenarioId(4), &Event::Published { deadline: at })
        );
        let stored = serde_json::to_string(&e).unwrap();
        assert_eq!(serde_json::from_str::<Event>(&stored).unwrap(), e);
        let opened = DomainEvent::BidsOpened {
            scenario: ScenarioId(4),
            deadline: at,
            bids: 3,
        };
        assert_eq!(Event::of(&opened).unwrap().1, Event::Opened { bids: 3 });
        // The same event as the audit record of an earlier version told it.
        let record = published.audit(None);
        let after = record.after.map(|v| v.to_string());
        assert_eq!(Event::of_audit(record.action, after.as_deref()), Some(e));
        let private = DomainEvent::PasswordChanged {
            user: crate::ids::UserId(1),
        };
        assert_eq!(Event::of(&private), None);
    }
}
