//! Which subscribers a newly published scenario alerts, by the recommendation's judgement: a
//! subscriber's words (interest tags and keywords, a saved search's words) are scored against
//! the scenario as a vendor's capability tags would be, and an alert needs a score past a
//! threshold (or the words written in the scenario) and a vendor whose offer can deliver it. A
//! vendor alerted for a scenario it cannot deliver is spam, and leads to "unsubscribe all".

use crate::ids::OrganizationId;
use crate::search::fold;

use super::corpus::{Ask, Corpus};
use super::{Concepts, Need, offer};

/// The least share of the reference score (see [`Judge`]) that a subscriber's words need to
/// alert without being written in the scenario.
pub const ALERT_SCORE: f64 = 0.2;

/// A need, ready to judge many subscribers against.
pub struct Judge<'a> {
    corpus: &'a Corpus,
    need: &'a Need,
    ask: Ask,
    /// What the scenario's own tags and title would score as a subscriber's words: scores are
    /// judged against it, so the threshold holds whatever the number of vendors.
    reference: f64,
}

impl Corpus {
    pub fn judge<'a>(&'a self, need: &'a Need) -> Judge<'a> {
        let mut j = Judge {
            ask: self.ask(need),
            corpus: self,
            need,
            reference: 0.0,
        };
        // The scenario's tags (each with its terms) and its title, as a subscriber's words.
        let mut words = need.tags.clone();
        let mut terms: Vec<Vec<String>> = need
            .tags
            .iter()
            .map(|t| {
                let t = fold(t);
                need.tag_terms
                    .iter()
                    .filter(|x| t.contains(x.as_str()))
                    .cloned()
                    .collect()
            })
            .collect();
        words.push(String::new());
        terms.push(need.title_terms.clone());
        j.reference = j.words_score(&words, &terms).max(1.0);
        j
    }
}

impl Judge<'_> {
    /// Whether a vendor's kind of offer can deliver the need. An organization that is no
    /// verified vendor (not in the corpus) is not judged here.
    pub fn delivers(&self, org: OrganizationId) -> bool {
        self.corpus
            .find(org)
            .is_none_or(|i| self.need.wanted.fit(&self.corpus.profile(i).offers) >= offer::DELIVERS)
    }

    /// What a subscriber's words are worth to the need: each word (or phrase), cut into terms
    /// by the caller, counts as a capability tag; the concepts they speak of add as a
    /// profile's do.
    pub fn words_score(&self, words: &[String], terms: &[Vec<String>]) -> f64 {
        let c = &self.corpus.canon;
        let tags: Vec<Vec<String>> = terms.iter().map(|t| c.all(t)).collect();
        let whole: Vec<String> = words.iter().map(|w| c.of(&fold(w))).collect();
        let lexical = self
            .corpus
            .words(&self.ask, &tags, &whole, &Default::default(), 0.0)
            .points;
        let joined = words.join(" ");
        let concepts = Concepts::of(&[(&joined, 1.0)]);
        let worth = |k: u16| self.corpus.concept_worth(k);
        lexical + super::corpus::CONCEPT_POINTS * self.need.concepts.covered_by(&concepts, &worth)
    }

    /// Whether words alert: written in the scenario, or worth [`ALERT_SCORE`] of what the
    /// scenario's own tags and title would.
    pub fn alerts(&self, written: bool, words: &[String], terms: &[Vec<String>]) -> bool {
        written || self.share(words, terms) >= ALERT_SCORE
    }

    /// Words' score as a share of the reference.
    pub fn share(&self, words: &[String], terms: &[Vec<String>]) -> f64 {
        self.words_score(words, terms) / self.reference
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::account::OfferKind;
    use crate::recommend::Profile;
    use crate::sector::Sector;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    fn vendor(id: i64, caps: &[&str], description: &str, stated: &[OfferKind]) -> Arc<Profile> {
        Arc::new(Profile::new(
            OrganizationId(id),
            format!("v{id}"),
            false,
            caps.iter().map(|c| c.to_string()).collect(),
            description,
            stated,
            &words,
        ))
    }

    #[test]
    fn words_of_the_same_meaning_alert_and_a_vendor_that_cannot_deliver_is_spared() {
        let corpus = Corpus::new(
            vec![
                vendor(1, &["水面目标检测"], "YOLO 模型 识别 水面 垃圾", &[]),
                vendor(2, &["保洁船"], "销售 河道 保洁船", &[OfferKind::Hardware]),
                vendor(3, &["法律问答"], "法律 大模型", &[]),
            ],
            &[],
        );
        let need = Need::of_scenario(
            Sector::CityGovernance,
            vec!["河道治理".into()],
            "河道 漂浮物 视频 识别",
            "利用 监控 视频 识别 漂浮物",
            "",
            &words,
        );
        let judge = corpus.judge(&need);
        assert!(judge.delivers(OrganizationId(1)));
        assert!(!judge.delivers(OrganizationId(2)), "hardware only");
        assert!(
            judge.delivers(OrganizationId(99)),
            "not a verified vendor: not judged"
        );
        let own = ["水面目标检测".to_string()];
        assert!(
            judge.alerts(false, &own, &[words("水面目标检测")]),
            "{}",
            judge.share(&own, &[words("水面目标检测")])
        );
        let other = ["法律问答".to_string()];
        assert!(!judge.alerts(false, &other, &[words("法律问答")]));
        assert!(
            judge.alerts(true, &other, &[words("法律问答")]),
            "written words alert"
        );
    }
}
