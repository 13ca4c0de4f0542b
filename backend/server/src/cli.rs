//! The command line: `serve` (the default), `migrate`, `admin create`, `seed --demo`,
//! `audit verify`, `reindex`, `backup FILE`, `restore FILE`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use app::accounts::EnsureUser;
use clap::{Parser, Subcommand};
use domain::account::{Email, Password, Role};
use domain::audit::ChainCheck;
use domain::ports::SystemClock;
use domain::sector::Sector;

use crate::config::Settings;
use crate::startup::{Application, shutdown_signal, wire};
use crate::{seed, telemetry};

#[derive(Debug, Parser)]
#[command(
    name = "scenario-market",
    version,
    about = "青山区人工智能机会场景集市 / AI opportunity-scenario marketplace"
)]
struct Cli {
    /// A TOML settings file, read between the built-in defaults and APP__ variables.
    #[arg(long, global = true, env = "APP_CONFIG_FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web server and the job worker (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage accounts.
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
    /// Load data.
    Seed {
        /// Load the demo accounts and organizations (idempotent).
        #[arg(long)]
        demo: bool,
    },
    /// Check the audit trail.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Rebuild the search index from the database.
    Reindex,
    /// Write a backup archive: the database (a consistent copy while the server runs, or
    /// pg_dump for PostgreSQL), every attachment file and the generated signing key.
    Backup {
        /// The archive to write (a .tar.gz; it must not exist).
        file: PathBuf,
    },
    /// Restore a backup archive into an empty data folder (and empty database), then verify
    /// the audit chain and every attachment.
    Restore { file: PathBuf },
}

#[derive(Debug, Subcommand)]
enum AdminAction {
    /// Create an administrator or evaluator (does nothing if the e-mail exists).
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: String,
        /// admin or evaluator
        #[arg(long, default_value = "admin")]
        role: String,
        #[arg(long, default_value = "管理员")]
        name: String,
        /// Domains of expertise for an evaluator, comma-separated codes (city_governance, …).
        #[arg(long, value_delimiter = ',')]
        expertise: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
enum AuditAction {
    /// Recompute the hash chain and name the first broken record.
    Verify,
}

/// Runs the command line; the exit code says how it went.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("scenario-market: {e:#}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(settings.log.format, &settings.log.level);
    match run(cli.command.unwrap_or(Command::Serve), settings) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("scenario-market: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command, settings: Settings) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve => serve(settings),
        Command::Migrate => {
            let db = db::Database::connect(&settings.database_url(), 1)?;
            let done = db.migrate()?;
            println!(
                "{} migration(s) applied{}",
                done.len(),
                if done.is_empty() {
                    String::new()
                } else {
                    format!(": {}", done.join(", "))
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin {
            action:
                AdminAction::Create {
                    email,
                    password,
                    role,
                    name,
                    expertise,
                },
        } => {
            let parts = wire(&settings, Arc::new(SystemClock))?;
            let role = Role::parse(&role).map_err(anyhow::Error::msg)?;
            anyhow::ensure!(
                matches!(role, Role::Admin | Role::Evaluator),
                "--role must be admin or evaluator"
            );
            let expertise = expertise
                .iter()
                .map(|e| Sector::parse(e))
                .collect::<Result<Vec<_>, _>>()
                .map_err(anyhow::Error::msg)?;
            let user = parts.services.ensure_user(EnsureUser {
                email: Email::parse(&email)
                    .map_err(anyhow::Error::msg)
                    .context("--email")?,
                password_hash: domain::security::hash_password(
                    &Password::parse(&password)
                        .map_err(anyhow::Error::msg)
                        .context("--password")?,
                )?,
                display_name: name,
                role,
                expertise,
                organization: None,
            })?;
            println!("user {} ({}) id {}", user.email, user.role.code(), user.id);
            Ok(ExitCode::SUCCESS)
        }
        Command::Seed { demo } => {
            anyhow::ensure!(demo, "say what to load: seed --demo");
            let parts = wire(&settings, Arc::new(SystemClock))?;
            let n = seed::load_demo(&parts.services)?;
            println!(
                "demo data loaded: {} new account(s), {} new scenario(s)",
                n.accounts, n.scenarios
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Reindex => {
            let parts = wire(&settings, Arc::new(SystemClock))?;
            match parts.search.rebuild() {
                Ok(n) => println!(
                    "search index rebuilt ({}): {n} document(s)",
                    parts.search.engine()
                ),
                Err(e) => {
                    // A running server holds the built-in index: its worker does the work.
                    let n = parts.services.mark_all_for_index()?;
                    println!(
                        "could not rebuild the index here ({e}); marked {n} document(s) for indexing: the running server's worker re-indexes them"
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { file } => {
            let r = crate::backup::backup(&settings, &file)?;
            println!(
                "backup written to {}: {} database, {} attachment file(s), {} bytes",
                file.display(),
                r.database,
                r.files,
                r.bytes
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { file } => {
            let r = crate::backup::restore(&settings, &file)?;
            println!(
                "restored {} database and {} attachment file(s); audit chain intact ({} record(s)); {} stored attachment(s) match their hashes",
                r.database, r.files, r.audit_records, r.attachments_checked
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            action: AuditAction::Verify,
        } => {
            let parts = wire(&settings, Arc::new(SystemClock))?;
            match parts.services.verify_audit_chain()? {
                ChainCheck::Intact { records } => {
                    println!("audit chain intact: {records} record(s)");
                    Ok(ExitCode::SUCCESS)
                }
                ChainCheck::Broken { seq, reason } => {
                    println!("audit chain BROKEN at record {seq}: {reason}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}

fn serve(settings: Settings) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let parts = wire(&settings, Arc::new(SystemClock))?;
        match parts.search.rebuild_if_empty() {
            Ok(Some(n)) => tracing::info!(documents = n, engine = parts.search.engine(), "the search index was empty: rebuilt"),
            Ok(None) => {}
            // A search engine that is down delays indexing; it never stops the site.
            Err(e) => tracing::warn!(error = %e, "could not check the search index; it is rebuilt when the engine answers"),
        }
        let backfilled = parts.services.backfill_award_notices()?;
        if backfilled > 0 {
            tracing::info!(
                notices = backfilled,
                "stored the award notices of earlier awards"
            );
        }
        let releases = parts.services.backfill_ocds_releases()?;
        if releases > 0 {
            tracing::info!(
                releases,
                "stored the open-contracting releases of earlier events"
            );
        }
        if settings.demo() {
            let n = seed::load_demo(&parts.services)?;
            if n.accounts + n.scenarios > 0 {
                tracing::info!(
                    accounts = n.accounts,
                    scenarios = n.scenarios,
                    "loaded the demo data"
                );
            }
        }
        let app = Application::start(&settings, parts)?;
        web::memory::start_trimming();
        print_banner(&settings, app.port);
        let handle = app.handle();
        tokio::spawn(async move {
            shutdown_signal().await;
            tracing::info!("shutting down: finishing in-flight requests");
            handle.stop(true).await;
        });
        app.run_until_stopped().await?;
        tracing::info!("stopped");
        Ok(ExitCode::SUCCESS)
    })
}

/// Prints the start-up banner in one write, so that no log line of the workers (written to
/// stderr, each in one write of its own) lands inside it on a terminal.
fn print_banner(settings: &Settings, port: u16) {
    use std::io::Write;
    let text = banner(settings, port);
    let mut out = std::io::stdout().lock();
    // A closed stdout (a detached service) is no reason to stop serving.
    drop(out.write_all(text.as_bytes()).and_then(|()| out.flush()));
}

/// The start-up banner: the URL, the API docs, where mail goes and the demo sign-ins.
fn banner(settings: &Settings, port: u16) -> String {
    use std::fmt::Write;
    let host = settings
        .server
        .address
        .rsplit_once(':')
        .map_or("127.0.0.1", |(h, _)| h);
    let url = format!("http://{host}:{port}");
    let mut b = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(b);
    let _ = writeln!(b, "  场景集市 scenario-market is running at {url}");
    let _ = writeln!(
        b,
        "  API docs: {url}/api/docs/   database: {}",
        db::redact(&settings.database_url())
    );
    if settings.mail.smtp_url.is_none() {
        let _ = writeln!(
            b,
            "  e-mails are written to {}",
            settings.outbox_dir().display()
        );
    }
    if settings.demo() {
        let _ = writeln!(
            b,
            "  demo sign-ins (password {}):",
            crate::demo::DEMO_PASSWORD
        );
        for a in &crate::demo::data().accounts {
            let org = a
                .organization
                .as_ref()
                .map(|o| format!(" — {}", o.name))
                .unwrap_or_default();
            let _ = writeln!(b, "    {:<10} {}{}", a.role.code(), a.email, org);
        }
    }
    let _ = writeln!(b, "  Press Ctrl-C to stop.");
    let _ = writeln!(b);
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_banner_is_one_block_with_the_url_the_docs_and_every_demo_sign_in() {
        let settings = Settings::from_sources(None, &[]).unwrap();
        let text = banner(&settings, 8080);
        assert!(text.starts_with('\n') && text.ends_with("Press Ctrl-C to stop.\n\n"));
        assert!(text.contains("running at http://127.0.0.1:8080\n"));
        assert!(text.contains("http://127.0.0.1:8080/api/docs/"));
        for a in &crate::demo::data().accounts {
            assert!(text.contains(&a.email), "{} is missing", a.email);
        }
        // One block: no empty line inside it.
        assert!(!text.trim().contains("\n\n"));
    }
}
