//! Property tests for the domain's parsers (generated input, proptest): no parser panics on
//! any text; every code a value writes parses back to that value; the text rules hold for
//! what they accept, and accepting is idempotent. (The credit code and the evaluation rules
//! have their own properties beside them.)

use proptest::prelude::*;

use crate::account::{Email, Locale, OrgKind, Password, Role, parse_name};
use crate::bid::{BidStatus, MAX_FILENAME, parse_filename};
use crate::challenge::Decision;
use crate::email::Unsubscribe;
use crate::evaluation::PanelState;
use crate::matching::EmailPref;
use crate::notification::Kind;
use crate::scenario::parse_time;
use crate::scenario::{Origin, ProcurementType, Status};
use crate::scenario::{parse_body, parse_reason};
use crate::search::ScenarioSort;
use crate::sector::Sector;
use crate::workdays::WorkCalendar;

/// Text from every corner: any characters, and near-misses of real codes and addresses.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z_]{0,20}",
        "[ \t\n]{0,3}[a-z0-9.+-]{0,12}@[a-z0-9.-]{0,12}[ \t\n]{0,3}",
        "[0-9T:Z+.-]{0,30}",
        "(\\PC|[/\\\\\"\u{0}-\u{1f}]){0,140}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_parser_panics_on_any_text(s in text()) {
        let _ = Status::parse(&s);
        let _ = Sector::parse(&s);
        let _ = Kind::parse(&s);
        let _ = ScenarioSort::parse(&s);
        let _ = PanelState::parse(&s);
        let _ = BidStatus::parse(&s);
        let _ = Role::parse(&s);
        let _ = OrgKind::parse(&s);
        let _ = Locale::parse(&s);
        let _ = EmailPref::parse(&s);
        let _ = Unsubscribe::parse(&s);
        let _ = ProcurementType::parse(&s);
        let _ = Origin::parse(&s);
        let _ = Decision::parse(&s);
        let _ = Email::parse(&s);
        let _ = Password::parse(&s);
        let _ = parse_name(&s, 40);
        let _ = parse_filename(&s);
        let _ = parse_time(&s);
        let _ = parse_body(&s, 2000);
        let _ = parse_reason(&s);
        let _ = WorkCalendar::parse(&s);
    }

    #[test]
    fn a_name_is_trimmed_bounded_and_without_control_characters(s in text(), max in 1usize..60) {
        let n = s.trim().chars().count();
        // A name is one line: no control character at all, line breaks and tabs included.
        let hidden = s.trim().chars().any(char::is_control);
        match parse_name(&s, max) {
            Ok(name) => {
                prop_assert_eq!(name.as_str(), s.trim());
                prop_assert!((1..=max).contains(&n) && !hidden);
                prop_assert_eq!(parse_name(&name, max), Ok(name.clone()));
            }
            Err(_) => prop_assert!(n == 0 || n > max || hidden),
        }
    }

    #[test]
    fn an_accepted_email_is_one_address_and_parses_again(s in text()) {
        if let Ok(e) = Email::parse(&s) {
            let a = e.as_str();
            prop_assert!(a.len() <= 254);
            prop_assert!(!a.chars().any(|c| c.is_whitespace() || c.is_control()));
            prop_assert_eq!(a.matches('@').count(), 1);
            prop_assert_eq!(Email::parse(a).map(|again| again.as_str().to_string()), Ok(a.to_string()));
        }
    }

    #[test]
    fn a_password_is_accepted_exactly_within_its_length_and_of_mixed_kinds(s in any::<String>()) {
        let n = s.chars().count();
        let mixed = s.chars().any(char::is_alphabetic) && s.chars().any(|c| !c.is_alphabetic());
        prop_assert_eq!(
            Password::parse(&s).is_ok(),
            (Password::MIN..=Password::MAX).contains(&n) && mixed
        );
    }

    #[test]
    fn a_password_of_one_kind_of_character_is_refused(s in "[a-zA-Z\u{4e00}-\u{9fa5}]{10,128}|[0-9 !-/]{10,128}") {
        prop_assert!(Password::parse(&s).is_err());
    }

    #[test]
    fn an_accepted_file_name_is_plain_bounded_and_stable(s in text()) {
        if let Ok(name) = parse_filename(&s) {
            prop_assert!(!name.contains(['/', '\\', '"']));
            prop_assert!(!name.chars().any(char::is_control));
            prop_assert!((1..=MAX_FILENAME).contains(&name.chars().count()));
            prop_assert_eq!(parse_filename(&name).ok(), Some(name.clone()));
        }
    }

    #[test]
    fn an_accepted_time_reads_back_from_its_rfc_3339_form(s in text()) {
        if let Ok(t) = parse_time(&s) {
            prop_assert_eq!(parse_time(&t.to_rfc3339()), Ok(t));
        }
    }

    #[test]
    fn any_time_written_in_rfc_3339_is_read(secs in -2_000_000_000i64..4_000_000_000, offset_h in -12i32..=14) {
        let t = chrono::DateTime::from_timestamp(secs, 0).unwrap();
        let zone = chrono::FixedOffset::east_opt(offset_h * 3600).unwrap();
        prop_assert_eq!(parse_time(&t.with_timezone(&zone).to_rfc3339()), Ok(t));
    }
}

/// Every code a value writes parses back to that value.
#[test]
fn every_code_parses_back_to_its_value() {
    for v in Status::ALL {
        assert_eq!(Status::parse(v.code()), Ok(v));
    }
    for v in Sector::ALL {
        assert_eq!(Sector::parse(v.code()), Ok(v));
    }
    for v in Kind::ALL {
        assert_eq!(Kind::parse(v.code()), Some(v));
        assert_eq!(Unsubscribe::parse(v.code()), Some(Unsubscribe::Kind(v)));
    }
    for v in ScenarioSort::ALL {
        assert_eq!(ScenarioSort::parse(v.code()), Ok(v));
    }
    for v in PanelState::ALL {
        assert_eq!(PanelState::parse(v.code()), Some(v));
    }
    for v in [BidStatus::Submitted, BidStatus::Withdrawn] {
        assert_eq!(BidStatus::parse(v.code()), Ok(v));
    }
    for v in [Decision::Upheld, Decision::Rejected] {
        assert_eq!(Decision::parse(v.code()).ok(), Some(v));
    }
}
