//! Text for people, in both languages of the product. The domain says what went wrong in
//! Simplified Chinese and in English; the web layer picks the reader's language (pages) or
//! sends both (`中文 / English`, in API answers and logs). Nothing ever splits a joined string.

use std::borrow::Cow;
use std::fmt;

use crate::locale::Locale;

/// One message in Simplified Chinese and English.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Message {
    pub zh: Cow<'static, str>,
    pub en: Cow<'static, str>,
}

impl Message {
    pub fn new(zh: impl Into<Cow<'static, str>>, en: impl Into<Cow<'static, str>>) -> Message {
        Message {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// A message that reads the same in both languages (a name, a code, an internal cause).
    pub fn same(text: impl Into<Cow<'static, str>>) -> Message {
        let text = text.into();
        Message {
            zh: text.clone(),
            en: text,
        }
    }

    /// The text in one language.
    pub fn get(&self, locale: Locale) -> &str {
        match locale {
            Locale::ZhCn => &self.zh,
            Locale::En => &self.en,
        }
    }

    /// Whether either language's text contains `needle` (for tests and logs).
    pub fn contains(&self, needle: &str) -> bool {
        self.zh.contains(needle) || self.en.contains(needle)
    }
}

/// Both languages, `中文 / English`: the form API answers and logs carry.
impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.zh == self.en {
            f.write_str(&self.zh)
        } else {
            write!(f, "{} / {}", self.zh, self.en)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_read_in_one_language_or_shown_in_both() {
        let m = Message::new("不能为空", "must not be empty");
        assert_eq!(m.get(Locale::ZhCn), "不能为空");
        assert_eq!(m.get(Locale::En), "must not be empty");
        assert_eq!(m.to_string(), "不能为空 / must not be empty");
        assert_eq!(Message::same("E-42").to_string(), "E-42");
        assert!(m.contains("empty") && m.contains("为空") && !m.contains("full"));
    }
}
