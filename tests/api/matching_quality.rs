//! The quality of matching, measured on judged sets: scenario → vendor pairs graded 0–3, with
//! tempting adjacent businesses ("traps": they share the topic, not the kind of offer).
//!
//! - `relevance/matching.json` (issue 27): 134 vendors, 42 scenarios in two halves. The
//!   ranking was tuned on the `dev` half only; the `held` half is the measurement, with the
//!   floors below. Also measured: the vendor directory's ranking of a long query (the
//!   scenario's title), alerts (precision and recall), and what each signal adds (ablation).
//! - `relevance/vendors.json` (issue 11): the older, smaller set, tuned on; kept so that it
//!   does not get worse.

use std::collections::HashMap;

use domain::account::OfferKind;
use domain::ids::OrganizationId;
use domain::recommend::{Need, Profile, Recommendation, Signals, rank_with};
use domain::search::default_synonyms;
use domain::sector::Sector;

use search::analyzer::tokens;

/// The held-back half's floors (the targets).
const HELD_NDCG: f64 = 0.92;
const HELD_DIRECTORY_NDCG: f64 = 0.80;
/// At most this many traps in any scenario's top 5.
const TRAPS_IN_TOP: usize = 1;
/// The older set's floor (see the closing note of the notifications issue).
const OLD_FLOOR: f64 = 0.90;

#[derive(serde::Deserialize)]
struct Judged {
    vendors: Vec<Vendor>,
    scenarios: Vec<Scenario>,
}

#[derive(serde::Deserialize)]
struct Vendor {
    name: String,
    opc: bool,
    capabilities: Vec<String>,
    description: String,
    #[serde(default)]
    offers: Vec<OfferKind>,
}

#[derive(serde::Deserialize)]
struct Scenario {
    /// A demo scenario, by title (the older set); or the fields below.
    demo: Option<String>,
    #[serde(default)]
    half: Option<String>,
    title: Option<String>,
    summary: Option<String>,
    description: Option<String>,
    domain: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    grades: HashMap<String, u32>,
    #[serde(default, alias = "near_misses")]
    traps: Vec<String>,
}

struct Case {
    half: String,
    /// The scenario's texts, folded (where a subscriber's words are looked for).
    text: String,
    title: String,
    need: Need,
    grades: HashMap<String, u32>,
    traps: Vec<String>,
}

fn analyze(text: &str) -> Vec<String> {
    tokens(text)
}

fn load(text: &str) -> (Vec<Profile>, Vec<Case>) {
    let judged: Judged = serde_json::from_str(text).expect("the judged set");
    let profiles: Vec<Profile> = judged
        .vendors
        .iter()
        .enumerate()
        .map(|(i, v)| {
            Profile::new(
                OrganizationId(i as i64 + 1),
                v.name.clone(),
                v.opc,
                v.capabilities.clone(),
                &v.description,
                &v.offers,
                &analyze,
            )
        })
        .collect();
    let cases = judged
        .scenarios
        .into_iter()
        .map(|s| {
            for name in s.grades.keys().chain(&s.traps) {
                assert!(
                    judged.vendors.iter().any(|v| &v.name == name),
                    "judged vendor {name} is in the set"
                );
            }
            let (title, summary, description, domain, tags) = match &s.demo {
                Some(t) => {
                    let d = scenario_market::demo::data()
                        .scenarios
                        .iter()
                        .find(|d| &d.title == t)
                        .unwrap_or_else(|| panic!("no demo scenario {t}"));
                    (
                        d.title.to_string(),
                        d.summary.to_string(),
                        d.description.to_string(),
                        d.domain,
                        d.tags.iter().map(|t| t.to_string()).collect::<Vec<_>>(),
                    )
                }
                None => (
                    s.title.clone().unwrap(),
                    s.summary.clone().unwrap_or_default(),
                    s.description.clone().unwrap_or_default(),
                    Sector::parse(s.domain.as_deref().unwrap()).unwrap(),
                    s.tags.clone(),
                ),
            };
            Case {
                half: s.half.unwrap_or_else(|| "all".into()),
                text: domain::search::fold(&format!(
                    "{title}\n{summary}\n{description}\n{}",
                    tags.join("\n")
                )),
                need: Need::of_scenario(domain, tags, &title, &summary, &description, &analyze),
                title,
                grades: s.grades,
                traps: s.traps,
            }
        })
        .collect();
    (profiles, cases)
}

fn ndcg_at(k: usize, ranked: &[u32], judged: &[u32]) -> f64 {
    let gain = |g: u32| f64::from(2u32.pow(g) - 1);
    let dcg = |gs: &[u32]| -> f64 {
        gs.iter()
            .take(k)
            .enumerate()
            .map(|(i, g)| gain(*g) / ((i + 2) as f64).log2())
            .sum()
    };
    let mut ideal = judged.to_vec();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let best = dcg(&ideal);
    if best == 0.0 { 0.0 } else { dcg(ranked) / best }
}

/// A half's figures for one way of ranking.
#[derive(Debug, Default, Clone, Copy)]
pub struct Figures {
    pub ndcg: f64,
    /// Traps in the top 5, summed over the scenarios, and the most in one scenario.
    pub traps_in_top: usize,
    pub most_traps_in_one: usize,
    /// Traps ranked above a vendor graded 2 or more.
    pub traps_above_fit: usize,
    pub scenarios: usize,
}

fn figures(cases: &[&Case], rank: impl Fn(&Case) -> Vec<Recommendation>, verbose: bool) -> Figures {
    let mut f = Figures::default();
    for c in cases {
        let ranked = rank(c);
        let grades: Vec<u32> = ranked
            .iter()
            .map(|r| c.grades.get(&r.name).copied().unwrap_or(0))
            .collect();
        let judged: Vec<u32> = c.grades.values().copied().collect();
        let n = ndcg_at(5, &grades, &judged);
        f.ndcg += n;
        let top: Vec<&Recommendation> = ranked.iter().take(5).collect();
        let traps = top.iter().filter(|r| c.traps.contains(&r.name)).count();
        let last_fit = ranked
            .iter()
            .rposition(|r| c.grades.get(&r.name).is_some_and(|g| *g >= 2))
            .unwrap_or(0);
        f.traps_above_fit += ranked[..last_fit]
            .iter()
            .filter(|r| c.traps.contains(&r.name))
            .count();
        f.traps_in_top += traps;
        f.most_traps_in_one = f.most_traps_in_one.max(traps);
        f.scenarios += 1;
        if verbose {
            println!(
                "  [{}] nDCG@5 {n:.3} traps {traps}  {}  → {}",
                c.half,
                c.title,
                top.iter()
                    .map(|r| format!(
                        "{}{} ({})",
                        r.name,
                        match (c.grades.get(&r.name), c.traps.contains(&r.name)) {
                            (Some(g), _) => format!("={g}"),
                            (None, true) => "=TRAP".into(),
                            _ => String::new(),
                        },
                        r.score
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    f.ndcg /= f.scenarios.max(1) as f64;
    f
}

fn half<'a>(cases: &'a [Case], name: &str) -> Vec<&'a Case> {
    cases.iter().filter(|c| c.half == name).collect()
}

/// The owner's list for a scenario.
fn recommended(profiles: &[Profile], signals: Signals) -> impl Fn(&Case) -> Vec<Recommendation> {
    let synonyms = default_synonyms();
    move |c: &Case| rank_with(&c.need, profiles, &synonyms, signals)
}

/// The directory's answer to the scenario's title typed as a query.
fn directory(profiles: &[Profile]) -> impl Fn(&Case) -> Vec<Recommendation> {
    let synonyms = default_synonyms();
    move |c: &Case| {
        let need = Need::of_query(&c.title, &analyze);
        rank_with(&need, profiles, &synonyms, Signals::ALL)
    }
}

fn new_set() -> (Vec<Profile>, Vec<Case>) {
    load(include_str!("../relevance/matching.json"))
}

/// Prints every figure of the new set (`cargo test -p tests --test api matching_quality --
/// --nocapture`); `MATCHING_VERBOSE=1` also prints each scenario's top 5.
#[test]
fn matching_on_the_held_back_half_meets_the_targets() {
    let (profiles, cases) = new_set();
    let verbose = std::env::var("MATCHING_VERBOSE").is_ok();
    let mut held = Figures::default();
    let mut held_dir = Figures::default();
    for name in ["dev", "held"] {
        let part = half(&cases, name);
        let r = figures(&part, recommended(&profiles, Signals::ALL), verbose);
        let d = figures(&part, directory(&profiles), false);
        println!(
            "{name}: {} scenarios · recommended nDCG@5 {:.3}, traps in top 5 {} (most in one {}), above a fit {} · directory nDCG@5 {:.3}, traps in top 5 {}",
            r.scenarios,
            r.ndcg,
            r.traps_in_top,
            r.most_traps_in_one,
            r.traps_above_fit,
            d.ndcg,
            d.traps_in_top
        );
        if name == "held" {
            (held, held_dir) = (r, d);
        }
    }
    assert!(held.scenarios >= 20, "the held-back half has its scenarios");
    assert!(
        held.ndcg >= HELD_NDCG,
        "held-back nDCG@5 {:.3} is below {HELD_NDCG}",
        held.ndcg
    );
    assert!(
        held.most_traps_in_one <= TRAPS_IN_TOP,
        "a held-back scenario has {} traps in its top 5",
        held.most_traps_in_one
    );
    assert!(
        held_dir.ndcg >= HELD_DIRECTORY_NDCG,
        "held-back directory nDCG@5 {:.3} is below {HELD_DIRECTORY_NDCG}",
        held_dir.ndcg
    );
}

/// What each signal adds: the held-back and dev figures with one signal taken away.
#[test]
fn each_signal_adds_to_the_ranking() {
    let (profiles, cases) = new_set();
    let all = Signals::ALL;
    let rows = [
        ("all signals", all),
        (
            "without the offer model",
            Signals {
                offer: false,
                ..all
            },
        ),
        (
            "without concepts",
            Signals {
                concepts: false,
                ..all
            },
        ),
        (
            "without the thesaurus",
            Signals {
                thesaurus: false,
                ..all
            },
        ),
        (
            "words only (BM25-like over tags and text)",
            Signals {
                offer: false,
                concepts: false,
                thesaurus: true,
            },
        ),
    ];
    let mut got = vec![];
    for (label, signals) in rows {
        let dev = figures(&half(&cases, "dev"), recommended(&profiles, signals), false);
        let held = figures(
            &half(&cases, "held"),
            recommended(&profiles, signals),
            false,
        );
        println!(
            "ablation · {label}: dev nDCG@5 {:.3} traps {} · held nDCG@5 {:.3} traps {}",
            dev.ndcg, dev.traps_in_top, held.ndcg, held.traps_in_top
        );
        got.push(held);
    }
    // The offer model is what keeps the traps out.
    assert!(
        got[1].traps_in_top > got[0].traps_in_top,
        "without the offer model, more traps reach the top 5 ({} against {})",
        got[1].traps_in_top,
        got[0].traps_in_top
    );
    assert!(got[0].ndcg > got[4].ndcg, "all signals beat words alone");
}

/// Alerts: each judged vendor subscribes with its capability tags as keywords; a scenario
/// should alert the vendors graded 2 or more. Precision and recall over each half, for the
/// rule before this issue (a word written in the scenario) and the rule now (written, or
/// worth [`domain::recommend::ALERT_SCORE`] by the recommendation's judgement; and only a
/// vendor whose offer can deliver).
#[test]
fn alerts_reach_the_vendors_that_fit_and_spare_the_traps() {
    use domain::matching::written_in;
    use domain::recommend::Corpus;
    let (profiles, cases) = new_set();
    let synonyms = default_synonyms();
    let corpus = Corpus::new(
        profiles.iter().cloned().map(std::sync::Arc::new).collect(),
        &synonyms,
    );
    let mut now_held = (0.0, 0.0);
    for name in ["dev", "held"] {
        // (alerted, of them relevant, relevant, traps alerted) for the old and the new rule.
        let mut old = (0, 0, 0, 0);
        let mut new = (0, 0, 0, 0);
        for c in half(&cases, name) {
            let judge = corpus.judge(&c.need);
            for p in &profiles {
                let words = &p.capabilities;
                let written = words.iter().any(|w| written_in(&c.text, w, &synonyms));
                let terms: Vec<Vec<String>> = words.iter().map(|w| analyze(w)).collect();
                let alerted_now = judge.delivers(p.id) && judge.alerts(written, words, &terms);
                let relevant = c.grades.get(&p.name).is_some_and(|g| *g >= 2);
                let trap = c.traps.contains(&p.name);
                for (rule, alerted) in [(&mut old, written), (&mut new, alerted_now)] {
                    rule.0 += usize::from(alerted);
                    rule.1 += usize::from(alerted && relevant);
                    rule.2 += usize::from(relevant);
                    rule.3 += usize::from(alerted && trap);
                }
            }
        }
        let pr = |r: (usize, usize, usize, usize)| {
            (
                r.1 as f64 / r.0.max(1) as f64,
                r.1 as f64 / r.2.max(1) as f64,
            )
        };
        let (op, or) = pr(old);
        let (np, nr) = pr(new);
        println!(
            "alerts {name}: words written only: precision {op:.2} recall {or:.2} ({} alerts, {} traps) · now: precision {np:.2} recall {nr:.2} ({} alerts, {} traps)",
            old.0, old.3, new.0, new.3
        );
        if name == "held" {
            now_held = (np, nr);
            assert!(new.3 <= old.3, "no more traps alerted than before");
        }
    }
    assert!(
        now_held.0 >= 0.6,
        "held-back alert precision {:.2}",
        now_held.0
    );
    // Floors a little under the figures measured when the threshold was set on the dev half
    // (held-back: precision 0.88, recall 0.45).
    assert!(
        now_held.1 >= 0.4,
        "held-back alert recall {:.2}",
        now_held.1
    );
}

#[test]
fn the_older_set_stays_above_its_floor_and_no_near_miss_outranks_a_fit() {
    let (profiles, cases) = load(include_str!("../relevance/vendors.json"));
    let all: Vec<&Case> = cases.iter().collect();
    let f = figures(&all, recommended(&profiles, Signals::ALL), false);
    println!(
        "issue 11 set: nDCG@5 {:.3} over {} scenarios; near-misses in a top 5: {}; above a fit: {}",
        f.ndcg, f.scenarios, f.traps_in_top, f.traps_above_fit
    );
    assert!(
        f.ndcg >= OLD_FLOOR,
        "mean nDCG@5 {:.3} is below {OLD_FLOOR}",
        f.ndcg
    );
    assert_eq!(
        f.traps_above_fit, 0,
        "a near-miss outranks a vendor that can deliver"
    );
}

#[test]
fn ndcg_at_5_is_one_for_the_ideal_order() {
    assert_eq!(ndcg_at(5, &[3, 2, 0], &[3, 2]), 1.0);
    assert!(ndcg_at(5, &[0, 2, 3], &[3, 2]) < 0.7);
    assert_eq!(ndcg_at(5, &[0, 0, 0, 0, 0, 3], &[3]), 0.0);
}

/// Teams on the judged set (issue 29): in each scenario that needs more than the AI system
/// (its facets, read from its text), the best judged vendor that builds AI asks for a team
/// among every other vendor of the set (as if all were open to teaming). Prints, per half,
/// how many scenarios need a team, how many get a first team that covers every facet, how many
/// partners those teams have and how many of them speak of the scenario at all (a
/// recommendation score above 0); fails when fewer than 80% of the held-back half's
/// scenarios that need a team get a covering one.
#[test]
fn teams_cover_what_the_judged_scenarios_need() {
    use domain::team::{Candidate, facets_of, suggest};
    let (profiles, cases) = new_set();
    let synonyms = default_synonyms();
    for name in ["dev", "held"] {
        let (mut need_team, mut covered, mut partners, mut speaking) = (0, 0, 0, 0);
        for c in half(&cases, name) {
            let facets = facets_of(&c.text);
            if facets.len() < 2 {
                continue;
            }
            need_team += 1;
            let ranked = rank_with(&c.need, &profiles, &synonyms, Signals::ALL);
            let candidates: Vec<Candidate> = ranked
                .iter()
                .map(|r| Candidate {
                    vendor: r.vendor,
                    opc_member: r.opc_member,
                    offers: profiles
                        .iter()
                        .find(|p| p.id == r.vendor)
                        .map(|p| p.offers.kinds.clone())
                        .unwrap_or_default(),
                    fit: r.score,
                    reputation: None,
                })
                .collect();
            let best = c
                .grades
                .iter()
                .filter(|(n, _)| {
                    profiles
                        .iter()
                        .any(|p| &&p.name == n && p.offers.kinds.contains(&OfferKind::AiSoftware))
                })
                .max_by_key(|(n, g)| (**g, std::cmp::Reverse((*n).clone())))
                .and_then(|(n, _)| profiles.iter().find(|p| &p.name == n))
                .map(|p| p.id);
            let Some(me) = best.and_then(|id| candidates.iter().find(|x| x.vendor == id)) else {
                continue;
            };
            let teams = suggest(&facets, me, &candidates, 1);
            if let Some(t) = teams.first().filter(|t| t.coverage == 1.0) {
                covered += 1;
                for m in &t.members[1..] {
                    partners += 1;
                    if ranked.iter().any(|r| r.vendor == m.vendor && r.score > 0.0) {
                        speaking += 1;
                    }
                }
            }
        }
        println!(
            "teams ({name}): {need_team} scenarios need more than the AI system; {covered} get a first team covering every facet; its partners {partners}, of whom {speaking} speak of the scenario"
        );
        if name == "held" {
            assert!(
                covered * 10 >= need_team * 8,
                "held-back half: {covered} of {need_team} get a covering team"
            );
        }
    }
}
