use super::*;
use crate::bid::BidId;
use crate::ids::{ContractId, MilestoneId, OrganizationId, PaymentId, UserId};
use crate::scenario::ScenarioId;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

const BUYER: OrganizationId = OrganizationId(1);
const VENDOR: OrganizationId = OrganizationId(2);

fn milestone(id: i64, share: u8, amount: i64, status: MilestoneStatus) -> Milestone {
    let accepted = status == MilestoneStatus::Accepted;
    Milestone {
        id: MilestoneId(id),
        contract: ContractId(9),
        position: id as i32,
        title: format!("第{id}期"),
        due_on: day("2026-11-30"),
        share_pct: share,
        amount_fen: amount,
        status,
        accepted_at: accepted.then(|| at("2026-11-02T10:00:00+08:00")),
        voided: false,
        submissions: vec![Submission {
            id: 100 + id,
            milestone: MilestoneId(id),
            note: "交付说明".into(),
            by: UserId(5),
            at: at("2026-11-01T10:00:00+08:00"),
            review_due: at("2026-11-11T00:00:00+08:00"),
            review: accepted.then(|| Review {
                accepted: true,
                text: "合格".into(),
                by: UserId(4),
                at: at("2026-11-02T10:00:00+08:00"),
            }),
        }],
    }
}

/// A published contract of 1,000 yuan: milestone 1 (40%) accepted, 2 (60%) pending.
fn contract() -> Contract {
    Contract {
        id: ContractId(9),
        scenario: ScenarioId(3),
        award_bid: BidId(7),
        vendor: VENDOR,
        buyer: BUYER,
        value_fen: 100_000,
        signed_on: day("2026-10-08"),
        term_days: 90,
        implicit: false,
        recorded_by: UserId(4),
        recorded_at: at("2026-10-08T10:00:00+08:00"),
        confirmed_by: Some(UserId(5)),
        confirmed_at: Some(at("2026-10-09T10:00:00+08:00")),
        voided_at: None,
        void_challenge: None,
        milestones: vec![
            milestone(1, 40, 40_000, MilestoneStatus::Accepted),
            milestone(2, 60, 60_000, MilestoneStatus::Pending),
        ],
        payments: vec![],
        amendments: vec![],
        files: vec![],
    }
}

fn paid(c: &mut Contract, id: i64, amount: i64, corrects: Option<i64>) {
    c.payments.push(Payment {
        id: PaymentId(id),
        contract: c.id,
        milestone: MilestoneId(1),
        amount_fen: amount,
        paid_on: day("2026-11-10"),
        corrects: corrects.map(PaymentId),
        recorded_by: UserId(4),
        recorded_at: at("2026-11-10T10:00:00+08:00"),
    });
}

fn field(r: Result<()>) -> String {
    match r {
        Err(Error::Validation(e)) => e[0].field.clone(),
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[test]
fn a_payment_goes_to_an_accepted_milestone_and_never_beyond_what_is_owed() {
    let mut c = contract();
    let today = day("2026-11-20");
    let pay = |c: &Contract, m, amount, on, corrects| {
        c.check_payment(MilestoneId(m), amount, day(on), corrects, today)
    };
    assert!(pay(&c, 1, 40_000, "2026-11-10", None).is_ok());
    assert_eq!(
        field(pay(&c, 2, 100, "2026-11-10", None)),
        "milestone_id",
        "not accepted"
    );
    assert_eq!(
        field(pay(&c, 7, 100, "2026-11-10", None)),
        "milestone_id",
        "not this contract's"
    );
    assert_eq!(field(pay(&c, 1, 40_001, "2026-11-10", None)), "amount_fen");
    assert_eq!(field(pay(&c, 1, 0, "2026-11-10", None)), "amount_fen");
    assert_eq!(
        field(pay(&c, 1, 100, "2026-11-21", None)),
        "paid_on",
        "the future"
    );
    assert_eq!(
        field(pay(&c, 1, 100, "2026-11-01", None)),
        "paid_on",
        "before the acceptance"
    );
    paid(&mut c, 50, 30_000, None);
    assert_eq!(
        field(pay(&c, 1, 10_001, "2026-11-10", None)),
        "amount_fen",
        "10,000 is left"
    );
    assert!(pay(&c, 1, 10_000, "2026-11-10", None).is_ok());
    // A reversing entry reverses one payment, whole, once.
    let p = Some(PaymentId(50));
    assert_eq!(field(pay(&c, 1, -100, "2026-11-10", p)), "amount_fen");
    assert!(pay(&c, 1, -30_000, "2026-11-10", p).is_ok());
    assert_eq!(
        field(pay(&c, 1, -30_000, "2026-11-10", Some(PaymentId(51)))),
        "corrects"
    );
    paid(&mut c, 51, -30_000, Some(50));
    assert_eq!(
        field(pay(&c, 1, -30_000, "2026-11-10", p)),
        "corrects",
        "reversed already"
    );
    assert!(
        pay(&c, 1, 40_000, "2026-11-10", None).is_ok(),
        "owed in full again"
    );
    // Nothing is paid on a voided contract.
    c.voided_at = Some(at("2026-11-15T10:00:00+08:00"));
    assert!(matches!(
        pay(&c, 1, 100, "2026-11-10", None),
        Err(Error::Conflict {
            code: "contract_voided",
            ..
        })
    ));
}

#[test]
fn an_amendment_keeps_shares_at_100_and_accepted_milestones_as_they_are() {
    let c = contract();
    let change = |m, due: Option<&str>, share| Change {
        milestone: MilestoneId(m),
        due_on: due.map(day),
        share_pct: share,
    };
    let moved = c.amended(&[change(2, Some("2026-12-20"), None)]).unwrap();
    assert_eq!(moved[1], (MilestoneId(2), day("2026-12-20"), 60, 60_000));
    let e = c
        .amended(&[change(1, Some("2026-12-20"), None)])
        .unwrap_err();
    assert!(
        matches!(&e, Error::Validation(v) if v[0].field == "milestones[0].id"),
        "{e:?}"
    );
    let e = c.amended(&[change(2, None, Some(50))]).unwrap_err();
    assert!(
        matches!(&e, Error::Validation(v) if v[0].field == "milestones"),
        "sums to 90"
    );
    let e = c
        .amended(&[change(2, Some("2027-03-01"), None)])
        .unwrap_err();
    assert!(
        matches!(&e, Error::Validation(v) if v[0].field == "milestones[0].due_on"),
        "beyond the term"
    );
    assert!(c.amended(&[]).is_err(), "nothing to change");
}

#[test]
fn the_public_reads_no_notes_evidence_or_review_text_and_nothing_before_confirmation() {
    let mut c = contract();
    c.files = [FileKind::Signed, FileKind::Evidence, FileKind::Report]
        .into_iter()
        .enumerate()
        .map(|(i, kind)| ContractFile {
            kind,
            submission: (kind != FileKind::Signed).then_some(101),
            file: crate::bid::Attachment {
                id: i as i64,
                sha256: format!("{i:064}"),
                filename: format!("{i}.pdf"),
                size: 10,
                created_at: at("2026-11-01T10:00:00+08:00"),
            },
        })
        .collect();
    let public = c.public_view();
    let text = serde_json::to_string(&public).unwrap();
    assert!(
        !text.contains("交付说明") && !text.contains("合格"),
        "{text}"
    );
    assert_eq!(public.files.len(), 1);
    assert_eq!(public.files[0].kind, FileKind::Signed);
    assert_eq!(
        public.milestones[0].status,
        MilestoneStatus::Accepted,
        "the status stays"
    );
    assert!(c.visible_to(None));
    c.confirmed_at = None;
    assert!(!c.visible_to(None) && !c.visible_to(Some(OrganizationId(99))));
    assert!(c.visible_to(Some(BUYER)) && c.visible_to(Some(VENDOR)));
    assert_eq!(
        (c.party(Some(BUYER)), c.party(Some(VENDOR)), c.party(None)),
        (Some(true), Some(false), None)
    );
}

#[test]
fn totals_count_published_contracts_late_notices_and_overdue_payments() {
    let cal = WorkCalendar::builtin();
    let mut c = contract();
    let now = at("2026-12-05T10:00:00+08:00");
    let t = totals(std::slice::from_ref(&c), &cal, now, None);
    assert_eq!((t.contracts, t.contracted_fen, t.paid_fen), (1, 100_000, 0));
    assert_eq!(
        t.overdue_now, 1,
        "accepted 2026-11-02, unpaid after 30 days"
    );
    // Signed 2026-10-08 (after the National Day holiday): due by the end of 10-09 (10-10 is a
    // make-up workday, the 2nd); confirmed 10-09: on time.
    assert_eq!(t.late_notices, 0);
    paid(&mut c, 60, 40_000, None);
    let mut late = contract();
    late.id = ContractId(10);
    late.confirmed_at = Some(at("2026-10-12T10:00:00+08:00"));
    let t = totals(&[c.clone(), late], &cal, now, None);
    assert_eq!(
        (t.contracts, t.paid_fen, t.overdue_now, t.late_notices),
        (2, 40_000, 1, 1)
    );
    assert_eq!(
        totals(std::slice::from_ref(&c), &cal, now, Some(2025)).contracts,
        0,
        "signed in 2026"
    );
    c.voided_at = Some(now);
    let t = totals(&[c], &cal, now, None);
    assert_eq!((t.contracts, t.voided), (0, 1));
}

#[test]
fn a_milestone_is_delivered_on_time_when_its_accepted_submission_came_by_its_due_date() {
    let mut m = milestone(1, 100, 100, MilestoneStatus::Accepted);
    assert_eq!(m.delivered_on_time(), Some(true));
    m.due_on = day("2026-10-31");
    assert_eq!(m.delivered_on_time(), Some(false), "submitted 11-01");
    let pending = milestone(2, 100, 100, MilestoneStatus::Pending);
    assert_eq!(pending.delivered_on_time(), None);
}
