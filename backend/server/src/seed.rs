//! Demo data: the accounts and organizations of `domain::demo` and its catalogue of 17
//! scenarios, written through the same services as everything else (so they are audited).
//! Loading twice changes nothing.

use std::sync::Arc;

use crate::demo::{DEMO_PASSWORD, DemoState, data};
use app::Services;
use app::accounts::{EnsureOrganization, EnsureUser};
use app::scenarios::ScenarioQuery;
use chrono::Duration;
use domain::account::{Email, Password};
use domain::bid::BidInput;
use domain::credit_code::{CreditCode, with_check_character};
use domain::evaluation::{Marks, ScoreLine};
use domain::policy::Actor;
use domain::ports::FixedClock;
use domain::scenario::{Origin, ScenarioFields, ScenarioId};

/// What loading added.
#[derive(Debug, Clone, Copy, Default)]
pub struct Loaded {
    pub accounts: usize,
    pub scenarios: usize,
}

/// Loads the demo data.
pub fn load_demo(services: &Services) -> anyhow::Result<Loaded> {
    let before = services.count_users()?;
    let mut actors = std::collections::HashMap::new();
    // Every demo account has the one demo password: it is hashed once.
    let password_hash = domain::security::hash_password(
        &Password::parse(DEMO_PASSWORD).map_err(anyhow::Error::msg)?,
    )?;
    for a in &data().accounts {
        let organization = a.organization.as_ref().map(|o| EnsureOrganization {
            name: o.name.clone(),
            credit_code: o
                .credit_code_17
                .as_deref()
                .and_then(|c| CreditCode::parse(&with_check_character(c)).ok()),
            verified: o.verified,
            opc_member: o.opc_member,
            description: o.description.clone(),
            capabilities: o.capabilities.clone(),
            offer_kinds: o.offer_kinds.clone(),
            open_to_teaming: o.open_to_teaming,
        });
        let user = services.ensure_user(EnsureUser {
            email: Email::parse(&a.email).map_err(anyhow::Error::msg)?,
            password_hash: password_hash.clone(),
            display_name: a.display_name.clone(),
            role: a.role,
            expertise: a.expertise.clone(),
            organization,
        })?;
        actors.insert(
            a.email.as_str(),
            Actor {
                user_id: user.id,
                role: user.role,
                organization_id: user.organization_id,
            },
        );
    }
    let after = services.count_users()?;
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
    let mut existing: std::collections::HashMap<&str, Vec<String>> =
        std::collections::HashMap::new();
    let now = services.now();
    let mut added = 0;
    // Newest first in lists: load the samples first, so that the district's own list shows on top.
    for d in data().scenarios.iter().rev() {
        let actor = actors
            .get(d.agency.as_str())
            .ok_or_else(|| anyhow::anyhow!("no demo agency {}", d.agency))?;
        // The titles each demo agency already has, read once per agency.
        if !existing.contains_key(d.agency.as_str()) {
            let query = ScenarioQuery {
                agency: actor.organization_id,
                limit: 100,
                ..Default::default()
            };
            let titles = services
                .list_scenarios(Some(actor), query)?
                .items
                .into_iter()
                .map(|v| v.scenario.title)
                .collect();
            existing.insert(d.agency.as_str(), titles);
        }
        if existing[d.agency.as_str()].contains(&d.title) {
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
            DemoState::PastDeadline | DemoState::Finished | DemoState::Delivering => {
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
        if d.title == TEAM.scenario {
            form_team(services, actors, view.scenario.id)?;
        }
        if matches!(d.state, DemoState::Finished | DemoState::Delivering) {
            finish(
                services,
                actors,
                actor,
                d.state,
                view.scenario.id,
                view.scenario.bid_deadline,
            )?;
        }
        added += 1;
    }
    Ok(added)
}

/// Runs the loop on a finished (or delivering) demo scenario, each step at its own (past)
/// time: bids, panel, opening, declarations, scores, award; then for the finished one a
/// challenge answered, the contract carried out and paid, the rating and the reply; for the
/// delivering one a contract with an overdue payment.
fn finish(
    services: &Services,
    actors: &std::collections::HashMap<&str, Actor>,
    owner: &Actor,
    state: DemoState,
    id: ScenarioId,
    deadline: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    let at = |days: i64| {
        let mut s = services.clone();
        s.clock = Arc::new(FixedClock(deadline + Duration::days(days)));
        s
    };
    let actor = |email: &str| {
        actors
            .get(email)
            .copied()
            .ok_or_else(|| anyhow::anyhow!("no demo account {email}"))
    };
    let mut bids = Vec::new();
    for b in &data().bids {
        let input = BidInput {
            price_fen: Some(b.price_yuan * 100),
            delivery_days: Some(b.delivery_days),
            technical_proposal: b.proposal.clone(),
            team: b.team.clone(),
            consortium_id: None,
        };
        let (view, _) = at(-10).submit_bid(&actor(&b.vendor)?, id, input, &[])?;
        bids.push((view.bid.id, b.vendor.as_str()));
    }
    let panel = data()
        .panel
        .iter()
        .map(|m| actor(&m.evaluator).map(|a| a.user_id))
        .collect::<anyhow::Result<Vec<_>>>()?;
    at(-3).set_panel(owner, id, panel)?;
    let after = at(1);
    after.open_bids(id)?;
    let criteria = after.scenario(Some(owner), id)?.scenario.criteria;
    for m in &data().panel {
        let ev = actor(&m.evaluator)?;
        after.declare_conflict(&ev, id, false, String::new())?;
        for ((bid, _), marks) in bids.iter().zip(m.scores.iter()) {
            let lines = criteria
                .iter()
                .zip(marks.iter())
                .map(|(c, s)| ScoreLine {
                    criterion_id: c.id.0,
                    score: Some(*s),
                    comment: String::new(),
                })
                .collect();
            after.save_scores(&ev, *bid, lines)?;
        }
    }
    let ranking = at(3).ranking(owner, id)?;
    let winner = ranking
        .rows
        .first()
        .ok_or_else(|| anyhow::anyhow!("the finished demo scenario has no bids"))?
        .evaluated
        .bid;
    at(3).award(owner, id, winner, None)?;
    let winner_email = bids
        .iter()
        .find(|(b, _)| *b == winner)
        .map(|(_, e)| *e)
        .expect("the winner bid");
    let vendor = actor(winner_email)?;
    if state == DemoState::Delivering {
        return crate::seed_contracts::overdue(&at, owner, &vendor, id);
    }
    // A losing bidder challenges the award and the agency answers it, both public now.
    let runner_up = ranking
        .rows
        .get(1)
        .ok_or_else(|| anyhow::anyhow!("the finished demo scenario has one bid"))?
        .evaluated
        .bid;
    let challenger = bids
        .iter()
        .find(|(b, _)| *b == runner_up)
        .map(|(_, e)| *e)
        .expect("the runner-up's bid");
    let challenge = at(5).file_challenge(
        &actor(challenger)?,
        id,
        "一、中标方案的识别准确率依据为自测数据，未提供第三方检测报告，技术评分偏高；\n\
         二、请采购方复核评审专家对“系统集成”一项的打分依据。",
        vec![],
    )?;
    at(9).answer_challenge(
        owner,
        challenge.challenge.id,
        "rejected",
        "经复核：招标文件未要求第三方检测报告，评审专家按评分标准对现场演示结果打分；\n\
         “系统集成”一项三位专家的评分理由已在评审记录中逐项说明，评分无误。质疑不成立，中标结果维持不变。",
    )?;
    crate::seed_contracts::carried_out(&at, owner, &vendor, id)?;
    let rating = at(126).rate(
        owner,
        id,
        Marks {
            quality: 5,
            timeliness: 4,
            communication: 5,
        },
        "系统按期上线，预警准确，现场培训到位；个别报表需二次开发。".into(),
    )?;
    at(127).reply_to_rating(
        &vendor,
        rating.id,
        "感谢认可，报表功能已在后续版本中补齐。".into(),
    )?;
    Ok(())
}

/// The demo's consortium: three startups of the OPC community team up for the drone
/// inspection, the agreement confirmed by all three; its lead may bid for it.
struct DemoTeam {
    scenario: &'static str,
    name: &'static str,
    message: &'static str,
    /// (e-mail, share of the work in percent), the lead first.
    members: [(&'static str, i64); 3],
}

const TEAM: DemoTeam = DemoTeam {
    scenario: "无人机智能巡检",
    name: "青山无人机巡检联合体",
    message: "我们做识别模型，想请两位分别负责飞行巡检和派单系统对接，一起投这个场景。",
    members: [
        ("founder@qingling-vision.demo", 50),
        ("founder@hawkeye-uav.demo", 30),
        ("team@steel-mind.demo", 20),
    ],
};

fn form_team(
    services: &Services,
    actors: &std::collections::HashMap<&str, Actor>,
    id: ScenarioId,
) -> anyhow::Result<()> {
    let actor = |email: &str| {
        actors
            .get(email)
            .copied()
            .ok_or_else(|| anyhow::anyhow!("no demo account {email}"))
    };
    let lead = actor(TEAM.members[0].0)?;
    let c = services.form_consortium(&lead, id, TEAM.name)?;
    let mut shares = vec![];
    for (i, (email, pct)) in TEAM.members.iter().enumerate() {
        let a = actor(email)?;
        let org = a
            .organization_id
            .ok_or_else(|| anyhow::anyhow!("{email} has no organization"))?;
        if i > 0 {
            services.invite_to_consortium(&lead, c.id, org, TEAM.message)?;
            services.answer_consortium(&a, c.id, true)?;
        }
        shares.push((org, *pct));
    }
    services.write_agreement(&lead, c.id, &shares)?;
    for (email, _) in TEAM.members {
        services.confirm_agreement(&actor(email)?, c.id)?;
    }
    Ok(())
}
