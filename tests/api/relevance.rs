//! The relevance set: judged queries over the demo catalogue with synthetic distractors, and
//! the nDCG@10 each engine reaches. It fails below the floor, which was set from the
//! measured figure with a little room (see the closing notes of the search issue).

use std::collections::HashMap;

use chrono::Duration;
use domain::ports::SearchIndex;
use domain::scenario::Status;
use domain::search::{IndexOp, ScenarioDoc, ScenarioSearch, default_synonyms};

use search::synthetic;

/// The lowest mean nDCG@10 accepted, on either engine (both measured 0.973 when it was set).
const FLOOR: f64 = 0.90;
const DISTRACTORS: usize = 2_000;

#[derive(serde::Deserialize)]
struct Judged {
    queries: Vec<Query>,
}

#[derive(serde::Deserialize)]
struct Query {
    query: String,
    relevant: HashMap<String, u32>,
}

/// The demo catalogue as documents (ids from 1; drafts too: the set judges text, not state),
/// and the synthetic distractors after it.
fn corpus() -> (Vec<ScenarioDoc>, HashMap<i64, &'static str>) {
    let now = synthetic::epoch();
    let mut titles = HashMap::new();
    let mut docs: Vec<ScenarioDoc> = scenario_market::demo::data()
        .scenarios
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let id = i as i64 + 1;
            titles.insert(id, s.title.as_str());
            ScenarioDoc {
                id,
                title: s.title.clone(),
                summary: s.summary.clone(),
                description: s.description.clone(),
                tags: s.tags.iter().map(|t| t.to_string()).collect(),
                domain: s.domain,
                status: Status::Published,
                agency_id: 1,
                agency_name: "青山区".into(),
                budget_min_fen: s.budget_yuan.0 * 100,
                budget_max_fen: s.budget_yuan.1 * 100,
                bid_deadline: now + Duration::days(s.deadline_days),
                published_at: now - Duration::days(1),
            }
        })
        .collect();
    docs.extend(synthetic::distractors(DISTRACTORS, 10_000, 42));
    (docs, titles)
}

fn ndcg_at_10(ranked: &[i64], titles: &HashMap<i64, &str>, relevant: &HashMap<String, u32>) -> f64 {
    let gain = |g: u32| f64::from(2u32.pow(g) - 1);
    let dcg: f64 = ranked
        .iter()
        .take(10)
        .enumerate()
        .map(|(i, id)| {
            let g = titles
                .get(id)
                .and_then(|t| relevant.get(*t))
                .copied()
                .unwrap_or(0);
            gain(g) / ((i + 2) as f64).log2()
        })
        .sum();
    let mut ideal: Vec<u32> = relevant.values().copied().collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg: f64 = ideal
        .iter()
        .take(10)
        .enumerate()
        .map(|(i, g)| gain(*g) / ((i + 2) as f64).log2())
        .sum();
    if idcg == 0.0 { 0.0 } else { dcg / idcg }
}

/// The mean nDCG@10 of the judged set on `index`, printing each query's figure.
pub fn measure(engine: &str, index: &dyn SearchIndex) -> f64 {
    let judged: Judged =
        serde_json::from_str(include_str!("../relevance/scenarios.json")).expect("the judged set");
    assert!(judged.queries.len() >= 20, "a set of 20 or more queries");
    let (docs, titles) = corpus();
    for q in &judged.queries {
        for t in q.relevant.keys() {
            assert!(
                titles.values().any(|x| x == t),
                "{}: no demo scenario is titled {t}",
                q.query
            );
        }
    }
    index.clear().unwrap();
    index.set_synonyms(&default_synonyms()).unwrap();
    let ops: Vec<IndexOp> = docs
        .into_iter()
        .map(|d| IndexOp::PutScenario(Box::new(d)))
        .collect();
    for chunk in ops.chunks(500) {
        index.apply(chunk).unwrap();
    }
    let mut sum = 0.0;
    for q in &judged.queries {
        let found = index
            .search_scenarios(&ScenarioSearch {
                text: q.query.clone(),
                limit: 10,
                now: synthetic::epoch(),
                ..Default::default()
            })
            .unwrap();
        let ranked: Vec<i64> = found.hits.iter().map(|h| h.id.0).collect();
        let n = ndcg_at_10(&ranked, &titles, &q.relevant);
        println!("{engine}\tnDCG@10 {n:.3}\t{}", q.query);
        sum += n;
    }
    let mean = sum / judged.queries.len() as f64;
    println!(
        "{engine}\tmean nDCG@10 over {} queries: {mean:.3} (floor {FLOOR})",
        judged.queries.len()
    );
    mean
}

#[test]
fn the_built_in_engine_ranks_the_judged_set_above_the_floor() {
    let index = search::TantivyIndex::open(None).unwrap();
    let mean = measure("tantivy", &index);
    assert!(
        mean >= FLOOR,
        "mean nDCG@10 {mean:.3} is below the floor {FLOOR}"
    );
}

#[test]
fn the_meilisearch_engine_ranks_the_judged_set_above_the_floor() {
    let Ok(url) = std::env::var("MEILI_URL") else {
        assert!(
            std::env::var("TEST_REQUIRE_MEILI").map_or(true, |v| v != "1"),
            "TEST_REQUIRE_MEILI=1 but MEILI_URL is not set"
        );
        eprintln!(
            "\n!!! NOTICE: MEILI_URL is not set: the Meilisearch relevance test did NOT run. !!!\n"
        );
        return;
    };
    let key = std::env::var("MEILI_KEY").ok();
    let prefix = format!("rel{}_", std::process::id());
    let index = search::MeiliIndex::connect(&url, key.as_deref(), &prefix).unwrap();
    let mean = measure("meilisearch", &index);
    assert!(
        mean >= FLOOR,
        "mean nDCG@10 {mean:.3} is below the floor {FLOOR}"
    );
}

#[test]
fn ndcg_is_one_for_the_ideal_order_and_lower_otherwise() {
    let titles = HashMap::from([(1, "a"), (2, "b"), (3, "c")]);
    let rel = HashMap::from([("a".to_string(), 2), ("b".to_string(), 1)]);
    assert!((ndcg_at_10(&[1, 2, 3], &titles, &rel) - 1.0).abs() < 1e-9);
    assert!(ndcg_at_10(&[2, 1, 3], &titles, &rel) < 1.0);
    assert_eq!(ndcg_at_10(&[3], &titles, &rel), 0.0);
}
