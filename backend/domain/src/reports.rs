//! Figures for the public and for the operators: what the OPC community's pledge has
//! delivered, and the administrators' dashboard. Plain functions over facts the store hands
//! over; a figure that depends on bids counts only bids already opened, so that no page or
//! chart reveals how many sealed bids a scenario has.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;

use crate::ids::{OrganizationId, UserId};
use crate::scenario::{ScenarioId, Status};
use crate::sector::Sector;

/// The OPC community's pledge: at least 100 million yuan of orders a year to its members
/// (seed article), in fen.
pub const OPC_PLEDGE_FEN: i64 = 100_000_000 * 100;

/// One scenario as the figures need it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioFact {
    pub id: ScenarioId,
    pub domain: Sector,
    /// The stored status (a passed deadline is applied with [`Status::effective`]).
    pub status: Status,
    pub deadline: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

impl ScenarioFact {
    pub fn status_at(&self, now: DateTime<Utc>) -> Status {
        self.status.effective(self.deadline, now)
    }

    /// Whether its bids are opened (the same rule as [`crate::scenario::Scenario::bids_opened`]).
    pub fn bids_opened(&self, now: DateTime<Utc>) -> bool {
        matches!(
            self.status_at(now),
            Status::Evaluating | Status::Awarded | Status::Delivered | Status::Closed
        )
    }
}

/// One award that stands.
#[derive(Debug, Clone, PartialEq)]
pub struct AwardFact {
    pub scenario: ScenarioId,
    pub vendor: OrganizationId,
    pub price_fen: i64,
    pub awarded_at: DateTime<Utc>,
}

/// What the store hands over: every scenario, every active (not withdrawn) bid as
/// (scenario, vendor), and every standing award. Bids of scenarios not yet opened are dropped
/// by [`Facts::opened_bids`] before anything counts them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    pub scenarios: Vec<ScenarioFact>,
    pub bids: Vec<(ScenarioId, OrganizationId)>,
    pub awards: Vec<AwardFact>,
}

impl Facts {
    /// The bids whose scenario's deadline has passed (and was not cancelled before it).
    pub fn opened_bids(&self, now: DateTime<Utc>) -> Vec<(ScenarioId, OrganizationId)> {
        let opened: HashSet<ScenarioId> = self
            .scenarios
            .iter()
            .filter(|s| s.bids_opened(now))
            .map(|s| s.id)
            .collect();
        self.bids
            .iter()
            .filter(|(s, _)| opened.contains(s))
            .copied()
            .collect()
    }
}

/// One month of a year's awards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthFigure {
    /// `YYYY-MM` (Beijing time).
    pub month: String,
    pub awards: i64,
    pub awarded_fen: i64,
}

/// A member's own figures.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct MemberFigures {
    /// Opened bids (sealed ones are not counted).
    pub bids: i64,
    pub awards: i64,
    pub awarded_fen: i64,
}

/// What the OPC community's members have bid and won.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpcSummary {
    /// Verified member startups.
    pub members: i64,
    /// Their opened bids, all time.
    pub bids: i64,
    /// Their standing awards, all time.
    pub awards: i64,
    /// The year the figures below cover (Beijing time).
    pub year: i32,
    pub awards_this_year: i64,
    pub awarded_fen_this_year: i64,
    /// The members' contracts signed this year (published, in force), and what was paid on
    /// their contracts this year.
    pub contracted_fen_this_year: i64,
    pub paid_fen_this_year: i64,
    pub pledge_fen: i64,
    /// `awarded_fen_this_year / pledge_fen`, 0 to 1 and beyond.
    pub pledge_share: f64,
    /// January to December of `year`.
    pub by_month: Vec<MonthFigure>,
    /// Per member, for the community page.
    #[serde(skip)]
    pub per_member: HashMap<OrganizationId, MemberFigures>,
}

/// Sums the members' opened bids and standing awards; the year and its months are Beijing
/// time's.
pub fn opc_summary(
    members: &[OrganizationId],
    facts: &Facts,
    now: DateTime<Utc>,
    pledge_fen: i64,
) -> OpcSummary {
    let tz = crate::beijing::offset();
    let year = now.with_timezone(&tz).year();
    let set: HashSet<OrganizationId> = members.iter().copied().collect();
    let mut per_member: HashMap<OrganizationId, MemberFigures> = members
        .iter()
        .map(|m| (*m, MemberFigures::default()))
        .collect();
    let mut bids = 0;
    for (_, vendor) in facts.opened_bids(now) {
        if let Some(m) = per_member.get_mut(&vendor) {
            m.bids += 1;
            bids += 1;
        }
    }
    let mut by_month: Vec<MonthFigure> = (1..=12)
        .map(|m| MonthFigure {
            month: format!("{year:04}-{m:02}"),
            awards: 0,
            awarded_fen: 0,
        })
        .collect();
    let (mut awards, mut awards_this_year, mut fen_this_year) = (0, 0, 0);
    // A consortium's award comes as one fact per member, with its share of the value: the
    // value adds up by share, the award is counted once.
    let mut counted: HashSet<ScenarioId> = HashSet::new();
    for a in facts.awards.iter().filter(|a| set.contains(&a.vendor)) {
        let first = counted.insert(a.scenario);
        awards += i64::from(first);
        if let Some(m) = per_member.get_mut(&a.vendor) {
            m.awards += 1;
            m.awarded_fen += a.price_fen;
        }
        let local = a.awarded_at.with_timezone(&tz);
        if local.year() == year {
            awards_this_year += i64::from(first);
            fen_this_year += a.price_fen;
            let slot = &mut by_month[local.month0() as usize];
            slot.awards += i64::from(first);
            slot.awarded_fen += a.price_fen;
        }
    }
    OpcSummary {
        members: set.len() as i64,
        bids,
        awards,
        year,
        awards_this_year,
        awarded_fen_this_year: fen_this_year,
        contracted_fen_this_year: 0,
        paid_fen_this_year: 0,
        pledge_fen,
        pledge_share: if pledge_fen > 0 {
            fen_this_year as f64 / pledge_fen as f64
        } else {
            0.0
        },
        by_month,
        per_member,
    }
}

/// One evaluator's load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Workload {
    pub evaluator: UserId,
    pub name: String,
    /// Panels they sit on (not removed, no conflict declared).
    pub panels: i64,
    /// Panels they stepped out of by declaring a conflict.
    pub conflicts: i64,
    /// Scores they have given.
    pub scores: i64,
}

/// A labelled count, for a chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bar {
    pub key: String,
    pub count: i64,
}

/// The administrators' dashboard figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dashboard {
    pub scenarios: i64,
    /// Per state (as seen now), every state listed.
    pub by_state: Vec<Bar>,
    /// Per domain: the count in each state (only the states that occur).
    pub by_domain: Vec<(Sector, Vec<Bar>)>,
    /// How many opened scenarios got 0, 1, 2, 3, 4 and 5 or more bids.
    pub bids_per_scenario: Vec<Bar>,
    pub opened_scenarios: i64,
    /// Mean opened bids per opened scenario.
    pub mean_bids: f64,
    /// Awards by days from publishing to award: 0–7, 8–14, 15–30, 31–60, over 60.
    pub days_to_award: Vec<Bar>,
    pub median_days_to_award: Option<f64>,
    /// (by OPC members, all) of the opened bids and of the standing awards.
    pub opc_bids: (i64, i64),
    pub opc_awards: (i64, i64),
    pub workload: Vec<Workload>,
}

/// The day buckets of [`Dashboard::days_to_award`]: (key, last day included).
pub const DAY_BUCKETS: [(&str, i64); 5] = [
    ("0-7", 7),
    ("8-14", 14),
    ("15-30", 30),
    ("31-60", 60),
    ("61+", i64::MAX),
];

/// Computes the dashboard from the facts, the OPC members and the panels' load.
pub fn dashboard(
    facts: &Facts,
    opc_members: &HashSet<OrganizationId>,
    mut workload: Vec<Workload>,
    now: DateTime<Utc>,
) -> Dashboard {
    let mut by_state: BTreeMap<usize, i64> = BTreeMap::new();
    let mut by_domain: BTreeMap<usize, BTreeMap<usize, i64>> = BTreeMap::new();
    let state_index = |s: Status| Status::ALL.iter().position(|x| *x == s).unwrap_or(0);
    let domain_index = |d: Sector| Sector::ALL.iter().position(|x| *x == d).unwrap_or(0);
    for s in &facts.scenarios {
        let st = state_index(s.status_at(now));
        *by_state.entry(st).or_default() += 1;
        *by_domain
            .entry(domain_index(s.domain))
            .or_default()
            .entry(st)
            .or_default() += 1;
    }
    let opened = facts.opened_bids(now);
    let mut per_scenario: HashMap<ScenarioId, i64> = facts
        .scenarios
        .iter()
        .filter(|s| s.bids_opened(now))
        .map(|s| (s.id, 0))
        .collect();
    for (s, _) in &opened {
        *per_scenario.entry(*s).or_default() += 1;
    }
    let mut hist = [0i64; 6];
    for n in per_scenario.values() {
        hist[(*n).clamp(0, 5) as usize] += 1;
    }
    let published: HashMap<ScenarioId, DateTime<Utc>> = facts
        .scenarios
        .iter()
        .filter_map(|s| Some((s.id, s.published_at?)))
        .collect();
    let mut days: Vec<i64> = facts
        .awards
        .iter()
        .filter_map(|a| {
            let p = published.get(&a.scenario)?;
            Some((a.awarded_at - *p).num_days().max(0))
        })
        .collect();
    days.sort_unstable();
    let mut day_bars: Vec<Bar> = DAY_BUCKETS
        .iter()
        .map(|(k, _)| Bar {
            key: (*k).into(),
            count: 0,
        })
        .collect();
    for d in &days {
        let i = DAY_BUCKETS
            .iter()
            .position(|(_, last)| d <= last)
            .unwrap_or(DAY_BUCKETS.len() - 1);
        day_bars[i].count += 1;
    }
    workload.sort_by(|a, b| {
        (b.panels + b.conflicts)
            .cmp(&(a.panels + a.conflicts))
            .then(b.scores.cmp(&a.scores))
            .then(a.name.cmp(&b.name))
    });
    let opened_scenarios = per_scenario.len() as i64;
    Dashboard {
        scenarios: facts.scenarios.len() as i64,
        by_state: Status::ALL
            .iter()
            .enumerate()
            .map(|(i, s)| Bar {
                key: s.code().into(),
                count: by_state.get(&i).copied().unwrap_or(0),
            })
            .collect(),
        by_domain: by_domain
            .into_iter()
            .map(|(d, states)| {
                (
                    Sector::ALL[d],
                    states
                        .into_iter()
                        .map(|(st, count)| Bar {
                            key: Status::ALL[st].code().into(),
                            count,
                        })
                        .collect(),
                )
            })
            .collect(),
        bids_per_scenario: hist
            .iter()
            .enumerate()
            .map(|(i, c)| Bar {
                key: if i == 5 { "5+".into() } else { i.to_string() },
                count: *c,
            })
            .collect(),
        opened_scenarios,
        mean_bids: if opened_scenarios > 0 {
            opened.len() as f64 / opened_scenarios as f64
        } else {
            0.0
        },
        days_to_award: day_bars,
        median_days_to_award: median(&days),
        opc_bids: (
            opened
                .iter()
                .filter(|(_, v)| opc_members.contains(v))
                .count() as i64,
            opened.len() as i64,
        ),
        opc_awards: (
            facts
                .awards
                .iter()
                .filter(|a| opc_members.contains(&a.vendor))
                .count() as i64,
            facts.awards.len() as i64,
        ),
        workload,
    }
}

fn median(sorted: &[i64]) -> Option<f64> {
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[n / 2] as f64),
        n => Some((sorted[n / 2 - 1] + sorted[n / 2]) as f64 / 2.0),
    }
}

#[cfg(test)]
mod tests;
