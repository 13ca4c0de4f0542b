//! The demo data set: the accounts and organizations that `seed --demo` loads and that the
//! sign-in page lists while demo mode is on, the scenario catalogue, and the bids and scores of
//! the one finished scenario. The data are the TOML files beside this module, built into the
//! binary and read once by the small loader here; the server's seeding command writes them.

use std::sync::LazyLock;

use domain::account::Role;
use domain::sector::Sector;
use serde::Deserialize;

#[cfg(test)]
mod tests;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "qingshan-demo-2026";

/// One demo account.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoAccount {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    #[serde(default)]
    pub expertise: Vec<Sector>,
    pub organization: Option<DemoOrganization>,
}

/// The organization of a demo agency or vendor user.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoOrganization {
    pub name: String,
    /// The first 17 characters of the credit code; the check character is computed.
    pub credit_code_17: Option<String>,
    pub verified: bool,
    pub opc_member: bool,
    pub description: String,
    pub capabilities: Vec<String>,
    /// What a vendor delivers.
    #[serde(default)]
    pub offer_kinds: Vec<domain::account::OfferKind>,
    #[serde(default)]
    pub open_to_teaming: bool,
}

/// Where a demo scenario stands after loading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DemoState {
    Draft,
    /// Published, the deadline this many days ahead.
    Open,
    /// Published earlier; the deadline passed this many days ago.
    PastDeadline,
    /// The whole loop: bids, panel, scores, award, a challenge answered, a contract with
    /// milestones accepted (one returned first) and paid, delivery, rating and reply.
    Finished,
    /// Awarded and under contract: its first milestone accepted long ago and not paid (an
    /// overdue payment on the agency's record).
    Delivering,
}

/// A technical criterion of a demo scenario.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoCriterion {
    pub name: String,
    pub weight: i32,
    pub description: String,
}

/// One scenario of the demo catalogue.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoScenario {
    /// The e-mail of the posting agency's demo user.
    pub agency: String,
    pub title: String,
    /// English, one sentence.
    pub summary: String,
    /// Chinese, the full description.
    pub description: String,
    pub domain: Sector,
    pub tags: Vec<String>,
    pub budget_yuan: (i64, i64),
    /// Days from loading to the deadline (negative: already passed).
    pub deadline_days: i64,
    pub price_weight: i32,
    /// The standard criteria when the file names none.
    #[serde(default, rename = "criterion")]
    pub criteria: Vec<DemoCriterion>,
    pub state: DemoState,
    /// From the district's published list (else a sample).
    pub official: bool,
}

/// A bid on the finished demo scenario.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoBid {
    /// The e-mail of the bidding vendor's demo user.
    pub vendor: String,
    pub price_yuan: i64,
    pub delivery_days: i64,
    pub proposal: String,
    pub team: String,
}

/// A member of the finished demo scenario's panel and their scores: one row per bid (in the
/// order of [`Demo::bids`]), one score per criterion.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoPanelMember {
    pub evaluator: String,
    pub scores: Vec<Vec<i64>>,
}

/// The whole demo data set.
#[derive(Debug)]
pub struct Demo {
    /// In the order the sign-in page lists them.
    pub accounts: Vec<DemoAccount>,
    /// The six official scenarios first, then the samples.
    pub scenarios: Vec<DemoScenario>,
    pub bids: Vec<DemoBid>,
    pub panel: Vec<DemoPanelMember>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountsFile {
    account: Vec<DemoAccount>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenariosFile {
    standard_criterion: Vec<DemoCriterion>,
    scenario: Vec<DemoScenario>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FinishedFile {
    bid: Vec<DemoBid>,
    panel: Vec<DemoPanelMember>,
}

/// Reads the four files (the built-in ones are checked by the tests, so this never fails on
/// them): the accounts, then the community's startups after them.
fn load(accounts: &str, community: &str, scenarios: &str, finished: &str) -> Result<Demo, String> {
    let named = |file: &'static str| move |e: toml::de::Error| format!("demo/{file}: {e}");
    let AccountsFile { mut account } = toml::from_str(accounts).map_err(named("accounts.toml"))?;
    let AccountsFile { account: startups } =
        toml::from_str(community).map_err(named("community.toml"))?;
    account.extend(startups);
    let ScenariosFile {
        standard_criterion,
        mut scenario,
    } = toml::from_str(scenarios).map_err(named("scenarios.toml"))?;
    for s in &mut scenario {
        if s.criteria.is_empty() {
            s.criteria = standard_criterion.clone();
        }
    }
    let FinishedFile { bid, panel } = toml::from_str(finished).map_err(named("finished.toml"))?;
    Ok(Demo {
        accounts: account,
        scenarios: scenario,
        bids: bid,
        panel,
    })
}

static DEMO: LazyLock<Demo> = LazyLock::new(|| {
    load(
        include_str!("accounts.toml"),
        include_str!("community.toml"),
        include_str!("scenarios.toml"),
        include_str!("finished.toml"),
    )
    .expect("the built-in demo data parse")
});

/// The demo data set, read on first use.
pub fn data() -> &'static Demo {
    &DEMO
}

/// 17:00 Beijing time (UTC+8) on the day of `t`, as deadlines are usually set.
fn five_pm_beijing(t: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    domain::beijing::at_hour(domain::beijing::date(t), 17)
}

impl DemoScenario {
    /// The posting's input, its deadline counted from `now`.
    pub fn input(&self, now: chrono::DateTime<chrono::Utc>) -> domain::scenario::ScenarioInput {
        use domain::scenario::{CriterionInput, ScenarioInput};
        ScenarioInput {
            title: self.title.clone(),
            summary: self.summary.clone(),
            description: self.description.clone(),
            domain: self.domain.code().into(),
            tags: self.tags.clone(),
            budget_min_fen: Some(self.budget_yuan.0 * 100),
            budget_max_fen: Some(self.budget_yuan.1 * 100),
            bid_deadline: five_pm_beijing(now + chrono::Duration::days(self.deadline_days))
                .to_rfc3339(),
            price_weight: Some(i64::from(self.price_weight)),
            procurement_type: "services".into(),
            criteria: self
                .criteria
                .iter()
                .map(|c| CriterionInput {
                    name: c.name.clone(),
                    weight: i64::from(c.weight),
                    description: c.description.clone(),
                })
                .collect(),
        }
    }
}

/// The demo sign-ins for the sign-in page.
pub fn sign_ins() -> web::DemoSignIns {
    web::DemoSignIns {
        password: DEMO_PASSWORD,
        accounts: data()
            .accounts
            .iter()
            .map(|a| {
                let who = a
                    .organization
                    .as_ref()
                    .map_or(a.display_name.as_str(), |o| o.name.as_str());
                (a.role, a.email.as_str(), who)
            })
            .collect(),
    }
}
