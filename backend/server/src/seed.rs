//! Demo data: the accounts and organizations of `domain::demo`, written through the same
//! services as everything else (so they are audited). Loading twice changes nothing.

use domain::account::{Email, Password};
use domain::credit_code::{CreditCode, with_check_character};
use domain::demo::{ACCOUNTS, DEMO_PASSWORD};
use domain::services::Services;
use domain::services::accounts::{EnsureOrganization, EnsureUser};

/// Loads the demo data; returns how many accounts it created.
pub fn load_demo(services: &Services) -> anyhow::Result<usize> {
    let before = domain::ports::in_read(&*services.store, |tx| tx.count_users())?;
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
        services.ensure_user(EnsureUser {
            email: Email::parse(a.email).map_err(anyhow::Error::msg)?,
            password: Password::parse(DEMO_PASSWORD).map_err(anyhow::Error::msg)?,
            display_name: a.display_name.into(),
            role: a.role,
            expertise: a.expertise.to_vec(),
            organization,
        })?;
    }
    let after = domain::ports::in_read(&*services.store, |tx| tx.count_users())?;
    Ok((after - before) as usize)
}
