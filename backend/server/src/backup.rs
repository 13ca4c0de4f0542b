//! `scenario-market backup FILE` and `restore FILE`: one gzip-compressed tar archive holding a
//! manifest, the database (a consistent SQLite copy taken while the server runs, or a
//! `pg_dump` custom-format dump), every attachment file (named by its SHA-256) and the
//! generated signing key. A restore goes only into an empty data folder (and an empty
//! PostgreSQL database), checks every file against its hash before anything is put in place,
//! and then verifies the audit chain and every stored attachment.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail, ensure};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::Settings;

/// The archive's first entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    pub app_version: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// `sqlite` or `postgres`.
    pub database: String,
    pub database_sha256: String,
    /// Every attachment file: (SHA-256, bytes).
    pub files: Vec<(String, u64)>,
    /// Whether the generated signing key is in the archive.
    pub signing_key: bool,
}

const FORMAT: &str = "scenario-market-backup";
const SQLITE_ENTRY: &str = "database.sqlite";
const PG_ENTRY: &str = "database.pgdump";
const KEY_ENTRY: &str = "jwt-secret";

/// What a backup wrote.
#[derive(Debug, Clone)]
pub struct BackupReport {
    pub database: String,
    pub files: usize,
    pub bytes: u64,
}

/// What a restore put in place and checked.
#[derive(Debug, Clone)]
pub struct RestoreReport {
    pub database: String,
    pub files: usize,
    pub audit_records: i64,
    pub attachments_checked: usize,
}

fn sha256_of(path: &Path) -> anyhow::Result<(String, u64)> {
    let mut f = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((hex::encode(h.finalize()), n))
}

/// A new file only its owner may read and write (0600): the archive and everything unpacked
/// from it hold password hashes and the signing key.
fn create_private(path: &Path) -> anyhow::Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// A new folder only its owner may enter (0700).
fn create_private_dir(path: &Path) -> anyhow::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(path)
        .with_context(|| format!("cannot create {}", path.display()))
}

/// Refuses a data folder that others on the machine may read or enter: the restored database
/// and signing key would be theirs to copy.
fn ensure_private_folder(dir: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir)?.permissions().mode();
        ensure!(
            mode & 0o077 == 0,
            "the data folder {} may be read by other users (mode {:o}); a restore puts the \
             database and the signing key there: run `chmod 700 {}` first",
            dir.display(),
            mode & 0o777,
            dir.display()
        );
    }
    Ok(())
}

/// A folder next to `near` that is removed when dropped.
struct Staging(PathBuf);

impl Staging {
    fn next_to(near: &Path, what: &str) -> anyhow::Result<Staging> {
        let dir = near
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let p = dir.join(format!(".{what}-{:016x}", rand::random::<u64>()));
        create_private_dir(&p)?;
        Ok(Staging(p))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The attachment store when it is a bucket (`APP__FILES__S3_…`), with a runtime to drive it.
fn bucket(settings: &Settings) -> anyhow::Result<Option<Bucket>> {
    let Some(s3) = settings.files.s3() else {
        return Ok(None);
    };
    let store = web::files::FileStore::s3(&s3).map_err(anyhow::Error::msg)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(Some(Bucket { store, rt }))
}

struct Bucket {
    store: web::files::FileStore,
    rt: tokio::runtime::Runtime,
}

impl Bucket {
    fn hashes(&self) -> anyhow::Result<Vec<String>> {
        Ok(self.rt.block_on(self.store.hashes())?)
    }

    fn read(&self, hash: &str) -> anyhow::Result<Vec<u8>> {
        self.rt
            .block_on(self.store.read(hash))
            .with_context(|| format!("the attachment {hash} cannot be read from the bucket"))
    }
}

/// Every file of the bucket into `root` (`ab/cdef…`), as the files folder holds them.
fn fetch_bucket(b: &Bucket, root: &Path) -> anyhow::Result<()> {
    for h in b.hashes()? {
        let dst = root.join(&h[..2]).join(&h[2..]);
        std::fs::create_dir_all(dst.parent().expect("a parent"))?;
        let mut f = create_private(&dst)?;
        f.write_all(&b.read(&h)?)?;
        f.sync_all()?;
    }
    Ok(())
}

/// The attachment files under `root` (`ab/cdef…`), each checked against its name.
fn attachment_files(root: &Path) -> anyhow::Result<Vec<(String, u64, PathBuf)>> {
    let mut out = Vec::new();
    let Ok(dirs) = std::fs::read_dir(root) else {
        return Ok(out);
    };
    for d in dirs {
        let d = d?;
        let prefix = d.file_name().to_string_lossy().to_string();
        if prefix.len() != 2 || !d.file_type()?.is_dir() {
            continue; // `tmp` holds unfinished uploads
        }
        for f in std::fs::read_dir(d.path())? {
            let f = f?;
            let name = format!("{prefix}{}", f.file_name().to_string_lossy());
            let (hash, size) = sha256_of(&f.path())?;
            ensure!(
                hash == name,
                "the attachment {} does not match its hash (damaged on disk): nothing was written",
                f.path().display()
            );
            out.push((hash, size, f.path()));
        }
    }
    out.sort();
    Ok(out)
}

fn run_tool(cmd: &mut Command, what: &str) -> anyhow::Result<()> {
    let out = cmd.output().with_context(|| {
        format!("cannot run {what} (install the PostgreSQL client tools, or set backup.{what})")
    })?;
    if !out.status.success() {
        bail!(
            "{what} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// Writes the backup archive to `out` (atomically: a failed backup leaves no file there).
pub fn backup(settings: &Settings, out: &Path) -> anyhow::Result<BackupReport> {
    ensure!(
        !out.exists(),
        "{} exists already; choose a new file",
        out.display()
    );
    let url = settings.database_url();
    let db = db::Database::connect(&url, 2)?;
    let staging = Staging::next_to(out, "backup")?;
    let (kind, entry, dump) = match db.backend() {
        db::Backend::Sqlite => {
            let p = staging.0.join(SQLITE_ENTRY);
            db.sqlite_snapshot(&p)?;
            ("sqlite", SQLITE_ENTRY, p)
        }
        db::Backend::Postgres => {
            let p = staging.0.join(PG_ENTRY);
            run_tool(
                Command::new(&settings.backup.pg_dump)
                    .arg("--format=custom")
                    .arg("--no-owner")
                    .arg("--file")
                    .arg(&p)
                    .arg(&url),
                "pg_dump",
            )?;
            ("postgres", PG_ENTRY, p)
        }
    };
    // The files after the database: a file an attachment row names existed before its row.
    // From a bucket they are fetched into the staging folder first.
    let files_root = match bucket(settings)? {
        Some(store) => {
            let root = staging.0.join("bucket");
            fetch_bucket(&store, &root)?;
            root
        }
        None => settings.files_dir(),
    };
    let files = attachment_files(&files_root)?;
    let key = settings.data_dir.join(KEY_ENTRY);
    let with_key = settings.auth.jwt_secret.is_none() && key.exists();
    let manifest = Manifest {
        format: FORMAT.into(),
        version: 1,
        app_version: env!("CARGO_PKG_VERSION").into(),
        created_at: chrono::Utc::now(),
        database: kind.into(),
        database_sha256: sha256_of(&dump)?.0,
        files: files.iter().map(|(h, s, _)| (h.clone(), *s)).collect(),
        signing_key: with_key,
    };
    let partial = staging.0.join("archive.tar.gz");
    {
        let gz = flate2::write::GzEncoder::new(
            create_private(&partial)?,
            flate2::Compression::default(),
        );
        let mut tar = tar::Builder::new(gz);
        let json = serde_json::to_vec_pretty(&manifest)?;
        let mut header = tar::Header::new_gnu();
        header.set_size(json.len() as u64);
        header.set_mode(0o600);
        header.set_cksum();
        tar.append_data(&mut header, "manifest.json", json.as_slice())?;
        tar.append_path_with_name(&dump, entry)?;
        for (hash, _, path) in &files {
            tar.append_path_with_name(path, format!("files/{hash}"))?;
        }
        if with_key {
            tar.append_path_with_name(&key, KEY_ENTRY)?;
        }
        let mut gz = tar.into_inner()?;
        gz.flush()?;
        gz.finish()?.sync_all()?;
    }
    let bytes = std::fs::metadata(&partial)?.len();
    std::fs::rename(&partial, out)
        .or_else(|_| std::fs::copy(&partial, out).map(|_| ()))
        .with_context(|| format!("cannot write {}", out.display()))?;
    Ok(BackupReport {
        database: kind.into(),
        files: files.len(),
        bytes,
    })
}

/// Reads the archive into `staging`, checking every entry; returns its manifest.
fn unpack(file: &Path, staging: &Path) -> anyhow::Result<Manifest> {
    let gz = flate2::read::GzDecoder::new(
        File::open(file).with_context(|| format!("cannot read {}", file.display()))?,
    );
    let mut tar = tar::Archive::new(gz);
    let mut manifest: Option<Manifest> = None;
    std::fs::create_dir_all(staging.join("files"))?;
    for entry in tar.entries()? {
        let mut entry = entry?;
        let name = entry.path()?.to_string_lossy().to_string();
        if manifest.is_none() {
            ensure!(
                name == "manifest.json",
                "not a scenario-market backup (no manifest first)"
            );
            let mut text = String::new();
            entry.read_to_string(&mut text)?;
            let m: Manifest = serde_json::from_str(&text).context("the manifest is unreadable")?;
            ensure!(
                m.format == FORMAT && m.version == 1,
                "not a backup this version can read ({} {})",
                m.format,
                m.version
            );
            manifest = Some(m);
            continue;
        }
        // Only the names a backup writes; nothing can land outside the staging folder.
        let target = match name.as_str() {
            SQLITE_ENTRY | PG_ENTRY | KEY_ENTRY => staging.join(&name),
            n if n.starts_with("files/")
                && n.len() == 6 + 64
                && n[6..]
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) =>
            {
                staging.join(n)
            }
            other => bail!("unexpected entry {other:?} in the backup"),
        };
        let mut out = create_private(&target)?;
        std::io::copy(&mut entry, &mut out)?;
        out.sync_all()?;
    }
    let m = manifest.ok_or_else(|| anyhow::anyhow!("the backup is empty"))?;
    let db_entry = if m.database == "sqlite" {
        SQLITE_ENTRY
    } else {
        PG_ENTRY
    };
    let (hash, _) = sha256_of(&staging.join(db_entry)).context("the backup has no database")?;
    ensure!(
        hash == m.database_sha256,
        "the database in the backup does not match its hash"
    );
    for (h, size) in &m.files {
        let (got, n) = sha256_of(&staging.join("files").join(h))
            .with_context(|| format!("the attachment {h} is missing from the backup"))?;
        ensure!(
            &got == h && n == *size,
            "the attachment {h} in the backup is damaged"
        );
    }
    Ok(m)
}

/// Restores `file` into the configured, empty data folder (and database), then verifies.
pub fn restore(settings: &Settings, file: &Path) -> anyhow::Result<RestoreReport> {
    let url = settings.database_url();
    let backend = db::Backend::of_url(&url);
    let files_dir = settings.files_dir();
    // Empty means: no database (file or tables) and no attachment.
    match backend {
        db::Backend::Sqlite => {
            let p = PathBuf::from(db::sqlite_path(&url));
            ensure!(
                !p.exists() || std::fs::metadata(&p)?.len() == 0,
                "the database {} exists: restore goes into an empty data folder",
                p.display()
            );
        }
        db::Backend::Postgres => ensure!(
            db::Database::postgres_is_empty(&url)?,
            "the PostgreSQL database has tables: restore goes into an empty database"
        ),
    }
    let store = bucket(settings)?;
    match &store {
        Some(b) => ensure!(
            b.hashes()?.is_empty(),
            "the files bucket has attachments: restore goes into an empty bucket"
        ),
        None => ensure!(
            attachment_files(&files_dir)?.is_empty(),
            "the files folder {} has attachments: restore goes into an empty data folder",
            files_dir.display()
        ),
    }
    if settings.data_dir.exists() {
        ensure_private_folder(&settings.data_dir)?;
    } else {
        create_private_dir(&settings.data_dir)?;
    }
    let staging = Staging::next_to(&settings.data_dir.join("x"), "restore")?;
    let m = unpack(file, &staging.0)?;
    let kind = match (m.database.as_str(), backend) {
        ("sqlite", db::Backend::Sqlite) => "sqlite",
        ("postgres", db::Backend::Postgres) => "postgres",
        (b, _) => bail!(
            "the backup is of a {b} database; configure one of that kind (APP__DATABASE__URL)"
        ),
    };
    // Everything checked: put it in place.
    if kind == "sqlite" {
        let p = PathBuf::from(db::sqlite_path(&url));
        if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let _ = std::fs::remove_file(&p);
        std::fs::rename(staging.0.join(SQLITE_ENTRY), &p)
            .or_else(|_| std::fs::copy(staging.0.join(SQLITE_ENTRY), &p).map(|_| ()))?;
    } else {
        run_tool(
            Command::new(&settings.backup.pg_restore)
                .arg("--no-owner")
                .arg("--exit-on-error")
                .arg("--single-transaction")
                .arg("--dbname")
                .arg(&url)
                .arg(staging.0.join(PG_ENTRY)),
            "pg_restore",
        )?;
    }
    for (h, _) in m.files.iter().filter(|_| store.is_some()) {
        let b = store.as_ref().expect("a bucket");
        let bytes = std::fs::read(staging.0.join("files").join(h))?;
        b.rt.block_on(b.store.write(h, bytes))
            .with_context(|| format!("cannot write the attachment {h} to the bucket"))?;
    }
    for (h, _) in m.files.iter().filter(|_| store.is_none()) {
        let dst = files_dir.join(&h[..2]).join(&h[2..]);
        std::fs::create_dir_all(dst.parent().expect("a parent"))?;
        std::fs::rename(staging.0.join("files").join(h), &dst)
            .or_else(|_| std::fs::copy(staging.0.join("files").join(h), &dst).map(|_| ()))?;
    }
    let key = settings.data_dir.join(KEY_ENTRY);
    if m.signing_key && !key.exists() {
        std::fs::rename(staging.0.join(KEY_ENTRY), &key)?;
    }
    let (audit_records, attachments_checked) = verify(settings)?;
    Ok(RestoreReport {
        database: kind.into(),
        files: m.files.len(),
        audit_records,
        attachments_checked,
    })
}

/// The audit chain verifies and every stored attachment's file is there with its hash:
/// (records, attachments).
pub fn verify(settings: &Settings) -> anyhow::Result<(i64, usize)> {
    let parts = crate::startup::wire(settings, std::sync::Arc::new(domain::ports::SystemClock))?;
    let records = match parts.services.verify_audit_chain()? {
        domain::audit::ChainCheck::Intact { records } => records,
        domain::audit::ChainCheck::Broken { seq, reason } => {
            bail!("the restored audit chain is BROKEN at record {seq}: {reason}")
        }
    };
    let files_dir = settings.files_dir();
    let store = bucket(settings)?;
    let stored = parts.db.attachment_hashes()?;
    for (h, size) in &stored {
        ensure!(
            h.len() == 64,
            "an attachment row has a malformed hash {h:?}"
        );
        let (got, n) = match &store {
            Some(b) => {
                let bytes = b
                    .read(h)
                    .with_context(|| format!("the attachment {h} is missing"))?;
                (hex::encode(Sha256::digest(&bytes)), bytes.len() as u64)
            }
            None => sha256_of(&files_dir.join(&h[..2]).join(&h[2..]))
                .with_context(|| format!("the attachment {h} is missing"))?,
        };
        ensure!(
            &got == h && n as i64 == *size,
            "the attachment {h} is damaged"
        );
    }
    Ok((records, stored.len()))
}
