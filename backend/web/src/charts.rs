//! Bar charts drawn on the server as inline SVG: no chart script, they scale with the page
//! (a `viewBox`, the width set by CSS), and each carries its figures as text for screen
//! readers (`<title>` and `<desc>`) and as a tooltip per bar. Colours come from the stylesheet
//! (`.chart .s0` … `.s6`).

use std::fmt::Write;

/// One bar: its label, its value, and the value as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartBar {
    pub label: String,
    pub value: f64,
    pub text: String,
}

impl ChartBar {
    pub fn count(label: impl Into<String>, n: i64) -> Self {
        Self {
            label: label.into(),
            value: n as f64,
            text: n.to_string(),
        }
    }
}

/// Escapes text for SVG (XML) content and attributes.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    crate::format::escape_into(s, &mut out);
    out
}

fn open(out: &mut String, id: &str, title: &str, desc: &str, w: u32, h: u32) {
    let _ = write!(
        out,
        r#"<svg class="chart" id="{id}" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        esc(title),
        esc(desc)
    );
}

fn describe(bars: &[ChartBar]) -> String {
    bars.iter()
        .map(|b| format!("{}: {}", b.label, b.text))
        .collect::<Vec<_>>()
        .join("; ")
}

fn max_of(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(0.0, f64::max)
}

/// Vertical columns, labels below (months, buckets).
pub fn columns(id: &str, title: &str, bars: &[ChartBar]) -> String {
    let (w, h, top, bottom, side) = (480.0, 200.0, 24.0, 30.0, 6.0);
    let mut out = String::new();
    open(&mut out, id, title, &describe(bars), w as u32, h as u32);
    let max = max_of(bars.iter().map(|b| b.value));
    let n = bars.len().max(1) as f64;
    let slot = (w - 2.0 * side) / n;
    let bar_w = (slot * 0.64).max(2.0);
    let base = h - bottom;
    let _ = write!(
        out,
        r#"<line class="axis" x1="{side}" y1="{base}" x2="{}" y2="{base}"/>"#,
        w - side
    );
    for (i, b) in bars.iter().enumerate() {
        let x = side + slot * i as f64 + (slot - bar_w) / 2.0;
        let bh = if max > 0.0 {
            (b.value / max) * (base - top)
        } else {
            0.0
        };
        let cx = x + bar_w / 2.0;
        let _ = write!(
            out,
            r#"<rect class="bar s0" x="{x:.1}" y="{:.1}" width="{bar_w:.1}" height="{bh:.1}"><title>{}: {}</title></rect>"#,
            base - bh,
            esc(&b.label),
            esc(&b.text)
        );
        if b.value > 0.0 {
            let _ = write!(
                out,
                r#"<text class="value" x="{cx:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                base - bh - 5.0,
                esc(&b.text)
            );
        }
        let _ = write!(
            out,
            r#"<text class="label" x="{cx:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            h - 10.0,
            esc(&b.label)
        );
    }
    out.push_str("</svg>");
    out
}

/// Horizontal bars, labels on the left (categories with longer names).
pub fn rows(id: &str, title: &str, bars: &[ChartBar]) -> String {
    let (w, row, label_w, pad) = (480.0, 28.0, 120.0, 8.0);
    let h = row * bars.len().max(1) as f64 + pad;
    let mut out = String::new();
    open(&mut out, id, title, &describe(bars), w as u32, h as u32);
    let max = max_of(bars.iter().map(|b| b.value));
    let span = w - label_w - 100.0;
    for (i, b) in bars.iter().enumerate() {
        let y = pad / 2.0 + row * i as f64;
        let bw = if max > 0.0 { b.value / max * span } else { 0.0 };
        let _ = write!(
            out,
            r#"<text class="label" x="{:.1}" y="{:.1}" text-anchor="end">{}</text><rect class="bar s{}" x="{label_w}" y="{:.1}" width="{bw:.1}" height="{:.1}"><title>{}: {}</title></rect><text class="value" x="{:.1}" y="{:.1}">{}</text>"#,
            label_w - 8.0,
            y + row * 0.62,
            esc(&b.label),
            i % 7,
            y + 5.0,
            row - 10.0,
            esc(&b.label),
            esc(&b.text),
            label_w + bw + 6.0,
            y + row * 0.62,
            esc(&b.text)
        );
    }
    out.push_str("</svg>");
    out
}

/// Horizontal stacked bars: per row the parts of each series, with a legend above.
pub fn stacked_rows(
    id: &str,
    title: &str,
    series: &[String],
    data: &[(String, Vec<i64>)],
) -> String {
    let (w, row, label_w) = (480.0, 28.0, 110.0);
    // The legend flows onto as many lines as it needs.
    let mut legend = Vec::with_capacity(series.len());
    let (mut lx, mut line) = (6.0, 0.0);
    for s in series {
        let width = 34.0
            + s.chars()
                .map(|c| if c.is_ascii() { 8.0 } else { 14.0 })
                .sum::<f64>();
        if lx + width > w && lx > 6.0 {
            (lx, line) = (6.0, line + 1.0);
        }
        legend.push((lx, 6.0 + 22.0 * line));
        lx += width;
    }
    let legend_h = 22.0 * (line + 1.0) + 8.0;
    let h = legend_h + row * data.len().max(1) as f64 + 6.0;
    let desc = data
        .iter()
        .map(|(label, parts)| {
            let inner = series
                .iter()
                .zip(parts)
                .filter(|(_, n)| **n > 0)
                .map(|(s, n)| format!("{s} {n}"))
                .collect::<Vec<_>>()
                .join(", ");
            format!("{label}: {inner}")
        })
        .collect::<Vec<_>>()
        .join("; ");
    let mut out = String::new();
    open(&mut out, id, title, &desc, w as u32, h as u32);
    for (i, (s, (x, y))) in series.iter().zip(&legend).enumerate() {
        let _ = write!(
            out,
            r#"<rect class="bar s{}" x="{x:.1}" y="{y:.1}" width="12" height="12"/><text class="legend" x="{:.1}" y="{:.1}">{}</text>"#,
            i % 7,
            x + 16.0,
            y + 11.0,
            esc(s)
        );
    }
    let max = data
        .iter()
        .map(|(_, p)| p.iter().sum::<i64>())
        .max()
        .unwrap_or(0) as f64;
    let span = w - label_w - 40.0;
    for (r, (label, parts)) in data.iter().enumerate() {
        let y = legend_h + row * r as f64;
        let _ = write!(
            out,
            r#"<text class="label" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            label_w - 8.0,
            y + row * 0.62,
            esc(label)
        );
        let mut x = label_w;
        for (i, n) in parts.iter().enumerate() {
            if *n <= 0 || max <= 0.0 {
                continue;
            }
            let bw = *n as f64 / max * span;
            let _ = write!(
                out,
                r#"<rect class="bar s{}" x="{x:.1}" y="{:.1}" width="{bw:.1}" height="{:.1}"><title>{} · {}: {n}</title></rect>"#,
                i % 7,
                y + 5.0,
                row - 10.0,
                esc(label),
                esc(series.get(i).map(String::as_str).unwrap_or(""))
            );
            x += bw;
        }
        let total: i64 = parts.iter().sum();
        let _ = write!(
            out,
            r#"<text class="value" x="{:.1}" y="{:.1}">{total}</text>"#,
            x + 6.0,
            y + row * 0.62
        );
    }
    out.push_str("</svg>");
    out
}

/// A progress bar as SVG (the page's policy forbids inline styles, so a width cannot be
/// set in CSS): `share` from 0 to 1, drawn clamped, `text` read out.
pub fn progress(id: &str, title: &str, share: f64, text: &str) -> String {
    let (w, h) = (640.0, 18.0);
    let fill = if share.is_finite() {
        share.clamp(0.0, 1.0) * w
    } else {
        0.0
    };
    // A sliver stays visible for a share just above nothing.
    let fill = if share > 0.0 { fill.max(3.0) } else { 0.0 };
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="chart progress-chart" id="{id}" viewBox="0 0 {w} {h}" preserveAspectRatio="none" role="img" aria-labelledby="{id}-title" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{}: {}</title><rect class="track" x="0" y="0" width="{w}" height="{h}" rx="9"/><rect class="bar s3" x="0" y="0" width="{fill:.1}" height="{h}" rx="9"/></svg>"#,
        esc(title),
        esc(text)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_scale_to_the_largest_and_escape_labels() {
        let svg = columns(
            "m",
            "每月 <金额>",
            &[
                ChartBar::count("1月", 0),
                ChartBar::count("2月", 5),
                ChartBar::count("A&B", 10),
            ],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("每月 &#60;金额&#62;") && svg.contains("A&#38;B"));
        assert!(!svg.contains("A&B"));
        // The largest bar spans the plot (200 − 30 − 24 = 146), the half one half of it.
        assert!(svg.contains(r#"height="146.0""#), "{svg}");
        assert!(svg.contains(r#"height="73.0""#), "{svg}");
        assert!(svg.contains(r#"height="0.0""#));
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(
            svg.contains("1月: 0; 2月: 5; A&#38;B: 10"),
            "the figures as text"
        );
    }

    #[test]
    fn nothing_to_draw_draws_no_bar_lengths() {
        let svg = rows("r", "空", &[ChartBar::count("甲", 0)]);
        assert!(svg.contains(r#"width="0.0""#) && !svg.contains("NaN"));
        let stacked = stacked_rows("s", "空", &["a".into()], &[]);
        assert!(!stacked.contains("NaN") && stacked.ends_with("</svg>"));
    }

    #[test]
    fn progress_fills_its_share_and_no_more() {
        assert!(progress("p", "承诺", 0.25, "25%").contains(r#"width="160.0""#));
        assert!(
            progress("p", "承诺", 3.0, "300%")
                .contains(r#"class="bar s3" x="0" y="0" width="640.0""#)
        );
        assert!(progress("p", "承诺", 0.0001, "0%").contains(r#"width="3.0""#));
        assert!(
            progress("p", "承诺", 0.0, "0%").contains(r#"class="bar s3" x="0" y="0" width="0.0""#)
        );
        assert!(progress("p", "a<b", f64::NAN, "?").contains("a&#60;b"));
    }

    #[test]
    fn stacked_parts_add_up_to_the_row() {
        let svg = stacked_rows(
            "s",
            "领域",
            &["草稿".into(), "已发布".into()],
            &[("城市治理".into(), vec![1, 3]), ("其他".into(), vec![0, 2])],
        );
        // The longest row (4) spans 330; its parts are 82.5 and 247.5; "其他" has one part.
        assert!(svg.contains(r#"width="82.5""#) && svg.contains(r#"width="247.5""#));
        assert!(svg.contains(r#"width="165.0""#));
        assert_eq!(svg.matches("<title>").count(), 3, "one tooltip per part");
        assert!(svg.contains("城市治理: 草稿 1, 已发布 3; 其他: 已发布 2"));
    }
}
