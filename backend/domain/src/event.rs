//! Domain events: everything that happens in the marketplace, as the services record it inside
//! the transaction that made it happen. The audit record is derived from the event here, and
//! only here, so that action names are spelt in one place; the notification fan-out (a later
//! issue) is derived from the same events.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::account::{Organization, Role, User};
use crate::audit::{AuditAction, AuditDraft};
use crate::bid::{BidId, BidStatus};
use crate::evaluation::Rating;
use crate::ids::{OrganizationId, SessionId, UserId};
use crate::scenario::{AnswerId, QuestionId, Scenario, ScenarioId, Status};
use crate::search::DocRef;

/// Which change made a new version of a bid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BidChange {
    Submitted,
    Revised,
    FileAttached,
    FileRemoved,
}

impl BidChange {
    /// The move that makes the change (what a refusal names).
    pub fn verb(self) -> crate::scenario::Move {
        use crate::scenario::Move;
        match self {
            BidChange::Submitted => Move::Bid,
            BidChange::Revised => Move::Revise,
            BidChange::FileAttached => Move::Attach,
            BidChange::FileRemoved => Move::Detach,
        }
    }
}

/// Something that happened.
#[derive(Debug, Clone, PartialEq)]
pub enum DomainEvent {
    /// A new agency or vendor organization registered (with its first user).
    OrganizationRegistered(Organization),
    UserRegistered(User),
    /// A refresh token was presented a second time: its session was ended.
    SessionReplayed {
        user: UserId,
        session: SessionId,
    },
    /// An administrator created an evaluator or administrator.
    StaffUserCreated(User),
    UserActiveChanged {
        user: UserId,
        active: bool,
    },
    UserRoleChanged {
        user: UserId,
        before: Role,
        after: Role,
    },
    /// An administrator set an organization's verification and OPC membership.
    OrganizationVerified {
        org: OrganizationId,
        before: (bool, bool),
        after: (bool, bool),
    },
    OrganizationProfileEdited {
        before: Box<Organization>,
        after: Box<Organization>,
    },
    PasswordReset {
        user: UserId,
    },
    PasswordChanged {
        user: UserId,
    },
    /// An organization or user made by the command line or the demo data.
    OrganizationSeeded(Organization),
    UserSeeded(User),

    ScenarioCreated(Box<Scenario>),
    ScenarioEdited {
        before: Box<Scenario>,
        after: Box<Scenario>,
    },
    ScenarioPublished {
        scenario: ScenarioId,
        before: Status,
        deadline: DateTime<Utc>,
    },
    DeadlineExtended {
        scenario: ScenarioId,
        before: DateTime<Utc>,
        after: DateTime<Utc>,
    },
    ScenarioCancelled {
        scenario: ScenarioId,
        before: Status,
        reason: String,
    },
    /// The deadline passed and the bids were opened (their number is public from now on).
    BidsOpened {
        scenario: ScenarioId,
        deadline: DateTime<Utc>,
        bids: i64,
    },
    QuestionAsked {
        question: QuestionId,
        scenario: ScenarioId,
        body: String,
    },
    QuestionAnswered {
        question: QuestionId,
        answer: AnswerId,
        body: String,
    },

    /// A new version of a sealed bid: the record names only the scenario, the version and the
    /// content hash, never the content.
    BidVersionRecorded {
        bid: BidId,
        scenario: ScenarioId,
        change: BidChange,
        version: i32,
        content_sha256: String,
    },
    BidWithdrawn {
        bid: BidId,
        scenario: ScenarioId,
    },

    /// The evaluation panel was chosen or drawn (`how` says which, with a draw's seed and pool).
    PanelAssigned {
        scenario: ScenarioId,
        before: Vec<UserId>,
        after: Vec<UserId>,
        how: serde_json::Value,
    },
    ConflictDeclared {
        scenario: ScenarioId,
        has_conflict: bool,
        note: String,
    },
    ScoreSaved {
        bid: BidId,
        criterion: crate::scenario::CriterionId,
        before: Option<i32>,
        after: i32,
    },
    DissentWritten {
        scenario: ScenarioId,
        body: String,
    },
    AwardMade {
        scenario: ScenarioId,
        before: Status,
        bid: BidId,
        rank: usize,
        justification: Option<String>,
    },
    Delivered {
        scenario: ScenarioId,
        before: Status,
    },
    Rated(Box<Rating>),
    RatingReplied {
        rating: crate::ids::RatingId,
        reply: String,
    },
    /// An agency invited a vendor to bid on its scenario.
    VendorInvited(Box<crate::invitation::Invitation>),
    /// The owner recorded that the vendor of an abnormally low bid explained its price.
    LowPriceExplained {
        scenario: ScenarioId,
        bid: BidId,
        note: String,
    },
    /// A bidder challenged an award.
    ChallengeFiled(Box<crate::challenge::Challenge>),
    /// The challenger attached a PDF to its open challenge.
    ChallengeAttached {
        challenge: crate::ids::ChallengeId,
        scenario: ScenarioId,
        sha256: String,
        filename: String,
    },
    /// The owner answered a challenge.
    ChallengeAnswered {
        challenge: crate::ids::ChallengeId,
        scenario: ScenarioId,
        decision: crate::challenge::Decision,
        body: String,
    },
    /// An upheld challenge withdrew the award: the scenario is evaluated again. The withdrawn
    /// award notice is kept here, in the audit trail (and in the open data).
    AwardWithdrawn {
        scenario: ScenarioId,
        bid: BidId,
        awarded_at: DateTime<Utc>,
        challenge: crate::ids::ChallengeId,
        notice: serde_json::Value,
    },
    /// A user reset their private feed token (every earlier one stops working).
    FeedTokenReset {
        user: UserId,
    },
    /// A user signed out everywhere: every session ended, the feed token retired.
    SignedOutEverywhere {
        user: UserId,
    },
    /// An administrator put a parked job back in the queue.
    JobRetried {
        job: i64,
        kind: String,
    },
    /// An administrator saved the search thesaurus.
    SynonymsChanged {
        before: Vec<Vec<String>>,
        after: Vec<Vec<String>>,
    },
    /// A step of a contract's life.
    Contract(Box<crate::contract::event::ContractEvent>),
    /// A step of a consortium's forming (sealed with the scenario's bids).
    Consortium(Box<crate::team::event::ConsortiumEvent>),
}

impl DomainEvent {
    /// Whether the change can alter what the public reads (lists, scenarios, notices), and so
    /// moves the version that kept public answers are checked against. Sealed and private
    /// changes do not: a bid, its files, scores, panels and conflict declarations, a challenge
    /// not yet answered, an invitation, anything about sessions and passwords. (Were a bid to
    /// move it, the moment kept answers are renewed would tell that someone bid.) A new kind
    /// of event moves it unless it is named here.
    pub fn moves_public_version(&self) -> bool {
        use DomainEvent::*;
        !matches!(
            self,
            BidVersionRecorded { .. }
                | BidWithdrawn { .. }
                | ScoreSaved { .. }
                | DissentWritten { .. }
                | PanelAssigned { .. }
                | ConflictDeclared { .. }
                | ChallengeFiled(_)
                | ChallengeAttached { .. }
                | Consortium(_)
                | VendorInvited(_)
                | SessionReplayed { .. }
                | PasswordReset { .. }
                | PasswordChanged { .. }
                | FeedTokenReset { .. }
                | SignedOutEverywhere { .. }
                | JobRetried { .. }
        )
    }

    /// The audit action of the event (every action comes from an event).
    pub fn action(&self) -> AuditAction {
        use DomainEvent::*;
        match self {
            OrganizationRegistered(_) => AuditAction::OrganizationRegister,
            UserRegistered(_) => AuditAction::UserRegister,
            SessionReplayed { .. } => AuditAction::SessionReuseDetected,
            StaffUserCreated(_) | UserSeeded(_) => AuditAction::UserCreate,
            UserActiveChanged { .. } => AuditAction::UserStatusChange,
            UserRoleChanged { .. } => AuditAction::UserRoleChange,
            OrganizationVerified { .. } => AuditAction::OrganizationVerify,
            OrganizationProfileEdited { .. } => AuditAction::OrganizationUpdate,
            PasswordReset { .. } => AuditAction::UserPasswordReset,
            PasswordChanged { .. } => AuditAction::UserPasswordChange,
            OrganizationSeeded(_) => AuditAction::OrganizationCreate,
            ScenarioCreated(_) => AuditAction::ScenarioCreate,
            ScenarioEdited { .. } => AuditAction::ScenarioEdit,
            ScenarioPublished { .. } => AuditAction::ScenarioPublish,
            DeadlineExtended { .. } => AuditAction::ScenarioExtend,
            ScenarioCancelled { .. } => AuditAction::ScenarioCancel,
            BidsOpened { .. } => AuditAction::ScenarioOpenBids,
            QuestionAsked { .. } => AuditAction::QuestionAsk,
            QuestionAnswered { .. } => AuditAction::QuestionAnswer,
            BidVersionRecorded { change, .. } => match change {
                BidChange::Submitted => AuditAction::BidSubmit,
                BidChange::Revised => AuditAction::BidRevise,
                BidChange::FileAttached => AuditAction::BidAttach,
                BidChange::FileRemoved => AuditAction::BidDetach,
            },
            BidWithdrawn { .. } => AuditAction::BidWithdraw,
            PanelAssigned { .. } => AuditAction::PanelSet,
            ConflictDeclared { .. } => AuditAction::PanelDeclare,
            ScoreSaved { .. } => AuditAction::ScoreSave,
            DissentWritten { .. } => AuditAction::PanelDissent,
            AwardMade { .. } => AuditAction::ScenarioAward,
            Delivered { .. } => AuditAction::ScenarioDeliver,
            Rated(_) => AuditAction::RatingCreate,
            RatingReplied { .. } => AuditAction::RatingReply,
            SynonymsChanged { .. } => AuditAction::SearchSynonyms,
            VendorInvited(_) => AuditAction::ScenarioInvite,
            LowPriceExplained { .. } => AuditAction::BidLowPriceExplained,
            JobRetried { .. } => AuditAction::JobRetry,
            Contract(e) => e.action(),
            Consortium(e) => e.action(),
            ChallengeFiled(_) => AuditAction::ChallengeFile,
            ChallengeAttached { .. } => AuditAction::ChallengeAttach,
            ChallengeAnswered { .. } => AuditAction::ChallengeAnswer,
            AwardWithdrawn { .. } => AuditAction::ScenarioAwardWithdraw,
            FeedTokenReset { .. } => AuditAction::UserFeedTokenReset,
            SignedOutEverywhere { .. } => AuditAction::UserSignOutEverywhere,
        }
    }

    /// The search documents the event may have changed: their index entries are brought up to
    /// date (put, or deleted when the document may no longer be searched). Bid events change
    /// none, so that nothing about bidding shows in the index or its timing.
    pub fn search_documents(&self) -> Vec<DocRef> {
        use DomainEvent::*;
        let scenario = |s: &ScenarioId| vec![DocRef::Scenario(*s)];
        let vendor = |o: &Organization| vec![DocRef::Vendor(o.id)];
        match self {
            OrganizationRegistered(o) | OrganizationSeeded(o) => vendor(o),
            OrganizationVerified { org, .. } => vec![DocRef::Vendor(*org)],
            OrganizationProfileEdited { after, .. } => vendor(after),
            Rated(r) => vec![DocRef::Vendor(r.vendor)],
            ScenarioCreated(s) => scenario(&s.id),
            ScenarioEdited { after, .. } => scenario(&after.id),
            ScenarioPublished { scenario: s, .. }
            | DeadlineExtended { scenario: s, .. }
            | ScenarioCancelled { scenario: s, .. }
            | BidsOpened { scenario: s, .. }
            | AwardMade { scenario: s, .. }
            | AwardWithdrawn { scenario: s, .. }
            | Delivered { scenario: s, .. } => scenario(s),
            UserRegistered(_)
            | SessionReplayed { .. }
            | StaffUserCreated(_)
            | UserActiveChanged { .. }
            | UserRoleChanged { .. }
            | PasswordReset { .. }
            | PasswordChanged { .. }
            | UserSeeded(_)
            | QuestionAsked { .. }
            | QuestionAnswered { .. }
            | BidVersionRecorded { .. }
            | BidWithdrawn { .. }
            | LowPriceExplained { .. }
            | PanelAssigned { .. }
            | ConflictDeclared { .. }
            | ScoreSaved { .. }
            | DissentWritten { .. }
            | RatingReplied { .. }
            | VendorInvited(_)
            | JobRetried { .. }
            | FeedTokenReset { .. }
            | SignedOutEverywhere { .. }
            | ChallengeFiled(_)
            | ChallengeAttached { .. }
            | ChallengeAnswered { .. }
            | Contract(_)
            | Consortium(_)
            | SynonymsChanged { .. } => vec![],
        }
    }

    /// The audit record of the event, done by `actor` (none for the system).
    pub fn audit(&self, actor: Option<UserId>) -> AuditDraft {
        use DomainEvent::*;
        let draft = |subject_type: &str, id: &dyn ToString| {
            AuditDraft::new(actor, self.action(), subject_type, id.to_string())
        };
        match self {
            OrganizationRegistered(o) | OrganizationSeeded(o) => draft("organization", &o.id).after(o),
            UserRegistered(u) | StaffUserCreated(u) | UserSeeded(u) => draft("user", &u.id).after(u),
            SessionReplayed { session, .. } => draft("session", session),
            UserActiveChanged { user, active } => draft("user", user)
                .before(json!({"active": !active}))
                .after(json!({"active": active})),
            UserRoleChanged {
                user,
                before,
                after,
            } => draft("user", user)
                .before(json!({"role": before}))
                .after(json!({"role": after})),
            OrganizationVerified { org, before, after } => draft("organization", org)
                .before(json!({"verified": before.0, "opc_member": before.1}))
                .after(json!({"verified": after.0, "opc_member": after.1})),
            OrganizationProfileEdited { before, after } => {
                draft("organization", &after.id).before(before).after(after)
            }
            PasswordReset { user } | PasswordChanged { user } => draft("user", user),
            ScenarioCreated(s) => draft("scenario", &s.id).after(s),
            ScenarioEdited { before, after } => draft("scenario", &after.id).before(before).after(after),
            ScenarioPublished {
                scenario,
                before,
                deadline,
            } => draft("scenario", scenario)
                .before(json!({"status": before}))
                .after(json!({"status": Status::Published, "bid_deadline": deadline})),
            DeadlineExtended {
                scenario,
                before,
                after,
            } => draft("scenario", scenario)
                .before(json!({"bid_deadline": before}))
                .after(json!({"bid_deadline": after})),
            ScenarioCancelled {
                scenario,
                before,
                reason,
            } => draft("scenario", scenario)
                .before(json!({"status": before}))
                .after(json!({"status": Status::Cancelled, "reason": reason})),
            BidsOpened {
                scenario,
                deadline,
                bids,
            } => draft("scenario", scenario)
                .before(json!({"status": Status::Published}))
                .after(json!({"status": Status::Evaluating, "bid_deadline": deadline, "bids": bids})),
            QuestionAsked {
                question,
                scenario,
                body,
            } => draft("question", question).after(json!({"scenario": scenario, "body": body})),
            QuestionAnswered {
                question,
                answer,
                body,
            } => draft("question", question).after(json!({"answer": answer, "body": body})),
            BidVersionRecorded {
                bid,
                scenario,
                version,
                content_sha256,
                ..
            } => draft("bid", bid).after(
                json!({"scenario": scenario, "version": version, "content_sha256": content_sha256}),
            ),
            BidWithdrawn { bid, scenario } => draft("bid", bid)
                .after(json!({"scenario": scenario, "status": BidStatus::Withdrawn})),
            PanelAssigned {
                scenario,
                before,
                after,
                how,
            } => draft("scenario", scenario)
                .before(json!({"panel": before}))
                .after(json!({"panel": after, "how": how})),
            ConflictDeclared {
                scenario,
                has_conflict,
                note,
            } => draft("scenario", scenario)
                .after(json!({"has_conflict": has_conflict, "note": note})),
            ScoreSaved {
                bid,
                criterion,
                before,
                after,
            } => draft("bid", bid)
                .before(json!({"criterion": criterion, "score": before}))
                .after(json!({"criterion": criterion, "score": after})),
            DissentWritten { scenario, body } => draft("scenario", scenario).after(json!({"body": body})),
            AwardMade {
                scenario,
                before,
                bid,
                rank,
                justification,
            } => draft("scenario", scenario)
                .before(json!({"status": before}))
                .after(json!({"status": Status::Awarded, "bid": bid, "rank": rank, "justification": justification})),
            Delivered { scenario, before } => draft("scenario", scenario)
                .before(json!({"status": before}))
                .after(json!({"status": Status::Delivered})),
            Rated(r) => draft("rating", &r.id).after(r),
            RatingReplied { rating, reply } => draft("rating", rating).after(json!({"reply": reply})),
            SynonymsChanged { before, after } => draft("thesaurus", &"search")
                .before(json!({"groups": before}))
                .after(json!({"groups": after})),
            VendorInvited(i) => draft("invitation", &i.id).after(json!({
                "scenario": i.scenario.0,
                "vendor": i.vendor.0,
                "message": i.message,
            })),
            LowPriceExplained { scenario, bid, note } => {
                draft("bid", bid).after(json!({"scenario": scenario, "note": note}))
            }
            FeedTokenReset { user } | SignedOutEverywhere { user } => draft("user", user),
            ChallengeFiled(c) => draft("challenge", &c.id).after(json!({
                "scenario": c.scenario,
                "vendor": c.vendor,
                "award_bid": c.award_bid,
                "awarded_at": c.award_at,
                "reasons": c.reasons,
                "answer_due": c.answer_due,
            })),
            ChallengeAttached {
                challenge,
                scenario,
                sha256,
                filename,
            } => draft("challenge", challenge)
                .after(json!({"scenario": scenario, "sha256": sha256, "filename": filename})),
            ChallengeAnswered {
                challenge,
                scenario,
                decision,
                body,
            } => draft("challenge", challenge)
                .before(json!({"status": "open"}))
                .after(json!({"scenario": scenario, "status": decision, "body": body})),
            AwardWithdrawn {
                scenario,
                bid,
                awarded_at,
                challenge,
                notice,
            } => draft("scenario", scenario)
                .before(json!({"status": Status::Awarded, "bid": bid, "awarded_at": awarded_at}))
                .after(json!({"status": Status::Evaluating, "challenge": challenge, "notice": notice})),
            Contract(e) => e.audit(actor),
            Consortium(e) => e.audit(actor),
            JobRetried { job, kind } => draft("job", job)
                .before(json!({"status": "failed"}))
                .after(json!({"status": "queued", "kind": kind})),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bid_version_names_its_change_and_never_the_content() {
        let e = DomainEvent::BidVersionRecorded {
            bid: BidId(1),
            scenario: ScenarioId(2),
            change: BidChange::Revised,
            version: 3,
            content_sha256: "ab".repeat(32),
        };
        let a = e.audit(Some(UserId(9)));
        assert_eq!(
            (
                a.action.code(),
                a.subject_type.as_str(),
                a.subject_id.as_str()
            ),
            ("bid.revise", "bid", "1")
        );
        assert_eq!(
            a.after.unwrap(),
            json!({"scenario": 2, "version": 3, "content_sha256": "ab".repeat(32)})
        );
        assert!(a.before.is_none());
        assert_eq!(a.actor, Some(UserId(9)));
    }

    #[test]
    fn system_moves_have_no_actor_and_state_both_sides() {
        let e = DomainEvent::BidsOpened {
            scenario: ScenarioId(5),
            deadline: DateTime::from_timestamp(0, 0).unwrap(),
            bids: 4,
        };
        let a = e.audit(None);
        assert_eq!(a.action.code(), "scenario.open_bids");
        assert_eq!(a.actor, None);
        assert_eq!(a.before.unwrap(), json!({"status": "published"}));
        assert_eq!(a.after.unwrap()["bids"], 4);
    }
}
