//! In-app notifications: what happened that someone must hear of, in their own language.
//!
//! A domain event that notifies leaves a [`Notice`] in an outbox, in the same transaction as
//! the change. The job worker turns each notice into one notification per recipient (who
//! they are is read then) and removes it, in one transaction. A notification's key (the
//! notice it came from) is unique per recipient, so a notice handled twice notifies once.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::contract::event::ContractEvent;
use crate::event::DomainEvent;
use crate::ids::{ContractId, UserId};
use crate::locale::Locale;

mod contract_texts;
#[cfg(test)]
mod tests;
mod texts;

pub use texts::render;

/// How long before a bid deadline its followers are reminded.
pub const REMIND_BEFORE: chrono::Duration = chrono::Duration::hours(24);

/// The kinds of notification (the API's `kind`; stored in e-mail jobs as its code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
    ContractToConfirm,
    ContractNoticeDue,
    ContractVoided,
    MilestoneSubmitted,
    MilestoneAccepted,
    MilestoneReturned,
    AmendmentProposed,
    PaymentRecorded,
    PaymentDue,
    PaymentOverdue,
    ConsortiumInvitation,
    ConsortiumAnswered,
    ConsortiumAgreement,
    ConsortiumAgreed,
}

impl Kind {
    pub const ALL: [Kind; 27] = [
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
        Kind::ContractToConfirm,
        Kind::ContractNoticeDue,
        Kind::ContractVoided,
        Kind::MilestoneSubmitted,
        Kind::MilestoneAccepted,
        Kind::MilestoneReturned,
        Kind::AmendmentProposed,
        Kind::PaymentRecorded,
        Kind::PaymentDue,
        Kind::PaymentOverdue,
        Kind::ConsortiumInvitation,
        Kind::ConsortiumAnswered,
        Kind::ConsortiumAgreement,
        Kind::ConsortiumAgreed,
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
            Kind::ContractToConfirm => "contract_to_confirm",
            Kind::ContractNoticeDue => "contract_notice_due",
            Kind::ContractVoided => "contract_voided",
            Kind::MilestoneSubmitted => "milestone_submitted",
            Kind::MilestoneAccepted => "milestone_accepted",
            Kind::MilestoneReturned => "milestone_returned",
            Kind::AmendmentProposed => "amendment_proposed",
            Kind::PaymentRecorded => "payment_recorded",
            Kind::PaymentDue => "payment_due",
            Kind::PaymentOverdue => "payment_overdue",
            Kind::ConsortiumInvitation => "consortium_invitation",
            Kind::ConsortiumAnswered => "consortium_answered",
            Kind::ConsortiumAgreement => "consortium_agreement",
            Kind::ConsortiumAgreed => "consortium_agreed",
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
            Kind::ContractToConfirm => ("待确认合同", "Contract to confirm"),
            Kind::ContractNoticeDue => ("合同公告提醒", "Contract notice due"),
            Kind::ContractVoided => ("合同作废", "Contract voided"),
            Kind::MilestoneSubmitted => ("里程碑待验收", "Milestone submitted"),
            Kind::MilestoneAccepted => ("里程碑通过验收", "Milestone accepted"),
            Kind::MilestoneReturned => ("里程碑被退回", "Milestone returned"),
            Kind::AmendmentProposed => ("合同变更待确认", "Amendment to confirm"),
            Kind::PaymentRecorded => ("付款登记", "Payment recorded"),
            Kind::PaymentDue => ("付款到期提醒", "Payment due"),
            Kind::PaymentOverdue => ("付款逾期", "Payment overdue"),
            Kind::ConsortiumInvitation => ("联合体邀请", "Consortium invitation"),
            Kind::ConsortiumAnswered => ("联合体邀请答复", "Consortium invitation answered"),
            Kind::ConsortiumAgreement => ("联合体协议待确认", "Consortium agreement to confirm"),
            Kind::ConsortiumAgreed => ("联合体协议已确认", "Consortium agreed"),
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
    /// A step of a contract's life (`step` is its kind): `item` is the milestone, payment or
    /// amendment it is about.
    Contract {
        step: Kind,
        contract: i64,
        item: Option<i64>,
    },
    /// A step of a consortium's forming (`step` is its kind); `vendor` the member it is about.
    Consortium {
        step: Kind,
        consortium: i64,
        vendor: i64,
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
            DomainEvent::Contract(e) => of_contract(e),
            DomainEvent::Consortium(e) => of_consortium(e),
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
            Notice::Contract {
                step: step @ (Kind::ContractNoticeDue | Kind::PaymentDue | Kind::PaymentOverdue),
                contract,
                item,
            } => format!("contract:{}:{contract}:{}", step.code(), item.unwrap_or(0)),
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
            Notice::Contract { step, .. } | Notice::Consortium { step, .. } => *step,
        }
    }
}

/// The notice a step of a contract leaves, if anyone is to hear of it.
fn of_contract(e: &ContractEvent) -> Option<Notice> {
    use ContractEvent::*;
    let n = |step, contract: &ContractId, item: Option<i64>| Notice::Contract {
        step,
        contract: contract.0,
        item,
    };
    match e {
        Recorded(c) => Some(n(Kind::ContractToConfirm, &c.id, None)),
        Submitted {
            contract,
            milestone,
            ..
        } => Some(n(Kind::MilestoneSubmitted, contract, Some(milestone.0))),
        Reviewed {
            contract,
            milestone,
            accepted,
            ..
        } => Some(n(
            if *accepted {
                Kind::MilestoneAccepted
            } else {
                Kind::MilestoneReturned
            },
            contract,
            Some(milestone.0),
        )),
        AmendmentProposed { amendment, .. } => Some(n(
            Kind::AmendmentProposed,
            &amendment.contract,
            Some(amendment.id.0),
        )),
        PaymentRecorded { payment, .. } => Some(n(
            Kind::PaymentRecorded,
            &payment.contract,
            Some(payment.id.0),
        )),
        Voided { contract, .. } => Some(n(Kind::ContractVoided, contract, None)),
        Confirmed { .. } | FileAttached { .. } | AmendmentAnswered { .. } => None,
    }
}

/// The notice a step of a consortium leaves: its members hear of it, nobody else.
fn of_consortium(e: &crate::team::event::ConsortiumEvent) -> Option<Notice> {
    use crate::team::event::ConsortiumEvent::*;
    let n = |step, consortium: &crate::ids::ConsortiumId, vendor: &crate::ids::OrganizationId| {
        Notice::Consortium {
            step,
            consortium: consortium.0,
            vendor: vendor.0,
        }
    };
    match e {
        Formed(_) => None,
        Invited {
            consortium, vendor, ..
        } => Some(n(Kind::ConsortiumInvitation, consortium, vendor)),
        Answered {
            consortium, vendor, ..
        } => Some(n(Kind::ConsortiumAnswered, consortium, vendor)),
        AgreementWritten { consortium, .. } => Some(Notice::Consortium {
            step: Kind::ConsortiumAgreement,
            consortium: consortium.0,
            vendor: 0,
        }),
        Confirmed {
            consortium,
            vendor,
            agreed: true,
            ..
        } => Some(n(Kind::ConsortiumAgreed, consortium, vendor)),
        Confirmed { .. } => None,
    }
}

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
    /// A step of a contract (`step` is its kind).
    Contract {
        step: Kind,
        scenario: i64,
        title: String,
        /// The other party's name.
        party: String,
        /// The milestone's title (empty for the contract as a whole).
        milestone: String,
        /// The payment's amount, or the milestone's.
        amount_fen: i64,
        /// The day something is due by (the notice, the payment), when there is one.
        due: Option<chrono::NaiveDate>,
    },
    /// A step of a consortium's forming (`step` is its kind).
    Consortium {
        step: Kind,
        scenario: i64,
        title: String,
        /// The consortium's name.
        name: String,
        /// The vendor the step is about (the lead who invites, the member who answered).
        party: String,
        accepted: bool,
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
            Facts::Contract { step, .. } | Facts::Consortium { step, .. } => *step,
        }
    }
}
