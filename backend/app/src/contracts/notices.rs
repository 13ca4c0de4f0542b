//! Who hears of each step of a contract, and the facts each reads.

use chrono::NaiveDate;

use domain::contract::{self as ct, Contract};
use domain::error::Result;
use domain::ids::{ContractId, MilestoneId, OrganizationId};
use domain::notification::{Facts, Kind};
use domain::ports::ReadTx;
use domain::workdays::WorkCalendar;

/// The last day of a period that ends at midnight (Beijing) before `end`.
fn last_day(end: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    domain::beijing::date(end - chrono::Duration::seconds(1))
}

/// The groups of a contract notice: (facts, the organizations whose users read them).
pub(crate) fn groups(
    tx: &mut dyn ReadTx,
    cal: &WorkCalendar,
    step: Kind,
    contract: i64,
    item: Option<i64>,
) -> Result<Vec<(Facts, Vec<OrganizationId>)>> {
    let Some(c) = tx.contract(ContractId(contract))? else {
        return Ok(vec![]);
    };
    let Some(s) = tx.scenario(c.scenario)? else {
        return Ok(vec![]);
    };
    let name = |tx: &mut dyn ReadTx, o| -> Result<String> {
        Ok(tx.organization(o)?.map(|o| o.name).unwrap_or_default())
    };
    let (buyer, vendor) = (name(tx, c.buyer)?, name(tx, c.vendor)?);
    let milestone = item.and_then(|i| c.milestone(MilestoneId(i)));
    let owed_left = |c: &Contract, m: &domain::contract::Milestone| {
        c.owed(m)
            .map_or(m.amount_fen, |o| o.amount_fen - o.paid_fen())
    };
    let facts =
        |party: &str, milestone: &str, amount_fen: i64, due: Option<NaiveDate>| Facts::Contract {
            step,
            scenario: s.id.0,
            title: s.title.clone(),
            party: party.to_string(),
            milestone: milestone.to_string(),
            amount_fen,
            due,
        };
    let notice_day = Some(last_day(c.notice_due(cal)));
    Ok(match step {
        Kind::ContractToConfirm => {
            vec![(facts(&buyer, "", c.value_fen, notice_day), vec![c.vendor])]
        }
        Kind::ContractNoticeDue => vec![(
            facts(&buyer, "", c.value_fen, notice_day),
            vec![c.buyer, c.vendor],
        )],
        Kind::ContractVoided => vec![(
            facts(&buyer, "", c.value_fen, None),
            vec![c.buyer, c.vendor],
        )],
        Kind::MilestoneSubmitted => match milestone {
            Some(m) => {
                let due = m.last_submission().map(|s| last_day(s.review_due));
                vec![(facts(&vendor, &m.title, m.amount_fen, due), vec![c.buyer])]
            }
            None => vec![],
        },
        Kind::MilestoneAccepted | Kind::MilestoneReturned => match milestone {
            Some(m) => {
                let due = m.accepted_on().map(ct::payment_due);
                vec![(facts(&buyer, &m.title, m.amount_fen, due), vec![c.vendor])]
            }
            None => vec![],
        },
        Kind::AmendmentProposed => match c.amendments.iter().find(|a| Some(a.id.0) == item) {
            Some(a) if a.proposed_org == c.buyer => {
                vec![(facts(&buyer, "", c.value_fen, None), vec![c.vendor])]
            }
            Some(_) => vec![(facts(&vendor, "", c.value_fen, None), vec![c.buyer])],
            None => vec![],
        },
        Kind::PaymentRecorded => match c.payments.iter().find(|p| Some(p.id.0) == item) {
            Some(p) => {
                let title = c
                    .milestone(p.milestone)
                    .map(|m| m.title.clone())
                    .unwrap_or_default();
                vec![(facts(&buyer, &title, p.amount_fen, None), vec![c.vendor])]
            }
            None => vec![],
        },
        Kind::PaymentDue | Kind::PaymentOverdue => match milestone {
            Some(m) => {
                let due = m.accepted_on().map(ct::payment_due);
                let orgs = if step == Kind::PaymentDue {
                    vec![c.buyer]
                } else {
                    vec![c.vendor, c.buyer]
                };
                vec![(facts(&buyer, &m.title, owed_left(&c, m), due), orgs)]
            }
            None => vec![],
        },
        _ => vec![],
    })
}
