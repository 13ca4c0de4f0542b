//! The search benchmark: a deterministic synthetic corpus of Chinese scenarios (and vendors),
//! the indexing rate, and the latency of a fixed query set (plain, filtered, faceted, prefix),
//! for the built-in engine and, when `MEILI_URL` (and `MEILI_KEY`) name a server, for
//! Meilisearch on the same corpus and queries in the same run, side by side with ratios.
//! Figures, not a pass/fail test. `MEILI_PID` and `MEILI_DB_PATH`, when set, add the
//! server's memory and size on disk.
//!
//! `cargo run --release -p search --bin search-bench -- [DOCS]` (default 100000);
//! `BENCH_ROUNDS` (default 30) repeats each query, `BENCH_DETAIL=1` prints each query's figures.

use std::time::Instant;

use domain::ports::SearchIndex;
use domain::scenario::Status;
use domain::search::{IndexOp, ScenarioSearch, ScenarioSort, default_synonyms};
use domain::sector::Sector;
use search::{MeiliIndex, TantivyIndex, synthetic};

/// One kind of query and its searches.
struct Kind {
    name: &'static str,
    searches: Vec<ScenarioSearch>,
}

fn query(text: &str) -> ScenarioSearch {
    ScenarioSearch {
        text: text.into(),
        limit: 20,
        now: synthetic::epoch(),
        ..Default::default()
    }
}

fn kinds() -> Vec<Kind> {
    let plain: Vec<ScenarioSearch> = [
        "巡检",
        "缺陷检测",
        "大模型 智能问答",
        "高炉 预测性维护",
        "drone",
        "泄漏监测",
    ]
    .into_iter()
    .map(query)
    .collect();
    let filtered = plain
        .iter()
        .cloned()
        .map(|mut q| {
            q.domains = vec![Sector::AiIndustry, Sector::CityGovernance];
            q.statuses = vec![Status::Published];
            q.budget_min_fen = Some(50_000_000);
            q.sort = ScenarioSort::DeadlineSoonest;
            q
        })
        .collect();
    let faceted = vec![query(""), {
        let mut q = query("");
        q.tags = vec!["钢铁".into()];
        q
    }];
    let prefix = ["无人", "缺陷检", "预测性", "insp"]
        .into_iter()
        .map(query)
        .collect();
    vec![
        Kind {
            name: "plain",
            searches: plain,
        },
        Kind {
            name: "filtered",
            searches: filtered,
        },
        Kind {
            name: "faceted",
            searches: faceted,
        },
        Kind {
            name: "prefix",
            searches: prefix,
        },
    ]
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn dir_size(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    let p = e.path();
                    if p.is_dir() {
                        dir_size(&p)
                    } else {
                        e.metadata().map(|m| m.len()).unwrap_or(0)
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

fn rss_mib() -> f64 {
    rss_of("self")
}

fn rss_of(pid: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|k| k.parse::<f64>().ok())
            })
        })
        .map(|kib| kib / 1024.0)
        .unwrap_or(0.0)
}

/// Indexing rate (documents a second) and per-kind latencies (ms) of one engine.
struct Figures {
    docs_per_sec: f64,
    latencies: Vec<(&'static str, f64, f64)>,
    all: (f64, f64),
}

/// `settle` waits for the engine's work after the last batch (tantivy's merges); Meilisearch
/// has finished when `apply` returns (each task is awaited).
fn measure(
    index: &dyn SearchIndex,
    docs: &[IndexOp],
    rounds: usize,
    settle: impl FnOnce(),
) -> Figures {
    index.clear().expect("clear");
    index.set_synonyms(&default_synonyms()).expect("synonyms");
    let started = Instant::now();
    for batch in docs.chunks(5_000) {
        index.apply(batch).expect("index a batch");
    }
    settle();
    let docs_per_sec = docs.len() as f64 / started.elapsed().as_secs_f64();
    let mut all = vec![];
    let mut latencies = vec![];
    for kind in kinds() {
        for q in &kind.searches {
            index.search_scenarios(q).expect("warm up");
        }
        let mut times = vec![];
        let mut per_query = vec![vec![]; kind.searches.len()];
        for _ in 0..rounds {
            for (i, q) in kind.searches.iter().enumerate() {
                let t = Instant::now();
                let r = index.search_scenarios(q).expect("search");
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                times.push(ms);
                per_query[i].push((ms, r.total));
                std::hint::black_box(r);
            }
        }
        if std::env::var("BENCH_DETAIL").is_ok() {
            for (q, mut t) in kind.searches.iter().zip(per_query) {
                t.sort_by(|a, b| a.0.total_cmp(&b.0));
                println!(
                    "  {:<8} {:<20} p50 {:>6.2} ms  max {:>6.2} ms  ({} found)",
                    kind.name,
                    q.text,
                    t[t.len() / 2].0,
                    t[t.len() - 1].0,
                    t[0].1
                );
            }
        }
        times.sort_by(f64::total_cmp);
        latencies.push((kind.name, percentile(&times, 0.5), percentile(&times, 0.99)));
        all.extend(times);
    }
    all.sort_by(f64::total_cmp);
    Figures {
        docs_per_sec,
        latencies,
        all: (percentile(&all, 0.5), percentile(&all, 0.99)),
    }
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let rounds = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(30);
    let mut docs: Vec<IndexOp> = synthetic::scenarios(n, 1, 2026)
        .into_iter()
        .map(|d| IndexOp::PutScenario(Box::new(d)))
        .collect();
    docs.extend(
        synthetic::vendors(n / 10, 1, 2026)
            .into_iter()
            .map(IndexOp::PutVendor),
    );
    println!(
        "corpus: {n} scenarios and {} vendors (seed 2026); {rounds} rounds of each query",
        n / 10
    );
    let dir = tempfile::tempdir().expect("a temporary folder");
    let rss_before = rss_mib();
    let tantivy = TantivyIndex::open(Some(dir.path())).expect("open the index");
    let t = measure(&tantivy, &docs, rounds, || {
        tantivy.finish_merges().expect("finish the merges")
    });
    let tantivy_disk = dir_size(dir.path()) as f64 / 1048576.0;
    let tantivy_rss = rss_mib();
    let segments = tantivy.scenario_segments();
    let meili = std::env::var("MEILI_URL").ok().map(|url| {
        let key = std::env::var("MEILI_KEY").ok();
        let index = MeiliIndex::connect(&url, key.as_deref(), "bench_").expect("Meilisearch");
        let m = measure(&index, &docs, rounds, || {});
        index.clear().expect("clear the bench indexes");
        m
    });
    println!("\nengine        docs/s   p50 ms   p99 ms   (all queries)");
    println!(
        "tantivy      {:>7.0}  {:>7.2}  {:>7.2}",
        t.docs_per_sec, t.all.0, t.all.1
    );
    if let Some(m) = &meili {
        println!(
            "meilisearch  {:>7.0}  {:>7.2}  {:>7.2}",
            m.docs_per_sec, m.all.0, m.all.1
        );
        println!(
            "ratio t/m    {:>7.2}  {:>7.2}  {:>7.2}   (indexing: higher is better; latency: lower)",
            t.docs_per_sec / m.docs_per_sec,
            t.all.0 / m.all.0,
            t.all.1 / m.all.1
        );
    } else {
        println!("(MEILI_URL is not set: Meilisearch was not measured)");
    }
    println!(
        "\nkind      tantivy p50  p99{}",
        if meili.is_some() {
            "    meili p50  p99    p99 ratio t/m"
        } else {
            ""
        }
    );
    for (i, (kind, p50, p99)) in t.latencies.iter().enumerate() {
        match &meili {
            Some(m) => {
                let (_, mp50, mp99) = m.latencies[i];
                println!(
                    "{kind:<9} {p50:>10.2} {p99:>6.2} {mp50:>12.2} {mp99:>6.2} {:>12.2}",
                    p99 / mp99
                );
            }
            None => println!("{kind:<9} {p50:>10.2} {p99:>6.2}"),
        }
    }
    println!(
        "\ntantivy index on disk: {tantivy_disk:.1} MiB in {segments} segments; this process's memory after indexing and searching: {tantivy_rss:.0} MiB (before opening: {rss_before:.0} MiB)"
    );
    if let Ok(pid) = std::env::var("MEILI_PID") {
        println!("Meilisearch server memory: {:.0} MiB", rss_of(&pid));
    }
    if let Ok(path) = std::env::var("MEILI_DB_PATH") {
        println!(
            "Meilisearch data on disk: {:.1} MiB",
            dir_size(std::path::Path::new(&path)) as f64 / 1048576.0
        );
    }
    println!(
        "target: tantivy indexing >= 5000 docs/s -> {:.2}x of target",
        t.docs_per_sec / 5000.0
    );
    if let Some(m) = &meili {
        println!(
            "target: tantivy query p99 <= 1/4 of Meilisearch's -> {:.2} (needs <= 0.25)",
            t.all.1 / m.all.1
        );
    }
}
