//! The rules across settings, checked once they are loaded; each message names the key (and
//! its environment variable).

use anyhow::bail;
use secrecy::ExposeSecret;

use super::{Environment, Settings};

impl Settings {
    /// Rules across settings; each message names the key.
    pub(super) fn check(&self) -> anyhow::Result<()> {
        if self.node_id > 15 {
            bail!("invalid setting node_id (APP__NODE_ID): must be 0 to 15");
        }
        // A node id other than 0 says several app processes share the database. The built-in
        // search index belongs to one process (one writer, one folder on one machine): the
        // others would search stale documents or fight for its lock.
        if self.node_id != 0 && self.search.meilisearch_url.is_none() {
            bail!(
                "invalid settings: node_id (APP__NODE_ID) {} says several app processes share the database, but search uses the built-in index, which belongs to one process; run Meilisearch and set search.meilisearch_url (APP__SEARCH__MEILISEARCH_URL) for every process",
                self.node_id
            );
        }
        if self.node_id != 0 && self.files.s3_bucket.is_none() && self.files.dir.is_none() {
            bail!(
                "invalid settings: node_id (APP__NODE_ID) {} says several app processes share the database, but the attachments go to each process's own data folder; set files.s3_bucket (APP__FILES__S3_BUCKET) for object storage, or files.dir (APP__FILES__DIR) to one folder all of them share",
                self.node_id
            );
        }
        if self.server.address.parse::<std::net::SocketAddr>().is_err()
            && !self.server.address.contains(':')
        {
            bail!(
                "invalid setting server.address (APP__SERVER__ADDRESS): expected host:port, got '{}'",
                self.server.address
            );
        }
        if self.server.workers == 0 {
            bail!("invalid setting server.workers (APP__SERVER__WORKERS): must be at least 1");
        }
        if !(1..=60).contains(&self.market.review_working_days) {
            bail!(
                "invalid setting market.review_working_days (APP__MARKET__REVIEW_WORKING_DAYS): 1 to 60 working days, got {}",
                self.market.review_working_days
            );
        }
        if !(0.0..1.0).contains(&self.market.low_price_share) {
            bail!(
                "invalid setting market.low_price_share (APP__MARKET__LOW_PRICE_SHARE): a share from 0 to below 1, got {}",
                self.market.low_price_share
            );
        }
        if !(1..=1_000_000_000_000).contains(&self.market.opc_pledge_yuan) {
            bail!(
                "invalid setting market.opc_pledge_yuan (APP__MARKET__OPC_PLEDGE_YUAN): a whole number of yuan from 1 to 10^12, got {}",
                self.market.opc_pledge_yuan
            );
        }
        let p = &self.market.ocds_prefix;
        if !(p.starts_with("ocds-")
            && p.len() == 11
            && p[5..].bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            bail!(
                "invalid setting market.ocds_prefix (APP__MARKET__OCDS_PREFIX): `ocds-` and six letters or digits, got {p:?}"
            );
        }
        if !(1..=300).contains(&self.database.pool_timeout_seconds) {
            bail!(
                "invalid setting database.pool_timeout_seconds (APP__DATABASE__POOL_TIMEOUT_SECONDS): must be 1 to 300"
            );
        }
        if self.database.max_connections == 0 {
            bail!(
                "invalid setting database.max_connections (APP__DATABASE__MAX_CONNECTIONS): must be at least 1"
            );
        }
        for (key, v, min) in [
            (
                "auth.access_token_minutes (APP__AUTH__ACCESS_TOKEN_MINUTES)",
                self.auth.access_token_minutes,
                1,
            ),
            (
                "auth.refresh_token_days (APP__AUTH__REFRESH_TOKEN_DAYS)",
                self.auth.refresh_token_days,
                1,
            ),
            (
                "auth.password_reset_minutes (APP__AUTH__PASSWORD_RESET_MINUTES)",
                self.auth.password_reset_minutes,
                5,
            ),
            (
                "jobs.lease_seconds (APP__JOBS__LEASE_SECONDS)",
                self.jobs.lease_seconds,
                5,
            ),
            (
                "market.min_bid_window_hours (APP__MARKET__MIN_BID_WINDOW_HOURS)",
                self.market.min_bid_window_hours,
                0,
            ),
        ] {
            if v < min {
                bail!("invalid setting {key}: must be at least {min}");
            }
        }
        if let Some(url) = &self.database.url {
            let u = url.expose_secret();
            if !(u.starts_with("sqlite:")
                || u.starts_with("postgres://")
                || u.starts_with("postgresql://"))
            {
                bail!(
                    "invalid setting database.url (APP__DATABASE__URL): use sqlite://path or postgres://…"
                );
            }
        }
        if let Some(url) = &self.mail.smtp_url {
            let u = url.expose_secret();
            if !(u.starts_with("smtp://") || u.starts_with("smtps://")) {
                bail!(
                    "invalid setting mail.smtp_url (APP__MAIL__SMTP_URL): use smtp://host:port or smtps://…"
                );
            }
        }
        if let Some(s) = &self.auth.jwt_secret
            && s.expose_secret().len() < 32
        {
            bail!(
                "invalid setting auth.jwt_secret (APP__AUTH__JWT_SECRET): use at least 32 characters"
            );
        }
        if self.server.trust_forwarded_for.is_some() {
            bail!(
                "server.trust_forwarded_for (APP__SERVER__TRUST_FORWARDED_FOR) is replaced by server.trusted_proxies (APP__SERVER__TRUSTED_PROXIES): the number of trusted proxies in front of the app, 0 for none"
            );
        }
        if self.auth.account_max_failures == 0 || self.auth.address_max_failures == 0 {
            bail!(
                "invalid setting auth.account_max_failures / auth.address_max_failures (APP__AUTH__…_MAX_FAILURES): use at least 1"
            );
        }
        if self.environment == Environment::Production {
            if self.demo == Some(true) {
                bail!(
                    "production refuses the demo data (APP__DEMO=true): the demo data and the demo sign-ins shown on the sign-in page are for development"
                );
            }
            if self.auth.jwt_secret.is_none() {
                bail!(
                    "production needs auth.jwt_secret (APP__AUTH__JWT_SECRET) to be set explicitly"
                );
            }
            if self.mail.smtp_url.is_none() {
                bail!(
                    "production needs mail.smtp_url (APP__MAIL__SMTP_URL): the outbox folder is for development"
                );
            }
            if !self
                .database
                .url
                .as_ref()
                .is_some_and(|u| u.expose_secret().starts_with("postgres"))
            {
                bail!("production needs database.url (APP__DATABASE__URL) to be a postgres:// URL");
            }
        }
        Ok(())
    }
}
