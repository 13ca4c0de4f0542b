//! Challenges (质疑) to an award: the periods, counted in working days of the
//! [`WorkCalendar`], and the checks of what a bidder and the owner write. China's procurement
//! rules give bidders 7 working days from the award notice to challenge it, and the owner 7
//! working days to answer; the owner is reminded on the 5th and the 7th.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::bid::{Attachment, BidId};
use crate::error::{Error, Result};
use crate::ids::{ChallengeId, OrganizationId, UserId};
use crate::message::Message;
use crate::scenario::{Scenario, ScenarioId, Status};
use crate::workdays::WorkCalendar;

/// Working days a bidder has to challenge an award, from the award notice.
pub const FILING_DAYS: u32 = 7;
/// Working days the owner has to answer, from the challenge.
pub const ANSWER_DAYS: u32 = 7;
/// The longest reasons and answer.
pub const MAX_TEXT: usize = 5000;

/// The most PDFs one challenge carries.
pub const MAX_ATTACHMENTS: usize = crate::bid::MAX_ATTACHMENTS;

/// A bidder's challenge to one award, with the owner's answer once given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Challenge {
    pub id: ChallengeId,
    pub scenario: ScenarioId,
    /// The challenging bidder.
    pub vendor: OrganizationId,
    pub filed_by: UserId,
    /// The award challenged: its bid and time (after an upheld challenge a new award may be
    /// made, and challenged anew).
    pub award_bid: BidId,
    pub award_at: DateTime<Utc>,
    pub reasons: String,
    pub filed_at: DateTime<Utc>,
    /// When the owner's answer is due (exclusive).
    pub answer_due: DateTime<Utc>,
    pub answer: Option<Answer>,
    pub attachments: Vec<Attachment>,
}

/// The owner's answer to a challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub decision: Decision,
    pub body: String,
    pub answered_by: UserId,
    pub answered_at: DateTime<Utc>,
}

impl Challenge {
    pub fn is_open(&self) -> bool {
        self.answer.is_none()
    }

    /// Still unanswered when the answer was due.
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        self.is_open() && now >= self.answer_due
    }

    /// Who may read it: [`crate::policy::can_read_challenge`].
    pub fn visible_to(&self, viewer_org: Option<OrganizationId>, owner: OrganizationId) -> bool {
        crate::policy::can_read_challenge(viewer_org, owner, self.vendor, !self.is_open())
    }

    /// Whether it challenges the award `a` (times compared to the millisecond, as stored).
    pub fn targets(&self, a: &crate::scenario::Award) -> bool {
        self.award_bid == a.bid && same_ms(self.award_at, a.at)
    }
}

fn same_ms(a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
    a.timestamp_millis() == b.timestamp_millis()
}

/// Why a challenge cannot be filed: the checks of [`check_filing`], in the order made.
fn period_over(closes: DateTime<Utc>) -> Error {
    Error::Conflict {
        code: "challenge_period_over",
        detail: Message::new(
            format!("质疑期已于北京时间 {} 结束", crate::beijing::minute(closes)),
            format!(
                "the period to challenge this award ended at {} (Beijing time)",
                crate::beijing::minute(closes)
            ),
        ),
    }
}

/// Whether the bidder `org` (with a bid in force on `s`: `bidder`) may challenge the award of
/// `s` at `now`, given the challenges already filed. Hands back when the answer will be due.
pub fn check_filing(
    cal: &WorkCalendar,
    s: &Scenario,
    org: Option<OrganizationId>,
    bidder: bool,
    winner: bool,
    filed: &[Challenge],
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>> {
    let Some(award) = &s.award else {
        return Err(Error::Conflict {
            code: "not_awarded",
            detail: Message::new(
                "只能对已公布的中标结果提出质疑",
                "only a published award can be challenged",
            ),
        });
    };
    crate::policy::can_challenge(bidder && org.is_some(), winner)?;
    let closes = filing_closes(cal, award.at);
    if s.status != Status::Awarded || !may_file(cal, award.at, now) {
        return Err(period_over(closes));
    }
    if filed
        .iter()
        .any(|c| Some(c.vendor) == org && c.targets(award))
    {
        return Err(already_challenged());
    }
    Ok(answer_due(cal, now))
}

/// A bidder's second challenge to one award.
pub fn already_challenged() -> Error {
    Error::Conflict {
        code: "already_challenged",
        detail: Message::new(
            "对同一中标结果的质疑应一次性提出，贵方已提出过",
            "a bidder challenges one award once, with all its reasons; yours is filed",
        ),
    }
}

/// The owner's decision and answer text, checked; every bad part is named.
pub fn answer_input(decision: &str, body: &str) -> Result<(Decision, String)> {
    match (Decision::parse(decision), check_text("body", body)) {
        (Ok(d), Ok(b)) => Ok((d, b)),
        (d, b) => Err(Error::Validation(
            [d.err(), b.err()]
                .into_iter()
                .flatten()
                .flat_map(|e| match e {
                    Error::Validation(v) => v,
                    _ => vec![],
                })
                .collect(),
        )),
    }
}

/// Whether the awarded work may be marked delivered at `now`: not while the period to
/// challenge the award runs, nor while any challenge waits for its answer.
pub fn check_delivery(
    cal: &WorkCalendar,
    award_at: DateTime<Utc>,
    challenges: &[Challenge],
    now: DateTime<Utc>,
) -> Result<()> {
    if challenges.iter().any(Challenge::is_open) {
        return Err(Error::Conflict {
            code: "challenge_open",
            detail: Message::new(
                "有质疑尚未答复，答复后方可确认交付",
                "a challenge waits for its answer: answer it before marking delivery",
            ),
        });
    }
    let closes = filing_closes(cal, award_at);
    if now < closes {
        return Err(Error::Conflict {
            code: "challenge_period",
            detail: Message::new(
                format!(
                    "质疑期至北京时间 {} 结束，期满后方可确认交付",
                    crate::beijing::minute(closes)
                ),
                format!(
                    "bidders may challenge the award until {} (Beijing time); delivery is marked after that",
                    crate::beijing::minute(closes)
                ),
            ),
        });
    }
    Ok(())
}

/// Whether the owner may still answer `c` (once).
pub fn check_answer(c: &Challenge) -> Result<()> {
    if c.is_open() {
        Ok(())
    } else {
        Err(already_answered())
    }
}

pub fn already_answered() -> Error {
    Error::Conflict {
        code: "already_answered",
        detail: Message::new("该质疑已答复", "this challenge is answered already"),
    }
}

/// Whether upholding `c` withdraws the award of `s`: the award it challenged still stands.
pub fn withdraws_award(c: &Challenge, s: &Scenario) -> bool {
    s.status == Status::Awarded && s.award.as_ref().is_some_and(|a| c.targets(a))
}

/// The owner's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
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

    fn awarded(at_: DateTime<Utc>) -> Scenario {
        use crate::scenario::{Award, Origin, ProcurementType};
        Scenario {
            id: ScenarioId(1),
            owner: OrganizationId(10),
            created_by: UserId(1),
            title: "t".into(),
            summary: "s".into(),
            description: "d".into(),
            domain: crate::sector::Sector::Other,
            tags: vec![],
            budget_min_fen: 1,
            budget_max_fen: 2,
            bid_deadline: at_ - chrono::Duration::days(3),
            price_weight: 100,
            procurement_type: ProcurementType::Services,
            criteria: vec![],
            status: Status::Awarded,
            origin: Origin::Platform,
            cancel_reason: None,
            published_at: Some(at_ - chrono::Duration::days(20)),
            created_at: at_,
            updated_at: at_,
            award: Some(Award {
                bid: BidId(7),
                at: at_,
                justification: None,
            }),
        }
    }

    fn filed(s: &Scenario, vendor: i64, when: DateTime<Utc>) -> Challenge {
        let a = s.award.as_ref().unwrap();
        Challenge {
            id: ChallengeId(vendor * 100),
            scenario: s.id,
            vendor: OrganizationId(vendor),
            filed_by: UserId(vendor),
            award_bid: a.bid,
            award_at: a.at,
            reasons: "r".into(),
            filed_at: when,
            answer_due: answer_due(&WorkCalendar::builtin(), when),
            answer: None,
            attachments: vec![],
        }
    }

    fn code(r: Result<impl std::fmt::Debug>) -> String {
        match r {
            Ok(_) => "ok".into(),
            Err(Error::Conflict { code, .. }) => code.into(),
            Err(Error::Forbidden(_)) => "forbidden".into(),
            Err(e) => format!("{e:?}"),
        }
    }

    #[test]
    fn a_losing_bidder_files_once_within_the_period_and_nobody_else() {
        let cal = WorkCalendar::builtin();
        let awarded_at = at("2026-09-30T15:00:00+08:00");
        let s = awarded(awarded_at);
        let during = at("2026-10-08T09:00:00+08:00");
        let file = |org: Option<i64>, bidder, winner, filed: &[Challenge], now| {
            code(check_filing(
                &cal,
                &s,
                org.map(OrganizationId),
                bidder,
                winner,
                filed,
                now,
            ))
        };
        assert_eq!(file(Some(2), true, false, &[], during), "ok");
        assert_eq!(
            check_filing(&cal, &s, Some(OrganizationId(2)), true, false, &[], during).unwrap(),
            at("2026-10-17T00:00:00+08:00"),
            "7 working days from 8 October: 8, 9, 10 (a make-up Saturday), 12, 13, 14, 15, 16"
        );
        assert_eq!(file(Some(3), false, false, &[], during), "forbidden");
        assert_eq!(file(None, false, false, &[], during), "forbidden");
        assert_eq!(file(Some(4), true, true, &[], during), "forbidden");
        let mine = filed(&s, 2, during);
        assert_eq!(
            file(Some(2), true, false, std::slice::from_ref(&mine), during),
            "already_challenged"
        );
        assert_eq!(
            file(Some(5), true, false, std::slice::from_ref(&mine), during),
            "ok",
            "another bidder's challenge is its own"
        );
        assert_eq!(
            file(Some(2), true, false, &[], at("2026-10-16T00:00:00+08:00")),
            "challenge_period_over"
        );
        let mut delivered = s.clone();
        delivered.status = Status::Delivered;
        assert_eq!(
            code(check_filing(
                &cal,
                &delivered,
                Some(OrganizationId(2)),
                true,
                false,
                &[],
                during
            )),
            "challenge_period_over"
        );
        let mut none = s.clone();
        none.award = None;
        none.status = Status::Evaluating;
        assert_eq!(
            code(check_filing(
                &cal,
                &none,
                Some(OrganizationId(2)),
                true,
                false,
                &[],
                during
            )),
            "not_awarded"
        );
    }

    #[test]
    fn delivery_waits_for_the_period_and_for_every_answer() {
        let cal = WorkCalendar::builtin();
        let awarded_at = at("2026-09-30T15:00:00+08:00");
        let s = awarded(awarded_at);
        let closes = filing_closes(&cal, awarded_at);
        let just_before = closes - chrono::Duration::seconds(1);
        assert_eq!(
            code(check_delivery(&cal, awarded_at, &[], just_before)),
            "challenge_period"
        );
        assert_eq!(code(check_delivery(&cal, awarded_at, &[], closes)), "ok");
        let mut c = filed(&s, 2, at("2026-10-09T10:00:00+08:00"));
        assert_eq!(
            code(check_delivery(
                &cal,
                awarded_at,
                std::slice::from_ref(&c),
                closes
            )),
            "challenge_open"
        );
        assert!(c.overdue(at("2026-10-20T00:00:00+08:00")));
        assert!(!c.overdue(at("2026-10-19T23:59:59+08:00")));
        assert!(!c.visible_to(None, s.owner), "open: not the public's");
        assert!(!c.visible_to(Some(OrganizationId(3)), s.owner));
        assert!(c.visible_to(Some(OrganizationId(2)), s.owner));
        assert!(c.visible_to(Some(s.owner), s.owner));
        assert!(withdraws_award(&c, &s));
        c.answer = Some(Answer {
            decision: Decision::Rejected,
            body: "b".into(),
            answered_by: UserId(1),
            answered_at: closes,
        });
        assert_eq!(code(check_answer(&c)), "already_answered");
        assert!(c.visible_to(None, s.owner), "answered: public");
        assert!(!c.overdue(at("2027-01-01T00:00:00+08:00")));
        assert_eq!(
            code(check_delivery(
                &cal,
                awarded_at,
                std::slice::from_ref(&c),
                closes
            )),
            "ok"
        );
        // A new award after a withdrawal is not the one this challenge named.
        let mut again = s.clone();
        again.award.as_mut().unwrap().at = awarded_at + chrono::Duration::days(20);
        assert!(!withdraws_award(&c, &again));
        let mut evaluating = s.clone();
        evaluating.status = Status::Evaluating;
        assert!(!withdraws_award(&c, &evaluating));
    }

    #[test]
    fn decisions_and_texts_are_checked() {
        assert_eq!(Decision::parse(" upheld ").unwrap(), Decision::Upheld);
        assert_eq!(Decision::parse("rejected").unwrap().code(), "rejected");
        assert!(
            matches!(Decision::parse("maybe"), Err(Error::Validation(e)) if e[0].field == "decision")
        );
        let both = answer_input("maybe", " ");
        assert!(
            matches!(&both, Err(Error::Validation(e)) if e.iter().map(|f| f.field.as_str()).collect::<Vec<_>>() == ["decision", "body"]),
            "{both:?}"
        );
        assert_eq!(
            answer_input("upheld", " 成立 ").unwrap(),
            (Decision::Upheld, "成立".to_string())
        );
        assert_eq!(check_text("reasons", "  评分有误  ").unwrap(), "评分有误");
        assert!(check_text("reasons", "   ").is_err());
        assert!(check_text("body", &"字".repeat(MAX_TEXT)).is_ok());
        assert!(
            matches!(check_text("body", &"字".repeat(MAX_TEXT + 1)), Err(Error::Validation(e)) if e[0].field == "body")
        );
    }
}
