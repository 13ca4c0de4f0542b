//! Challenges (质疑) to an award: the periods, counted in working days of the
//! [`WorkCalendar`], and the checks of what a bidder and the owner write. China's procurement
//! rules give bidders 7 working days from the award notice to challenge it, and the owner 7
//! working days to answer; the owner is reminded on the 5th and the 7th.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::message::Message;
use crate::workdays::WorkCalendar;

/// Working days a bidder has to challenge an award, from the award notice.
pub const FILING_DAYS: u32 = 7;
/// Working days the owner has to answer, from the challenge.
pub const ANSWER_DAYS: u32 = 7;
/// The longest reasons and answer.
pub const MAX_TEXT: usize = 5000;

/// The owner's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The challenge stands: the award is withdrawn and the bids are evaluated again.
    Upheld,
    Rejected,
}

impl Decision {
    pub fn parse(s: &str) -> Result<Decision> {
        match s.trim() {
            "upheld" => Ok(Decision::Upheld),
            "rejected" => Ok(Decision::Rejected),
            _ => Err(Error::field(
                "decision",
                Message::new(
                    "应为 upheld（成立）或 rejected（驳回）",
                    "decision is upheld or rejected",
                ),
            )),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Decision::Upheld => "upheld",
            Decision::Rejected => "rejected",
        }
    }
}

/// When the period to challenge an award made at `awarded_at` ends (exclusive).
pub fn filing_closes(cal: &WorkCalendar, awarded_at: DateTime<Utc>) -> DateTime<Utc> {
    cal.end_of_working_days(awarded_at, FILING_DAYS)
}

/// Whether a challenge may still be filed at `now`.
pub fn may_file(cal: &WorkCalendar, awarded_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now >= awarded_at && now < filing_closes(cal, awarded_at)
}

/// When the owner's answer to a challenge filed at `filed_at` is due (exclusive).
pub fn answer_due(cal: &WorkCalendar, filed_at: DateTime<Utc>) -> DateTime<Utc> {
    cal.end_of_working_days(filed_at, ANSWER_DAYS)
}

/// When the owner is reminded: at the start of the 5th and of the 7th (last) working day.
pub fn reminders(cal: &WorkCalendar, filed_at: DateTime<Utc>) -> [DateTime<Utc>; 2] {
    [
        cal.start_of_working_day(filed_at, 5),
        cal.start_of_working_day(filed_at, ANSWER_DAYS),
    ]
}

/// Trimmed text of 1 to [`MAX_TEXT`] characters, or the error naming `field`.
pub fn check_text(field: &str, text: &str) -> Result<String> {
    let t = text.trim();
    let n = t.chars().count();
    if n == 0 || n > MAX_TEXT {
        return Err(Error::field(
            field,
            Message::new("请填写 1 到 5000 个字", "write 1 to 5000 characters"),
        ));
    }
    Ok(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_timeline_across_the_national_day_holiday() {
        let cal = WorkCalendar::builtin();
        // Awarded on Wednesday 30 September 2026, 15:00 Beijing.
        let awarded = at("2026-09-30T15:00:00+08:00");
        assert_eq!(
            filing_closes(&cal, awarded),
            at("2026-10-16T00:00:00+08:00")
        );
        assert!(
            may_file(&cal, awarded, at("2026-10-07T12:00:00+08:00")),
            "a holiday counts no day"
        );
        assert!(may_file(&cal, awarded, at("2026-10-15T23:59:59+08:00")));
        assert!(
            !may_file(&cal, awarded, at("2026-10-16T00:00:00+08:00")),
            "closed to the second"
        );
        assert!(
            !may_file(&cal, awarded, at("2026-09-30T14:59:00+08:00")),
            "not before the award"
        );
        // Filed on Friday 9 October: 10 (Saturday, a workday), 12, 13, 14, 15 (5th), 16, 19 (7th).
        let filed = at("2026-10-09T10:00:00+08:00");
        assert_eq!(answer_due(&cal, filed), at("2026-10-20T00:00:00+08:00"));
        assert_eq!(
            reminders(&cal, filed),
            [
                at("2026-10-15T00:00:00+08:00"),
                at("2026-10-19T00:00:00+08:00")
            ]
        );
    }

    #[test]
    fn decisions_and_texts_are_checked() {
        assert_eq!(Decision::parse(" upheld ").unwrap(), Decision::Upheld);
        assert_eq!(Decision::parse("rejected").unwrap().code(), "rejected");
        assert!(
            matches!(Decision::parse("maybe"), Err(Error::Validation(e)) if e[0].field == "decision")
        );
        assert_eq!(check_text("reasons", "  评分有误  ").unwrap(), "评分有误");
        assert!(check_text("reasons", "   ").is_err());
        assert!(check_text("body", &"字".repeat(MAX_TEXT)).is_ok());
        assert!(
            matches!(check_text("body", &"字".repeat(MAX_TEXT + 1)), Err(Error::Validation(e)) if e[0].field == "body")
        );
    }
}
