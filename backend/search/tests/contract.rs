//! The contract of `SearchIndex`: what every engine must answer, the same way. Each story
//! fills a fresh index with a small corpus and asks it questions.

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::ids::OrganizationId;
use domain::ports::SearchIndex;
use domain::scenario::{ScenarioId, Status};
use domain::search::{
    DocRef, IndexOp, ScenarioDoc, ScenarioSearch, ScenarioSort, VendorDoc, VendorSearch,
};
use domain::sector::Sector;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap()
}

struct Doc {
    id: i64,
    title: &'static str,
    summary: &'static str,
    tags: &'static [&'static str],
    domain: Sector,
    status: Status,
    budget_yuan: (i64, i64),
    deadline_days: i64,
    published_days_ago: i64,
}

const CORPUS: &[Doc] = &[
    Doc {
        id: 1,
        title: "无人机智能巡检",
        summary: "用无人机对河道和道路自动巡检。Drone inspection of rivers and roads.",
        tags: &["无人机", "巡检"],
        domain: Sector::CityGovernance,
        status: Status::Published,
        budget_yuan: (500_000, 800_000),
        deadline_days: 20,
        published_days_ago: 3,
    },
    Doc {
        id: 2,
        title: "钢板表面缺陷检测",
        summary: "基于 YOLO 的钢板表面缺陷检测与分级",
        tags: &["视觉", "质检"],
        domain: Sector::AiIndustry,
        status: Status::Published,
        budget_yuan: (1_000_000, 2_000_000),
        deadline_days: 10,
        published_days_ago: 5,
    },
    Doc {
        id: 3,
        title: "政务热线智能客服",
        summary: "大模型辅助接听市民热线。An assistant for the citizen hotline.",
        tags: &["大模型", "客服"],
        domain: Sector::GovernmentServices,
        status: Status::Published,
        budget_yuan: (300_000, 600_000),
        deadline_days: 30,
        published_days_ago: 1,
    },
    Doc {
        id: 4,
        title: "工地安全帽佩戴识别",
        summary: "视频监控识别未戴安全帽的工人",
        tags: &["安全帽", "视觉"],
        domain: Sector::AiConstruction,
        status: Status::Published,
        budget_yuan: (200_000, 400_000),
        deadline_days: -2,
        published_days_ago: 30,
    },
    Doc {
        id: 5,
        title: "光伏电站巡检机器人",
        summary: "屋顶光伏板的自动清洁与巡检",
        tags: &["光伏", "巡检"],
        domain: Sector::NewMaterials,
        status: Status::Awarded,
        budget_yuan: (800_000, 1_500_000),
        deadline_days: -40,
        published_days_ago: 60,
    },
    Doc {
        id: 6,
        title: "老旧小区监控探头智能升级",
        summary: "为小区的监控探头加装边缘计算，识别高空抛物",
        tags: &["视频监控"],
        domain: Sector::CityGovernance,
        status: Status::Published,
        budget_yuan: (100_000, 300_000),
        deadline_days: 15,
        published_days_ago: 2,
    },
];

fn doc(d: &Doc) -> ScenarioDoc {
    ScenarioDoc {
        id: d.id,
        title: d.title.into(),
        summary: d.summary.into(),
        description: format!("{}。详细说明。", d.title),
        tags: d.tags.iter().map(|t| t.to_string()).collect(),
        domain: d.domain,
        status: d.status,
        agency_id: 100 + d.id % 2,
        agency_name: if d.id % 2 == 0 {
            "青山区经信局"
        } else {
            "青山区城管局"
        }
        .into(),
        budget_min_fen: d.budget_yuan.0 * 100,
        budget_max_fen: d.budget_yuan.1 * 100,
        bid_deadline: now() + Duration::days(d.deadline_days),
        published_at: now() - Duration::days(d.published_days_ago),
    }
}

fn filled(index: &dyn SearchIndex) {
    index.clear().unwrap();
    let ops: Vec<IndexOp> = CORPUS
        .iter()
        .map(|d| IndexOp::PutScenario(Box::new(doc(d))))
        .chain(vendors().into_iter().map(IndexOp::PutVendor))
        .collect();
    index.apply(&ops).unwrap();
}

fn vendors() -> Vec<VendorDoc> {
    vec![
        VendorDoc {
            id: 201,
            name: "鹰眼视觉科技".into(),
            description: "工业视觉与缺陷检测".into(),
            capabilities: vec!["视觉".into(), "质检".into()],
            opc_member: true,
            rating_average: Some(88.0),
            rating_count: 3,
        },
        VendorDoc {
            id: 202,
            name: "江城无人机服务".into(),
            description: "无人机巡检、测绘。Drone services.".into(),
            capabilities: vec!["无人机".into(), "巡检".into()],
            opc_member: false,
            rating_average: None,
            rating_count: 0,
        },
        VendorDoc {
            id: 203,
            name: "一人智能工作室".into(),
            description: "大模型应用开发".into(),
            capabilities: vec!["大模型".into()],
            opc_member: true,
            rating_average: Some(92.0),
            rating_count: 1,
        },
    ]
}

fn search(text: &str) -> ScenarioSearch {
    ScenarioSearch {
        text: text.into(),
        limit: 10,
        now: now(),
        ..Default::default()
    }
}

fn ids(index: &dyn SearchIndex, q: &ScenarioSearch) -> Vec<i64> {
    index
        .search_scenarios(q)
        .unwrap()
        .hits
        .iter()
        .map(|h| h.id.0)
        .collect()
}

fn found(index: &dyn SearchIndex, text: &str) -> Vec<i64> {
    ids(index, &search(text))
}

pub fn chinese_words_are_found_inside_compounds(index: &dyn SearchIndex) {
    filled(index);
    let hits = found(index, "巡检");
    assert_eq!(
        sorted(&hits),
        [1, 5],
        "巡检 finds 无人机智能巡检 and 光伏电站巡检机器人"
    );
    assert_eq!(found(index, "无人机巡检")[0], 1);
    assert_eq!(found(index, "高空抛物"), [6], "in the summary");
    assert_eq!(
        sorted(&found(index, "城管局")),
        [1, 3, 5],
        "the agency's name"
    );
    assert!(found(index, "石油化工").is_empty(), "nothing matches");
}

pub fn english_and_mixed_queries_work(index: &dyn SearchIndex) {
    filled(index);
    assert_eq!(found(index, "drone"), [1], "the English summary, stemmed");
    assert_eq!(found(index, "Drones"), [1]);
    assert_eq!(found(index, "YOLO 缺陷检测"), [2]);
    assert_eq!(found(index, "citizen hotline"), [3]);
}

pub fn documents_with_every_word_come_first_then_those_without_the_last(index: &dyn SearchIndex) {
    filled(index);
    assert_eq!(
        found(index, "巡检 无人机"),
        [1, 5],
        "both words, then the first alone"
    );
    assert_eq!(
        found(index, "钢板 高空抛物"),
        [2],
        "the first word alone when nothing has both"
    );
    assert!(
        found(index, "石油化工 高空抛物").is_empty(),
        "the first word must match"
    );
}

pub fn width_script_and_case_fold(index: &dyn SearchIndex) {
    filled(index);
    assert_eq!(found(index, "ＹＯＬＯ"), [2], "full-width");
    assert_eq!(found(index, "yolo"), [2], "case");
    assert_eq!(sorted(&found(index, "巡檢")), [1, 5], "traditional");
}

pub fn the_last_word_matches_as_a_prefix_and_latin_words_allow_typos(index: &dyn SearchIndex) {
    filled(index);
    assert!(found(index, "无人").contains(&1), "search as you type");
    assert_eq!(found(index, "insp"), [1]);
    assert_eq!(found(index, "citizn"), [3], "one typo");
    assert!(
        found(index, "xitizen").is_empty(),
        "a typo in the first letter is not forgiven"
    );
    assert!(
        found(index, "insp ").is_empty(),
        "a finished word is not a prefix"
    );
}

pub fn synonyms_apply_at_once_without_a_rebuild(index: &dyn SearchIndex) {
    filled(index);
    assert!(found(index, "摄像头").is_empty());
    index
        .set_synonyms(&[
            vec!["摄像头".into(), "监控探头".into()],
            vec!["光伏".into(), "太阳能发电".into()],
        ])
        .unwrap();
    assert_eq!(found(index, "摄像头"), [6]);
    assert_eq!(found(index, "太阳能发电"), [5]);
    assert_eq!(
        found(index, "监控探头")[0],
        6,
        "both ways, the whole term first"
    );
    index
        .set_synonyms(&[
            vec!["巡检".into(), "巡查".into()],
            vec!["石化".into(), "石油化工".into()],
        ])
        .unwrap();
    assert!(
        found(index, "石油化工 巡检").is_empty(),
        "a synonym group keeps its place in the query: the first word must match"
    );
    assert_eq!(sorted(&found(index, "巡查 石油化工")), [1, 5]);
    index.set_synonyms(&[]).unwrap();
    assert!(found(index, "摄像头").is_empty(), "removed again");
}

pub fn filters_combine_and_statuses_follow_the_clock(index: &dyn SearchIndex) {
    filled(index);
    let all = |f: &dyn Fn(&mut ScenarioSearch)| {
        let mut q = search("");
        f(&mut q);
        sorted(&ids(index, &q))
    };
    assert_eq!(all(&|q| q.domains = vec![Sector::CityGovernance]), [1, 6]);
    assert_eq!(
        all(&|q| q.domains = vec![Sector::CityGovernance, Sector::AiIndustry]),
        [1, 2, 6],
        "any of one kind"
    );
    assert_eq!(
        all(&|q| q.statuses = vec![Status::Published]),
        [1, 2, 3, 6],
        "open only"
    );
    assert_eq!(
        all(&|q| q.statuses = vec![Status::Evaluating]),
        [4],
        "deadline passed"
    );
    assert_eq!(all(&|q| q.statuses = vec![Status::Awarded]), [5]);
    assert_eq!(all(&|q| q.tags = vec!["视觉".into()]), [2, 4]);
    assert_eq!(
        all(&|q| q.tags = vec!["视觉".into(), "质检".into()]),
        [2],
        "every tag"
    );
    assert_eq!(
        all(&|q| {
            q.budget_min_fen = Some(70_000_000);
            q.budget_max_fen = Some(90_000_000);
        }),
        [1, 5],
        "budget ranges that meet"
    );
    assert_eq!(
        all(&|q| {
            q.deadline_after = Some(now());
            q.deadline_before = Some(now() + Duration::days(16));
        }),
        [2, 6]
    );
    assert_eq!(all(&|q| q.agency = Some(OrganizationId(100))), [2, 4, 6]);
    let mut q = search("巡检");
    q.domains = vec![Sector::CityGovernance];
    assert_eq!(ids(index, &q), [1], "text and filter");
}

pub fn facets_count_the_filtered_result(index: &dyn SearchIndex) {
    filled(index);
    let r = index.search_scenarios(&search("")).unwrap();
    assert_eq!(r.total, 6);
    assert_eq!(r.facets.domain[0], ("city_governance".to_string(), 2));
    assert_eq!(r.facets.domain.iter().map(|(_, n)| n).sum::<u64>(), 6);
    assert!(r.facets.tags.contains(&("巡检".to_string(), 2)));
    let r = index.search_scenarios(&search("巡检")).unwrap();
    assert_eq!(r.total, 2);
    assert_eq!(
        sorted_pairs(&r.facets.domain),
        [
            ("city_governance".to_string(), 1),
            ("new_materials".to_string(), 1)
        ]
    );
    assert_eq!(
        sorted_pairs(&r.facets.status),
        [("awarded".to_string(), 1), ("published".to_string(), 1)]
    );
}

pub fn pages_and_sorts(index: &dyn SearchIndex) {
    filled(index);
    let by = |sort: ScenarioSort| {
        let mut q = search("");
        q.sort = sort;
        ids(index, &q)
    };
    assert_eq!(by(ScenarioSort::DeadlineSoonest), [5, 4, 2, 6, 1, 3]);
    assert_eq!(by(ScenarioSort::Newest), [3, 6, 1, 2, 4, 5]);
    assert_eq!(by(ScenarioSort::BudgetHighest), [2, 5, 1, 3, 4, 6]);
    let mut q = search("");
    q.sort = ScenarioSort::Newest;
    q.offset = 2;
    q.limit = 2;
    let r = index.search_scenarios(&q).unwrap();
    assert_eq!(
        (r.total, r.hits.iter().map(|h| h.id.0).collect::<Vec<_>>()),
        (6, vec![1, 2])
    );
}

pub fn open_scenarios_rank_a_little_higher(index: &dyn SearchIndex) {
    let mut closed = doc(&CORPUS[0]);
    closed.id = 7;
    closed.status = Status::Evaluating;
    closed.bid_deadline = now() - Duration::days(1);
    let open = doc(&CORPUS[0]);
    // Both orders of insertion, so that no tie-break can pass for the boost.
    for pair in [[&closed, &open], [&open, &closed]] {
        index.clear().unwrap();
        for d in pair {
            index
                .apply(&[IndexOp::PutScenario(Box::new(d.clone()))])
                .unwrap();
        }
        assert_eq!(
            found(index, "无人机智能巡检"),
            [1, 7],
            "the same text; the open one first"
        );
    }
}

pub fn updates_replace_and_deletes_remove(index: &dyn SearchIndex) {
    filled(index);
    let before = index.count().unwrap();
    let mut d = doc(&CORPUS[2]);
    d.title = "市民热线语音助手".into();
    d.description = "语音识别与应答".into();
    index.apply(&[IndexOp::PutScenario(Box::new(d))]).unwrap();
    assert_eq!(index.count().unwrap(), before, "replaced, not added");
    assert!(!found(index, "语音助手").is_empty());
    assert!(
        !found(index, "智能客服").contains(&3),
        "the old title is gone"
    );
    let listed = index.search_scenarios(&search("")).unwrap().total;
    index
        .apply(&[IndexOp::Delete(DocRef::Scenario(ScenarioId(3)))])
        .unwrap();
    assert!(found(index, "语音助手").is_empty());
    assert_eq!(index.count().unwrap(), before - 1);
    let after = index.search_scenarios(&search("")).unwrap();
    assert_eq!(after.total, listed - 1);
    let in_facets: u64 = after.facets.domain.iter().map(|(_, n)| n).sum();
    assert_eq!(
        in_facets,
        listed - 1,
        "a deleted document leaves the facet counts"
    );
    index.clear().unwrap();
    assert_eq!(index.count().unwrap(), 0);
}

pub fn matched_words_are_marked(index: &dyn SearchIndex) {
    filled(index);
    let r = index.search_scenarios(&search("巡检")).unwrap();
    let hit = r.hits.iter().find(|h| h.id.0 == 1).unwrap();
    let marked: Vec<&str> = hit
        .title
        .marks
        .iter()
        .map(|m| &hit.title.text[m.clone()])
        .collect();
    assert_eq!(marked, ["巡检"], "{:?}", hit.title);
    assert!(hit.summary.text.contains("巡检"));
    let r = index.search_scenarios(&search("钢板")).unwrap();
    assert_eq!(
        r.hits[0].title.text, "钢板表面缺陷检测",
        "a short field is shown whole"
    );
    let r = index.search_scenarios(&search("大模型")).unwrap();
    assert!(
        r.hits[0].summary.text.ends_with("hotline."),
        "{:?}",
        r.hits[0].summary
    );
    assert!(!hit.summary.marks.is_empty());
    let r = index.search_scenarios(&search("")).unwrap();
    assert!(
        r.hits
            .iter()
            .all(|h| h.title.marks.is_empty() && !h.title.text.is_empty())
    );
}

pub fn the_vendor_directory_searches_and_filters(index: &dyn SearchIndex) {
    filled(index);
    let v = |text: &str, f: &dyn Fn(&mut VendorSearch)| {
        let mut q = VendorSearch {
            text: text.into(),
            limit: 10,
            ..Default::default()
        };
        f(&mut q);
        let r = index.search_vendors(&q).unwrap();
        (r.ids.iter().map(|o| o.0).collect::<Vec<_>>(), r.total)
    };
    assert_eq!(v("无人机", &|_| {}), (vec![202], 1));
    assert_eq!(v("drone", &|_| {}), (vec![202], 1));
    assert_eq!(v("缺陷检测", &|_| {}).0, [201]);
    assert_eq!(
        v("", &|q| q.opc_member = Some(true)).0,
        [203, 201],
        "best reputation first"
    );
    assert_eq!(v("", &|q| q.capabilities = vec!["视觉".into()]).0, [201]);
    let r = index
        .search_vendors(&VendorSearch {
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        sorted_pairs(&r.opc_member),
        [("false".to_string(), 1), ("true".to_string(), 2)]
    );
}

/// A rebuild written in many batches, then compacted: every document and every answer stay.
pub fn compacting_keeps_every_document_and_answer(index: &dyn SearchIndex) {
    index.clear().unwrap();
    for d in CORPUS {
        index
            .apply(&[IndexOp::PutScenario(Box::new(doc(d)))])
            .unwrap();
    }
    let before = (
        index.count().unwrap(),
        found(index, "巡检"),
        found(index, "法律"),
    );
    index.compact().unwrap();
    let after = (
        index.count().unwrap(),
        found(index, "巡检"),
        found(index, "法律"),
    );
    assert_eq!(before, after);
    assert_eq!(after.0, CORPUS.len() as u64);
    assert!(!after.1.is_empty());
}

/// The built-in engine packs a rebuild into one segment (each search visits every segment).
#[test]
fn the_built_in_engine_compacts_a_rebuild_into_one_segment() {
    let index = search::TantivyIndex::open(None).unwrap();
    for d in CORPUS {
        index
            .apply(&[IndexOp::PutScenario(Box::new(doc(d)))])
            .unwrap();
    }
    assert!(index.scenario_segments() > 1, "one commit, one segment");
    index.compact().unwrap();
    assert_eq!(index.scenario_segments(), 1);
}

fn sorted(v: &[i64]) -> Vec<i64> {
    let mut v = v.to_vec();
    v.sort();
    v
}

fn sorted_pairs(v: &[(String, u64)]) -> Vec<(String, u64)> {
    let mut v = v.to_vec();
    v.sort();
    v
}

macro_rules! contract {
    ($engine:ident, $make:expr) => {
        mod $engine {
            use super::*;
            contract!(@tests $make;
                chinese_words_are_found_inside_compounds,
                english_and_mixed_queries_work,
                documents_with_every_word_come_first_then_those_without_the_last,
                width_script_and_case_fold,
                the_last_word_matches_as_a_prefix_and_latin_words_allow_typos,
                synonyms_apply_at_once_without_a_rebuild,
                filters_combine_and_statuses_follow_the_clock,
                facets_count_the_filtered_result,
                pages_and_sorts,
                open_scenarios_rank_a_little_higher,
                updates_replace_and_deletes_remove,
                matched_words_are_marked,
                the_vendor_directory_searches_and_filters,
                compacting_keeps_every_document_and_answer,
            );
        }
    };
    (@tests $make:expr; $($name:ident,)*) => {
        $(
            #[test]
            fn $name() {
                if let Some(index) = $make(stringify!($name)) {
                    super::$name(&*index);
                }
            }
        )*
    };
}

/// A Meilisearch engine of the server named by `MEILI_URL` (and `MEILI_KEY`), with indexes of
/// this test's own; `None`, said loudly, without one (CI sets `TEST_REQUIRE_MEILI=1`, which
/// makes a missing server a failure).
pub fn meili(test: &str) -> Option<Box<dyn SearchIndex>> {
    match std::env::var("MEILI_URL") {
        Ok(url) if !url.is_empty() => {
            let key = std::env::var("MEILI_KEY").ok();
            let prefix = format!("t{}_{test}_", std::process::id());
            Some(Box::new(
                search::MeiliIndex::connect(&url, key.as_deref(), &prefix)
                    .unwrap_or_else(|e| panic!("Meilisearch at {url}: {e}")),
            ))
        }
        _ => {
            assert!(
                std::env::var("TEST_REQUIRE_MEILI").map_or(true, |v| v != "1"),
                "TEST_REQUIRE_MEILI=1 but MEILI_URL is not set"
            );
            eprintln!(
                "\n!!! NOTICE: MEILI_URL is not set: the Meilisearch contract test {test} did NOT run. !!!\n"
            );
            None
        }
    }
}

/// A fresh built-in index in memory.
pub fn tantivy(_test: &str) -> Option<Box<dyn SearchIndex>> {
    Some(Box::new(search::TantivyIndex::open(None).unwrap()))
}

contract!(tantivy, tantivy);
contract!(meilisearch, meili);
