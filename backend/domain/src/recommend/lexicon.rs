//! A list of words found in a text in one pass (an Aho–Corasick automaton): the longest word
//! at the leftmost place wins, and a found word is not read again inside a longer one. A Latin
//! word counts only as a whole word ("el" is not in "model"), as search matches terms.

use aho_corasick::{AhoCorasick, MatchKind};

/// Words (folded), each with what it stands for.
pub struct Lexicon<T> {
    automaton: AhoCorasick,
    latin: Vec<bool>,
    meaning: Vec<T>,
}

impl<T: Copy> Lexicon<T> {
    pub fn new(words: Vec<(String, T)>) -> Lexicon<T> {
        let latin = words
            .iter()
            .map(|(w, _)| w.chars().any(|c| c.is_ascii_alphanumeric()))
            .collect();
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(words.iter().map(|(w, _)| w.as_str()))
            .expect("a lexicon of plain words");
        Lexicon {
            automaton,
            latin,
            meaning: words.into_iter().map(|(_, m)| m).collect(),
        }
    }

    /// What each word found in `text` (folded) stands for, once per place found.
    pub fn find<'a>(&'a self, text: &'a str) -> impl Iterator<Item = T> + 'a {
        let bytes = text.as_bytes();
        let alnum = |i: Option<&u8>| i.is_some_and(|b| b.is_ascii_alphanumeric());
        self.automaton.find_iter(text).filter_map(move |m| {
            let i = m.pattern().as_usize();
            if self.latin[i]
                && (alnum(m.start().checked_sub(1).and_then(|p| bytes.get(p)))
                    || alnum(bytes.get(m.end())))
            {
                return None;
            }
            Some(self.meaning[i])
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_word_wins_and_latin_words_are_whole() {
        let l = Lexicon::new(vec![
            ("检测".to_string(), 1),
            ("检测仪".to_string(), 2),
            ("el".to_string(), 3),
        ]);
        assert_eq!(l.find("销售检测仪和检测").collect::<Vec<_>>(), [2, 1]);
        assert_eq!(l.find("model el").collect::<Vec<_>>(), [3]);
    }
}
