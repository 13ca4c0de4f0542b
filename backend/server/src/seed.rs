//! Demo data: the accounts and organizations of `domain::demo` and its catalogue of 17
//! scenarios, written through the same services as everything else (so they are audited).
//! Loading twice changes nothing.

use std::sync::Arc;

use chrono::Duration;
use domain::account::{Email, Password};
use domain::credit_code::{CreditCode, with_check_character};
use domain::demo::{ACCOUNTS, DEMO_PASSWORD, DemoState, SCENARIOS};
use domain::policy::Actor;
use domain::ports::{FixedClock, in_read};
use domain::scenario::{Origin, ScenarioFields};
use domain::services::Services;
use domain::services::accounts::{EnsureOrganization, EnsureUser};
use domain::services::scenarios::ScenarioQuery;

/// What loading added.
#[derive(Debug, Clone, Copy, Default)]
pub struct Loaded {
    pub accounts: usize,
    pub scenarios: usize,
}

/// Loads the demo data.
pub fn load_demo(services: &Services) -> anyhow::Result<Loaded> {
    let before = in_read(&*services.store, |tx| tx.count_users())?;
    let mut actors = std::collections::HashMap::new();
    for a in ACCOUNTS {
        let organization = a.organization.map(|o| EnsureOrganization {
            name: o.name.into(),
            credit_code: o
                .credit_code_17
                .and_then(|c| CreditCode::parse(&with_check_character(c)).ok()),
            verified: o.verified,
            opc_member: o.opc_member,
            description: o.description.into(),
            capabilities: o.capabilities.iter().map(|c| c.to_string()).collect(),
        });
        let user = services.ensure_user(EnsureUser {
            email: Email::parse(a.email).map_err(anyhow::Error::msg)?,
            password: Password::parse(DEMO_PASSWORD).map_err(anyhow::Error::msg)?,
            display_name: a.display_name.into(),
            role: a.role,
            expertise: a.expertise.to_vec(),
            organization,
        })?;
        actors.insert(
            a.email,
            Actor {
                user_id: user.id,
                role: user.role,
                organization_id: user.organization_id,
            },
        );
    }
    let after = in_read(&*services.store, |tx| tx.count_users())?;
    let scenarios = load_catalogue(services, &actors)?;
    Ok(Loaded {
        accounts: (after - before) as usize,
        scenarios,
    })
}

fn load_catalogue(
    services: &Services,
    actors: &std::collections::HashMap<&str, Actor>,
) -> anyhow::Result<usize> {
    let now = services.now();
    let mut added = 0;
    // Newest first in lists: load the samples first, so that the district's own list shows on top.
    for d in SCENARIOS.iter().rev() {
        let actor = actors
            .get(d.agency)
            .ok_or_else(|| anyhow::anyhow!("no demo agency {}", d.agency))?;
        let existing = services.list_scenarios(
            Some(actor),
            ScenarioQuery {
                agency: actor.organization_id,
                limit: 100,
                ..Default::default()
            },
        )?;
        if existing.items.iter().any(|v| v.scenario.title == d.title) {
            continue;
        }
        let fields = ScenarioFields::try_from(d.input(now))?;
        let origin = if d.official {
            Origin::OfficialList
        } else {
            Origin::Sample
        };
        // A scenario whose deadline has passed was published earlier: post it with a clock
        // set back before its deadline, so that it went through the same rules.
        let poster = match d.state {
            DemoState::PastDeadline => {
                let mut s = services.clone();
                s.clock = Arc::new(FixedClock(fields.bid_deadline - Duration::days(30)));
                s
            }
            _ => services.clone(),
        };
        let (view, _) = poster.create_scenario_from(actor, fields, origin)?;
        if d.state != DemoState::Draft {
            poster.publish_scenario(actor, view.scenario.id)?;
        }
        added += 1;
    }
    Ok(added)
}
