//! Typed, layered settings: built-in defaults, then an optional TOML file, then `APP__…`
//! environment variables (`APP__DATABASE__URL` is `database.url`). Unknown keys and bad values
//! stop start-up with a message naming the key. Secrets are wrapped so they never print.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Where the process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Development,
    Production,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable, for a terminal.
    Pretty,
    /// One JSON object a line, for log collectors.
    Json,
}

/// All settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub environment: Environment,
    /// Folder of the embedded database, search index, outbox, files and generated keys.
    pub data_dir: PathBuf,
    /// Distinguishes server processes that share one database (0–15), for id generation.
    pub node_id: u8,
    /// Load the demo data on first start (default: on in development, off in production).
    pub demo: Option<bool>,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub search: SearchSettings,
    pub mail: MailSettings,
    pub auth: AuthSettings,
    pub jobs: JobSettings,
    pub market: MarketSettings,
    pub files: FileSettings,
    pub metrics: MetricsSettings,
    pub backup: BackupSettings,
    pub log: LogSettings,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupSettings {
    /// The PostgreSQL client tools a backup and a restore of a PostgreSQL database run.
    pub pg_dump: String,
    pub pg_restore: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSettings {
    /// When set, `/metrics` answers only requests with `Authorization: Bearer <token>`.
    pub token: Option<SecretString>,
    /// When set, `/metrics` is served only on this address (e.g. `127.0.0.1:9464`, reached by
    /// the monitoring agent), and the public listener answers it with 404.
    pub address: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    /// Folder of bid attachments, stored by content hash (default: `files` in the data folder).
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketSettings {
    /// The shortest time between publishing a scenario and its bid deadline, in hours.
    pub min_bid_window_hours: i64,
    /// The smallest evaluation panel.
    pub min_panel_size: usize,
    /// Scores this many points from the other evaluators' mean are flagged.
    pub outlier_points: f64,
    /// A bid this share or more below the mean of the other valid bids is flagged as
    /// abnormally low (0.2 = 20 %).
    pub low_price_share: f64,
    /// The OPC community's yearly pledge of orders to its members, in yuan (the `/opc` page
    /// measures this year's awards against it).
    pub opc_pledge_yuan: i64,
    /// The prefix of the open-contracting ids this site publishes (`ocds-` and six
    /// characters, registered with the Open Contracting Partnership).
    pub ocds_prefix: String,
    /// A working-day calendar to use instead of the built-in one (lines
    /// `YYYY-MM-DD off|work label`; see `backend/domain/data/workdays.txt`).
    pub workdays_file: Option<PathBuf>,
    /// Reputation: the prior mean (1–5) of the Bayesian average …
    pub reputation_prior: f64,
    /// … and how many ratings the prior counts as.
    pub reputation_weight: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    /// host:port to listen on.
    pub address: String,
    /// The public address of the site, for links in e-mails (default `http://` + address).
    pub public_url: Option<String>,
    /// HTTP worker threads.
    pub workers: usize,
    /// How many trusted reverse proxies stand in front of the app. The client's address is the
    /// entry this many places from the right of `X-Forwarded-For` (0: the socket's address).
    pub trusted_proxies: u8,
    /// Replaced by `trusted_proxies`; kept only to explain that when a deployment still sets it.
    pub trust_forwarded_for: Option<bool>,
    /// Memory for kept answers to anonymous public reads, in MB (0: none kept; see
    /// `web::public_cache`).
    pub public_cache_mb: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://path` or `postgres://…` (default: SQLite in the data folder).
    pub url: Option<SecretString>,
    pub max_connections: u32,
    /// How long a request waits for a pooled connection (the database may be down or busy)
    /// before it is answered 503.
    pub pool_timeout_seconds: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchSettings {
    /// Folder of the built-in search index (default: `search` in the data folder).
    pub index_dir: Option<PathBuf>,
    /// Use Meilisearch at this URL instead of the built-in index.
    pub meilisearch_url: Option<String>,
    pub meilisearch_key: Option<SecretString>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    /// Send over SMTP (`smtp://host:port`, `smtps://user:pass@host`) instead of the outbox folder.
    pub smtp_url: Option<SecretString>,
    /// The sender address.
    pub from: String,
    /// Folder of the outbox (default: `outbox` in the data folder).
    pub outbox_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// The JWT signing key (at least 32 characters). Generated once into the data folder when absent.
    pub jwt_secret: Option<SecretString>,
    pub access_token_minutes: i64,
    pub refresh_token_days: i64,
    pub password_reset_minutes: i64,
    /// Failed sign-ins of one account within 15 minutes before it must wait.
    pub account_max_failures: usize,
    /// Failed sign-ins from one client address within 15 minutes before it must wait (far
    /// higher: a whole office may share one address).
    pub address_max_failures: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobSettings {
    /// Run the job worker in this process.
    pub worker: bool,
    pub poll_interval_ms: u64,
    pub lease_seconds: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    /// A tracing filter such as `info` or `info,scenario_market=debug` (`RUST_LOG` overrides).
    pub level: String,
}

const DEFAULTS: &str = r#"
environment = "development"
data_dir = "./data"
node_id = 0

[server]
address = "127.0.0.1:8080"
workers = 2
trusted_proxies = 0
public_cache_mb = 32

[database]
max_connections = 8
pool_timeout_seconds = 5

[search]

[mail]
from = "场景集市 <noreply@scenario-market.demo>"

[auth]
access_token_minutes = 15
refresh_token_days = 30
password_reset_minutes = 60
account_max_failures = 5
address_max_failures = 100

[jobs]
worker = true
poll_interval_ms = 1000
lease_seconds = 300

[market]
min_bid_window_hours = 0
min_panel_size = 3
outlier_points = 30.0
low_price_share = 0.2
opc_pledge_yuan = 100000000
ocds_prefix = "ocds-qsai01"
reputation_prior = 3.5
reputation_weight = 3.0

[files]

[metrics]

[backup]
pg_dump = "pg_dump"
pg_restore = "pg_restore"

[log]
format = "pretty"
level = "info"
"#;

impl Settings {
    /// The working-day calendar: the built-in one, or the file of `market.workdays_file`.
    pub fn workdays(&self) -> anyhow::Result<domain::workdays::WorkCalendar> {
        match &self.market.workdays_file {
            None => Ok(domain::workdays::WorkCalendar::builtin()),
            Some(p) => {
                let text = std::fs::read_to_string(p).with_context(|| {
                    format!(
                        "cannot read market.workdays_file (APP__MARKET__WORKDAYS_FILE) {}",
                        p.display()
                    )
                })?;
                domain::workdays::WorkCalendar::parse(&text).map_err(|e| {
                    anyhow::anyhow!(
                        "invalid market.workdays_file (APP__MARKET__WORKDAYS_FILE) {}: {e}",
                        p.display()
                    )
                })
            }
        }
    }

    /// Reads the settings: defaults, then `file` (if given and present), then the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Settings> {
        let env: Vec<(String, String)> = std::env::vars()
            .filter(|(k, _)| k.starts_with("APP__"))
            .collect();
        Self::from_sources(file, &env)
    }

    /// Builds settings from a file and explicit `APP__…` variables (tests pass their own).
    pub fn from_sources(file: Option<&Path>, env: &[(String, String)]) -> anyhow::Result<Settings> {
        let mut b = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml));
        if let Some(f) = file {
            if !f.exists() {
                bail!("the configuration file {} does not exist", f.display());
            }
            b = b.add_source(config::File::from(f).format(config::FileFormat::Toml));
        }
        let map: std::collections::HashMap<String, String> = env.iter().cloned().collect();
        b = b.add_source(
            config::Environment::with_prefix("APP")
                .prefix_separator("__")
                .separator("__")
                .try_parsing(true)
                .source(Some(map)),
        );
        let cfg = b.build().context("reading the settings")?;
        let s: Settings = cfg.try_deserialize().map_err(|e| {
            anyhow::anyhow!("invalid setting: {e} (environment variables are APP__SECTION__KEY)")
        })?;
        s.check()?;
        Ok(s)
    }

    /// Rules across settings; each message names the key.
    fn check(&self) -> anyhow::Result<()> {
        if self.node_id > 15 {
            bail!("invalid setting node_id (APP__NODE_ID): must be 0 to 15");
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

    pub fn database_url(&self) -> String {
        match &self.database.url {
            Some(u) => u.expose_secret().to_string(),
            None => format!("sqlite://{}", self.data_dir.join("market.db").display()),
        }
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.mail
            .outbox_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("outbox"))
    }

    /// The built-in search index's folder.
    pub fn search_dir(&self) -> PathBuf {
        self.search
            .index_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("search"))
    }

    pub fn files_dir(&self) -> PathBuf {
        self.files
            .dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("files"))
    }

    pub fn search_index_dir(&self) -> PathBuf {
        self.search
            .index_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("search"))
    }

    pub fn public_url(&self) -> String {
        self.server
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.server.address))
            .trim_end_matches('/')
            .to_string()
    }

    pub fn demo(&self) -> bool {
        self.demo
            .unwrap_or(self.environment == Environment::Development)
    }

    /// The JWT signing key: the setting, or a random key created once under the data folder.
    pub fn jwt_secret(&self) -> anyhow::Result<Vec<u8>> {
        if let Some(s) = &self.auth.jwt_secret {
            return Ok(s.expose_secret().as_bytes().to_vec());
        }
        let path = self.data_dir.join("jwt-secret");
        if let Ok(existing) = std::fs::read_to_string(&path) {
            let k = existing.trim();
            if k.len() >= 64 {
                return Ok(k.as_bytes().to_vec());
            }
            bail!(
                "the signing key file {} is damaged; delete it to make a new one",
                path.display()
            );
        }
        std::fs::create_dir_all(&self.data_dir).with_context(|| {
            format!("cannot create the data folder {}", self.data_dir.display())
        })?;
        let key = hex::encode(rand::random::<[u8; 32]>());
        write_private(&path, &key)
            .with_context(|| format!("cannot write the signing key {}", path.display()))?;
        Ok(key.into_bytes())
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_workdays_file_replaces_the_calendar_and_a_bad_one_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.txt");
        std::fs::write(&good, "2026-12-07 off 示例\n").unwrap();
        let path = good.display().to_string();
        let s =
            Settings::from_sources(None, &env(&[("APP__MARKET__WORKDAYS_FILE", &path)])).unwrap();
        let cal = s.workdays().unwrap();
        let d = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        assert!(!cal.is_workday(d), "a Monday made a holiday by the file");
        let bad = dir.path().join("bad.txt");
        std::fs::write(&bad, "2026-12-07 maybe\n").unwrap();
        let path = bad.display().to_string();
        let s =
            Settings::from_sources(None, &env(&[("APP__MARKET__WORKDAYS_FILE", &path)])).unwrap();
        let e = s.workdays().unwrap_err().to_string();
        assert!(
            e.contains("APP__MARKET__WORKDAYS_FILE") && e.contains("line 1"),
            "{e}"
        );
        assert!(
            Settings::from_sources(None, &[])
                .unwrap()
                .workdays()
                .unwrap()
                .is_workday(d)
        );
    }

    #[test]
    fn defaults_are_the_embedded_set() {
        let s = Settings::from_sources(None, &[]).unwrap();
        assert_eq!(s.environment, Environment::Development);
        assert_eq!(s.server.address, "127.0.0.1:8080");
        assert_eq!(s.database_url(), "sqlite://./data/market.db");
        assert_eq!(s.outbox_dir(), PathBuf::from("./data/outbox"));
        assert_eq!(s.search_index_dir(), PathBuf::from("./data/search"));
        assert!(s.demo());
        assert_eq!(s.auth.access_token_minutes, 15);
    }

    #[test]
    fn environment_variables_override_and_nest() {
        let s = Settings::from_sources(
            None,
            &env(&[
                ("APP__SERVER__ADDRESS", "0.0.0.0:9000"),
                ("APP__DATABASE__MAX_CONNECTIONS", "3"),
                ("APP__DEMO", "false"),
            ]),
        )
        .unwrap();
        assert_eq!(s.server.address, "0.0.0.0:9000");
        assert_eq!(s.database.max_connections, 3);
        assert!(!s.demo());
    }

    #[test]
    fn a_bad_value_or_unknown_key_names_the_key() {
        let e = Settings::from_sources(None, &env(&[("APP__DATABASE__MAX_CONNECTIONS", "many")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("max_connections"), "{e}");
        let e = Settings::from_sources(None, &env(&[("APP__DATABASE__URLL", "x")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("urll"), "{e}");
        let e = Settings::from_sources(None, &env(&[("APP__AUTH__JWT_SECRET", "short")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("APP__AUTH__JWT_SECRET"), "{e}");
    }

    #[test]
    fn production_needs_explicit_key_smtp_and_postgres() {
        let base = [("APP__ENVIRONMENT", "production")];
        let e = Settings::from_sources(None, &env(&base))
            .unwrap_err()
            .to_string();
        assert!(e.contains("APP__AUTH__JWT_SECRET"), "{e}");
        let with_key = [
            ("APP__ENVIRONMENT", "production"),
            ("APP__AUTH__JWT_SECRET", "k".repeat(40).leak()),
        ];
        let e = Settings::from_sources(None, &env(&with_key))
            .unwrap_err()
            .to_string();
        assert!(e.contains("APP__MAIL__SMTP_URL"), "{e}");
        let mut all = with_key.to_vec();
        all.push(("APP__MAIL__SMTP_URL", "smtp://mailpit:1025"));
        let e = Settings::from_sources(None, &env(&all))
            .unwrap_err()
            .to_string();
        assert!(e.contains("APP__DATABASE__URL"), "{e}");
        all.push(("APP__DATABASE__URL", "postgres://u:p@db/market"));
        let s = Settings::from_sources(None, &env(&all)).unwrap();
        assert!(!s.demo());
        assert!(!format!("{s:?}").contains("u:p@db"), "secrets never print");
        all.push(("APP__DEMO", "true"));
        let e = Settings::from_sources(None, &env(&all))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("APP__DEMO"),
            "production refuses the demo data: {e}"
        );
    }

    #[test]
    fn the_old_forwarded_for_switch_is_explained_and_the_proxy_count_is_read() {
        let e = Settings::from_sources(None, &env(&[("APP__SERVER__TRUST_FORWARDED_FOR", "true")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("APP__SERVER__TRUSTED_PROXIES"), "{e}");
        let s =
            Settings::from_sources(None, &env(&[("APP__SERVER__TRUSTED_PROXIES", "2")])).unwrap();
        assert_eq!(s.server.trusted_proxies, 2);
        assert_eq!(s.auth.address_max_failures, 100);
        assert_eq!(s.auth.account_max_failures, 5);
    }

    #[test]
    fn a_config_file_sits_between_defaults_and_environment() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("app.toml");
        std::fs::write(&f, "[server]\naddress = \"127.0.0.1:7000\"\nworkers = 4\n").unwrap();
        let s = Settings::from_sources(Some(&f), &env(&[("APP__SERVER__WORKERS", "3")])).unwrap();
        assert_eq!(s.server.address, "127.0.0.1:7000");
        assert_eq!(s.server.workers, 3);
    }

    #[test]
    fn the_signing_key_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let s = Settings::from_sources(
            None,
            &env(&[("APP__DATA_DIR", dir.path().to_str().unwrap())]),
        )
        .unwrap();
        let a = s.jwt_secret().unwrap();
        let b = s.jwt_secret().unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), 64);
    }
}
