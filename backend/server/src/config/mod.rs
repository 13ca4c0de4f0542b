//! Typed, layered settings: built-in defaults, then an optional TOML file, then `APP__…`
//! environment variables (`APP__DATABASE__URL` is `database.url`). Unknown keys and bad values
//! stop start-up with a message naming the key. Secrets are wrapped so they never print.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

mod check;

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
    /// Set: attachments live in this S3-compatible bucket, nothing of them on the local disk.
    pub s3_bucket: Option<String>,
    /// The service's address, for MinIO and other S3-compatible services.
    pub s3_endpoint: Option<String>,
    pub s3_region: Option<String>,
    /// The bucket in the path rather than in the host name (MinIO and most self-hosted ones).
    #[serde(default)]
    pub s3_path_style: bool,
    /// Credentials; unset, the standard `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` and the
    /// rest of the standard chain.
    pub s3_access_key_id: Option<String>,
    pub s3_secret_access_key: Option<SecretString>,
}

impl FileSettings {
    /// The bucket's settings, when attachments live in one.
    pub fn s3(&self) -> Option<web::files::S3Settings> {
        self.s3_bucket
            .as_ref()
            .map(|bucket| web::files::S3Settings {
                bucket: bucket.clone(),
                region: self.s3_region.clone(),
                endpoint: self.s3_endpoint.clone(),
                path_style: self.s3_path_style,
                access_key_id: self.s3_access_key_id.clone(),
                secret_access_key: self
                    .s3_secret_access_key
                    .as_ref()
                    .map(|s| s.expose_secret().to_string()),
            })
    }
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
    /// Working days an owner has to accept or return a submitted milestone.
    pub review_working_days: u32,
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
    /// How often the live unread counts are looked at without being asked, in seconds. On
    /// PostgreSQL a new notification or an ended session asks every process at once.
    pub live_poll_seconds: u64,
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
    /// A CA file (PEM) to trust for an `https://` Meilisearch URL, beside the public roots.
    pub meilisearch_ca_file: Option<PathBuf>,
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

/// The built-in settings, the first layer.
const DEFAULTS: &str = include_str!("defaults.toml");

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
mod tests;
