//! In-app notifications: what happened that someone must hear of, in their own language.
//!
//! A domain event that notifies leaves a [`Notice`] in an outbox, in the same transaction as
//! the change. The job worker turns each notice into one notification per recipient (who
//! they are is read then) and removes it, in one transaction. A notification's key (the
//! notice it came from) is unique per recipient, so a notice handled twice notifies once.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use crate::account::Locale;
use crate::event::DomainEvent;
use crate::ids::UserId;

/// How long before a bid deadline its followers are reminded.
pub const REMIND_BEFORE: chrono::Duration = chrono::Duration::hours(24);

/// The kinds of notification (the API's `kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    ScenarioMatch,
    Invitation,
    QuestionAnswered,
    DeadlineExtended,
    DeadlineReminder,
    BidsOpened,
    PanelAssigned,
    AwardResult,
    RatingReceived,
    OrganizationVerified,
    ChallengeFiled,
    ChallengeReminder,
    ChallengeAnswered,
}

impl Kind {
    pub const ALL: [Kind; 13] = [
        Kind::ScenarioMatch,
        Kind::Invitation,
        Kind::QuestionAnswered,
        Kind::DeadlineExtended,
        Kind::DeadlineReminder,
        Kind::BidsOpened,
        Kind::PanelAssigned,
        Kind::AwardResult,
        Kind::RatingReceived,
        Kind::OrganizationVerified,
        Kind::ChallengeFiled,
        Kind::ChallengeReminder,
        Kind::ChallengeAnswered,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Kind::ScenarioMatch => "scenario_match",
            Kind::Invitation => "invitation",
            Kind::QuestionAnswered => "question_answered",
            Kind::DeadlineExtended => "deadline_extended",
            Kind::DeadlineReminder => "deadline_reminder",
            Kind::BidsOpened => "bids_opened",
            Kind::PanelAssigned => "panel_assigned",
            Kind::AwardResult => "award_result",
            Kind::RatingReceived => "rating_received",
            Kind::OrganizationVerified => "organization_verified",
            Kind::ChallengeFiled => "challenge_filed",
            Kind::ChallengeReminder => "challenge_reminder",
            Kind::ChallengeAnswered => "challenge_answered",
        }
    }

    pub fn parse(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The kind's name for people.
    pub fn label(self, locale: Locale) -> &'static str {
        let (zh, en) = match self {
            Kind::ScenarioMatch => ("匹配的新场景", "Matching scenario"),
            Kind::Invitation => ("投标邀请", "Invitation"),
            Kind::QuestionAnswered => ("问题答复", "Question answered"),
            Kind::DeadlineExtended => ("截止时间延长", "Deadline extended"),
            Kind::DeadlineReminder => ("截止提醒", "Deadline reminder"),
            Kind::BidsOpened => ("开标", "Bids opened"),
            Kind::PanelAssigned => ("评审任务", "Panel assignment"),
            Kind::AwardResult => ("评审结果", "Award result"),
            Kind::RatingReceived => ("收到评价", "Rating received"),
            Kind::OrganizationVerified => ("机构认证", "Organization verified"),
            Kind::ChallengeFiled => ("收到质疑", "Challenge received"),
            Kind::ChallengeReminder => ("质疑答复提醒", "Challenge answer due"),
            Kind::ChallengeAnswered => ("质疑答复", "Challenge answered"),
        };
        pick(locale, zh, en)
    }
}

fn pick(locale: Locale, zh: &'static str, en: &'static str) -> &'static str {
    match locale {
        Locale::ZhCn => zh,
        Locale::En => en,
    }
}

/// What happened, as the outbox keeps it until the worker delivers it. Ids are raw numbers
/// so that the stored form does not depend on the id types.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    OrganizationVerified {
        org: i64,
    },
    BidsOpened {
        scenario: i64,
        bids: i64,
    },
    DeadlineExtended {
        scenario: i64,
        after: DateTime<Utc>,
    },
    QuestionAnswered {
        question: i64,
    },
    /// A vendor was invited to bid.
    Invitation {
        invitation: i64,
    },
    /// A scenario was published: the vendors whose interests or saved searches it fits.
    ScenarioPublished {
        scenario: i64,
    },
    /// A day before the deadline, for the followers.
    DeadlineReminder {
        scenario: i64,
        deadline: DateTime<Utc>,
    },
    /// Evaluators newly on a scenario's panel.
    PanelAssigned {
        scenario: i64,
        evaluators: Vec<i64>,
    },
    /// The award was made: every bidder hears its own rank and total.
    AwardResult {
        scenario: i64,
    },
    RatingReceived {
        scenario: i64,
        vendor: i64,
        /// The mean of the three marks (1–5).
        stars: f64,
    },
    /// A bidder challenged the award: the owner hears of it.
    ChallengeFiled {
        challenge: i64,
    },
    /// The owner is reminded of an unanswered challenge (`nth`: 1 on the 5th working day, 2
    /// on the last).
    ChallengeReminder {
        challenge: i64,
        nth: u8,
    },
    /// The owner answered: every bidder hears of the decision.
    ChallengeAnswered {
        challenge: i64,
    },
}

impl Notice {
    /// The notice an event leaves, if it notifies anyone.
    pub fn of(event: &DomainEvent) -> Option<Notice> {
        match event {
            // Verification granted (not its withdrawal, nor an OPC change alone).
            DomainEvent::OrganizationVerified { org, before, after } if after.0 && !before.0 => {
                Some(Notice::OrganizationVerified { org: org.0 })
            }
            DomainEvent::BidsOpened { scenario, bids, .. } => Some(Notice::BidsOpened {
                scenario: scenario.0,
                bids: *bids,
            }),
            DomainEvent::DeadlineExtended {
                scenario, after, ..
            } => Some(Notice::DeadlineExtended {
                scenario: scenario.0,
                after: *after,
            }),
            DomainEvent::QuestionAnswered { question, .. } => Some(Notice::QuestionAnswered {
                question: question.0,
            }),
            DomainEvent::PanelAssigned {
                scenario,
                before,
                after,
                ..
            } => {
                let new: Vec<i64> = after
                    .iter()
                    .filter(|u| !before.contains(u))
                    .map(|u| u.0)
                    .collect();
                (!new.is_empty()).then_some(Notice::PanelAssigned {
                    scenario: scenario.0,
                    evaluators: new,
                })
            }
            DomainEvent::VendorInvited(i) => Some(Notice::Invitation { invitation: i.id }),
            DomainEvent::ScenarioPublished { scenario, .. } => Some(Notice::ScenarioPublished {
                scenario: scenario.0,
            }),
            DomainEvent::AwardMade { scenario, .. } => Some(Notice::AwardResult {
                scenario: scenario.0,
            }),
            DomainEvent::ChallengeFiled(c) => Some(Notice::ChallengeFiled { challenge: c.id.0 }),
            DomainEvent::ChallengeAnswered { challenge, .. } => Some(Notice::ChallengeAnswered {
                challenge: challenge.0,
            }),
            DomainEvent::Rated(r) => Some(Notice::RatingReceived {
                scenario: r.scenario.0,
                vendor: r.vendor.0,
                stars: f64::from(r.quality + r.timeliness + r.communication) / 3.0,
            }),
            _ => None,
        }
    }

    /// What makes a notification from this notice unique for its recipient: the outbox entry
    /// it came from; for a reminder, the scenario and deadline it reminds of (a reminder job
    /// that runs twice reminds once).
    pub fn key(&self, outbox_id: i64) -> String {
        match self {
            Notice::DeadlineReminder { scenario, deadline } => {
                format!("reminder:{scenario}:{}", deadline.timestamp())
            }
            Notice::ChallengeReminder { challenge, nth } => {
                format!("challenge-reminder:{challenge}:{nth}")
            }
            _ => format!("notice:{outbox_id}"),
        }
    }

    pub fn kind(&self) -> Kind {
        match self {
            Notice::OrganizationVerified { .. } => Kind::OrganizationVerified,
            Notice::BidsOpened { .. } => Kind::BidsOpened,
            Notice::DeadlineExtended { .. } => Kind::DeadlineExtended,
            Notice::QuestionAnswered { .. } => Kind::QuestionAnswered,
            Notice::DeadlineReminder { .. } => Kind::DeadlineReminder,
            Notice::Invitation { .. } => Kind::Invitation,
            Notice::ScenarioPublished { .. } => Kind::ScenarioMatch,
            Notice::PanelAssigned { .. } => Kind::PanelAssigned,
            Notice::AwardResult { .. } => Kind::AwardResult,
            Notice::RatingReceived { .. } => Kind::RatingReceived,
            Notice::ChallengeFiled { .. } => Kind::ChallengeFiled,
            Notice::ChallengeReminder { .. } => Kind::ChallengeReminder,
            Notice::ChallengeAnswered { .. } => Kind::ChallengeAnswered,
        }
    }
}

/// An agency's invitation to a vendor to bid on its scenario. Only the two see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: i64,
    pub scenario: crate::scenario::ScenarioId,
    pub vendor: crate::ids::OrganizationId,
    pub invited_by: UserId,
    pub message: String,
    pub created_at: DateTime<Utc>,
}

/// The longest invitation message, in characters.
pub const MAX_INVITATION: usize = 1000;

/// A notification to be written for one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    /// Waits for the recipient's daily digest.
    pub digest: bool,
    pub user: UserId,
    pub kind: Kind,
    /// Unique per recipient: the notice it came from.
    pub key: String,
    pub title: String,
    pub body: String,
    pub link: String,
}

/// A stored notification, as its recipient reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: i64,
    pub user: UserId,
    pub kind: Kind,
    pub title: String,
    pub body: String,
    pub link: String,
    pub read: bool,
    pub created_at: DateTime<Utc>,
}

/// Which of a user's notifications to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotificationFilter {
    pub unread_only: bool,
    pub kind: Option<Kind>,
    pub limit: i64,
    pub offset: i64,
}

/// The facts a notification's text is made of, read by the worker (and carried by its
/// e-mail, whose template shows them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Facts {
    OrganizationVerified {
        org_name: String,
    },
    BidsOpened {
        scenario: i64,
        title: String,
        bids: i64,
    },
    DeadlineExtended {
        scenario: i64,
        title: String,
        after: DateTime<Utc>,
    },
    QuestionAnswered {
        scenario: i64,
        title: String,
        question: String,
        answer: String,
    },
    DeadlineReminder {
        scenario: i64,
        title: String,
        deadline: DateTime<Utc>,
    },
    Invitation {
        scenario: i64,
        title: String,
        agency: String,
        message: String,
    },
    ScenarioMatch {
        scenario: i64,
        title: String,
        agency: String,
        deadline: DateTime<Utc>,
    },
    PanelAssigned {
        scenario: i64,
        title: String,
    },
    /// One bidder's own result.
    AwardResult {
        scenario: i64,
        title: String,
        rank: usize,
        total: f64,
        won: bool,
    },
    RatingReceived {
        vendor: i64,
        title: String,
        stars: f64,
    },
    ChallengeFiled {
        scenario: i64,
        title: String,
        vendor: String,
        due: DateTime<Utc>,
    },
    ChallengeReminder {
        scenario: i64,
        title: String,
        vendor: String,
        due: DateTime<Utc>,
        /// The reminder on the last working day.
        last: bool,
    },
    ChallengeAnswered {
        scenario: i64,
        title: String,
        vendor: String,
        upheld: bool,
    },
}

impl Facts {
    pub fn kind(&self) -> Kind {
        match self {
            Facts::OrganizationVerified { .. } => Kind::OrganizationVerified,
            Facts::BidsOpened { .. } => Kind::BidsOpened,
            Facts::DeadlineExtended { .. } => Kind::DeadlineExtended,
            Facts::QuestionAnswered { .. } => Kind::QuestionAnswered,
            Facts::DeadlineReminder { .. } => Kind::DeadlineReminder,
            Facts::Invitation { .. } => Kind::Invitation,
            Facts::ScenarioMatch { .. } => Kind::ScenarioMatch,
            Facts::PanelAssigned { .. } => Kind::PanelAssigned,
            Facts::AwardResult { .. } => Kind::AwardResult,
            Facts::RatingReceived { .. } => Kind::RatingReceived,
            Facts::ChallengeFiled { .. } => Kind::ChallengeFiled,
            Facts::ChallengeReminder { .. } => Kind::ChallengeReminder,
            Facts::ChallengeAnswered { .. } => Kind::ChallengeAnswered,
        }
    }
}

/// Beijing time, as people in the market read it.
pub(crate) fn beijing(t: DateTime<Utc>) -> String {
    let offset = FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    t.with_timezone(&offset)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

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
                format!("新的投标截止时间为北京时间 {}。", beijing(*after))
            } else {
                format!("Bids are now due by {} (Beijing time).", beijing(*after))
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
                    beijing(*deadline)
                )
            } else {
                format!("Bids are due by {} (Beijing time).", beijing(*deadline))
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
                    beijing(*deadline)
                )
            } else {
                format!(
                    "{agency} posted a scenario that fits your interests; bids are due by {} (Beijing time).",
                    beijing(*deadline)
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
                    beijing(*due)
                )
            } else {
                format!(
                    "{vendor} challenged the award. Answer in writing before {} (Beijing time); delivery cannot be marked while it is open.",
                    beijing(*due)
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
                    beijing(*due)
                )
            } else {
                format!(
                    "The challenge of {vendor} is not answered yet; the answer is due before {} (Beijing time).",
                    beijing(*due)
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::OrganizationId;
    use crate::scenario::ScenarioId;

    #[test]
    fn kinds_round_trip_through_their_codes() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.code()), Some(k));
        }
        assert_eq!(Kind::parse("nope"), None);
    }

    #[test]
    fn only_a_granted_verification_notifies() {
        let granted = DomainEvent::OrganizationVerified {
            org: OrganizationId(7),
            before: (false, false),
            after: (true, false),
        };
        assert_eq!(
            Notice::of(&granted),
            Some(Notice::OrganizationVerified { org: 7 })
        );
        let opc_only = DomainEvent::OrganizationVerified {
            org: OrganizationId(7),
            before: (true, false),
            after: (true, true),
        };
        assert_eq!(Notice::of(&opc_only), None);
        let withdrawn = DomainEvent::OrganizationVerified {
            org: OrganizationId(7),
            before: (true, false),
            after: (false, false),
        };
        assert_eq!(Notice::of(&withdrawn), None);
    }

    #[test]
    fn a_panel_change_notifies_only_the_evaluators_it_adds() {
        use crate::ids::UserId;
        let changed = DomainEvent::PanelAssigned {
            scenario: ScenarioId(4),
            before: vec![UserId(1), UserId(2)],
            after: vec![UserId(2), UserId(3)],
            how: serde_json::json!({}),
        };
        assert_eq!(
            Notice::of(&changed),
            Some(Notice::PanelAssigned {
                scenario: 4,
                evaluators: vec![3]
            })
        );
        let same = DomainEvent::PanelAssigned {
            scenario: ScenarioId(4),
            before: vec![UserId(2)],
            after: vec![UserId(2)],
            how: serde_json::json!({}),
        };
        assert_eq!(Notice::of(&same), None);
    }

    #[test]
    fn results_speak_of_the_recipients_own_bid() {
        let lost = Facts::AwardResult {
            scenario: 2,
            title: "河道巡检".into(),
            rank: 2,
            total: 81.456,
            won: false,
        };
        let (title, body, link) = render(&lost, Locale::ZhCn);
        assert_eq!(title, "「河道巡检」评审结果");
        assert_eq!(body, "贵方投标排名第 2，总分 81.46，未中标。");
        assert_eq!(link, "/scenarios/2/result");
        let (_, body, _) = render(
            &Facts::AwardResult {
                scenario: 2,
                title: "河道巡检".into(),
                rank: 1,
                total: 81.456,
                won: true,
            },
            Locale::En,
        );
        assert_eq!(body, "Your bid won: ranked 1 with a total of 81.46.");
    }

    #[test]
    fn notices_are_stored_as_tagged_json() {
        let n = Notice::BidsOpened {
            scenario: 3,
            bids: 2,
        };
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(json, r#"{"kind":"bids_opened","scenario":3,"bids":2}"#);
        assert_eq!(serde_json::from_str::<Notice>(&json).unwrap(), n);
        let opened = DomainEvent::BidsOpened {
            scenario: ScenarioId(3),
            deadline: Utc::now(),
            bids: 2,
        };
        assert_eq!(
            Notice::of(&opened).map(|n| n.kind()),
            Some(Kind::BidsOpened)
        );
    }

    #[test]
    fn texts_are_in_the_recipients_language_and_in_beijing_time() {
        let f = Facts::DeadlineExtended {
            scenario: 9,
            title: "河道巡检".into(),
            after: "2026-12-31T09:00:00Z".parse().unwrap(),
        };
        let (title, body, link) = render(&f, Locale::ZhCn);
        assert_eq!(title, "「河道巡检」投标截止时间延长");
        assert!(body.contains("2026-12-31 17:00"), "{body}");
        assert_eq!(link, "/scenarios/9");
        let (title, body, _) = render(&f, Locale::En);
        assert_eq!(title, "Deadline extended: 河道巡检");
        assert!(body.contains("2026-12-31 17:00 (Beijing time)"), "{body}");
    }

    #[test]
    fn long_answers_are_clipped() {
        let f = Facts::QuestionAnswered {
            scenario: 1,
            title: "t".into(),
            question: "问".repeat(100),
            answer: "答".repeat(300),
        };
        let (_, body, _) = render(&f, Locale::ZhCn);
        assert!(body.contains(&format!("{}…", "答".repeat(200))));
        assert!(!body.contains(&"答".repeat(201)));
    }
}
