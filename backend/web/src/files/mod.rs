//! Attachment files, named by the SHA-256 of their content (`ab/cdef…`), in a local folder
//! (the default) or in an S3-compatible bucket (`APP__FILES__S3_BUCKET`). Uploads stream to a
//! temporary object while they are hashed and checked (size, PDF magic bytes), so a large
//! file never sits in memory and a refused one leaves nothing behind; a full disk answers 507
//! and leaves nothing behind either. With a bucket, nothing of an upload touches the local
//! disk, and downloads stream from the bucket through the app after its permission check
//! (never a bucket URL).

mod local;
mod s3;

pub use s3::S3Settings;

use std::path::PathBuf;

use actix_multipart::Field;
use actix_web::HttpResponse;
use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use domain::Error;
use domain::bid::{MAX_ATTACHMENT_BYTES, looks_like_pdf};
use domain::message::Message;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

/// Where attachment files live.
#[derive(Debug, Clone)]
pub struct FileStore {
    backend: Backend,
}

#[derive(Debug, Clone)]
enum Backend {
    Local(local::Folder),
    S3(s3::Bucket),
}

/// A file that an upload stored.
#[derive(Debug, Clone)]
pub struct Stored {
    pub sha256: String,
    pub size: i64,
    pub filename: String,
    /// Whether this upload created the file (rather than finding the same content there).
    pub created: bool,
}

fn refused(message: Message) -> Error {
    Error::field("file", message)
}

fn not_pdf() -> Error {
    refused(Message::new(
        "只接受 PDF 文件（按文件内容判断）",
        "only PDF files are accepted (judged by content, not name)",
    ))
}

/// Where an upload's bytes go while they are checked.
enum Sink {
    Local(local::Part),
    S3(s3::Part),
}

impl Sink {
    async fn write(&mut self, chunk: &[u8]) -> Result<(), Error> {
        match self {
            Sink::Local(p) => p.write(chunk).await,
            Sink::S3(p) => p.write(chunk).await,
        }
    }
}

/// The key of a file of this hash (`ab/cdef…`); `None` for anything but 64 lowercase hex digits.
fn key_of(sha256: &str) -> Option<String> {
    let ok = sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
    ok.then(|| format!("{}/{}", &sha256[..2], &sha256[2..]))
}

impl FileStore {
    /// Files in a local folder.
    pub fn new(root: PathBuf) -> std::io::Result<FileStore> {
        Ok(FileStore {
            backend: Backend::Local(local::Folder::new(root)?),
        })
    }

    /// Files in an S3-compatible bucket.
    pub fn s3(settings: &S3Settings) -> Result<FileStore, String> {
        Ok(FileStore {
            backend: Backend::S3(s3::Bucket::new(settings)?),
        })
    }

    /// Where a file of this hash lives in a local folder; `None` for anything but 64 hex
    /// digits, and with a bucket.
    pub fn path(&self, sha256: &str) -> Option<PathBuf> {
        match &self.backend {
            Backend::Local(f) => key_of(sha256).map(|k| f.path(&k)),
            Backend::S3(_) => None,
        }
    }

    /// Streams one multipart field to storage as a PDF of at most 10 MB.
    pub async fn save_pdf(&self, mut field: Field, filename: String) -> Result<Stored, Error> {
        let tmp = format!("tmp/{}.part", domain::security::new_token());
        let mut sink = match &self.backend {
            Backend::Local(f) => Sink::Local(f.part(&tmp).await?),
            Backend::S3(b) => Sink::S3(b.part(&tmp).await?),
        };
        let result = async {
            let mut hasher = Sha256::new();
            let mut size: u64 = 0;
            let mut head: Vec<u8> = Vec::with_capacity(8);
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(|e| {
                    refused(Message::new(
                        "上传中断",
                        format!("the upload broke off: {e}"),
                    ))
                })?;
                size += chunk.len() as u64;
                if size > MAX_ATTACHMENT_BYTES {
                    return Err(refused(Message::new(
                        "文件超过 10 MB",
                        "the file is larger than 10 MB",
                    )));
                }
                if head.len() < 5 {
                    head.extend(chunk.iter().take(5 - head.len()));
                    if head.len() == 5 && !looks_like_pdf(&head) {
                        return Err(not_pdf());
                    }
                }
                hasher.update(&chunk);
                sink.write(&chunk).await?;
            }
            if !looks_like_pdf(&head) {
                return Err(not_pdf());
            }
            Ok((hex::encode(hasher.finalize()), size))
        }
        .await;
        let (sha256, size) = match result {
            Ok(x) => x,
            Err(e) => {
                match sink {
                    Sink::Local(p) => p.abandon().await,
                    Sink::S3(p) => p.abandon().await,
                }
                return Err(e);
            }
        };
        let key = key_of(&sha256).expect("a hex digest");
        let created = match sink {
            Sink::Local(p) => p.place(&key).await?,
            Sink::S3(p) => p.place(&key).await?,
        };
        Ok(Stored {
            sha256,
            size: size as i64,
            filename,
            created,
        })
    }

    /// Removes files this request created, after the change that would have used them was refused.
    pub async fn discard(&self, stored: &[Stored]) {
        for s in stored.iter().filter(|s| s.created) {
            if let Some(key) = key_of(&s.sha256) {
                match &self.backend {
                    Backend::Local(f) => f.remove(&key).await,
                    Backend::S3(b) => b.remove(&key).await,
                }
            }
        }
    }

    /// The stored PDF as a download named `filename`, streamed (its reader's permission was
    /// checked before). A file the store does not hold is an internal error: its row says it
    /// is there.
    pub async fn send(
        &self,
        req: &actix_web::HttpRequest,
        sha256: &str,
        filename: &str,
    ) -> Result<HttpResponse, Error> {
        let key = key_of(sha256).ok_or(Error::NotFound)?;
        match &self.backend {
            Backend::Local(f) => f.send(req, &key, filename).await,
            Backend::S3(b) => b.send(&key, filename).await,
        }
    }

    /// Every stored object's key, unfinished uploads included (for tests and checks).
    pub async fn keys(&self) -> Result<Vec<String>, Error> {
        match &self.backend {
            Backend::Local(f) => Ok(f.keys()),
            Backend::S3(b) => b.keys().await,
        }
    }

    /// The hashes of every stored file, unfinished uploads left out (for backups).
    pub async fn hashes(&self) -> Result<Vec<String>, Error> {
        let mut out: Vec<String> = self
            .keys()
            .await?
            .into_iter()
            .filter_map(|k| {
                let (a, b) = k.split_once('/')?;
                let h = format!("{a}{b}");
                key_of(&h).filter(|kk| *kk == k).map(|_| h)
            })
            .collect();
        out.sort();
        Ok(out)
    }

    /// The bytes of the file of this hash (for backups and their checks).
    pub async fn read(&self, sha256: &str) -> Result<Vec<u8>, Error> {
        let key = key_of(sha256).ok_or(Error::NotFound)?;
        match &self.backend {
            Backend::Local(f) => tokio::fs::read(f.path(&key)).await.map_err(Error::storage),
            Backend::S3(b) => b.read(&key).await,
        }
    }

    /// Stores `bytes` as the file of this hash (a restore).
    pub async fn write(&self, sha256: &str, bytes: Vec<u8>) -> Result<(), Error> {
        let key = key_of(sha256).ok_or(Error::NotFound)?;
        match &self.backend {
            Backend::Local(f) => {
                let path = f.path(&key);
                if let Some(dir) = path.parent() {
                    tokio::fs::create_dir_all(dir)
                        .await
                        .map_err(Error::storage)?;
                }
                tokio::fs::write(path, bytes).await.map_err(Error::storage)
            }
            Backend::S3(b) => b.write(&key, bytes).await,
        }
    }

    /// Every file in the local folder, unfinished uploads included (for tests and checks);
    /// nothing with a bucket.
    pub fn list(&self) -> Vec<PathBuf> {
        match &self.backend {
            Backend::Local(f) => f.files(),
            Backend::S3(_) => vec![],
        }
    }
}

/// `attachment` with an ASCII fallback name and the real (UTF-8) name per RFC 6266.
fn disposition(filename: &str) -> ContentDisposition {
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut parameters = vec![DispositionParam::Filename(ascii)];
    if !filename.is_ascii() {
        parameters.push(DispositionParam::FilenameExt(
            actix_web::http::header::ExtendedValue {
                charset: actix_web::http::header::Charset::Ext("UTF-8".into()),
                language_tag: None,
                value: filename.as_bytes().to_vec(),
            },
        ));
    }
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters,
    }
}
