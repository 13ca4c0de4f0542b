//! What a vendor delivers, and how well that fits what a scenario needs: the offer model.
//!
//! A vendor may state its kinds of offer on its profile; then they are taken as stated. When it
//! has not, they are read from its capability tags and description with the cue list in
//! `data/offer_cues.txt` (a tag counts twice a sentence of the description). A scenario on this
//! market is an AI opportunity: it needs AI software first, and data services or integration
//! can contribute; a vendor that only supplies hardware, works, training, consulting or goods
//! cannot deliver it, however much of the topic it shares.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::account::OfferKind;
use crate::message::Message;
use crate::search::{find_term, fold};

use super::lexicon::Lexicon;

/// A vendor's kinds of offer and whether it stated them (or they were read from its text).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Offers {
    pub kinds: Vec<OfferKind>,
    pub stated: bool,
}

impl Offers {
    /// The stated kinds, or, when none are stated, those read from the profile's text.
    pub fn of(stated: &[OfferKind], capabilities: &[String], description: &str) -> Offers {
        if stated.is_empty() {
            Offers {
                kinds: infer(capabilities, description),
                stated: false,
            }
        } else {
            Offers {
                kinds: stated.to_vec(),
                stated: true,
            }
        }
    }
}

/// How much each kind of offer serves a need (1 = what is needed).
#[derive(Debug, Clone, PartialEq)]
pub struct Wanted(Vec<(OfferKind, f64)>);

/// What a kind nobody asked for is worth: the vendor cannot deliver the need.
const UNWANTED: f64 = 0.1;
/// A profile that says nothing of what it delivers: neither in nor out.
const UNKNOWN: f64 = 0.6;
/// The least fit of a vendor that can deliver the need (alone or with others).
pub const DELIVERS: f64 = 0.5;

impl Default for Wanted {
    fn default() -> Wanted {
        Wanted::ai_system()
    }
}

impl Wanted {
    /// A scenario's need: an AI system; data services and integration contribute.
    pub fn ai_system() -> Wanted {
        Wanted(vec![
            (OfferKind::AiSoftware, 1.0),
            (OfferKind::DataService, 0.6),
            (OfferKind::Integration, 0.5),
        ])
    }

    /// What a searcher's words ask for: an AI system, unless they name another kind of offer
    /// ("培训课程", "设备采购"), which then counts fully as well.
    pub fn of_query(text: &str) -> Wanted {
        let mut w = Wanted::ai_system();
        let folded = fold(text);
        for (kind, words) in ASKED {
            if words.iter().any(|c| find_term(&folded, c).is_some()) {
                w.0.retain(|(k, _)| k != kind);
                w.0.push((*kind, 1.0));
            }
        }
        w
    }

    fn of_kind(&self, k: OfferKind) -> f64 {
        self.0
            .iter()
            .find(|(x, _)| *x == k)
            .map_or(UNWANTED, |(_, v)| *v)
    }

    /// How well the offers fit, 0.1 to 1: the best of the vendor's kinds.
    pub fn fit(&self, offers: &Offers) -> f64 {
        offers
            .kinds
            .iter()
            .map(|k| self.of_kind(*k))
            .fold(None, |best: Option<f64>, v| {
                Some(best.map_or(v, |b| b.max(v)))
            })
            .unwrap_or(UNKNOWN)
    }

    /// The reason shown with a vendor: what it delivers, or that it only delivers something
    /// else (None when nothing is known).
    pub fn reason(&self, offers: &Offers) -> Option<Message> {
        if offers.kinds.is_empty() {
            return None;
        }
        let labels = |kinds: &[OfferKind]| -> (String, String) {
            let l: Vec<Message> = kinds.iter().map(|k| k.label()).collect();
            (
                l.iter()
                    .map(|m| m.zh.as_ref())
                    .collect::<Vec<_>>()
                    .join("、"),
                l.iter()
                    .map(|m| m.en.as_ref())
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        };
        let (zh, en) = labels(&offers.kinds);
        let (how_zh, how_en) = if offers.stated {
            ("", "")
        } else {
            ("（据简介判断）", " (read from its profile)")
        };
        Some(if self.fit(offers) >= DELIVERS {
            Message::new(
                format!("提供：{zh}{how_zh}"),
                format!("Delivers {en}{how_en}"),
            )
        } else {
            let best = self.0.first().map(|(k, _)| k.label());
            let (nz, ne) = best.map(|m| (m.zh, m.en)).unwrap_or_default();
            Message::new(
                format!("只提供：{zh}（不提供{nz}）{how_zh}"),
                format!("Only delivers {en}, not {ne}{how_en}"),
            )
        })
    }
}

/// Words of a query that ask for another kind than an AI system.
const ASKED: &[(OfferKind, &[&str])] = &[
    (
        OfferKind::Hardware,
        &["硬件", "设备采购", "采购设备", "器材", "hardware"],
    ),
    (
        OfferKind::ContentTraining,
        &["培训", "课程", "宣传", "展会", "training"],
    ),
    (
        OfferKind::EngineeringWorks,
        &["施工队", "工程施工", "改造工程", "土建"],
    ),
    (OfferKind::Consulting, &["咨询服务", "顾问", "consulting"]),
    (OfferKind::DataService, &["数据标注", "数据治理", "标注"]),
    (OfferKind::Integration, &["系统集成", "集成商"]),
];

/// Weight a capability tag's cue counts, against a description's.
const TAG_TIMES: f64 = 2.0;
/// A kind is read from the text when its cues weigh at least this…
const LEAST: f64 = 3.0;
/// …and at least this share of the strongest kind's.
const SHARE_OF_BEST: f64 = 0.5;

/// Every cue, with its kind (None for a neutral one) and weight.
fn cues() -> &'static Lexicon<(Option<OfferKind>, f64)> {
    static CUES: OnceLock<Lexicon<(Option<OfferKind>, f64)>> = OnceLock::new();
    CUES.get_or_init(|| {
        let mut out = vec![];
        for line in include_str!("../../data/offer_cues.txt").lines() {
            let line = line.split('#').next().unwrap_or_default().trim();
            let Some((head, list)) = line.split_once('=') else {
                continue;
            };
            let mut head = head.split_whitespace();
            let code = head.next().unwrap_or_default();
            let weight: f64 = head.next().and_then(|w| w.parse().ok()).unwrap_or(0.0);
            let kind = if code == "neutral" {
                None
            } else {
                Some(OfferKind::parse(code).unwrap_or_else(|| panic!("offer cue kind {code}")))
            };
            for c in list
                .split([',', '，'])
                .map(str::trim)
                .filter(|c| !c.is_empty())
            {
                out.push((fold(c), (kind, weight)));
            }
        }
        Lexicon::new(out)
    })
}

/// The weight of each kind's cues in `text`: the longest cue at each place counts, so the
/// words inside it are not read again.
fn weigh(text: &str, times: f64, into: &mut HashMap<OfferKind, f64>) {
    for (kind, weight) in cues().find(&fold(text)) {
        if let Some(k) = kind {
            *into.entry(k).or_default() += weight * times;
        }
    }
}

/// The kinds of offer a profile's text names, strongest first; none when it names none.
pub fn infer(capabilities: &[String], description: &str) -> Vec<OfferKind> {
    let mut w: HashMap<OfferKind, f64> = HashMap::new();
    for c in capabilities {
        weigh(c, TAG_TIMES, &mut w);
    }
    weigh(description, 1.0, &mut w);
    let best = w.values().copied().fold(0.0, f64::max);
    let mut kinds: Vec<(OfferKind, f64)> = w
        .into_iter()
        .filter(|(_, v)| *v >= LEAST && *v >= best * SHARE_OF_BEST)
        .collect();
    kinds.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    kinds.into_iter().map(|(k, _)| k).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(c: &[&str]) -> Vec<String> {
        c.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_longer_cue_is_read_before_the_words_inside_it() {
        // "检测仪" is hardware; the "检测" inside it is not also read as recognition software.
        assert_eq!(
            infer(&caps(&["EL检测仪"]), "生产和销售组件检测仪。"),
            [OfferKind::Hardware]
        );
        assert_eq!(
            infer(&caps(&["缺陷检测", "YOLO"]), "深度学习模型识别表面缺陷。"),
            [OfferKind::AiSoftware]
        );
    }

    #[test]
    fn training_works_and_goods_are_told_apart_from_software() {
        assert_eq!(
            infer(&caps(&["巡河培训"]), "拍摄宣传片，组织培训课程。"),
            [OfferKind::ContentTraining]
        );
        assert_eq!(
            infer(&caps(&["管道疏通"]), "排水管网清淤和改造施工。"),
            [OfferKind::EngineeringWorks]
        );
        assert!(infer(&[], "我们是一家公司。").is_empty());
    }

    #[test]
    fn a_stated_offer_wins_and_the_fit_orders_kinds() {
        let stated = Offers::of(&[OfferKind::Hardware], &caps(&["算法"]), "模型");
        assert!(stated.stated);
        assert_eq!(stated.kinds, [OfferKind::Hardware]);
        let need = Wanted::ai_system();
        assert_eq!(need.fit(&stated), UNWANTED);
        let ai = Offers::of(&[], &caps(&["视频AI"]), "");
        assert_eq!(need.fit(&ai), 1.0);
        assert_eq!(need.fit(&Offers::default()), UNKNOWN);
        let both = Offers::of(&[OfferKind::Hardware, OfferKind::AiSoftware], &[], "");
        assert_eq!(need.fit(&both), 1.0, "the best kind counts");
    }

    #[test]
    fn the_reason_says_what_is_delivered_or_what_is_not() {
        let need = Wanted::ai_system();
        let hw = Offers::of(&[OfferKind::Hardware], &[], "");
        let r = need.reason(&hw).unwrap();
        assert_eq!(r.zh, "只提供：硬件设备（不提供AI 软件与模型）");
        assert!(r.en.starts_with("Only delivers Hardware"), "{}", r.en);
        let ai = Offers::of(&[], &caps(&["视频AI"]), "");
        assert_eq!(
            need.reason(&ai).unwrap().zh,
            "提供：AI 软件与模型（据简介判断）"
        );
        assert_eq!(need.reason(&Offers::default()), None);
    }

    #[test]
    fn a_query_that_names_another_kind_wants_it_too() {
        let w = Wanted::of_query("安全生产培训课程");
        let training = Offers::of(&[OfferKind::ContentTraining], &[], "");
        assert_eq!(w.fit(&training), 1.0);
        assert_eq!(Wanted::of_query("河道漂浮物识别").fit(&training), UNWANTED);
    }
}
