//! The audit actions: one name for each kind of domain event, as the audit trail records it,
//! its browser filters it and the open-data releases store it.

/// Declares the actions with their recorded names.
macro_rules! actions {
    ($($variant:ident => $code:literal,)*) => {
        /// What an audit record tells of (derived from the event by
        /// [`crate::event::DomainEvent::action`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum AuditAction {
            $($variant,)*
        }

        impl AuditAction {
            /// Every action.
            pub const ALL: &[AuditAction] = &[$(AuditAction::$variant,)*];

            /// The recorded name (`scenario.publish`).
            pub fn code(self) -> &'static str {
                match self {
                    $(AuditAction::$variant => $code,)*
                }
            }
        }
    };
}

actions! {
    OrganizationRegister => "organization.register",
    UserRegister => "user.register",
    SessionReuseDetected => "session.reuse_detected",
    UserCreate => "user.create",
    UserStatusChange => "user.status_change",
    UserRoleChange => "user.role_change",
    OrganizationVerify => "organization.verify",
    OrganizationUpdate => "organization.update",
    UserPasswordReset => "user.password_reset",
    UserPasswordChange => "user.password_change",
    OrganizationCreate => "organization.create",
    ScenarioCreate => "scenario.create",
    ScenarioEdit => "scenario.edit",
    ScenarioPublish => "scenario.publish",
    ScenarioExtend => "scenario.extend",
    ScenarioCancel => "scenario.cancel",
    ScenarioOpenBids => "scenario.open_bids",
    QuestionAsk => "question.ask",
    QuestionAnswer => "question.answer",
    BidSubmit => "bid.submit",
    BidRevise => "bid.revise",
    BidAttach => "bid.attach",
    BidDetach => "bid.detach",
    BidWithdraw => "bid.withdraw",
    PanelSet => "panel.set",
    PanelDeclare => "panel.declare",
    ScoreSave => "score.save",
    PanelDissent => "panel.dissent",
    ScenarioAward => "scenario.award",
    ScenarioDeliver => "scenario.deliver",
    RatingCreate => "rating.create",
    RatingReply => "rating.reply",
    SearchSynonyms => "search.synonyms",
    ScenarioInvite => "scenario.invite",
    BidLowPriceExplained => "bid.low_price_explained",
    JobRetry => "job.retry",
    ChallengeFile => "challenge.file",
    ChallengeAttach => "challenge.attach",
    ChallengeAnswer => "challenge.answer",
    ScenarioAwardWithdraw => "scenario.award_withdraw",
    UserFeedTokenReset => "user.feed_token_reset",
    UserSignOutEverywhere => "user.sign_out_everywhere",
    ContractRecord => "contract.record",
    ContractConfirm => "contract.confirm",
    ContractAttach => "contract.attach",
    ContractVoid => "contract.void",
    MilestoneSubmit => "milestone.submit",
    MilestoneAccept => "milestone.accept",
    MilestoneReturn => "milestone.return",
    AmendmentPropose => "amendment.propose",
    AmendmentConfirm => "amendment.confirm",
    AmendmentDecline => "amendment.decline",
    PaymentRecord => "payment.record",
    PaymentReverse => "payment.reverse",
    ConsortiumForm => "consortium.form",
    ConsortiumInvite => "consortium.invite",
    ConsortiumAnswer => "consortium.answer",
    ConsortiumAgreement => "consortium.agreement",
    ConsortiumConfirm => "consortium.confirm",
}

impl AuditAction {
    /// The action of a recorded name.
    pub fn parse(code: &str) -> Option<AuditAction> {
        AuditAction::ALL.iter().copied().find(|a| a.code() == code)
    }
}

impl serde::Serialize for AuditAction {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_its_own_name_and_reads_back() {
        let mut names = std::collections::HashSet::new();
        for a in AuditAction::ALL {
            assert!(names.insert(a.code()), "{} twice", a.code());
            assert_eq!(AuditAction::parse(a.code()), Some(*a));
            assert!(a.code().contains('.'));
        }
        assert_eq!(AuditAction::parse("user.delete"), None);
    }
}
