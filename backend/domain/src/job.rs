//! Background work, as typed values. A service writes a job in the same transaction as the
//! change that causes it; the worker in the `jobs` crate runs it, retrying until it succeeds.
//! Every job is idempotent: running it twice has the effect of running it once.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::email::OutgoingEmail;

/// Where a job stands: waiting to run (again), claimed by a worker, finished, or parked
/// after its last attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    Failed,
}

impl JobStatus {
    pub const ALL: [JobStatus; 4] = [
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Done,
        JobStatus::Failed,
    ];

    /// The stored name.
    pub fn code(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }

    pub fn parse(code: &str) -> Option<JobStatus> {
        JobStatus::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// One kind of background work and its input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "input", rename_all = "snake_case")]
#[allow(
    clippy::large_enum_variant,
    reason = "a job lives only while it is written or run, one at a time"
)]
pub enum Job {
    /// Send one e-mail.
    SendEmail(OutgoingEmail),
    /// The bid deadline of a scenario has come: open its bids. Does nothing if the deadline
    /// was extended meanwhile (the extension wrote a job of its own) or the bids are open.
    OpenBids {
        scenario: crate::scenario::ScenarioId,
    },
    /// A day before the bid deadline `deadline`: remind the scenario's followers. Does nothing
    /// if the deadline moved meanwhile (the extension wrote a reminder of its own).
    RemindDeadline {
        scenario: crate::scenario::ScenarioId,
        deadline: DateTime<Utc>,
    },
    /// Remind the owner of an unanswered challenge (`nth` 1: the 5th working day, 2: the last).
    /// Does nothing once it is answered.
    RemindChallenge {
        challenge: crate::ids::ChallengeId,
        nth: u8,
    },
    /// A user's daily digest of `day` (Beijing): the notifications waiting for it become one
    /// e-mail. Does nothing when none waits.
    SendDigest { user: i64, day: String },
    /// A contract's deadline has come or is near (`step`: the notice due, a payment due or
    /// overdue; `milestone` for a payment): the parties hear of it, unless it was met.
    ContractDue {
        contract: crate::ids::ContractId,
        step: crate::notification::Kind,
        milestone: Option<crate::ids::MilestoneId>,
    },
    /// The period to challenge the award is over: a scenario whose milestones are all accepted
    /// becomes delivered (does nothing otherwise).
    SettleDelivery {
        scenario: crate::scenario::ScenarioId,
    },
}

impl Job {
    /// The kind's name as stored.
    pub fn kind(&self) -> &'static str {
        match self {
            Job::SendEmail(_) => "send_email",
            Job::OpenBids { .. } => "open_bids",
            Job::RemindDeadline { .. } => "remind_deadline",
            Job::SendDigest { .. } => "send_digest",
            Job::RemindChallenge { .. } => "remind_challenge",
            Job::ContractDue { .. } => "contract_due",
            Job::SettleDelivery { .. } => "settle_delivery",
        }
    }
}

/// How a challenge reminder's key starts; the rest is `{challenge}:{nth}`.
pub const CHALLENGE_REMINDER_KEY: &str = "challenge-reminder:";

/// The key that writes the `nth` reminder of a challenge once.
pub fn challenge_reminder_key(challenge: crate::ids::ChallengeId, nth: u8) -> String {
    format!("{CHALLENGE_REMINDER_KEY}{}:{nth}", challenge.0)
}

impl Job {
    /// Whether a job of this kind tells, by existing, of a private event: a challenge
    /// reminder is queued when a challenge is filed, and an open challenge is the owner's and
    /// the challenger's alone. Such jobs are left out of the queue's counts and the parked
    /// list while their challenge is open (the store's queries follow
    /// [`CHALLENGE_REMINDER_KEY`]), and never counted by kind in the finished-job metrics.
    pub fn kind_tells_of_private_event(kind: &str) -> bool {
        kind == "remind_challenge"
    }
}

/// A job to be written, due at `run_at`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub job: Job,
    pub run_at: DateTime<Utc>,
    pub max_attempts: i32,
    /// A job with the key of one already written is not written again.
    pub dedup_key: Option<String>,
}

impl NewJob {
    /// A job due now, with the default number of attempts.
    pub fn now(job: Job, now: DateTime<Utc>) -> Self {
        Self {
            job,
            run_at: now,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            dedup_key: None,
        }
    }

    /// A job due at `run_at`, written once per `key`.
    pub fn once(job: Job, run_at: DateTime<Utc>, key: String) -> Self {
        Self {
            job,
            run_at,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            dedup_key: Some(key),
        }
    }
}

/// Attempts before a job is parked as failed (and reported) instead of retried.
pub const DEFAULT_MAX_ATTEMPTS: i32 = 25;

/// Capped exponential backoff: 2^attempt seconds (after the first failed attempt, 2 s), at most
/// one hour.
pub fn backoff(attempts_so_far: i32) -> Duration {
    let exp = attempts_so_far.clamp(1, 12) as u32;
    Duration::seconds((1_i64 << exp).min(3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped_at_an_hour() {
        assert_eq!(backoff(1), Duration::seconds(2));
        assert_eq!(backoff(2), Duration::seconds(4));
        assert_eq!(backoff(5), Duration::seconds(32));
        assert_eq!(backoff(12), Duration::seconds(3600));
        assert_eq!(backoff(40), Duration::seconds(3600));
    }

    #[test]
    fn jobs_serialise_with_their_kind() {
        let j = Job::SendEmail(OutgoingEmail::new(
            "a@b.cn",
            crate::account::Locale::En,
            crate::email::EmailMessage::PasswordReset {
                display_name: "A".into(),
                link: "http://x/reset?token=t".into(),
                valid_minutes: 60,
            },
        ));
        let v = serde_json::to_value(&j).unwrap();
        assert_eq!(v["kind"], "send_email");
        assert_eq!(v["input"]["message"]["template"], "password_reset");
        assert_eq!(serde_json::from_value::<Job>(v).unwrap(), j);
    }
}

/// A job taken by a worker, with its lease.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: i64,
    pub job: Job,
    /// Attempts including this one.
    pub attempts: i32,
    pub max_attempts: i32,
}
