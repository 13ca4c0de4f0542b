//! The vendors analysed once for ranking: each profile's words mapped through the thesaurus
//! and counted, and what the whole set says of each word (how many vendors use it) and of each
//! concept. Built when the profiles or the thesaurus change, and kept; ranking a need against
//! it reads each vendor's words once and writes reasons only for the vendors shown.

use std::collections::HashSet;
use std::sync::Arc;

// A fast hash for the many short words looked up per ranking (the words are not chosen by an
// attacker in a way that matters: a profile is a few hundred words).
use rustc_hash::{FxHashMap as HashMap, FxHashSet};

use crate::ids::OrganizationId;
use crate::message::Message;
use crate::search::fold;

use super::{Need, Profile, Reason, Recommendation, Signals, offer};

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
pub(super) const CONCEPT_POINTS: f64 = 12.0;
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

/// A query of at least this many different meaningful words (a pasted title or sentence) is
/// ranked by what it means rather than matched word by word.
const LONG_QUERY_WORDS: usize = 3;

/// Whether a query's terms make it long (see [`LONG_QUERY_WORDS`]).
pub fn long_query(terms: &[String]) -> bool {
    terms
        .iter()
        .filter(|t| meaningful(t))
        .collect::<HashSet<_>>()
        .len()
        >= LONG_QUERY_WORDS
}

/// Maps each term to its thesaurus group's first word, so that equivalents meet.
pub(super) struct Canon(HashMap<String, String>);

impl Canon {
    fn new(synonyms: &[Vec<String>]) -> Self {
        let mut m = HashMap::default();
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

    pub(super) fn of(&self, term: &str) -> String {
        self.0
            .get(term)
            .cloned()
            .unwrap_or_else(|| term.to_string())
    }

    pub(super) fn all(&self, terms: &[String]) -> Vec<String> {
        terms
            .iter()
            .filter(|t| meaningful(t))
            .map(|t| self.of(t))
            .collect()
    }
}

/// A vendor's record in the scenario's domain.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Record {
    /// Scenarios of the domain awarded to it.
    pub awards: u32,
    /// The mean mark (1–5) and count of its ratings there.
    pub rating: Option<(f64, u32)>,
}

pub type Records = std::collections::HashMap<OrganizationId, Record>;

/// One vendor's words, through the thesaurus.
struct Prepared {
    profile: Arc<Profile>,
    /// Each capability tag's words (meaningful ones).
    tags: Vec<Vec<String>>,
    /// Each whole capability tag, folded and through the thesaurus.
    whole_tags: Vec<String>,
    desc: HashMap<String, u32>,
    desc_len: f64,
}

/// The analysed vendors and what the set says of each word and concept.
pub struct Corpus {
    pub(super) canon: Canon,
    vendors: Vec<Prepared>,
    /// How many vendors use each word (in a tag or the description).
    df: HashMap<String, u32>,
    concept_df: HashMap<u16, u32>,
    avg_len: f64,
    by_id: HashMap<OrganizationId, usize>,
}

/// A vendor's place in a ranking: its index in the corpus, score and whether it can deliver.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    pub index: usize,
    pub score: f64,
    pub delivers: bool,
}

/// What words are worth to a need, and which met it.
pub(super) struct Words {
    pub(super) points: f64,
    /// Whole tags that are the scenario's.
    whole: usize,
    /// Needed words (indexes into the ask) met among the tags, and in the description.
    cap_words: Vec<usize>,
    desc_words: Vec<usize>,
}

/// What a need asks of the corpus, worked out once per ranking.
pub(super) struct Ask {
    /// Needed words, heaviest first (ties by word), with their weight and worth (idf).
    wanted: Vec<(String, f64, f64)>,
    index: HashMap<String, usize>,
    tags: FxHashSet<String>,
}

impl Corpus {
    pub fn new(profiles: Vec<Arc<Profile>>, synonyms: &[Vec<String>]) -> Corpus {
        let canon = Canon::new(synonyms);
        let mut df: HashMap<String, u32> = HashMap::default();
        let mut concept_df: HashMap<u16, u32> = HashMap::default();
        let vendors: Vec<Prepared> = profiles
            .into_iter()
            .map(|p| {
                let words = canon.all(&p.description_terms);
                let mut desc: HashMap<String, u32> = HashMap::default();
                for t in &words {
                    *desc.entry(t.clone()).or_insert(0) += 1;
                }
                let tags: Vec<Vec<String>> =
                    p.capability_terms.iter().map(|t| canon.all(t)).collect();
                let mut seen: HashSet<&String> = desc.keys().collect();
                seen.extend(tags.iter().flatten());
                for t in seen {
                    *df.entry(t.clone()).or_default() += 1;
                }
                for c in p.concepts.ids() {
                    *concept_df.entry(c).or_default() += 1;
                }
                Prepared {
                    whole_tags: p.capabilities.iter().map(|c| canon.of(&fold(c))).collect(),
                    tags,
                    desc,
                    desc_len: words.len() as f64,
                    profile: p,
                }
            })
            .collect();
        let n = vendors.len().max(1) as f64;
        let avg_len = (vendors.iter().map(|v| v.desc_len).sum::<f64>() / n).max(1.0);
        Corpus {
            by_id: vendors
                .iter()
                .enumerate()
                .map(|(i, v)| (v.profile.id, i))
                .collect(),
            canon,
            vendors,
            df,
            concept_df,
            avg_len,
        }
    }

    pub fn len(&self) -> usize {
        self.vendors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.vendors.is_empty()
    }

    pub fn profile(&self, index: usize) -> &Profile {
        &self.vendors[index].profile
    }

    /// The index of a vendor, if it is in the corpus.
    pub fn find(&self, id: OrganizationId) -> Option<usize> {
        self.by_id.get(&id).copied()
    }

    fn idf(&self, d: f64) -> f64 {
        let n = self.vendors.len() as f64;
        (1.0 + (n - d + 0.5) / (d + 0.5)).ln()
    }

    pub(super) fn concept_worth(&self, c: u16) -> f64 {
        self.idf(f64::from(self.concept_df.get(&c).copied().unwrap_or(0)))
    }

    pub(super) fn ask(&self, need: &Need) -> Ask {
        // The weight of each needed term: the heaviest place it appears in.
        let mut weights: HashMap<String, f64> = HashMap::default();
        for (terms, w) in [
            (&need.tag_terms, TAG_WEIGHT),
            (&need.title_terms, TITLE_WEIGHT),
            (&need.summary_terms, SUMMARY_WEIGHT),
            (&need.description_terms, DESCRIPTION_WEIGHT),
        ] {
            for t in self.canon.all(terms) {
                let e = weights.entry(t).or_insert(0.0);
                *e = e.max(w);
            }
        }
        let mut wanted: Vec<(String, f64, f64)> = weights
            .into_iter()
            .map(|(t, w)| {
                let d = f64::from(self.df.get(&t).copied().unwrap_or(0));
                let idf = self.idf(d);
                (t, w, idf)
            })
            .collect();
        wanted.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let index = wanted
            .iter()
            .enumerate()
            .map(|(i, (t, _, _))| (t.clone(), i))
            .collect();
        Ask {
            wanted,
            index,
            tags: need.tags.iter().map(|t| self.canon.of(&fold(t))).collect(),
        }
    }

    /// Every vendor's score for the need, best first: those whose offer can deliver before
    /// those that cannot, then by score; equal scores put OPC members first, then by name.
    pub fn rank(&self, need: &Need, signals: Signals, records: &Records) -> Vec<Scored> {
        self.rank_top(need, signals, records, usize::MAX).0
    }

    /// The first `n` of [`Corpus::rank`] (in the same order) and how many there are in all:
    /// only those are put in order.
    pub fn rank_top(
        &self,
        need: &Need,
        signals: Signals,
        records: &Records,
        n: usize,
    ) -> (Vec<Scored>, usize) {
        let ask = self.ask(need);
        let mut out: Vec<Scored> = (0..self.vendors.len())
            .map(|i| {
                let (score, delivers) = self.score(need, &ask, signals, records, i, None);
                Scored {
                    index: i,
                    score,
                    delivers,
                }
            })
            .collect();
        let all = out.len();
        let order = |a: &Scored, b: &Scored| {
            let (pa, pb) = (self.profile(a.index), self.profile(b.index));
            b.delivers
                .cmp(&a.delivers)
                .then(b.score.total_cmp(&a.score))
                .then(pb.opc_member.cmp(&pa.opc_member))
                .then_with(|| pa.name.cmp(&pb.name))
                .then(pa.id.cmp(&pb.id))
        };
        if n < all {
            // A total order (the ids break the last ties): the first n are the same.
            out.select_nth_unstable_by(n, order);
            out.truncate(n);
        }
        out.sort_unstable_by(order);
        (out, all)
    }

    /// The vendors shown (by index, in order), each with its reasons; the need is worked out
    /// once for all of them.
    pub fn explain(
        &self,
        need: &Need,
        signals: Signals,
        records: &Records,
        indexes: impl IntoIterator<Item = usize>,
    ) -> Vec<Recommendation> {
        let ask = self.ask(need);
        indexes
            .into_iter()
            .map(|index| {
                let mut reasons = vec![];
                let (score, delivers) =
                    self.score(need, &ask, signals, records, index, Some(&mut reasons));
                let v = self.profile(index);
                Recommendation {
                    vendor: v.id,
                    name: v.name.clone(),
                    opc_member: v.opc_member,
                    score,
                    delivers,
                    reasons,
                }
            })
            .collect()
    }

    /// What a vendor's words (or a subscriber's) are worth to the need: whole tags that are the
    /// scenario's, needed words among the tags, then in the description.
    pub(super) fn words(
        &self,
        ask: &Ask,
        tags: &[Vec<String>],
        whole_tags: &[String],
        desc: &HashMap<String, u32>,
        desc_len: f64,
    ) -> Words {
        let whole = whole_tags.iter().filter(|t| ask.tags.contains(*t)).count();
        let mut points = TAG_MATCH_BONUS * whole as f64;
        // Each needed word among the capabilities counts by the largest share of needed words
        // in a tag that has it ("钢铁物流" meets a steel scenario by half: its other half is
        // another trade); the others, in the description, less and saturating.
        let mut cap_share: HashMap<usize, f64> = HashMap::default();
        for tag in tags {
            if tag.is_empty() {
                continue;
            }
            let hits: Vec<usize> = tag
                .iter()
                .filter_map(|w| ask.index.get(w).copied())
                .collect();
            if hits.is_empty() {
                continue;
            }
            let share = hits.len() as f64 / tag.len() as f64;
            for i in hits {
                let e = cap_share.entry(i).or_insert(0.0);
                *e = e.max(share);
            }
        }
        let norm = 1.0 - 0.75 + 0.75 * desc_len / self.avg_len;
        let (mut cap_words, mut desc_words) = (vec![], vec![]);
        for (i, (t, w, idf)) in ask.wanted.iter().enumerate() {
            if let Some(share) = cap_share.get(&i) {
                points += w * idf * share;
                cap_words.push(i);
            } else if let Some(&tf) = desc.get(t) {
                let tf = f64::from(tf);
                let sat = tf * (K1 + 1.0) / (tf + K1 * norm) / (K1 + 1.0);
                points += w * idf * DESCRIPTION_SHARE * sat;
                desc_words.push(i);
            }
        }
        Words {
            points,
            whole,
            cap_words,
            desc_words,
        }
    }

    /// A vendor's score (rounded to two decimals) and whether it can deliver; its reasons into
    /// `reasons` when asked.
    fn score(
        &self,
        need: &Need,
        ask: &Ask,
        signals: Signals,
        records: &Records,
        index: usize,
        mut reasons: Option<&mut Vec<Reason>>,
    ) -> (f64, bool) {
        let p = &self.vendors[index];
        let v = &*p.profile;
        let explaining = reasons.is_some();
        let mut say = |kind: &'static str, text: Message| {
            if let Some(r) = reasons.as_deref_mut() {
                r.push(Reason { kind, text });
            }
        };
        let mut score = 0.0;
        if signals.offer
            && explaining
            && let Some(text) = need.wanted.reason(&v.offers)
        {
            say("offer", text);
        }
        let words = self.words(ask, &p.tags, &p.whole_tags, &p.desc, p.desc_len);
        score += words.points;
        let Words {
            whole,
            mut cap_words,
            mut desc_words,
            ..
        } = words;
        cap_words.sort_unstable();
        desc_words.sort_unstable();
        if explaining {
            let word = |i: &usize| ask.wanted[*i].0.clone();
            if whole > 0 || !cap_words.is_empty() {
                // The vendor's own tags that fit, as it wrote them (through the thesaurus:
                // "UAV影像分析" fits a need for "无人机").
                let cap_terms: Vec<String> = cap_words.iter().map(word).collect();
                let mut named: Vec<String> = v
                    .capabilities
                    .iter()
                    .zip(p.tags.iter().zip(&p.whole_tags))
                    .filter(|(_, (words, whole))| {
                        ask.tags.contains(*whole) || words.iter().any(|w| ask.index.contains_key(w))
                    })
                    .map(|(c, _)| c.clone())
                    .collect();
                if named.is_empty() {
                    named = cap_terms;
                }
                named.truncate(6);
                say(
                    "capability",
                    Message::new(
                        format!("能力标签相符：{}", named.join("、")),
                        format!("Capabilities that fit: {}", named.join(", ")),
                    ),
                );
            }
            if !desc_words.is_empty() {
                let mut words: Vec<String> = desc_words.iter().map(word).collect();
                words.truncate(6);
                say(
                    "terms",
                    Message::new(
                        format!("简介提到：{}", words.join("、")),
                        format!("Its description mentions: {}", words.join(", ")),
                    ),
                );
            }
        }
        if signals.concepts {
            let worth = |c: u16| self.concept_worth(c);
            let covered = need.concepts.covered_by(&v.concepts, &worth);
            if covered > 0.0 {
                // A vendor about other things as well meets the need less surely.
                let focus = v.concepts.share_in(&need.concepts, &worth);
                score += CONCEPT_POINTS * covered * (1.0 - FOCUS_SHARE + FOCUS_SHARE * focus);
                if explaining {
                    let names = need.concepts.shared_names(&v.concepts);
                    let (zh, en): (Vec<&str>, Vec<&str>) =
                        names.iter().map(|(z, e)| (z.as_str(), e.as_str())).unzip();
                    say(
                        "concept",
                        Message::new(
                            format!("同样涉及：{}", zh.join("、")),
                            format!("Speaks of the same: {}", en.join(", ")),
                        ),
                    );
                }
            }
        }
        let fit = if signals.offer {
            need.wanted.fit(&v.offers)
        } else {
            1.0
        };
        score *= fit;
        let record = records.get(&v.id).copied().unwrap_or_default();
        if let Some(d) = need.domain {
            if record.awards > 0 {
                score += AWARD_POINTS * f64::from(record.awards.min(MAX_AWARDS_COUNTED));
                say(
                    "domain",
                    Message::new(
                        format!("在「{}」领域中标 {} 次", d.label_zh(), record.awards),
                        format!("{} award(s) in {}", record.awards, d.label_en()),
                    ),
                );
            }
            if let Some((mean, count)) = record.rating {
                score += RATING_POINTS * (mean - 3.0);
                say(
                    "rating",
                    Message::new(
                        format!("该领域评价 {mean:.1} 星（{count} 次）"),
                        format!("Rated {mean:.1} stars in this domain ({count})"),
                    ),
                );
            }
        }
        if v.opc_member {
            say(
                "opc",
                Message::new("青云智粒 OPC 社区成员", "Member of the OPC community"),
            );
        }
        (
            (score.max(0.0) * 100.0).round() / 100.0,
            fit >= offer::DELIVERS,
        )
    }
}
