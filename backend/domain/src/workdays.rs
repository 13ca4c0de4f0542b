//! Working days in China: Monday to Friday, less the public holidays, plus the make-up
//! workdays on weekends, from an editable data file (`data/workdays.txt`, replaced by the
//! operator's with the setting `market.workdays_file`). Periods such as the 7 working days to
//! challenge an award count whole Beijing days after the day they start on.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};

/// The working-day calendar.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WorkCalendar {
    off: BTreeSet<NaiveDate>,
    work: BTreeSet<NaiveDate>,
}

impl WorkCalendar {
    /// The calendar of the built-in data file.
    pub fn builtin() -> WorkCalendar {
        Self::parse(include_str!("../data/workdays.txt")).expect("the built-in calendar parses")
    }

    /// Reads `YYYY-MM-DD off|work [label]` lines (`#` starts a comment); a bad line is named.
    pub fn parse(text: &str) -> Result<WorkCalendar, String> {
        let mut cal = WorkCalendar::default();
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let mut parts = line.split_whitespace();
            let (date, kind) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let d = NaiveDate::parse_from_str(date, "%Y-%m-%d")
                .map_err(|_| format!("line {}: {date:?} is not a YYYY-MM-DD date", i + 1))?;
            let fresh = match kind {
                "off" => !cal.work.contains(&d) && cal.off.insert(d),
                "work" => !cal.off.contains(&d) && cal.work.insert(d),
                other => {
                    return Err(format!(
                        "line {}: {other:?} is neither `off` nor `work`",
                        i + 1
                    ));
                }
            };
            if !fresh {
                return Err(format!("line {}: {date} is listed twice", i + 1));
            }
        }
        Ok(cal)
    }

    /// Whether `d` is a working day.
    pub fn is_workday(&self, d: NaiveDate) -> bool {
        if self.work.contains(&d) {
            return true;
        }
        if self.off.contains(&d) {
            return false;
        }
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// The instant a period of `n` working days that starts at `start` ends: midnight (Beijing
    /// time) after the `n`th working day following the day of `start`. The day of `start`
    /// itself does not count.
    pub fn end_of_working_days(&self, start: DateTime<Utc>, n: u32) -> DateTime<Utc> {
        let tz = crate::beijing::offset();
        let mut day = start.with_timezone(&tz).date_naive();
        let mut left = n;
        while left > 0 {
            day += Duration::days(1);
            if self.is_workday(day) {
                left -= 1;
            }
        }
        (day + Duration::days(1))
            .and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(tz).single())
            .map(|t| t.with_timezone(&Utc))
            .expect("midnight exists in Beijing time")
    }

    /// The instant the `n`th working day after the day of `start` begins (midnight, Beijing).
    pub fn start_of_working_day(&self, start: DateTime<Utc>, n: u32) -> DateTime<Utc> {
        let end = self.end_of_working_days(start, n.max(1));
        end - Duration::days(1)
    }

    /// How many whole working days have passed since `start` by `now` (the day of `start` not
    /// counted, today counted once it is over).
    pub fn working_days_between(&self, start: DateTime<Utc>, now: DateTime<Utc>) -> u32 {
        let tz = crate::beijing::offset();
        let (from, to) = (
            start.with_timezone(&tz).date_naive(),
            now.with_timezone(&tz).date_naive(),
        );
        let mut n = 0;
        let mut d = from + Duration::days(1);
        while d < to {
            if self.is_workday(d) {
                n += 1;
            }
            d += Duration::days(1);
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn beijing(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn holidays_and_make_up_days_come_from_the_file() {
        let c = WorkCalendar::builtin();
        assert!(!c.is_workday(day("2026-10-01")), "National Day");
        assert!(c.is_workday(day("2026-10-10")), "a Saturday made a workday");
        assert!(!c.is_workday(day("2026-10-11")), "an ordinary Sunday");
        assert!(c.is_workday(day("2026-10-09")), "an ordinary Friday");
        assert!(c.is_workday(day("2026-02-14")) && !c.is_workday(day("2026-02-16")));
    }

    #[test]
    fn seven_working_days_across_the_national_day_holiday() {
        let c = WorkCalendar::builtin();
        // Awarded on Wednesday 30 September at 15:00 Beijing: 8, 9, 10 (Saturday, made a
        // workday), 12, 13, 14, 15 October; the period ends at midnight after the 15th.
        let awarded = beijing("2026-09-30T15:00:00+08:00");
        assert_eq!(
            c.end_of_working_days(awarded, 7),
            beijing("2026-10-16T00:00:00+08:00")
        );
        // Late in the evening is still the same day.
        assert_eq!(
            c.end_of_working_days(beijing("2026-09-30T23:59:00+08:00"), 7),
            beijing("2026-10-16T00:00:00+08:00")
        );
        // Across the Spring Festival: 14 February (Saturday, a workday), 24–28, 2 March.
        assert_eq!(
            c.end_of_working_days(beijing("2026-02-13T10:00:00+08:00"), 7),
            beijing("2026-03-03T00:00:00+08:00")
        );
        assert_eq!(
            c.working_days_between(awarded, beijing("2026-10-14T09:00:00+08:00")),
            5,
            "8, 9, 10, 12 and 13 October are over"
        );
    }

    #[test]
    fn a_bad_file_is_named_by_its_line() {
        assert!(
            WorkCalendar::parse("2026-13-01 off x")
                .unwrap_err()
                .starts_with("line 1")
        );
        assert!(
            WorkCalendar::parse("# c\n2026-10-01 holiday")
                .unwrap_err()
                .starts_with("line 2")
        );
        assert!(
            WorkCalendar::parse("2026-10-01 off\n2026-10-01 work")
                .unwrap_err()
                .contains("twice")
        );
        let c = WorkCalendar::parse("2026-10-10 work 调休 # note\n\n").unwrap();
        assert!(c.is_workday(day("2026-10-10")));
    }
}
