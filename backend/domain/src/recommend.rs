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

use std::collections::{HashMap, HashSet};

use crate::ids::OrganizationId;
use crate::message::Message;
use crate::search::fold;
use crate::sector::Sector;

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
}

/// Why a vendor is recommended: a kind (`capability`, `terms`, `domain`, `rating`, `opc`) and
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
    let canon = Canon::new(synonyms);
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

    let mut out: Vec<Recommendation> = vendors
        .iter()
        .zip(&seen)
        .map(|(v, s)| {
            let mut score = 0.0;
            let mut reasons = vec![];
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
                reasons,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.opc_member.cmp(&a.opc_member))
            .then_with(|| a.name.cmp(&b.name))
            .then(a.vendor.cmp(&b.vendor))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Splits on spaces: the tests give terms as the analyser would.
    fn t(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    fn vendor(id: i64, name: &str, caps: &[&str], cap_terms: &str, desc: &str) -> Profile {
        Profile {
            id: OrganizationId(id),
            name: name.into(),
            capabilities: caps.iter().map(|c| c.to_string()).collect(),
            capability_terms: cap_terms.split('|').map(t).collect(),
            description_terms: t(desc),
            opc_member: false,
            awards_in_domain: 0,
            rating_in_domain: None,
        }
    }

    fn legal_question() -> Need {
        Need {
            domain: Some(Sector::GovernmentServices),
            tags: vec!["法律问答".into()],
            tag_terms: t("法律 问答"),
            title_terms: t("钢铁 企业 法律 问答"),
            summary_terms: t("钢铁 企业 合规 咨询"),
            description_terms: t("为 钢铁 企业 提供 安全生产 法规 合规 咨询 问答"),
        }
    }

    #[test]
    fn a_vendor_sharing_the_theme_but_not_the_need_ranks_below_one_that_meets_the_need() {
        let vendors = vec![
            vendor(
                1,
                "钢铁智造",
                &["钢铁冶炼", "高炉优化"],
                "钢铁 冶炼|高炉 优化",
                "钢铁 钢铁 钢铁 钢铁 钢铁 企业 冶炼 钢铁 高炉",
            ),
            vendor(
                2,
                "律智科技",
                &["法律问答", "合同审查"],
                "法律 问答|合同 审查",
                "法规 合规 咨询 大模型",
            ),
            vendor(
                3,
                "宝武数智",
                &["钢铁质检"],
                "钢铁 质检",
                "钢铁 表面 缺陷 检测",
            ),
            vendor(4, "无关科技", &["无人机"], "无人机", "巡检"),
        ];
        let r = rank(&legal_question(), &vendors, &[]);
        assert_eq!(r[0].vendor, OrganizationId(2), "{r:?}");
        let steel = r.iter().find(|x| x.vendor == OrganizationId(1)).unwrap();
        assert!(steel.score < r[0].score / 3.0, "{r:?}");
        assert_eq!(r.last().unwrap().score, 0.0, "every vendor is listed");
        let kinds: Vec<&str> = r[0].reasons.iter().map(|x| x.kind).collect();
        assert_eq!(kinds, ["capability", "terms"]);
        assert!(
            r[0].reasons[0].text.zh.contains("法律问答"),
            "{:?}",
            r[0].reasons
        );
    }

    #[test]
    fn repeating_a_word_soon_stops_helping() {
        let need = Need {
            title_terms: t("河道 巡检"),
            ..Need::default()
        };
        let once = vendor(1, "甲", &[], "", "河道 巡检 无人机 识别");
        let mut spam = vendor(2, "乙", &[], "", "");
        spam.description_terms = std::iter::repeat_n("河道".to_string(), 40).collect();
        let r = rank(&need, &[once, spam], &[]);
        assert_eq!(r[0].vendor, OrganizationId(1), "{r:?}");
    }

    #[test]
    fn thesaurus_equivalents_meet_and_opc_orders_only_equals() {
        let need = Need {
            tags: vec!["巡检".into()],
            tag_terms: t("巡检"),
            title_terms: t("无人机 巡检"),
            ..Need::default()
        };
        let syn = vec![vec!["巡检".to_string(), "巡查".to_string()]];
        let mut a = vendor(1, "甲", &["巡查"], "巡查", "");
        let mut b = vendor(2, "乙", &["巡查"], "巡查", "");
        b.opc_member = true;
        let c = vendor(3, "丙", &["巡查", "无人机"], "巡查|无人机", "");
        a.awards_in_domain = 0;
        let r = rank(&need, &[a, b, c], &syn);
        // 丙 matches as 甲 and 乙 do, and also needs' other word: the stronger match stays first
        // although it is no OPC member; among the equal two, the OPC member comes first.
        assert_eq!(
            r.iter().map(|x| x.vendor.0).collect::<Vec<_>>(),
            [3, 2, 1],
            "{r:?}"
        );
        assert_eq!(r[1].score, r[2].score);
        assert!(r[1].reasons.iter().any(|x| x.kind == "opc"));
        assert_eq!(
            r[1].reasons[0].text.zh, "能力标签相符：巡查",
            "the vendor's own words"
        );
    }

    #[test]
    fn awards_and_ratings_in_the_domain_count_and_are_named() {
        let need = Need {
            domain: Some(Sector::CityGovernance),
            title_terms: t("巡检"),
            ..Need::default()
        };
        let plain = vendor(1, "甲", &["巡检"], "巡检", "");
        let mut proven = vendor(2, "乙", &["巡检"], "巡检", "");
        proven.awards_in_domain = 2;
        proven.rating_in_domain = Some((4.5, 2));
        let r = rank(&need, &[plain, proven], &[]);
        assert_eq!(r[0].vendor, OrganizationId(2));
        let kinds: Vec<&str> = r[0].reasons.iter().map(|x| x.kind).collect();
        assert_eq!(kinds, ["capability", "domain", "rating"]);
        assert!(r[0].reasons[1].text.zh.contains("中标 2 次"));
        assert!((r[0].score - r[1].score - 2.75).abs() < 1e-9, "{r:?}");
    }
}
