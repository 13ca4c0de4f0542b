//! Small helpers for bounded, trimmed text values.

use crate::message::Message;
/// Trims `raw` and checks its length in characters. `what` names the value in messages.
pub fn bounded(raw: &str, min: usize, max: usize) -> Result<String, Message> {
    let s = raw.trim();
    let n = s.chars().count();
    if n < min {
        if min <= 1 {
            return Err(Message::new("不能为空", "must not be empty"));
        }
        return Err(Message::new(
            format!("至少 {min} 个字符"),
            format!("at least {min} characters"),
        ));
    }
    if n > max {
        return Err(Message::new(
            format!("最多 {max} 个字符"),
            format!("at most {max} characters"),
        ));
    }
    if s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(Message::new(
            "含有不可见控制字符",
            "contains control characters",
        ));
    }
    Ok(s.to_string())
}

/// A one-line value (a title, a summary, a name): as [`bounded`], and no control character at
/// all, line breaks and tabs included, so that nothing typed can break a line of a feed, a
/// calendar or an e-mail header that carries it.
pub fn line(raw: &str, min: usize, max: usize) -> Result<String, Message> {
    let s = bounded(raw, min, max)?;
    if s.chars().any(char::is_control) {
        return Err(Message::new(
            "只能是一行文字，不能含换行或控制字符",
            "must be one line, without line breaks or control characters",
        ));
    }
    Ok(s)
}

/// A list of short tags: each trimmed, lower-cased for ASCII, empty ones dropped, duplicates
/// removed (first spelling kept), at most `max_count` tags of at most `max_len` characters.
pub fn tags(raw: &[String], max_count: usize, max_len: usize) -> Result<Vec<String>, Message> {
    let mut out: Vec<String> = Vec::new();
    for t in raw {
        let t = t.trim().to_lowercase();
        if t.is_empty() {
            continue;
        }
        if t.chars().count() > max_len {
            return Err(Message::new(
                format!("每个标签最多 {max_len} 个字符"),
                format!("each tag at most {max_len} characters"),
            ));
        }
        if t.chars().any(char::is_control) {
            return Err(Message::new(
                "标签含有控制字符",
                "a tag contains control characters",
            ));
        }
        if !out.contains(&t) {
            out.push(t);
        }
    }
    if out.len() > max_count {
        return Err(Message::new(
            format!("最多 {max_count} 个标签"),
            format!("at most {max_count} tags"),
        ));
    }
    Ok(out)
}

/// Splits a comma- or whitespace-separated tag line from a form (both ASCII and Chinese commas).
pub fn split_tag_line(line: &str) -> Vec<String> {
    line.split([',', '，', '、', ';', '；', '\n'])
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_trims_and_counts_characters_not_bytes() {
        assert_eq!(bounded("  青山区  ", 1, 3).unwrap(), "青山区");
        assert!(bounded("青山区数据局", 1, 3).is_err());
        assert!(bounded("   ", 1, 10).is_err());
        assert!(bounded("a\u{0}b", 1, 10).is_err());
        assert_eq!(bounded("a\nb", 1, 10).unwrap(), "a\nb");
        for bad in ["a\rb", "a\nb", "a\tb", "a\u{85}b", "a\u{1b}b"] {
            assert!(line(bad, 1, 10).is_err(), "{bad:?}");
        }
        assert_eq!(line("  无人机巡检 ", 1, 10).unwrap(), "无人机巡检");
        assert!(bounded("ab", 3, 10).unwrap_err().contains("3"));
    }

    #[test]
    fn tags_are_normalised_and_bounded() {
        let raw = vec![" AI ".into(), "ai".into(), "".into(), "无人机".into()];
        assert_eq!(tags(&raw, 5, 10).unwrap(), vec!["ai", "无人机"]);
        assert!(tags(&["x".repeat(11)], 5, 10).is_err());
        let many: Vec<String> = (0..6).map(|i| i.to_string()).collect();
        assert!(tags(&many, 5, 10).is_err());
    }

    #[test]
    fn tag_lines_split_on_chinese_and_ascii_commas() {
        assert_eq!(
            split_tag_line("视觉，无人机, OCR、大模型"),
            vec!["视觉", "无人机", "OCR", "大模型"]
        );
    }
}
