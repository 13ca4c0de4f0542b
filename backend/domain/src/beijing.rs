//! Beijing time (UTC+8, no daylight saving): the one clock the market reads. Times are stored
//! in UTC; every page, e-mail, notification text, period counted in days and daily digest
//! reads them through here.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};

/// The offset of Beijing time.
pub fn offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// An instant as Beijing time, to the minute (`2026-12-31 17:00`).
pub fn minute(t: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    // Written directly: chrono's `format` reads its format string again on every call, and a
    // page of scenarios shows twenty of these.
    let b = t.with_timezone(&offset());
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        b.year(),
        b.month(),
        b.day(),
        b.hour(),
        b.minute()
    )
}

/// The Beijing date of an instant (`2026-12-31`).
pub fn day(t: DateTime<Utc>) -> String {
    date(t).format("%Y-%m-%d").to_string()
}

/// The Beijing calendar date of an instant.
pub fn date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&offset()).date_naive()
}

/// The end of a period in Beijing time: a period that ends at midnight reads as the day
/// before at 24:00 (`2026-10-15 24:00`), as people say it.
pub fn period_end(t: DateTime<Utc>) -> String {
    let local = t.with_timezone(&offset());
    if local.format("%H:%M:%S").to_string() == "00:00:00" {
        let day = local.date_naive().pred_opt().unwrap_or(local.date_naive());
        format!("{} 24:00", day.format("%Y-%m-%d"))
    } else {
        local.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// The instant of `hour`:00 Beijing time on the Beijing date `day`.
pub fn at_hour(day: NaiveDate, hour: u32) -> DateTime<Utc> {
    let local = day
        .and_hms_opt(hour.min(23), 0, 0)
        .expect("an hour below 24 is a valid time");
    offset()
        .from_local_datetime(&local)
        .single()
        .expect("a fixed offset is never ambiguous")
        .with_timezone(&Utc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn beijing_time_is_eight_hours_ahead_of_utc() {
        assert_eq!(minute(t("2026-12-31T09:00:00Z")), "2026-12-31 17:00");
        assert_eq!(day(t("2026-12-01T16:00:00Z")), "2026-12-02");
        assert_eq!(day(t("2026-12-01T15:59:59Z")), "2026-12-01");
        let d = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert_eq!(at_hour(d, 8), t("2026-12-02T00:00:00Z"));
    }

    #[test]
    fn a_period_ending_at_midnight_reads_as_24_00_of_the_day_before() {
        assert_eq!(
            period_end(t("2026-10-16T00:00:00+08:00")),
            "2026-10-15 24:00"
        );
        assert_eq!(
            period_end(t("2026-10-16T09:30:00+08:00")),
            "2026-10-16 09:30"
        );
    }
}
