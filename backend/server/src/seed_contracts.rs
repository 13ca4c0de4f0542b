//! The demo contracts: one carried out in full (a milestone returned and submitted again,
//! every milestone paid), and one with a payment overdue. Days count from the scenario's bid
//! deadline, as in [`crate::seed`].

use app::Services;
use domain::contract::{MilestonePlan, Terms};
use domain::policy::Actor;
use domain::scenario::ScenarioId;

/// The services with the clock set `days` after the deadline.
type At<'a> = dyn Fn(i64) -> Services + 'a;

fn day_of(s: &Services) -> chrono::NaiveDate {
    domain::beijing::date(s.now())
}

/// Records the contract signed on `day` with these milestones (title, days after signing,
/// share), and the vendor confirms it the next day.
fn signed(
    at: &At,
    owner: &Actor,
    vendor: &Actor,
    id: ScenarioId,
    day: i64,
    value_fen: i64,
    plan: &[(&str, i64, u8)],
) -> anyhow::Result<domain::contract::Contract> {
    let signed_on = day_of(&at(day));
    let terms = Terms {
        value_fen,
        signed_on,
        term_days: 120,
        milestones: plan
            .iter()
            .map(|(title, days, share)| MilestonePlan {
                title: (*title).into(),
                due_on: signed_on + chrono::Duration::days(*days),
                share_pct: *share,
            })
            .collect(),
    };
    let c = at(day).record_contract(owner, id, terms, vec![])?;
    Ok(at(day + 1).confirm_contract(vendor, c.id)?)
}

/// The finished scenario's contract: three milestones, the second returned once, all
/// accepted and paid; the scenario is delivered by the last acceptance.
pub(crate) fn carried_out(
    at: &At,
    owner: &Actor,
    vendor: &Actor,
    id: ScenarioId,
) -> anyhow::Result<()> {
    let c = signed(
        at,
        owner,
        vendor,
        id,
        12,
        52_000_000,
        &[
            ("塔吊数据接入与现场勘测报告", 30, 30),
            ("防碰撞算法试运行（两个工地）", 65, 40),
            ("全区上线、司机培训与验收文档", 100, 30),
        ],
    )?;
    let m: Vec<_> = c.milestones.iter().map(|m| m.id).collect();
    let steps: [(i64, usize, &str); 3] = [
        (40, 0, "接入 12 台塔吊黑匣子数据，附现场勘测报告。"),
        (70, 1, "两个工地试运行 30 天，预警记录与误报分析见附件。"),
        (
            108,
            2,
            "全区 31 台塔吊上线，完成 46 名司机培训，验收文档齐备。",
        ),
    ];
    for (day, i, note) in steps {
        at(day).submit_milestone(vendor, m[i], note, vec![])?;
        if i == 1 {
            at(day + 2).review_milestone(
                owner,
                m[i],
                false,
                "误报率分析缺少夜间时段数据，请补充后重新提交。",
                vec![],
            )?;
            at(day + 6).submit_milestone(
                vendor,
                m[i],
                "已补充夜间 14 天的预警记录与误报分析。",
                vec![],
            )?;
            at(day + 9).review_milestone(owner, m[i], true, "试运行效果符合合同要求。", vec![])?;
        } else {
            at(day + 3).review_milestone(
                owner,
                m[i],
                true,
                "经验收，交付内容符合合同约定。",
                vec![],
            )?;
        }
    }
    for (day, i) in [(60, 0), (95, 1), (125, 2)] {
        let amount = c.milestones[i].amount_fen;
        let s = at(day);
        s.record_payment(owner, c.id, m[i], amount, day_of(&s), None)?;
    }
    Ok(())
}

/// The delivering scenario's contract: its first milestone accepted 56 days ago and not
/// paid, so the agency's record shows a payment overdue.
pub(crate) fn overdue(
    at: &At,
    owner: &Actor,
    vendor: &Actor,
    id: ScenarioId,
) -> anyhow::Result<()> {
    let c = signed(
        at,
        owner,
        vendor,
        id,
        6,
        52_000_000,
        &[
            ("数据汇聚平台与首批 8 个工地接入", 30, 40),
            ("识别模型上线与周报自动生成", 110, 60),
        ],
    )?;
    at(30).submit_milestone(
        vendor,
        c.milestones[0].id,
        "首批 8 个工地、17 台塔吊已接入，平台试运行正常。",
        vec![],
    )?;
    at(34).review_milestone(
        owner,
        c.milestones[0].id,
        true,
        "接入情况经现场核验无误。",
        vec![],
    )?;
    Ok(())
}
