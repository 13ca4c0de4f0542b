//! The text analysis of the built-in index, the same for documents and queries: folding
//! (width, traditional → simplified, case), jieba word segmentation, English stemming.
//! Offsets point into the original text, so that snippets mark the right characters.

use std::sync::{Arc, OnceLock};

use jieba_rs::{Jieba, TokenizeMode};
use tantivy::tokenizer::{
    Language, RemoveLongFilter, Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer,
};

/// The analyzer's name in the index schema.
pub const ZH: &str = "zh_en";

/// Words of this product's domains that jieba's general dictionary splits or lacks.
const VOCABULARY: &[&str] = &[
    "巡检",
    "无人机",
    "大模型",
    "光伏",
    "数字孪生",
    "城市大脑",
    "一网统管",
    "一网通办",
    "智慧城市",
    "视频监控",
    "监控探头",
    "摄像头",
    "缺陷检测",
    "违建",
    "渣土车",
    "积水",
    "窨井盖",
    "高空抛物",
    "垃圾分类",
    "政务服务",
    "智能客服",
    "工单",
    "知识库",
    "算力",
    "数据治理",
    "视觉识别",
    "质检",
    "焦化",
    "高炉",
    "轧钢",
    "石化",
    "储罐",
    "泄漏",
    "新材料",
    "生物制造",
    "发酵",
    "智能制造",
    "安全生产",
    "应急管理",
    "碳排放",
    "能耗",
    "建筑工地",
    "塔吊",
    "安全帽",
    "施工",
    "BIM",
];

/// jieba with the default dictionary and the product's vocabulary, loaded once.
fn jieba() -> Arc<Jieba> {
    static JIEBA: OnceLock<Arc<Jieba>> = OnceLock::new();
    JIEBA
        .get_or_init(|| {
            let mut j = Jieba::new();
            for w in VOCABULARY {
                j.add_word(&domain::search::fold(w), Some(50_000), None);
            }
            // Each added word grew the word tables by doubling them (8 MB of the 42 MB the
            // dictionary holds is spare room); a clone holds them at their length.
            Arc::new(j.clone())
        })
        .clone()
}

/// The analyzer: `search` mode also emits the parts of compound words (无人机 → 无人, 人机,
/// 无人机), which documents want; queries use the plain cut.
pub fn analyzer(search_mode: bool) -> TextAnalyzer {
    TextAnalyzer::builder(ZhTokenizer {
        jieba: jieba(),
        search_mode,
    })
    .filter(RemoveLongFilter::limit(40))
    .filter(Stemmer::new(Language::English))
    .build()
}

/// Every word of a text in order, repeats kept (the plain cut, as queries are cut).
pub fn tokens(text: &str) -> Vec<String> {
    let mut a = analyzer(false);
    let mut stream = a.token_stream(text);
    let mut out: Vec<String> = vec![];
    while let Some(t) = stream.next() {
        out.push(t.text.clone());
    }
    out
}

/// The words of a text as the index stores them (for building queries).
pub fn words(text: &str, search_mode: bool) -> Vec<String> {
    let mut a = analyzer(search_mode);
    let mut stream = a.token_stream(text);
    let mut out: Vec<String> = vec![];
    while let Some(t) = stream.next() {
        if !out.contains(&t.text) {
            out.push(t.text.clone());
        }
    }
    out
}

#[derive(Clone)]
struct ZhTokenizer {
    jieba: Arc<Jieba>,
    search_mode: bool,
}

struct ZhStream {
    tokens: Vec<Token>,
    at: usize,
}

impl Tokenizer for ZhTokenizer {
    type TokenStream<'a> = ZhStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> ZhStream {
        // The folded text, and for each of its byte boundaries the original's.
        let mut folded = String::with_capacity(text.len());
        let mut origin = Vec::with_capacity(text.len() + 1);
        for (i, c) in text.char_indices() {
            for f in domain::search::fold_char(c) {
                let start = folded.len();
                folded.push(f);
                origin.resize(folded.len(), i);
                origin[start] = i;
            }
        }
        origin.push(text.len());
        let mode = if self.search_mode {
            TokenizeMode::Search
        } else {
            TokenizeMode::Default
        };
        let mut tokens = Vec::new();
        for (position, t) in self
            .jieba
            .tokenize(&folded, mode, true)
            .into_iter()
            .filter(|t| t.word.chars().any(char::is_alphanumeric))
            .enumerate()
        {
            tokens.push(Token {
                offset_from: origin[t.byte_start],
                offset_to: origin[t.byte_end],
                position,
                text: t.word.to_string(),
                position_length: 1,
            });
        }
        ZhStream { tokens, at: 0 }
    }
}

impl TokenStream for ZhStream {
    fn advance(&mut self) -> bool {
        self.at += 1;
        self.at <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.at - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.at - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_is_cut_into_words_and_their_parts() {
        let w = words("无人机智能巡检", true);
        for part in ["无人机", "巡检", "智能"] {
            assert!(w.contains(&part.to_string()), "{part} in {w:?}");
        }
        assert_eq!(words("无人机巡检", false), ["无人机", "巡检"]);
    }

    #[test]
    fn english_is_lower_cased_and_stemmed_and_mixed_text_works() {
        assert_eq!(words("Drones inspecting", false), ["drone", "inspect"]);
        assert_eq!(words("YOLO 缺陷检测", false), ["yolo", "缺陷检测"]);
    }

    #[test]
    fn width_and_script_fold_and_offsets_point_into_the_original() {
        assert_eq!(words("ＡＩ巡檢", false), words("ai巡检", false));
        let text = "ＡＩ 巡檢系統";
        let mut a = analyzer(false);
        let mut s = a.token_stream(text);
        let mut spans = vec![];
        while let Some(t) = s.next() {
            spans.push(&text[t.offset_from..t.offset_to]);
        }
        assert!(spans.contains(&"ＡＩ"), "{spans:?}");
        assert!(spans.contains(&"巡檢"), "{spans:?}");
    }

    #[test]
    fn punctuation_makes_no_words() {
        assert!(words("（）——！？…… \"*:\"", false).is_empty());
    }
}
