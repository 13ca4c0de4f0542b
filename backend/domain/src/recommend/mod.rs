//! Which vendors could deliver a scenario, best first, and why: the owner's "recommended
//! vendors". Pure scoring over analysed terms (the search engine's analysis is applied by the
//! caller, so that a vendor and a scenario are cut into words exactly as search cuts them).
//!
//! The score rewards what the scenario *needs* — its tags and title weigh most — met by what
//! the vendor *does*: a capability tag counts fully, a word of the vendor's description less,
//! and repeating a word in a description soon stops helping (saturation). A word most vendors
//! use (a popular theme such as "钢铁") is worth little (inverse document frequency over the
//! vendors), so a vendor does not rank high by sharing the theme of a scenario rather than its
//! need. Thesaurus groups make "巡查" meet "巡检". Past awards and ratings in the scenario's
//! domain add a little; OPC membership only orders vendors whose scores are equal.
//!
//! Before the words, the kind of offer: a vendor that only supplies hardware, works, training,
//! consulting or goods cannot deliver an AI system, however much of the topic it shares, so
//! its score is multiplied down ([`offer`]). Concepts spoken of in different words ("漂浮物"
//! and "水面目标"; "识别" and "YOLO") add a share of meaning the words miss ([`concepts`]).

pub mod concepts;
pub mod offer;

use std::collections::{HashMap, HashSet};

use crate::account::OfferKind;
use crate::ids::OrganizationId;
use crate::message::Message;
use crate::search::fold;
use crate::sector::Sector;

pub use concepts::Concepts;
pub use offer::{Offers, Wanted};

/// What a scenario needs, analysed.
#[derive(Debug, Clone, Default)]
pub struct Need {
    pub domain: Option<Sector>,
    /// The scenario's tags, as written.
    pub tags: Vec<String>,
    pub tag_terms: Vec<String>,
    pub title_terms: Vec<String>,
    pub summary_terms: Vec<String>,
    pub description_terms: Vec<String>,
    /// What the need is about, beyond its words.
    pub concepts: Concepts,
    /// The kinds of offer that serve it.
    pub wanted: Wanted,
}

impl Need {
    /// A scenario's need, its texts cut into terms by `analyze` (the search engine's
    /// analysis).
    pub fn of_scenario(
        domain: Sector,
        tags: Vec<String>,
        title: &str,
        summary: &str,
        description: &str,
        analyze: &dyn Fn(&str) -> Vec<String>,
    ) -> Need {
        let joined = tags.join(" ");
        Need {
            domain: Some(domain),
            tag_terms: analyze(&joined),
            title_terms: analyze(title),
            summary_terms: analyze(summary),
            description_terms: analyze(description),
            concepts: Concepts::of(&[
                (&joined, 1.0),
                (title, 1.0),
                (summary, 0.7),
                (description, 0.5),
            ]),
            wanted: Wanted::ai_system(),
            tags,
        }
    }

    /// What a searcher's words ask for (the directory's long queries): the words weigh as a
    /// title's.
    pub fn of_query(text: &str, analyze: &dyn Fn(&str) -> Vec<String>) -> Need {
        Need {
            title_terms: analyze(text),
            concepts: Concepts::of(&[(text, 1.0)]),
            wanted: Wanted::of_query(text),
            ..Need::default()
        }
    }
}

/// A vendor, analysed, with its record in the scenario's domain.
#[derive(Debug, Clone)]
pub struct Profile {
    pub id: OrganizationId,
    pub name: String,
    pub opc_member: bool,
    /// The capability tags, as written.
    pub capabilities: Vec<String>,
    /// Each capability tag's terms (in the order of `capabilities`).
    pub capability_terms: Vec<Vec<String>>,
    /// Every term of the description, repeats kept.
    pub description_terms: Vec<String>,
    /// Scenarios of the domain awarded to the vendor.
    pub awards_in_domain: u32,
    /// The mean mark (1–5) and count of the vendor's ratings in the domain.
    pub rating_in_domain: Option<(f64, u32)>,
    /// What it delivers, stated or read from its text.
    pub offers: Offers,
    /// What its profile is about, beyond its words.
    pub concepts: Concepts,
}

impl Profile {
    /// A vendor's profile analysed once (terms, offers, concepts); its record in a domain is
    /// set by the caller.
    pub fn new(
        id: OrganizationId,
        name: String,
        opc_member: bool,
        capabilities: Vec<String>,
        description: &str,
        stated: &[OfferKind],
        analyze: &dyn Fn(&str) -> Vec<String>,
    ) -> Profile {
        Profile {
            id,
            name,
            opc_member,
            capability_terms: capabilities.iter().map(|c| analyze(c)).collect(),
            description_terms: analyze(description),
            offers: Offers::of(stated, &capabilities, description),
            concepts: Concepts::of(&[(&capabilities.join(" "), 1.0), (description, 0.6)]),
            capabilities,
            awards_in_domain: 0,
            rating_in_domain: None,
        }
    }
}

/// Which signals the ranking uses (all, but for measuring what each adds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signals {
    /// Thesaurus groups make equivalent words meet.
    pub thesaurus: bool,
    /// The kind of offer multiplies the score.
    pub offer: bool,
    /// Shared concepts add to it.
    pub concepts: bool,
}

impl Signals {
    pub const ALL: Signals = Signals {
        thesaurus: true,
        offer: true,
        concepts: true,
    };
}

/// Why a vendor is recommended: a kind (`offer`, `capability`, `terms`, `concept`, `domain`,
/// `rating`, `opc`) and
/// a sentence in both languages.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub kind: &'static str,
    pub text: Message,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    pub vendor: OrganizationId,
    pub name: String,
    pub opc_member: bool,
    /// Rounded to two decimals (equal scores are equal matches).
    pub score: f64,
    /// Whether its kind of offer can deliver the need (or is unknown): those that cannot come
    /// after every one that can, whatever their words.
    pub delivers: bool,
    pub reasons: Vec<Reason>,
}

/// How much a term of each part of the scenario weighs.
const TAG_WEIGHT: f64 = 3.0;
const TITLE_WEIGHT: f64 = 2.0;
const SUMMARY_WEIGHT: f64 = 1.5;
const DESCRIPTION_WEIGHT: f64 = 1.0;
/// A description word counts this much of a capability word, at most.
const DESCRIPTION_SHARE: f64 = 0.5;
/// BM25's saturation: the fifth repeat of a word adds little.
const K1: f64 = 1.2;
/// A whole capability tag equal to a scenario tag.
const TAG_MATCH_BONUS: f64 = 2.0;
const AWARD_POINTS: f64 = 1.0;
const MAX_AWARDS_COUNTED: u32 = 3;
/// Per mark above (or below) the middle mark 3.
const RATING_POINTS: f64 = 0.5;
/// What a vendor speaking of every concept of the need adds.
const CONCEPT_POINTS: f64 = 12.0;
/// How much of the concept points depend on the vendor speaking of the need only.
const FOCUS_SHARE: f64 = 0.5;

/// Words that say nothing of a need: common function words and the generic vocabulary of
/// every AI posting. (Single characters are dropped too.)
const STOP: &[&str] = &[
    "的",
    "和",
    "与",
    "及",
    "等",
    "对",
    "在",
    "为",
    "是",
    "了",
    "并",
    "或",
    "将",
    "可",
    "以",
    "进行",
    "实现",
    "提供",
    "开展",
    "利用",
    "通过",
    "基于",
    "相关",
    "以及",
    "能够",
    "我们",
    "专注",
    "服务",
    "系统",
    "平台",
    "智能",
    "人工智能",
    "ai",
    "技术",
    "方案",
    "解决方案",
    "公司",
    "企业",
    "团队",
    "项目",
    "需求",
    "应用",
    "建设",
    "产品",
    "the",
    "and",
    "of",
    "for",
    "with",
    "a",
    "an",
    "to",
    "in",
    "on",
    "by",
    "our",
    "we",
];

fn meaningful(term: &str) -> bool {
    !STOP.contains(&term) && term.chars().count() >= 2
}

/// Maps each term to its thesaurus group's first word, so that equivalents meet.
struct Canon(HashMap<String, String>);

impl Canon {
    fn new(synonyms: &[Vec<String>]) -> Self {
        let mut m = HashMap::new();
        for g in synonyms {
            if let Some(head) = g.first() {
                let head = fold(head);
                for w in g {
                    m.entry(fold(w)).or_insert_with(|| head.clone());
                }
            }
        }
        Canon(m)
    }

    fn of(&self, term: &str) -> String {
        self.0
            .get(term)
            .cloned()
            .unwrap_or_else(|| term.to_string())
    }

    fn all(&self, terms: &[String]) -> Vec<String> {
        terms
            .iter()
            .filter(|t| meaningful(t))
            .map(|t| self.of(t))
            .collect()
    }
}

/// Every vendor ranked for the need: best first; equal scores put OPC members first, then by
/// name. Every vendor is listed, a score of 0 included (the owner may still invite them).
pub fn rank(need: &Need, vendors: &[Profile], synonyms: &[Vec<String>]) -> Vec<Recommendation> {
    rank_with(need, vendors, synonyms, Signals::ALL)
}

/// [`rank`] with only some signals (to measure what each adds).
pub fn rank_with(
    need: &Need,
    vendors: &[Profile],
    synonyms: &[Vec<String>],
    signals: Signals,
) -> Vec<Recommendation> {
    let canon = Canon::new(if signals.thesaurus { synonyms } else { &[] });
    // The weight of each needed term: the heaviest place it appears in.
    let mut wanted: HashMap<String, f64> = HashMap::new();
    for (terms, w) in [
        (&need.tag_terms, TAG_WEIGHT),
        (&need.title_terms, TITLE_WEIGHT),
        (&need.summary_terms, SUMMARY_WEIGHT),
        (&need.description_terms, DESCRIPTION_WEIGHT),
    ] {
        for t in canon.all(terms) {
            let e = wanted.entry(t).or_insert(0.0);
            *e = e.max(w);
        }
    }
    let need_tags: HashSet<String> = need.tags.iter().map(|t| canon.of(&fold(t))).collect();

    // Each vendor's capability words and description word counts.
    struct Seen {
        /// Each capability word, with the largest share of needed words in a tag that has it
        /// ("钢铁物流" meets a steel scenario by half: its other half is another trade).
        caps: HashMap<String, f64>,
        desc: HashMap<String, u32>,
        desc_len: f64,
    }
    let seen: Vec<Seen> = vendors
        .iter()
        .map(|v| {
            let mut desc = HashMap::new();
            let words = canon.all(&v.description_terms);
            for t in &words {
                *desc.entry(t.clone()).or_insert(0) += 1;
            }
            let mut caps: HashMap<String, f64> = HashMap::new();
            for tag in &v.capability_terms {
                let words = canon.all(tag);
                if words.is_empty() {
                    continue;
                }
                let needed = words.iter().filter(|w| wanted.contains_key(*w)).count();
                let share = needed as f64 / words.len() as f64;
                for w in words {
                    let e = caps.entry(w).or_insert(0.0);
                    *e = e.max(share);
                }
            }
            Seen {
                caps,
                desc,
                desc_len: words.len() as f64,
            }
        })
        .collect();
    let n = vendors.len() as f64;
    let avg_len = (seen.iter().map(|s| s.desc_len).sum::<f64>() / n.max(1.0)).max(1.0);
    let df = |t: &str| {
        seen.iter()
            .filter(|s| s.caps.contains_key(t) || s.desc.contains_key(t))
            .count() as f64
    };
    let idf: HashMap<&String, f64> = wanted
        .keys()
        .map(|t| {
            let d = df(t);
            (t, (1.0 + (n - d + 0.5) / (d + 0.5)).ln())
        })
        .collect();

    // A concept's worth, as a word's: rarer among the vendors, worth more.
    let mut concept_df: HashMap<u16, f64> = HashMap::new();
    for v in vendors {
        for c in v.concepts.ids() {
            *concept_df.entry(c).or_default() += 1.0;
        }
    }
    let concept_idf = |c: u16| {
        let d = concept_df.get(&c).copied().unwrap_or(0.0);
        (1.0 + (n - d + 0.5) / (d + 0.5)).ln()
    };

    let mut out: Vec<Recommendation> = vendors
        .iter()
        .zip(&seen)
        .map(|(v, s)| {
            let mut score = 0.0;
            let mut reasons = vec![];
            if signals.offer
                && let Some(text) = need.wanted.reason(&v.offers)
            {
                reasons.push(Reason {
                    kind: "offer",
                    text,
                });
            }
            // Whole capability tags that are the scenario's tags.
            let tags: Vec<&String> = v
                .capabilities
                .iter()
                .filter(|c| need_tags.contains(&canon.of(&fold(c))))
                .collect();
            score += TAG_MATCH_BONUS * tags.len() as f64;
            // Needed words among the capabilities, then in the description.
            let (mut cap_words, mut desc_words) = (vec![], vec![]);
            let mut by_weight: Vec<(&String, f64)> = wanted.iter().map(|(t, w)| (t, *w)).collect();
            by_weight.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
            for (t, w) in by_weight {
                let i = idf[t];
                if let Some(share) = s.caps.get(t) {
                    score += w * i * share;
                    cap_words.push(t.clone());
                } else if let Some(&tf) = s.desc.get(t) {
                    let tf = f64::from(tf);
                    let norm = 1.0 - 0.75 + 0.75 * s.desc_len / avg_len;
                    let sat = tf * (K1 + 1.0) / (tf + K1 * norm) / (K1 + 1.0);
                    score += w * i * DESCRIPTION_SHARE * sat;
                    desc_words.push(t.clone());
                }
            }
            if !tags.is_empty() || !cap_words.is_empty() {
                // The vendor's own tags that fit, as it wrote them.
                let mut named: Vec<String> = v
                    .capabilities
                    .iter()
                    .filter(|c| {
                        let c = fold(c);
                        need_tags.contains(&canon.of(&c))
                            || cap_words
                                .iter()
                                .any(|w| c.contains(w.as_str()) || canon.of(&c) == *w)
                    })
                    .cloned()
                    .collect();
                if named.is_empty() {
                    named = cap_words.clone();
                }
                named.truncate(6);
                let list = named.join("、");
                reasons.push(Reason {
                    kind: "capability",
                    text: Message::new(
                        format!("能力标签相符：{list}"),
                        format!("Capabilities that fit: {}", named.join(", ")),
                    ),
                });
            }
            if !desc_words.is_empty() {
                desc_words.truncate(6);
                reasons.push(Reason {
                    kind: "terms",
                    text: Message::new(
                        format!("简介提到：{}", desc_words.join("、")),
                        format!("Its description mentions: {}", desc_words.join(", ")),
                    ),
                });
            }
            if signals.concepts {
                let covered = need.concepts.covered_by(&v.concepts, &concept_idf);
                if covered > 0.0 {
                    // A vendor about other things as well meets the need less surely.
                    let focus = v.concepts.share_in(&need.concepts, &concept_idf);
                    score += CONCEPT_POINTS * covered * (1.0 - FOCUS_SHARE + FOCUS_SHARE * focus);
                    let names = need.concepts.shared_names(&v.concepts);
                    let (zh, en): (Vec<&str>, Vec<&str>) =
                        names.iter().map(|(z, e)| (z.as_str(), e.as_str())).unzip();
                    reasons.push(Reason {
                        kind: "concept",
                        text: Message::new(
                            format!("同样涉及：{}", zh.join("、")),
                            format!("Speaks of the same: {}", en.join(", ")),
                        ),
                    });
                }
            }
            let fit = if signals.offer {
                need.wanted.fit(&v.offers)
            } else {
                1.0
            };
            score *= fit;
            if let Some(d) = need.domain {
                if v.awards_in_domain > 0 {
                    score += AWARD_POINTS * f64::from(v.awards_in_domain.min(MAX_AWARDS_COUNTED));
                    reasons.push(Reason {
                        kind: "domain",
                        text: Message::new(
                            format!("在「{}」领域中标 {} 次", d.label_zh(), v.awards_in_domain),
                            format!("{} award(s) in {}", v.awards_in_domain, d.label_en()),
                        ),
                    });
                }
                if let Some((mean, count)) = v.rating_in_domain {
                    score += RATING_POINTS * (mean - 3.0);
                    reasons.push(Reason {
                        kind: "rating",
                        text: Message::new(
                            format!("该领域评价 {mean:.1} 星（{count} 次）"),
                            format!("Rated {mean:.1} stars in this domain ({count})"),
                        ),
                    });
                }
            }
            if v.opc_member {
                reasons.push(Reason {
                    kind: "opc",
                    text: Message::new("青云智粒 OPC 社区成员", "Member of the OPC community"),
                });
            }
            Recommendation {
                vendor: v.id,
                name: v.name.clone(),
                opc_member: v.opc_member,
                score: (score.max(0.0) * 100.0).round() / 100.0,
                delivers: fit >= offer::DELIVERS,
                reasons,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.delivers
            .cmp(&a.delivers)
            .then(b.score.total_cmp(&a.score))
            .then(b.opc_member.cmp(&a.opc_member))
            .then_with(|| a.name.cmp(&b.name))
            .then(a.vendor.cmp(&b.vendor))
    });
    out
}

#[cfg(test)]
mod tests;
