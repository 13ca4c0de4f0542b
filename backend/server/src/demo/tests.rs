//! The demo data: the files parse, and the data set is what the product and the README promise.

use super::*;
use domain::account::{Email, Password};
use domain::credit_code::{CreditCode, with_check_character};

#[test]
fn the_catalogue_has_six_official_scenarios_and_twelve_marked_samples() {
    use domain::scenario::ScenarioFields;
    let demo = data();
    assert_eq!(demo.scenarios.len(), 18);
    assert_eq!(demo.scenarios.iter().filter(|s| s.official).count(), 6);
    let mut titles = std::collections::HashSet::new();
    for s in &demo.scenarios {
        assert!(titles.insert(&s.title), "duplicate {}", s.title);
        assert!(
            ScenarioFields::try_from(s.input(chrono::Utc::now())).is_ok(),
            "{} does not parse",
            s.title
        );
        let owner = demo
            .accounts
            .iter()
            .find(|a| a.email == s.agency)
            .expect("a demo agency");
        assert_eq!(owner.role, Role::Agency);
        assert!(
            owner.organization.as_ref().unwrap().verified,
            "{} needs a verified agency",
            s.title
        );
        if !s.official {
            assert!(
                s.title.contains("示例") && s.description.starts_with("【示例场景"),
                "{} must be marked as a sample",
                s.title
            );
        }
        assert_eq!(
            matches!(
                s.state,
                DemoState::PastDeadline | DemoState::Finished | DemoState::Delivering
            ),
            s.deadline_days < 0,
            "{}",
            s.title
        );
        assert!(!s.criteria.is_empty(), "{} has criteria", s.title);
    }
    let states = |st| demo.scenarios.iter().filter(|s| s.state == st).count();
    assert!(
        states(DemoState::Open) >= 10
            && states(DemoState::Draft) >= 2
            && states(DemoState::PastDeadline) >= 1
    );
    assert_eq!(states(DemoState::Finished), 1);
    assert_eq!(states(DemoState::Delivering), 1);
    assert!(
        demo.scenarios
            .iter()
            .filter(|s| s.state == DemoState::Delivering)
            .all(|s| !s.official),
        "a made-up contract may only be a sample's"
    );
    let finished = demo
        .scenarios
        .iter()
        .find(|s| s.state == DemoState::Finished)
        .unwrap();
    assert!(!finished.official, "a made-up award may only be a sample's");
    assert!(demo.panel.iter().all(|m| m.scores.len() == demo.bids.len()
        && m.scores.iter().all(|c| c.len() == finished.criteria.len())));
    let city_and_services = demo
        .scenarios
        .iter()
        .filter(|s| {
            matches!(
                s.domain,
                Sector::CityGovernance | Sector::GovernmentServices
            )
        })
        .count();
    assert!(
        city_and_services * 100 / 17 > 30,
        "over 30% in city governance and government services, as the district said"
    );
}

#[test]
fn every_demo_account_is_valid() {
    assert!(Password::parse(DEMO_PASSWORD).is_ok());
    let mut emails = std::collections::HashSet::new();
    for a in &data().accounts {
        assert!(Email::parse(&a.email).is_ok(), "{}", a.email);
        assert!(emails.insert(&a.email), "duplicate {}", a.email);
        assert_eq!(
            a.organization.is_some(),
            a.role.organization_kind().is_some(),
            "{}",
            a.email
        );
        if let Some(code) = a
            .organization
            .as_ref()
            .and_then(|o| o.credit_code_17.as_deref())
        {
            assert!(
                CreditCode::parse(&with_check_character(code)).is_ok(),
                "{code}"
            );
        }
        if a.role == Role::Evaluator {
            assert!(!a.expertise.is_empty());
        }
    }
    for b in &data().bids {
        assert!(emails.contains(&b.vendor), "bidder {}", b.vendor);
    }
    for m in &data().panel {
        assert!(emails.contains(&m.evaluator), "evaluator {}", m.evaluator);
    }
}

/// The community: at least 40 verified startups, about half of them OPC members, each with
/// capability tags, an offer and a description; some of them adjacent businesses that do not
/// deliver AI software.
#[test]
fn the_community_is_a_believable_set_of_startups() {
    use domain::account::OfferKind;
    let vendors: Vec<_> = data()
        .accounts
        .iter()
        .filter(|a| a.role == Role::Vendor)
        .filter_map(|a| a.organization.as_ref())
        .collect();
    assert!(vendors.len() >= 44, "{} vendors", vendors.len());
    let opc = vendors.iter().filter(|o| o.opc_member).count();
    assert!(
        opc * 10 >= vendors.len() * 4 && opc * 10 <= vendors.len() * 6,
        "{opc} of {} are OPC members",
        vendors.len()
    );
    for o in &vendors {
        assert!(
            !o.capabilities.is_empty() && !o.offer_kinds.is_empty(),
            "{}",
            o.name
        );
        assert!(o.description.chars().count() >= 20, "{}", o.name);
    }
    let adjacent = vendors
        .iter()
        .filter(|o| {
            !o.offer_kinds.iter().any(|k| {
                matches!(
                    k,
                    OfferKind::AiSoftware | OfferKind::DataService | OfferKind::Integration
                )
            })
        })
        .count();
    assert!(adjacent >= 8, "{adjacent} adjacent businesses");
}

#[test]
fn a_bad_data_file_is_refused_with_its_name_and_place() {
    let good_scenarios = include_str!("scenarios.toml");
    let good_finished = include_str!("finished.toml");
    let good_community = include_str!("community.toml");
    let err = load(
        "[[account]]\nemail = 1\n",
        good_community,
        good_scenarios,
        good_finished,
    )
    .unwrap_err();
    assert!(err.starts_with("demo/accounts.toml:"), "{err}");
    let err = load(
        include_str!("accounts.toml"),
        "[[account]]\nrole = 3\n",
        good_scenarios,
        good_finished,
    )
    .unwrap_err();
    assert!(err.starts_with("demo/community.toml:"), "{err}");
    let err = load(
        include_str!("accounts.toml"),
        good_community,
        "[[scenario]]\ntitle = \"x\"\nshade = 1\n",
        good_finished,
    )
    .unwrap_err();
    assert!(err.starts_with("demo/scenarios.toml:"), "{err}");
}
