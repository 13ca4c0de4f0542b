//! How pages show money and time: yuan from fen, Asia/Shanghai (UTC+8, no daylight saving)
//! from UTC, and the time left before a deadline.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use domain::account::Locale;

use crate::i18n::Tr;

pub use domain::beijing::{minute as beijing, period_end as beijing_end};

/// An amount of fen in yuan: `80万元` in Chinese (whole 万), `¥800,000` in English.
pub fn money(fen: i64, locale: Locale) -> String {
    let yuan = fen / 100;
    let cents = fen % 100;
    match locale {
        Locale::ZhCn if cents == 0 && yuan >= 100_000_000 && yuan % 1_000_000 == 0 => {
            format!("{}亿元", hundredths(yuan / 1_000_000))
        }
        // Whole hundreds of yuan are exact in hundredths of 万 (no float to round).
        Locale::ZhCn if cents == 0 && yuan >= 10_000 && yuan % 100 == 0 => {
            format!("{}万元", hundredths(yuan / 100))
        }
        Locale::ZhCn if cents == 0 && yuan >= 10_000 => {
            let wan = yuan as f64 / 10_000.0;
            let s = format!("{wan:.2}");
            format!("{}万元", s.trim_end_matches('0').trim_end_matches('.'))
        }
        Locale::ZhCn => format!("{}{}元", group(yuan), cents_part(cents)),
        Locale::En => format!("¥{}{}", group(yuan), cents_part(cents)),
    }
}

/// `n` hundredths as a decimal without trailing zeros (`12345` → `123.45`, `120` → `1.2`).
fn hundredths(n: i64) -> String {
    match n % 100 {
        0 => (n / 100).to_string(),
        f if f % 10 == 0 => format!("{}.{}", n / 100, f / 10),
        f => format!("{}.{f:02}", n / 100),
    }
}

fn cents_part(cents: i64) -> String {
    if cents == 0 {
        String::new()
    } else {
        format!(".{cents:02}")
    }
}

fn group(n: i64) -> String {
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// A UTC time for a `datetime-local` input in Beijing time.
pub fn datetime_local(t: DateTime<Utc>) -> String {
    t.with_timezone(&domain::beijing::offset())
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// Reads a `datetime-local` value as Beijing time.
pub fn parse_datetime_local(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    domain::beijing::offset()
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// "28 天 3 小时" before a deadline; `None` once it has passed.
pub fn time_left(deadline: DateTime<Utc>, now: DateTime<Utc>, t: &Tr) -> Option<String> {
    let left = deadline - now;
    if left <= chrono::Duration::zero() {
        return None;
    }
    let (d, h, m) = (
        left.num_days(),
        left.num_hours() % 24,
        left.num_minutes() % 60,
    );
    let part = |key: &str, n: i64| t.t(key).replace("{}", &n.to_string());
    Some(if d > 0 {
        format!("{} {}", part("scn.days", d), part("scn.hours", h))
    } else if h > 0 {
        format!("{} {}", part("scn.hours", h), part("scn.minutes", m))
    } else {
        part("scn.minutes", m.max(1))
    })
}

/// When the text of [`time_left`] next changes (`None`: after the deadline it shows nothing).
/// It counts whole minutes under a day and whole hours above, so it changes when the time
/// left drops past the next whole unit, and at the deadline.
pub fn time_left_changes(deadline: DateTime<Utc>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let left = (deadline - now).num_microseconds()?;
    if left <= 0 {
        return None;
    }
    let unit: i64 = if left >= 86_400_000_000 {
        3_600_000_000
    } else {
        60_000_000
    };
    // The text holds while the time left stays at or above its whole number of units (under
    // two minutes it reads "1 minute" until the deadline).
    let over = left % unit;
    Some(if left < 120_000_000 {
        deadline
    } else {
        now + chrono::Duration::microseconds(over + 1)
    })
}

/// Fen from a yuan amount typed in a form (`1500000`, `1,500,000`, `12.5`).
pub fn parse_yuan(s: &str) -> Option<i64> {
    let cleaned: String = s
        .trim()
        .chars()
        .filter(|c| *c != ',' && *c != '，' && !c.is_whitespace())
        .collect();
    if cleaned.is_empty() {
        return None;
    }
    let (whole, frac) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    if frac.len() > 2
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || whole.is_empty()
    {
        return None;
    }
    let w: i64 = whole.parse().ok()?;
    let f: i64 = format!("{frac:0<2}").parse().ok()?;
    w.checked_mul(100)?.checked_add(f)
}

/// Yuan for a form field, from fen.
pub fn yuan_input(fen: i64) -> String {
    if fen % 100 == 0 {
        (fen / 100).to_string()
    } else {
        format!("{}.{:02}", fen / 100, fen % 100)
    }
}

/// A snippet as HTML: its text escaped, the matched words in `<mark>`.
pub fn marked_html(s: &domain::search::Snippet) -> String {
    let mut out = String::with_capacity(s.text.len() + 16);
    let mut at = 0;
    for m in &s.marks {
        let (start, end) = (m.start.min(s.text.len()), m.end.min(s.text.len()));
        if start < at || !s.text.is_char_boundary(start) || !s.text.is_char_boundary(end) {
            continue;
        }
        escape_into(&s.text[at..start], &mut out);
        out.push_str("<mark>");
        escape_into(&s.text[start..end], &mut out);
        out.push_str("</mark>");
        at = end;
    }
    escape_into(&s.text[at..], &mut out);
    out
}

/// Escapes text for HTML (and SVG) content and attributes, as the templates do (askama's
/// escaper: `&`, `<`, `>`, `"` and `'` as numeric references).
pub fn escape_into(text: &str, out: &mut String) {
    use askama::filters::Escaper;
    // Writing into a String cannot fail.
    let _ = askama::filters::Html.write_escaped_str(&mut *out, text);
}

/// Writes a time into JSON exactly as chrono's own `Serialize` does (RFC 3339 in UTC with `Z`,
/// the fraction in 0, 3, 6 or 9 digits), without its formatting machinery: a page of scenarios
/// writes a hundred times. Years outside 0–9999 and leap seconds go to chrono.
pub fn json_time<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    use chrono::{Datelike, Timelike};
    let year = t.year();
    let nanos = t.nanosecond();
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        return serde::Serialize::serialize(t, s);
    }
    let mut out = [0u8; 32];
    let mut n = 0;
    let mut put = |sep: Option<u8>, v: u32, width: u32| {
        if let Some(sep) = sep {
            out[n] = sep;
            n += 1;
        }
        for i in (0..width).rev() {
            out[n] = b'0' + (v / 10u32.pow(i) % 10) as u8;
            n += 1;
        }
    };
    put(None, year as u32, 4);
    put(Some(b'-'), t.month(), 2);
    put(Some(b'-'), t.day(), 2);
    put(Some(b'T'), t.hour(), 2);
    put(Some(b':'), t.minute(), 2);
    put(Some(b':'), t.second(), 2);
    match nanos {
        0 => {}
        n if n % 1_000_000 == 0 => put(Some(b'.'), n / 1_000_000, 3),
        n if n % 1_000 == 0 => put(Some(b'.'), n / 1_000, 6),
        n => put(Some(b'.'), n, 9),
    }
    put(Some(b'Z'), 0, 0);
    s.serialize_str(std::str::from_utf8(&out[..n]).unwrap_or_default())
}

/// [`json_time`] for a time that may be absent (`null`).
pub fn json_time_opt<S: serde::Serializer>(
    t: &Option<DateTime<Utc>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => json_time(t, s),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {

    /// The same text as chrono's own serializer, for every fraction form and the edges.
    #[test]
    fn json_times_match_chrono() {
        #[derive(serde::Serialize)]
        struct Fast(#[serde(serialize_with = "json_time")] DateTime<Utc>);
        #[derive(serde::Serialize)]
        struct Opt(#[serde(serialize_with = "json_time_opt")] Option<DateTime<Utc>>);
        let base = Utc.with_ymd_and_hms(2026, 12, 6, 3, 4, 5).unwrap();
        let mut times = vec![
            Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap(),
            Utc.with_ymd_and_hms(-1, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0).unwrap(),
        ];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for nanos in [
            0,
            1,
            999,
            1_000,
            26_000_000,
            26_490_000,
            123_456_789,
            999_999_999,
        ] {
            times.push(base + chrono::Duration::nanoseconds(nanos));
        }
        for _ in 0..2000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let secs = (x % 4_000_000_000) as i64;
            let nanos = match x % 4 {
                0 => 0,
                1 => (x >> 8) % 1000 * 1_000_000,
                2 => (x >> 8) % 1_000_000 * 1000,
                _ => (x >> 8) % 1_000_000_000,
            };
            times.push(DateTime::from_timestamp(secs, nanos as u32).unwrap());
        }
        for t in times {
            let want = serde_json::to_string(&t).unwrap();
            assert_eq!(serde_json::to_string(&Fast(t)).unwrap(), want);
            assert_eq!(serde_json::to_string(&Opt(Some(t))).unwrap(), want);
        }
        assert_eq!(serde_json::to_string(&Opt(None)).unwrap(), "null");
    }
    use super::*;

    #[test]
    fn money_reads_naturally_in_both_languages() {
        assert_eq!(money(80_000_000, Locale::ZhCn), "80万元");
        assert_eq!(money(125_000_000, Locale::ZhCn), "125万元");
        assert_eq!(money(123_450_000, Locale::ZhCn), "123.45万元");
        assert_eq!(money(500_050, Locale::ZhCn), "5,000.50元");
        assert_eq!(money(10_000_000_000, Locale::ZhCn), "1亿元");
        assert_eq!(money(25_000_000_000, Locale::ZhCn), "2.5亿元");
        assert_eq!(money(10_012_345_600, Locale::ZhCn), "10012.35万元");
        // The exact path writes what the float path wrote for every whole hundred of yuan.
        for yuan in (10_000..3_000_000).step_by(100) {
            let s = format!("{:.2}", yuan as f64 / 10_000.0);
            let by_float = format!("{}万元", s.trim_end_matches('0').trim_end_matches('.'));
            assert_eq!(money(yuan * 100, Locale::ZhCn), by_float, "{yuan}");
        }
        assert_eq!(money(150_000_000, Locale::En), "¥1,500,000");
        assert_eq!(money(99, Locale::En), "¥0.99");
    }

    #[test]
    fn beijing_time_is_utc_plus_eight_both_ways() {
        let t = DateTime::parse_from_rfc3339("2026-12-31T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(beijing(t), "2026-12-31 17:00");
        assert_eq!(datetime_local(t), "2026-12-31T17:00");
        assert_eq!(parse_datetime_local("2026-12-31T17:00"), Some(t));
        assert_eq!(parse_datetime_local("tomorrow"), None);
    }

    #[test]
    fn the_time_left_is_kept_exactly_until_its_text_changes() {
        let t = Tr::new(Locale::En);
        let d = DateTime::parse_from_rfc3339("2026-12-31T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        for now in [
            d - chrono::Duration::seconds(90),
            d - chrono::Duration::seconds(3_601),
            d - chrono::Duration::hours(30) - chrono::Duration::seconds(7),
            d - chrono::Duration::milliseconds(59_500),
            d - chrono::Duration::minutes(5),
        ] {
            let change = time_left_changes(d, now).unwrap();
            assert!(change > now && change <= d);
            let just_before = change - chrono::Duration::microseconds(1);
            assert_eq!(
                time_left(d, just_before, &t),
                time_left(d, now, &t),
                "unchanged until {change} (from {now})"
            );
            assert_ne!(
                time_left(d, change, &t),
                time_left(d, now, &t),
                "changed at {change} (from {now})"
            );
        }
        assert_eq!(time_left_changes(d, d), None);
    }

    #[test]
    fn time_left_counts_down_and_stops_at_the_deadline() {
        let t = Tr::new(Locale::En);
        let d = DateTime::parse_from_rfc3339("2026-12-31T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            time_left(d, d - chrono::Duration::hours(51), &t).unwrap(),
            "2 days 3 h"
        );
        assert_eq!(
            time_left(d, d - chrono::Duration::minutes(90), &t).unwrap(),
            "1 h 30 min"
        );
        assert_eq!(
            time_left(d, d - chrono::Duration::seconds(1), &t).unwrap(),
            "1 min"
        );
        assert_eq!(time_left(d, d, &t), None);
    }

    #[test]
    fn yuan_inputs_become_fen_exactly() {
        assert_eq!(parse_yuan("1,500,000"), Some(150_000_000));
        assert_eq!(parse_yuan("12.5"), Some(1250));
        assert_eq!(parse_yuan("0.01"), Some(1));
        assert_eq!(parse_yuan("1.234"), None);
        assert_eq!(parse_yuan("-5"), None);
        assert_eq!(parse_yuan("abc"), None);
        assert_eq!(parse_yuan(""), None);
        assert_eq!(yuan_input(150_000_050), "1500000.50");
    }

    #[test]
    fn snippets_are_escaped_and_marked() {
        let s = domain::search::Snippet {
            text: "<b>无人机</b>巡检".into(),
            marks: std::iter::once(16..22).collect(),
        };
        assert_eq!(
            marked_html(&s),
            "&#60;b&#62;无人机&#60;/b&#62;<mark>巡检</mark>"
        );
        let bad = domain::search::Snippet {
            text: "巡检".into(),
            marks: std::iter::once(1..2).collect(),
        };
        assert_eq!(
            marked_html(&bad),
            "巡检",
            "a range off the characters is ignored"
        );
    }
}
