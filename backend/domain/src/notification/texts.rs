//! The texts of every notification, in Simplified Chinese and English: a title, a body and
//! the link it opens.

use super::Facts;
use crate::locale::Locale;

/// At most `n` characters of `s`, with an ellipsis when cut.
fn clip(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().count() > n {
        out.push('…');
    }
    out
}

/// The title, body and link of a notification in the recipient's language.
pub fn render(facts: &Facts, locale: Locale) -> (String, String, String) {
    let zh = locale == Locale::ZhCn;
    match facts {
        Facts::OrganizationVerified { org_name } => (
            if zh {
                format!("{org_name} 已通过认证")
            } else {
                format!("{org_name} is verified")
            },
            if zh {
                "平台已核验贵机构的信息，现在可以发布场景或参与投标。".to_string()
            } else {
                "The platform checked your organization: you can now post scenarios or bid."
                    .to_string()
            },
            "/account".to_string(),
        ),
        Facts::BidsOpened {
            scenario,
            title,
            bids,
        } => (
            if zh {
                format!("「{title}」已开标")
            } else {
                format!("Bids opened: {title}")
            },
            if zh {
                format!("投标截止，共收到 {bids} 份有效投标，进入专家评审。")
            } else {
                format!("Bidding closed with {bids} valid bid(s); expert evaluation follows.")
            },
            format!("/scenarios/{scenario}"),
        ),
        Facts::DeadlineExtended {
            scenario,
            title,
            after,
        } => (
            if zh {
                format!("「{title}」投标截止时间延长")
            } else {
                format!("Deadline extended: {title}")
            },
            if zh {
                format!(
                    "新的投标截止时间为北京时间 {}。",
                    crate::beijing::minute(*after)
                )
            } else {
                format!(
                    "Bids are now due by {} (Beijing time).",
                    crate::beijing::minute(*after)
                )
            },
            format!("/scenarios/{scenario}"),
        ),
        Facts::QuestionAnswered {
            scenario,
            title,
            question,
            answer,
        } => (
            if zh {
                format!("「{title}」的问题有了答复")
            } else {
                format!("Question answered: {title}")
            },
            if zh {
                format!("问：{}\n答：{}", clip(question, 80), clip(answer, 200))
            } else {
                format!("Q: {}\nA: {}", clip(question, 80), clip(answer, 200))
            },
            format!("/scenarios/{scenario}#qa"),
        ),
        Facts::DeadlineReminder {
            scenario,
            title,
            deadline,
        } => (
            if zh {
                format!("「{title}」明天截止投标")
            } else {
                format!("Bids due tomorrow: {title}")
            },
            if zh {
                format!(
                    "投标截止时间为北京时间 {}，请及时提交。",
                    crate::beijing::minute(*deadline)
                )
            } else {
                format!(
                    "Bids are due by {} (Beijing time).",
                    crate::beijing::minute(*deadline)
                )
            },
            format!("/scenarios/{scenario}"),
        ),
        Facts::ScenarioMatch {
            scenario,
            title,
            agency,
            deadline,
        } => (
            if zh {
                format!("新场景：{title}")
            } else {
                format!("New scenario: {title}")
            },
            if zh {
                format!(
                    "{agency} 发布了符合您关注条件的场景，投标截止北京时间 {}。",
                    crate::beijing::minute(*deadline)
                )
            } else {
                format!(
                    "{agency} posted a scenario that fits your interests; bids are due by {} (Beijing time).",
                    crate::beijing::minute(*deadline)
                )
            },
            format!("/scenarios/{scenario}"),
        ),
        Facts::Invitation {
            scenario,
            title,
            agency,
            message,
        } => (
            if zh {
                format!("{agency} 邀请贵方参与「{title}」投标")
            } else {
                format!("{agency} invites you to bid on {title}")
            },
            clip(message, 300),
            format!("/scenarios/{scenario}"),
        ),
        Facts::PanelAssigned { scenario, title } => (
            if zh {
                format!("您被选为「{title}」的评审专家")
            } else {
                format!("You are on the panel of {title}")
            },
            if zh {
                "请先声明利益冲突，开标后即可评分。".to_string()
            } else {
                "Declare any conflict of interest first; scoring opens with the bids.".to_string()
            },
            format!("/evaluate/{scenario}"),
        ),
        Facts::AwardResult {
            scenario,
            title,
            rank,
            total,
            won,
        } => (
            if zh {
                format!("「{title}」评审结果")
            } else {
                format!("Result: {title}")
            },
            match (zh, won) {
                (true, true) => format!("恭喜，贵方投标中标：排名第 {rank}，总分 {total:.2}。"),
                (true, false) => format!("贵方投标排名第 {rank}，总分 {total:.2}，未中标。"),
                (false, true) => {
                    format!("Your bid won: ranked {rank} with a total of {total:.2}.")
                }
                (false, false) => {
                    format!("Your bid ranked {rank} with a total of {total:.2}; it did not win.")
                }
            },
            format!("/scenarios/{scenario}/result"),
        ),
        Facts::RatingReceived {
            vendor,
            title,
            stars,
        } => (
            if zh {
                format!("「{title}」的采购方给出了评价")
            } else {
                format!("A rating for your work on {title}")
            },
            if zh {
                format!("平均 {stars:.1} 星（满分 5 星）。可在机构主页查看并回复。")
            } else {
                format!("{stars:.1} of 5 stars on average. Read and reply on your profile.")
            },
            format!("/organizations/{vendor}"),
        ),
        Facts::ChallengeFiled {
            scenario,
            title,
            vendor,
            due,
        } => (
            if zh {
                format!("「{title}」的中标结果收到质疑")
            } else {
                format!("The award of {title} is challenged")
            },
            if zh {
                format!(
                    "{vendor} 对中标结果提出质疑。请在北京时间 {} 前书面答复；质疑未答复前不能确认交付。",
                    crate::beijing::minute(*due)
                )
            } else {
                format!(
                    "{vendor} challenged the award. Answer in writing before {} (Beijing time); delivery cannot be marked while it is open.",
                    crate::beijing::minute(*due)
                )
            },
            format!("/scenarios/{scenario}/challenges"),
        ),
        Facts::ChallengeReminder {
            scenario,
            title,
            vendor,
            due,
            last,
        } => (
            match (zh, last) {
                (true, false) => format!("请尽快答复「{title}」的质疑"),
                (true, true) => format!("今天是答复「{title}」质疑的最后一个工作日"),
                (false, false) => format!("A challenge to {title} waits for your answer"),
                (false, true) => format!("Last working day to answer the challenge to {title}"),
            },
            if zh {
                format!(
                    "{vendor} 的质疑尚未答复，答复期限为北京时间 {}。",
                    crate::beijing::minute(*due)
                )
            } else {
                format!(
                    "The challenge of {vendor} is not answered yet; the answer is due before {} (Beijing time).",
                    crate::beijing::minute(*due)
                )
            },
            format!("/scenarios/{scenario}/challenges"),
        ),
        Facts::ChallengeAnswered {
            scenario,
            title,
            vendor,
            upheld,
        } => (
            if zh {
                format!("「{title}」的质疑已答复")
            } else {
                format!("Challenge answered: {title}")
            },
            match (zh, upheld) {
                (true, true) => {
                    format!("采购方认定 {vendor} 的质疑成立，原中标结果撤销，场景回到评审阶段。")
                }
                (true, false) => format!("采购方驳回了 {vendor} 的质疑，中标结果不变。"),
                (false, true) => format!(
                    "The agency upheld the challenge of {vendor}: the award is withdrawn and the bids are evaluated again."
                ),
                (false, false) => {
                    format!("The agency rejected the challenge of {vendor}: the award stands.")
                }
            },
            format!("/scenarios/{scenario}/challenges"),
        ),
        Facts::Contract {
            step,
            scenario,
            title,
            party,
            milestone,
            amount_fen,
            due,
        } => super::contract_texts::render(
            zh,
            *step,
            *scenario,
            title,
            party,
            milestone,
            *amount_fen,
            *due,
        ),
        Facts::Consortium {
            step,
            scenario,
            title,
            name,
            party,
            accepted,
        } => super::contract_texts::consortium(zh, *step, *scenario, title, name, party, *accepted),
    }
}
