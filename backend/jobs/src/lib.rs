//! The background worker: claims due jobs from the queue table, runs each kind, and records
//! success or failure with capped exponential backoff; turns the notices domain events left
//! into notifications; and gives the search engine the
//! documents waiting in the index outbox, a batch per commit (an engine that is down is tried
//! again later, with a growing pause, and loses nothing). The server runs [`Worker::run`] as a
//! task; tests call [`Worker::drain`] to run every due job synchronously.

use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use app::Services;
use app::search::Search;
use chrono::Duration;
use domain::job::{ClaimedJob, Job, backoff};
use domain::ports::MailSender;
use domain::ports::{Clock, JobOutcome, JobQueue, NoTelemetry, Telemetry};
use tokio::sync::watch;

/// Settings of the worker.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// How long a claimed job is reserved before another worker may take it again.
    pub lease: Duration,
    /// How many jobs one claim takes.
    pub batch: i64,
    /// How long to sleep when nothing is due.
    pub poll_interval: StdDuration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            lease: Duration::minutes(5),
            batch: 10,
            poll_interval: StdDuration::from_secs(1),
        }
    }
}

/// Runs jobs. Cheap to clone.
#[derive(Clone)]
pub struct Worker {
    queue: Arc<dyn JobQueue>,
    mailer: Arc<dyn MailSender>,
    services: Services,
    clock: Arc<dyn Clock>,
    name: String,
    settings: WorkerSettings,
    search: Search,
    /// When the engine may be tried again after a failure, and the pause after the next one.
    index_pause: Arc<Mutex<(Instant, StdDuration)>>,
    telemetry: Arc<dyn Telemetry>,
}

/// The longest pause between tries of an engine that is down.
const MAX_INDEX_PAUSE: StdDuration = StdDuration::from_secs(60);

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker").field("name", &self.name).finish()
    }
}

impl Worker {
    pub fn new(
        queue: Arc<dyn JobQueue>,
        mailer: Arc<dyn MailSender>,
        services: Services,
        search: Search,
        settings: WorkerSettings,
    ) -> Self {
        let name = format!("{}-{}", std::process::id(), rand::random::<u32>());
        Self {
            queue,
            mailer,
            clock: services.clock.clone(),
            services,
            name,
            settings,
            search,
            index_pause: Arc::new(Mutex::new((Instant::now(), StdDuration::ZERO))),
            telemetry: Arc::new(NoTelemetry),
        }
    }

    /// Reports jobs and e-mails to `telemetry` (the server's metrics).
    pub fn with_telemetry(mut self, telemetry: Arc<dyn Telemetry>) -> Self {
        self.telemetry = telemetry;
        self
    }

    /// The same worker sending its e-mails through another mailer (tests swap the outbox or
    /// SMTP for one of their own).
    pub fn with_mailer(mut self, mailer: Arc<dyn MailSender>) -> Self {
        self.mailer = mailer;
        self
    }

    /// Claims one batch of due jobs and runs them, then gives the search engine one batch of
    /// waiting documents; returns how many jobs and documents were done.
    pub fn run_once(&self) -> domain::Result<usize> {
        Ok(self.run_jobs()? + self.deliver_notices() + self.index_waiting())
    }

    /// One batch of notices made into notifications. A failure leaves the notices waiting
    /// (each is delivered in a transaction of its own) for the next round.
    fn deliver_notices(&self) -> usize {
        match self.services.deliver_notices() {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "delivering notifications failed; the notices wait");
                0
            }
        }
    }

    /// Claims one batch of due jobs and runs them; returns how many ran.
    fn run_jobs(&self) -> domain::Result<usize> {
        let claimed = self.queue.claim(
            &self.name,
            self.clock.now(),
            self.settings.lease,
            self.settings.batch,
        )?;
        let n = claimed.len();
        for job in claimed {
            self.run_job(job)?;
        }
        Ok(n)
    }

    /// One batch of the index outbox, unless the engine failed lately and its pause lasts.
    fn index_waiting(&self) -> usize {
        let Ok(mut pause) = self.index_pause.lock() else {
            return 0;
        };
        if Instant::now() < pause.0 {
            return 0;
        }
        match self.search.index_waiting() {
            Ok(n) => {
                *pause = (Instant::now(), StdDuration::ZERO);
                n
            }
            Err(e) => {
                let next = (pause.1 * 2).clamp(StdDuration::from_secs(1), MAX_INDEX_PAUSE);
                tracing::warn!(error = %e, retry_in_secs = next.as_secs(), engine = self.search.engine(), "search indexing failed; the documents wait");
                *pause = (Instant::now() + next, next);
                0
            }
        }
    }

    /// Runs due jobs until none is left due, and indexes every waiting document; returns how
    /// many jobs ran. A job that fails is rescheduled by its backoff, so it is not due again
    /// within one drain.
    pub fn drain(&self) -> domain::Result<usize> {
        if let Ok(mut pause) = self.index_pause.lock() {
            *pause = (Instant::now(), StdDuration::ZERO);
        }
        let mut total = 0;
        loop {
            let jobs = self.run_jobs()?;
            let notices = self.deliver_notices();
            let docs = self.index_waiting();
            if jobs + notices + docs == 0 {
                return Ok(total);
            }
            total += jobs;
        }
    }

    fn run_job(&self, claimed: ClaimedJob) -> domain::Result<()> {
        let span = tracing::info_span!(
            "job",
            id = claimed.id,
            kind = claimed.job.kind(),
            attempt = claimed.attempts
        );
        let _g = span.enter();
        let started = Instant::now();
        let result = self.execute(&claimed.job);
        let seconds = started.elapsed().as_secs_f64();
        let kind = claimed.job.kind();
        // A private event's job is counted by no kind (its runs would tell of the event).
        let counted = !domain::job::Job::kind_tells_of_private_event(kind);
        match result {
            Ok(()) => {
                if counted {
                    self.telemetry.job_finished(kind, JobOutcome::Done, seconds);
                }
                tracing::info!("job done");
                self.queue
                    .complete(claimed.id, &self.name, self.clock.now())
            }
            Err(e) => {
                let now = self.clock.now();
                let retry_at = (claimed.attempts < claimed.max_attempts)
                    .then(|| now + backoff(claimed.attempts));
                let outcome = if retry_at.is_some() {
                    JobOutcome::Retry
                } else {
                    JobOutcome::Failed
                };
                if counted {
                    self.telemetry.job_finished(kind, outcome, seconds);
                }
                match retry_at {
                    Some(at) => {
                        tracing::warn!(error = %format!("{e:#}"), retry_at = %at, "job failed, will retry")
                    }
                    None => {
                        tracing::error!(error = %format!("{e:#}"), "job failed for the last time")
                    }
                }
                self.queue
                    .fail(claimed.id, &self.name, &format!("{e:#}"), retry_at, now)
            }
        }
    }

    fn execute(&self, job: &Job) -> anyhow::Result<()> {
        match job {
            Job::SendEmail(mail) => self.send(mail),
            Job::OpenBids { scenario } => Ok(self.services.open_bids(*scenario)?),
            Job::ContractDue {
                contract,
                step,
                milestone,
            } => Ok(self.services.contract_due(*contract, *step, *milestone)?),
            Job::SettleDelivery { scenario } => Ok(self.services.settle_delivery(*scenario)?),
            Job::RemindChallenge { challenge, nth } => {
                Ok(self.services.remind_challenge(*challenge, *nth)?)
            }
            Job::RemindDeadline { scenario, deadline } => {
                Ok(self.services.remind_deadline(*scenario, *deadline)?)
            }
            Job::SendDigest { user, day } => {
                Ok(self.services.send_digest(domain::ids::UserId(*user), day)?)
            }
        }
    }

    /// Sends one e-mail; one whose key was sent already is not sent again (the job ran
    /// before but was not marked done). A refusal or an unreachable server fails the job,
    /// which is retried with backoff.
    fn send(&self, mail: &domain::email::OutgoingEmail) -> anyhow::Result<()> {
        if let Some(key) = &mail.key
            && self.services.email_sent(key)?
        {
            tracing::info!(key, "e-mail sent before; not sent again");
            return Ok(());
        }
        let sent = self.mailer.send(mail);
        self.telemetry.email(sent.is_ok());
        sent?;
        if let Some(key) = &mail.key {
            self.services.record_email_sent(key)?;
        }
        Ok(())
    }

    /// Runs until `shutdown` turns true, finishing the job in hand before it stops.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(worker = %self.name, "job worker started");
        loop {
            if *shutdown.borrow() {
                break;
            }
            let me = self.clone();
            let ran = tokio::task::spawn_blocking(move || me.run_once()).await;
            let idle = match ran {
                Ok(Ok(n)) => n == 0,
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "job worker could not reach the queue");
                    true
                }
                Err(e) => {
                    tracing::error!(error = %e, "job worker task panicked");
                    true
                }
            };
            if idle {
                tokio::select! {
                    _ = tokio::time::sleep(self.settings.poll_interval) => {}
                    _ = shutdown.changed() => {}
                }
            }
        }
        tracing::info!(worker = %self.name, "job worker stopped");
    }
}
