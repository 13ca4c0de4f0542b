//! The semantic signal: what a text is about beyond its exact words. Each concept of
//! `data/concepts.txt` is spoken of by many words; a scenario and a vendor that speak of the
//! same concepts in different words ("漂浮物识别", "水面目标检测 YOLO") still meet.

use std::sync::OnceLock;

use crate::search::fold;

use super::lexicon::Lexicon;

/// The concepts a text speaks of, each with the weight of the heaviest place it is found in.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Concepts(Vec<(u16, f64)>);

struct Table {
    /// Each concept's name in Chinese and English (the line's head).
    names: Vec<(String, String)>,
    /// Every word, with its concept.
    words: Lexicon<u16>,
}

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let (mut names, mut words) = (vec![], vec![]);
        for line in include_str!("../../data/concepts.txt").lines() {
            let line = line.split('#').next().unwrap_or_default();
            let Some((head, list)) = line.split_once('=') else {
                continue;
            };
            let id = names.len() as u16;
            let (zh, en) = head.split_once('|').unwrap_or((head, head));
            names.push((zh.trim().to_string(), en.trim().to_string()));
            for w in list
                .split([',', '，'])
                .map(str::trim)
                .filter(|w| !w.is_empty())
            {
                words.push((fold(w), id));
            }
        }
        Table {
            names,
            words: Lexicon::new(words),
        }
    })
}

impl Concepts {
    /// The concepts of texts, each text with its weight (a title weighs more than a
    /// description).
    pub fn of(parts: &[(&str, f64)]) -> Concepts {
        let t = table();
        let mut found: Vec<(u16, f64)> = vec![];
        for (text, weight) in parts {
            // The longest word at each place, so that the "检测" inside "异常检测" does not
            // also speak of vision.
            for id in t.words.find(&fold(text)) {
                match found.iter_mut().find(|(c, _)| *c == id) {
                    Some(e) => e.1 = e.1.max(*weight),
                    None => found.push((id, *weight)),
                }
            }
        }
        found.sort_by_key(|(c, _)| *c);
        Concepts(found)
    }

    /// How much of `self` (a need) `other` (a vendor) speaks of: 0 to 1, each concept
    /// weighing as `worth` says (a concept every vendor speaks of is worth little).
    pub fn covered_by(&self, other: &Concepts, worth: &dyn Fn(u16) -> f64) -> f64 {
        let total: f64 = self.0.iter().map(|(c, w)| w * worth(*c)).sum();
        if total == 0.0 {
            return 0.0;
        }
        let met: f64 = self
            .0
            .iter()
            .filter_map(|(c, w)| {
                other
                    .0
                    .binary_search_by_key(c, |(x, _)| *x)
                    .ok()
                    .map(|i| w * worth(*c) * other.0[i].1)
            })
            .sum();
        met / total
    }

    /// How much of what `self` (a vendor) speaks of is in `need`: 0 to 1 (a vendor about
    /// other things too gets less), 1 when it speaks of nothing the table knows.
    pub fn share_in(&self, need: &Concepts, worth: &dyn Fn(u16) -> f64) -> f64 {
        let total: f64 = self.0.iter().map(|(c, w)| w * worth(*c)).sum();
        if total == 0.0 {
            return 1.0;
        }
        let inside: f64 = self
            .0
            .iter()
            .filter(|(c, _)| need.0.binary_search_by_key(c, |(x, _)| *x).is_ok())
            .map(|(c, w)| w * worth(*c))
            .sum();
        inside / total
    }

    /// The concepts spoken of.
    pub fn ids(&self) -> impl Iterator<Item = u16> + '_ {
        self.0.iter().map(|(c, _)| *c)
    }

    /// The names of the concepts both speak of, heaviest in `self` first.
    pub fn shared_names(&self, other: &Concepts) -> Vec<&'static (String, String)> {
        let mut both: Vec<(u16, f64)> = self
            .0
            .iter()
            .filter(|(c, _)| other.0.binary_search_by_key(c, |(x, _)| *x).is_ok())
            .copied()
            .collect();
        both.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        both.iter()
            .map(|(c, _)| &table().names[usize::from(*c)])
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn different_words_of_one_concept_meet() {
        let need = Concepts::of(&[("河道监控视频漂浮物识别", 1.0)]);
        let vendor = Concepts::of(&[("水面目标检测 YOLO", 1.0)]);
        let even = |_| 1.0;
        assert_eq!(need.covered_by(&vendor, &even), 1.0);
        let names: Vec<&str> = need
            .shared_names(&vendor)
            .iter()
            .map(|(zh, _)| zh.as_str())
            .collect();
        assert_eq!(names, ["视觉", "水"]);
        let other = Concepts::of(&[("会议纪要", 1.0)]);
        assert_eq!(need.covered_by(&other, &even), 0.0);
    }

    #[test]
    fn a_concept_weighs_as_its_heaviest_place() {
        let need = Concepts::of(&[("河道", 1.0), ("图像", 0.5)]);
        let vendor = Concepts::of(&[("视频", 1.0)]);
        assert!((need.covered_by(&vendor, &|_| 1.0) - 0.5 / 1.5).abs() < 1e-9);
        // "异常检测" speaks of anomalies, not of vision.
        assert_eq!(Concepts::of(&[("异常检测", 1.0)]).ids().count(), 1);
        // A Latin word is matched whole: "el" is not in "model".
        assert!(Concepts::of(&[("model", 1.0)]).is_empty());
    }
}
