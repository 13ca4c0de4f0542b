//! Open contracting data: every release the demo data produces validates against the
//! official OCDS 1.1.5 release-package schema (with jsonschema, formats checked), records
//! against the record-package schema; nothing sealed appears before the deadline.

use chrono::Duration;
use serde_json::{Value, json};
use tests::fixtures::{bid, open_scenario, verified_vendor};
use tests::{TestApp, on_both};

const RELEASE_URL: &str =
    "https://standard.open-contracting.org/schema/1__1__5/release-schema.json";

fn schema(name: &str) -> Value {
    let path = format!("{}/ocds/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Hands the release schema to the package schemas' `$ref` without any network.
struct Local(Value);

impl jsonschema::Retrieve for Local {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        if uri.as_str() == RELEASE_URL {
            Ok(self.0.clone())
        } else if uri
            .as_str()
            .ends_with("/versioned-release-validation-schema.json")
        {
            // Only a record's `versionedRelease` refers to it, and the site publishes none:
            // nothing in the documents meets this schema.
            Ok(json!({}))
        } else {
            Err(format!("no network in tests: {}", uri.as_str()).into())
        }
    }
}

pub(crate) fn validator(name: &str) -> jsonschema::Validator {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .with_retriever(Local(schema("release-schema.json")))
        .build(&schema(name))
        .unwrap()
}

pub(crate) fn assert_valid(v: &jsonschema::Validator, doc: &Value) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{} schema errors: {errors:#?}",
        errors.len()
    );
}

async fn all_releases(app: &TestApp) -> Vec<Value> {
    let v = validator("release-package-schema.json");
    let mut out = Vec::new();
    for page in 1.. {
        let a = app
            .get(
                &format!("/api/v1/ocds/releases?per_page=25&page={page}"),
                None,
            )
            .await;
        assert_eq!(a.status, 200, "{:?}", a.body);
        let releases = a.body["releases"].as_array().unwrap().clone();
        if releases.is_empty() {
            break;
        }
        assert_valid(&v, &a.body);
        assert_eq!(a.body["version"], "1.1");
        assert_eq!(a.body["extensions"].as_array().unwrap().len(), 2);
        out.extend(releases);
        if a.headers.get("link").is_none() {
            break;
        }
    }
    out
}

fn of<'a>(releases: &'a [Value], ocid: &str) -> Vec<&'a Value> {
    releases.iter().filter(|r| r["ocid"] == ocid).collect()
}

async fn every_demo_release_validates_and_tells_the_public_story(app: &TestApp) {
    tests::fixtures::demo(app).await;
    let releases = all_releases(app).await;
    // One tender release per published demo scenario (16), and more for the finished one.
    let tenders = releases.iter().filter(|r| r["tag"][0] == "tender").count();
    assert_eq!(tenders, 16);
    let release_schema = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&schema("release-schema.json"))
        .unwrap();
    for r in &releases {
        assert_valid(&release_schema, r);
        assert!(r["ocid"].as_str().unwrap().starts_with("ocds-qsai01-"));
        assert_eq!(r["tender"]["awardCriteria"], "ratedCriteria");
        assert_eq!(r["tender"]["value"]["currency"], "CNY");
    }
    // The validator is no rubber stamp: a bad date or a missing id is caught.
    let mut broken = releases[0].clone();
    broken["date"] = json!("yesterday");
    assert!(!release_schema.is_valid(&broken));
    let mut broken = releases[0].clone();
    broken.as_object_mut().unwrap().remove("ocid");
    assert!(!release_schema.is_valid(&broken));
    let ids: std::collections::HashSet<_> =
        releases.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), releases.len(), "release ids are unique");
    let dates: Vec<&str> = releases
        .iter()
        .map(|r| r["date"].as_str().unwrap())
        .collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "oldest first");

    // The finished sample: tender, opening with statistics, award with the ranking, the
    // contract, its implementation (milestones met, payments), delivery.
    let closed = app.get("/api/v1/scenarios?status=closed", None).await.body;
    let notices = app.get("/api/v1/award-notices", None).await.body;
    let notice = notices["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["scenario_id"] == closed["items"][0]["id"])
        .unwrap();
    let scenario = notice["scenario_id"].as_i64().unwrap();
    let ocid = format!("ocds-qsai01-{scenario}");
    let story = of(&releases, &ocid);
    let tags: Vec<&str> = story
        .iter()
        .map(|r| r["tag"][0].as_str().unwrap())
        .collect();
    assert_eq!(
        tags,
        vec![
            "tender",
            "tenderUpdate",
            "award",
            "contract",
            "implementation",
            "implementation",
            "implementation",
            "implementation",
            "implementation",
            "contractTermination",
            "implementation"
        ]
    );
    assert!(
        story[0].get("bids").is_none() && story[0]["tender"].get("numberOfTenderers").is_none()
    );
    assert_eq!(story[1]["bids"]["statistics"][0]["value"], 3);
    assert_eq!(
        story[1]["parties"].as_array().unwrap().len(),
        1,
        "no bidder named before the award"
    );
    let award = &story[2]["awards"][0];
    assert_eq!(
        award["value"]["amount"].as_f64().unwrap() * 100.0,
        notice["price_fen"].as_f64().unwrap()
    );
    assert_eq!(award["suppliers"][0]["name"], notice["winner"]["name"]);
    assert!(award["description"].as_str().unwrap().contains("1."));
    assert_eq!(
        story[2]["parties"].as_array().unwrap().len(),
        4,
        "the buyer and three tenderers"
    );
    let signed = &story[3]["contracts"][0];
    assert_eq!(signed["status"], "active");
    assert_eq!(signed["awardID"], award["id"]);
    assert_eq!(signed["value"]["amount"], 520000.0);
    let planned = signed["implementation"]["milestones"].as_array().unwrap();
    assert_eq!(planned.len(), 3);
    assert!(planned.iter().all(|m| m["status"] == "scheduled"));
    let done = &story[9]["contracts"][0];
    assert_eq!(done["status"], "terminated");
    let met = done["implementation"]["milestones"].as_array().unwrap();
    assert!(
        met.iter()
            .all(|m| m["status"] == "met" && m["dateMet"].is_string())
    );
    let last = &story[10]["contracts"][0]["implementation"]["transactions"];
    assert_eq!(last.as_array().unwrap().len(), 3);
    let paid: f64 = last
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["value"]["amount"].as_f64().unwrap())
        .sum();
    assert_eq!(paid, 520000.0, "paid in full");
    assert_eq!(last[0]["payee"]["name"], notice["winner"]["name"]);

    // Its record: every release and the compiled state, valid against the record schema.
    let record = app.get(&format!("/api/v1/ocds/records/{ocid}"), None).await;
    assert_eq!(record.status, 200);
    assert_valid(&validator("record-package-schema.json"), &record.body);
    assert_eq!(
        record.body["records"][0]["releases"]
            .as_array()
            .unwrap()
            .len(),
        11
    );
    assert_eq!(
        record.body["records"][0]["compiledRelease"]["tag"][0],
        "compiled"
    );
    for missing in ["ocds-qsai01-1", "nonsense", "ocds-other-1"] {
        assert_eq!(
            app.get(&format!("/api/v1/ocds/records/{missing}"), None)
                .await
                .status,
            404
        );
    }
    // `since` keeps the later ones; a bad one is named.
    let since = story[2]["date"].as_str().unwrap();
    let later = app
        .get(
            &format!(
                "/api/v1/ocds/releases?per_page=100&since={}",
                since.replace(':', "%3A").replace('+', "%2B")
            ),
            None,
        )
        .await
        .body;
    assert!(
        later["releases"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["date"].as_str().unwrap() >= since)
    );
    assert!(!later["releases"].as_array().unwrap().is_empty());
    let bad = app
        .get("/api/v1/ocds/releases?since=soon&page=0", None)
        .await;
    assert_eq!(bad.status, 422);
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"since") && fields.contains(&"page"),
        "{fields:?}"
    );
}

async fn a_sealed_bid_leaves_no_trace_until_the_deadline(app: &TestApp) {
    let (agency, scenario) = open_scenario(app).await;
    let (vendor, _) = verified_vendor(app, "v@example.cn", "甲公司").await;
    let ocid = format!("ocds-qsai01-{scenario}");
    let before = app
        .get(&format!("/api/v1/ocds/records/{ocid}"), None)
        .await
        .body;
    assert_eq!(
        app.post(
            &format!("/api/v1/scenarios/{scenario}/bids"),
            Some(&vendor),
            bid(300_000)
        )
        .await
        .status,
        201
    );
    // A question answered shows as an enquiry; the deadline moves on.
    let q = app
        .post(
            &format!("/api/v1/scenarios/{scenario}/questions"),
            Some(&vendor),
            json!({"body": "是否需要接入现有视频平台？"}),
        )
        .await;
    assert_eq!(q.status, 201, "{:?}", q.body);
    let qid = q.body["id"].as_i64().unwrap();
    let a = app
        .post(
            &format!("/api/v1/questions/{qid}/answer"),
            Some(&agency),
            json!({"body": "需要，接口文档将另行提供。"}),
        )
        .await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    app.drain_jobs().await;
    let after = app
        .get(&format!("/api/v1/ocds/records/{ocid}"), None)
        .await
        .body;
    assert_valid(&validator("record-package-schema.json"), &after);
    let text = after.to_string();
    assert!(
        !text.contains("\"bids\"")
            && !text.contains("numberOfTenderers")
            && !text.contains("甲公司"),
        "{text}"
    );
    assert_eq!(
        after["records"][0]["releases"].as_array().unwrap().len(),
        before["records"][0]["releases"].as_array().unwrap().len(),
        "a bid makes no release"
    );
    let compiled = &after["records"][0]["compiledRelease"];
    assert_eq!(
        compiled["tender"]["enquiries"][0]["answer"],
        "需要，接口文档将另行提供。"
    );
    // The deadline passes and the bids open: the statistics appear, and still no bidder name.
    app.clock.advance(Duration::days(31));
    app.drain_jobs().await;
    let opened = app
        .get(&format!("/api/v1/ocds/records/{ocid}"), None)
        .await
        .body;
    assert_valid(&validator("record-package-schema.json"), &opened);
    let last = opened["records"][0]["releases"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["tag"][0], "tenderUpdate");
    assert_eq!(last["bids"]["statistics"][0]["value"], 1);
    assert!(!opened.to_string().contains("甲公司"));
}

async fn releases_are_stored_as_events_happen_and_an_older_database_gets_them_once(app: &TestApp) {
    tests::fixtures::demo(app).await;
    let live = all_releases(app).await;
    let stored = app.query_i64("SELECT COUNT(*) AS n FROM ocds_releases");
    assert_eq!(stored, live.len() as i64, "one stored row per release");
    // A database from before releases were stored: they are made once from the audit trail,
    // the same releases the events stored.
    assert_eq!(app.execute_sql("DELETE FROM ocds_releases"), live.len());
    assert!(all_releases(app).await.is_empty());
    let services = app.parts.services.clone();
    let made = tokio::task::spawn_blocking(move || {
        let first = services.backfill_ocds_releases().unwrap();
        let second = services.backfill_ocds_releases().unwrap();
        (first, second)
    })
    .await
    .unwrap();
    // Contracts came after releases were stored: a database from before holds none, and the
    // audit trail makes no contract releases. The processes without a contract come back as
    // they were.
    let contract_steps = ["contract", "implementation", "contractAmendment"];
    let is_step = |r: &Value| {
        contract_steps.contains(&r["tag"][0].as_str().unwrap())
            || r["id"].as_str().unwrap().contains("-contract-voided")
    };
    let steps = live.iter().filter(|r| is_step(r)).count();
    assert!(steps >= 8, "the demo contracts made releases: {steps}");
    assert_eq!(made, (live.len() - steps, 0), "made once");
    let contracted: std::collections::HashSet<Value> = live
        .iter()
        .filter(|r| r.get("contracts").is_some())
        .map(|r| r["ocid"].clone())
        .collect();
    let without = |all: Vec<Value>| -> Vec<Value> {
        all.into_iter()
            .filter(|r| !contracted.contains(&r["ocid"]))
            .collect()
    };
    assert_eq!(without(all_releases(app).await), without(live.clone()));
    let live = all_releases(app).await;
    // A new public event adds its release at the end of its process, in its transaction.
    let (agency, _) = tests::fixtures::verified_agency(app, "owner@example.cn", "城管局").await;
    let id = tests::fixtures::draft_titled(app, &agency, "新发布的场景", 30).await;
    assert!(
        all_releases(app).await.len() == live.len(),
        "a draft has none"
    );
    tests::fixtures::publish(app, &agency, id).await;
    let now = all_releases(app).await;
    assert_eq!(now.len(), live.len() + 1);
    let new = now.last().unwrap();
    assert_eq!(new["ocid"], format!("ocds-qsai01-{id}"));
    assert_eq!(new["tag"][0], "tender");
    assert_eq!(new["tender"]["title"], "新发布的场景");
}

async fn parallel_public_events_of_one_process_number_their_releases_in_turn(app: &TestApp) {
    let (agency, scenario) = open_scenario(app).await;
    // Eight extensions at once, each to a later deadline of its own.
    let now = app.parts.services.now();
    let tasks: Vec<_> = (1..=8)
        .map(|i| {
            let rb = app
                .api
                .post(app.url(&format!("/api/v1/scenarios/{scenario}/extend")))
                .bearer_auth(&agency)
                .json(&json!({"bid_deadline": (now + Duration::days(40 + i)).to_rfc3339()}));
            tokio::spawn(async move { rb.send().await.unwrap().status().as_u16() })
        })
        .collect();
    let mut statuses = vec![];
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "{statuses:?}"
    );
    let extended = statuses.iter().filter(|s| **s == 200).count() as i64;
    assert!(extended >= 1, "{statuses:?}");
    let numbers = app.query_i64(&format!(
        "SELECT COUNT(*) AS n FROM ocds_releases WHERE scenario_id = {scenario}"
    ));
    let highest = app.query_i64(&format!(
        "SELECT CAST(MAX(n) AS BIGINT) AS n FROM ocds_releases WHERE scenario_id = {scenario}"
    ));
    assert_eq!((numbers, highest), (1 + extended, 1 + extended));
    let record = app
        .get(
            &format!("/api/v1/ocds/records/ocds-qsai01-{scenario}"),
            None,
        )
        .await;
    assert_eq!(record.status, 200);
    let tags: Vec<&str> = record.body["records"][0]["releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["tag"][0].as_str().unwrap())
        .collect();
    assert_eq!(tags.len() as i64, 1 + extended);
    assert_eq!(tags[0], "tender");
    assert!(
        tags[1..].iter().all(|t| *t == "tenderAmendment"),
        "{tags:?}"
    );
}

on_both! {
    parallel_public_events_of_one_process_number_their_releases_in_turn => super::parallel_public_events_of_one_process_number_their_releases_in_turn;
    releases_are_stored_as_events_happen_and_an_older_database_gets_them_once => super::releases_are_stored_as_events_happen_and_an_older_database_gets_them_once;
    every_demo_release_validates_and_tells_the_public_story => super::every_demo_release_validates_and_tells_the_public_story;
    a_sealed_bid_leaves_no_trace_until_the_deadline => super::a_sealed_bid_leaves_no_trace_until_the_deadline;
}
