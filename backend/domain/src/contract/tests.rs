use super::*;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn beijing(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn plan(title: &str, due: &str, share: u8) -> MilestonePlan {
    MilestonePlan {
        title: title.into(),
        due_on: day(due),
        share_pct: share,
    }
}

fn terms(milestones: Vec<MilestonePlan>) -> Terms {
    Terms {
        value_fen: 50_000_000,
        signed_on: day("2026-09-28"),
        term_days: 90,
        milestones,
    }
}

fn fields(r: Result<()>) -> Vec<String> {
    match r {
        Err(Error::Validation(errs)) => errs.into_iter().map(|e| e.field).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn terms_with_a_schedule_that_sums_to_100_pass() {
    let t = terms(vec![
        plan("数据治理与标注", "2026-10-30", 30),
        plan("模型上线", "2026-12-27", 70),
    ]);
    assert!(t.check(day("2026-09-25"), day("2026-09-30")).is_ok());
    assert_eq!(t.ends_on(), day("2026-12-27"));
    assert_eq!(t.schedule().len(), 2);
}

#[test]
fn every_bad_field_is_named() {
    let mut t = terms(vec![
        plan("", "2026-10-30", 30),
        plan("模型上线", "2027-01-30", 0),
    ]);
    t.value_fen = 0;
    t.term_days = 0;
    let named = fields(t.check(day("2026-09-25"), day("2026-09-30")));
    assert_eq!(
        named,
        [
            "value_fen",
            "term_days",
            "milestones[0].title",
            // With a term of 0 days every due date after the signing is outside it.
            "milestones[0].due_on",
            "milestones[1].due_on",
            "milestones[1].share_pct",
            "milestones",
        ]
    );
}

#[test]
fn shares_must_sum_to_100() {
    let t = terms(vec![
        plan("一期", "2026-10-30", 30),
        plan("二期", "2026-11-30", 60),
    ]);
    assert_eq!(
        fields(t.check(day("2026-09-25"), day("2026-09-30"))),
        ["milestones"]
    );
}

#[test]
fn the_signing_date_lies_between_the_award_and_today() {
    let t = terms(vec![]);
    assert_eq!(
        fields(t.check(day("2026-09-29"), day("2026-09-30"))),
        ["signed_on"],
        "signed before the award"
    );
    assert_eq!(
        fields(t.check(day("2026-09-20"), day("2026-09-27"))),
        ["signed_on"],
        "signed in the future"
    );
}

#[test]
fn no_schedule_is_one_milestone_of_the_whole_term() {
    let t = terms(vec![]);
    assert!(t.check(day("2026-09-25"), day("2026-09-30")).is_ok());
    let s = t.schedule();
    assert_eq!(s.len(), 1);
    assert_eq!((s[0].share_pct, s[0].due_on), (100, day("2026-12-27")));
}

#[test]
fn amounts_sum_to_the_value_exactly() {
    assert_eq!(amounts(100_001, &[33, 33, 34]), [33_000, 33_000, 34_001]);
    assert_eq!(amounts(999, &[50, 50]), [499, 500]);
    assert_eq!(amounts(50_000_000, &[100]), [50_000_000]);
    assert!(amounts(1, &[]).is_empty());
    for value in [1, 7, 99, 12_345_678] {
        let a = amounts(value, &[10, 20, 30, 40]);
        assert_eq!(a.iter().sum::<i64>(), value);
    }
}

#[test]
fn the_contract_notice_is_due_two_working_days_after_signing_across_a_holiday() {
    let cal = WorkCalendar::builtin();
    // Signed on Wednesday 30 September 2026: 1–7 October are the National Day holiday, so
    // the two working days are Thursday 8 and Friday 9 October.
    let signed = day("2026-09-30");
    assert_eq!(
        notice_due(&cal, signed),
        beijing("2026-10-10T00:00:00+08:00")
    );
    assert!(!notice_late(
        &cal,
        signed,
        beijing("2026-10-09T23:59:00+08:00")
    ));
    assert!(notice_late(
        &cal,
        signed,
        beijing("2026-10-10T00:00:00+08:00")
    ));
    // An ordinary week: signed on Monday, due by the end of Wednesday.
    assert_eq!(
        notice_due(&cal, day("2026-11-02")),
        beijing("2026-11-05T00:00:00+08:00")
    );
}

#[test]
fn payment_is_due_30_calendar_days_after_acceptance_holidays_included() {
    // Accepted on 20 September: the 30 days run through the National Day holiday.
    assert_eq!(payment_due(day("2026-09-20")), day("2026-10-20"));
    let owed = Owed {
        amount_fen: 1_000,
        accepted_on: day("2026-09-20"),
        payments: vec![],
    };
    assert!(!owed.overdue(day("2026-10-20")), "the last day itself");
    assert!(owed.overdue(day("2026-10-21")));
}

#[test]
fn a_review_is_due_within_its_working_days() {
    let cal = WorkCalendar::builtin();
    assert_eq!(
        review_due(&cal, beijing("2026-09-30T16:00:00+08:00"), 5),
        beijing("2026-10-14T00:00:00+08:00"),
        "8, 9, 10 (a make-up Saturday), 12 and 13 October"
    );
}

#[test]
fn milestones_move_only_forward() {
    use MilestoneStatus::*;
    assert!(Pending.check_submit().is_ok());
    assert!(
        Returned.check_submit().is_ok(),
        "a returned one is resubmitted"
    );
    assert!(Submitted.check_submit().is_err());
    assert!(Accepted.check_submit().is_err());
    assert!(Submitted.check_review().is_ok());
    for s in [Pending, Returned, Accepted] {
        assert!(s.check_review().is_err(), "{s:?}");
    }
    for s in [Pending, Submitted, Accepted, Returned] {
        assert_eq!(MilestoneStatus::parse(s.code()), Some(s));
    }
    assert_eq!(MilestoneStatus::parse("paid"), None);
}

#[test]
fn paid_in_full_counts_reversals() {
    let owed = Owed {
        amount_fen: 1_000,
        accepted_on: day("2026-10-01"),
        payments: vec![
            (day("2026-10-05"), 1_000),
            // A wrong entry reversed: not paid in full until the 12th.
            (day("2026-10-06"), -1_000),
            (day("2026-10-12"), 400),
            (day("2026-10-15"), 600),
        ],
    };
    assert_eq!(owed.paid_fen(), 1_000);
    assert_eq!(owed.paid_in_full_on(), Some(day("2026-10-15")));
    assert!(!owed.overdue(day("2026-12-01")));
}

#[test]
fn an_agencys_record_from_its_milestones() {
    let accepted =
        |review_due: &str, at: &str, on: &str, amount, payments: Vec<(&str, i64)>| Reviewed {
            review_due: beijing(review_due),
            accepted_at: beijing(at),
            owed: Owed {
                amount_fen: amount,
                accepted_on: day(on),
                payments: payments.into_iter().map(|(d, a)| (day(d), a)).collect(),
            },
        };
    let ms = [
        // On time, paid after 10 days.
        accepted(
            "2026-10-10T00:00:00+08:00",
            "2026-10-09T10:00:00+08:00",
            "2026-10-09",
            500,
            vec![("2026-10-19", 500)],
        ),
        // Late, paid after 40 days.
        accepted(
            "2026-10-10T00:00:00+08:00",
            "2026-10-12T10:00:00+08:00",
            "2026-10-12",
            500,
            vec![("2026-11-21", 500)],
        ),
        // On time, half paid, and 30 days are over by 1 December: overdue.
        accepted(
            "2026-10-30T00:00:00+08:00",
            "2026-10-20T10:00:00+08:00",
            "2026-10-20",
            800,
            vec![("2026-10-25", 400)],
        ),
        // On time, unpaid but still within its 30 days.
        accepted(
            "2026-11-30T00:00:00+08:00",
            "2026-11-25T10:00:00+08:00",
            "2026-11-25",
            800,
            vec![],
        ),
    ];
    let r = record(2, &ms, day("2026-12-01"));
    assert_eq!(r.contracts, 2);
    assert_eq!(r.milestones_accepted_on_time_pct, Some(75.0));
    assert_eq!(r.median_days_to_pay, Some(25.0), "10 and 40 days");
    assert_eq!(r.overdue_now, 1);
    let none = record(0, &[], day("2026-12-01"));
    assert_eq!(
        (
            none.milestones_accepted_on_time_pct,
            none.median_days_to_pay
        ),
        (None, None)
    );
}
