//! Open contracting data (OCDS 1.1.5): one release per public event of a scenario — tender
//! published, deadline extended, cancelled, bids opened, awarded, delivered — each the state
//! as of that event. Nothing sealed appears before the deadline: bid statistics come from the
//! opening's own record (its count is public once opened), and the bidders only with the
//! published award notice. Built here from facts; the JSON is checked against the official
//! schema in the tests.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::account::Organization;
use crate::scenario::Scenario;
use crate::services::evaluation::AwardNotice;

/// The extensions the releases use (declared in every package).
pub const EXTENSIONS: [&str; 2] = [
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_enquiry_extension/v1.1.5/extension.json",
];

/// A public event of a scenario, from its audit record.
#[derive(Debug, Clone, PartialEq)]
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
}

impl Event {
    /// The event an audit record of a scenario stands for (`None` for the private ones).
    pub fn of_audit(action: &str, after: Option<&str>) -> Option<Event> {
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
            "scenario.publish" => Event::Published {
                deadline: time("bid_deadline")?,
            },
            "scenario.extend" => Event::Extended {
                deadline: time("bid_deadline")?,
            },
            "scenario.cancel" => Event::Cancelled {
                reason: after["reason"].as_str().unwrap_or_default().to_string(),
            },
            "scenario.open_bids" => Event::Opened {
                bids: after["bids"].as_i64().unwrap_or(0),
            },
            "scenario.award" => Event::Awarded,
            "scenario.award_withdraw" => Event::Withdrawn {
                notice: serde_json::from_value(after["notice"].clone())
                    .ok()
                    .map(Box::new),
            },
            "scenario.deliver" => Event::Delivered,
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

/// Where the releases point and what they are called.
#[derive(Debug, Clone)]
pub struct Publisher {
    /// The OCID prefix (registered with the Open Contracting Partnership).
    pub prefix: String,
    /// The site's public address, no trailing slash.
    pub base_url: String,
}

/// The markers a stored release carries where the publisher's prefix and address go (a
/// control character no stored text can hold), so that the settings of the day of reading
/// apply.
const PREFIX_MARK: &str = "\u{1}prefix\u{1}";
const BASE_URL_MARK: &str = "\u{1}base\u{1}";

impl Publisher {
    /// The publisher releases are stored with: markers that [`fill_publisher`] replaces.
    pub fn stored() -> Publisher {
        Publisher {
            prefix: PREFIX_MARK.into(),
            base_url: BASE_URL_MARK.into(),
        }
    }
}

/// A stored release with the publisher's prefix and address in place of the markers.
pub fn fill_publisher(body: &str, publisher: &Publisher) -> serde_json::Result<Value> {
    fn walk(v: &mut Value, p: &Publisher) {
        match v {
            Value::String(s) if s.contains('\u{1}') => {
                *s = s
                    .replace(PREFIX_MARK, &p.prefix)
                    .replace(BASE_URL_MARK, &p.base_url);
            }
            Value::Array(items) => items.iter_mut().for_each(|i| walk(i, p)),
            Value::Object(map) => map.values_mut().for_each(|i| walk(i, p)),
            _ => {}
        }
    }
    let mut v: Value = serde_json::from_str(body)?;
    walk(&mut v, publisher);
    Ok(v)
}

/// A stored release as JSON text with the publisher's prefix and address in place of the
/// markers, without parsing it: a marker is the JSON escape of a control character, which no
/// stored text holds (a typed backslash is stored doubled), and the strings that carry a
/// marker carry no stored text.
pub fn fill_publisher_text(body: &str, publisher: &Publisher) -> String {
    let escaped = |mark: &str| serde_json::to_string(mark).unwrap_or_default();
    let inner = |s: String| s[1..s.len() - 1].to_string();
    body.replace(
        &inner(escaped(PREFIX_MARK)),
        &inner(escaped(&publisher.prefix)),
    )
    .replace(
        &inner(escaped(BASE_URL_MARK)),
        &inner(escaped(&publisher.base_url)),
    )
}

/// A release package around releases given as JSON text (dated `dates`), written without
/// parsing them.
pub fn package_text(
    releases: &[String],
    newest: Option<DateTime<Utc>>,
    uri: &str,
    publisher: &Publisher,
    now: DateTime<Utc>,
) -> String {
    let mut head = package(vec![], uri, publisher, now);
    head["publishedDate"] = json!(at(newest.unwrap_or(now)));
    let text = head.to_string();
    // The one unescaped `"releases":[]` of the compact text is the key's (a quote inside a
    // string is escaped).
    match text.find("\"releases\":[]") {
        Some(i) => {
            let cut = i + "\"releases\":[".len();
            let mut out = String::with_capacity(
                text.len() + releases.iter().map(String::len).sum::<usize>() + releases.len(),
            );
            out.push_str(&text[..cut]);
            out.push_str(&releases.join(","));
            out.push_str(&text[cut..]);
            out
        }
        None => text,
    }
}

pub fn ocid(prefix: &str, s: &Scenario) -> String {
    format!("{prefix}-{}", s.id.0)
}

fn at(t: DateTime<Utc>) -> String {
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
    if let (Some(n), true) = (standing, delivered) {
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
fn award_id(ocid: &str, k: usize) -> String {
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
        "suppliers": [{"id": org_id(n.winner.0), "name": n.winner.1}],
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

/// A release package around `releases`.
pub fn package(
    releases: Vec<Value>,
    uri: &str,
    publisher: &Publisher,
    now: DateTime<Utc>,
) -> Value {
    let published = releases
        .iter()
        .filter_map(|r| r["date"].as_str().map(str::to_string))
        .max()
        .unwrap_or_else(|| at(now));
    json!({
        "uri": uri,
        "version": "1.1",
        "extensions": EXTENSIONS,
        "publishedDate": published,
        "publisher": publisher_json(publisher),
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "publicationPolicy": format!("{}/opc", publisher.base_url),
        "releases": releases,
    })
}

fn publisher_json(p: &Publisher) -> Value {
    json!({"name": "青山区人工智能机会场景集市 / Qingshan AI scenario market", "uri": p.base_url})
}

/// The process's current state as one release (answers given since the last event too).
pub fn compiled(p: &Process, publisher: &Publisher, now: DateTime<Utc>) -> Option<Value> {
    let (_, last) = p.events.last()?;
    let id = format!("{}-compiled", ocid(&publisher.prefix, &p.scenario));
    let mut r = release(p, publisher, &p.events, now, last, id);
    r["tag"] = json!(["compiled"]);
    Some(r)
}

/// A record package: the process's releases (as stored) and its compiled release.
pub fn record_package(
    p: &Process,
    releases: Vec<Value>,
    uri: &str,
    publisher: &Publisher,
    now: DateTime<Utc>,
) -> Value {
    let ocid = ocid(&publisher.prefix, &p.scenario);
    let compiled = compiled(p, publisher, now).unwrap_or(Value::Null);
    let published = releases
        .last()
        .and_then(|r| r["date"].as_str().map(str::to_string))
        .unwrap_or_else(|| at(now));
    json!({
        "uri": uri,
        "version": "1.1",
        "extensions": EXTENSIONS,
        "publishedDate": published,
        "publisher": publisher_json(publisher),
        "records": [{"ocid": ocid, "releases": releases, "compiledRelease": compiled}],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_path_fills_and_packs_exactly_as_the_parsed_one() {
        let stored = Publisher::stored();
        let bodies: Vec<String> = [3, 7]
            .iter()
            .map(|n| {
                json!({
                    "id": format!("{}-{n}-tender", stored.prefix),
                    "date": format!("2026-12-0{n}T00:00:00Z"),
                    "url": format!("{}/scenarios/{n}", stored.base_url),
                    "title": "含 \\u0001prefix\\u0001 与 \"releases\":[] 的标题",
                })
                .to_string()
            })
            .collect();
        let real = Publisher {
            prefix: "ocds-abc123".into(),
            base_url: "https://x.example.gov.cn/a\"b".into(),
        };
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let parsed: Vec<Value> = bodies
            .iter()
            .map(|b| fill_publisher(b, &real).unwrap())
            .collect();
        let want = package(parsed, "https://x/api?q=\"releases\":[]", &real, now);
        let texts: Vec<String> = bodies
            .iter()
            .map(|b| fill_publisher_text(b, &real))
            .collect();
        let newest = DateTime::parse_from_rfc3339("2026-12-07T00:00:00Z")
            .unwrap()
            .to_utc();
        let got: Value = serde_json::from_str(&package_text(
            &texts,
            Some(newest),
            "https://x/api?q=\"releases\":[]",
            &real,
            now,
        ))
        .unwrap();
        assert_eq!(got, want);
    }

    #[test]
    fn a_stored_release_takes_the_publisher_of_the_day_it_is_read() {
        let stored = Publisher::stored();
        let body = json!({
            "ocid": format!("{}-7", stored.prefix),
            "tender": {"documents": [{"url": format!("{}/scenarios/7", stored.base_url)}]},
            "title": "含 \\u0001prefix\\u0001 字样的标题",
            "n": 3,
        })
        .to_string();
        let real = Publisher {
            prefix: "ocds-abc123".into(),
            base_url: "https://scenarios.example.gov.cn".into(),
        };
        let filled = fill_publisher(&body, &real).unwrap();
        assert_eq!(filled["ocid"], "ocds-abc123-7");
        assert_eq!(
            filled["tender"]["documents"][0]["url"],
            "https://scenarios.example.gov.cn/scenarios/7"
        );
        assert_eq!(filled["title"], "含 \\u0001prefix\\u0001 字样的标题");
        assert_eq!(filled["n"], 3);
    }

    #[test]
    fn audit_records_become_public_events_and_private_ones_nothing() {
        let e = Event::of_audit(
            "scenario.publish",
            Some(r#"{"status":"published","bid_deadline":"2026-12-20T09:00:00Z"}"#),
        );
        assert!(matches!(e, Some(Event::Published { .. })));
        assert_eq!(
            Event::of_audit("scenario.open_bids", Some(r#"{"bids":3}"#)),
            Some(Event::Opened { bids: 3 })
        );
        for private in [
            "scenario.create",
            "scenario.edit",
            "panel.set",
            "bid.submit",
        ] {
            assert_eq!(Event::of_audit(private, Some("{}")), None, "{private}");
        }
        assert_eq!(
            Event::of_audit("scenario.extend", Some("{}")),
            None,
            "no date, no event"
        );
    }
}
