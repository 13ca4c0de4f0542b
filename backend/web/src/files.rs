//! Attachment files on disk, named by the SHA-256 of their content (`ab/cdef…`). Uploads
//! stream to a temporary file while they are hashed and checked (size, PDF magic bytes), so
//! a large file never sits in memory and a refused one leaves nothing behind; a full disk
//! answers 507 and leaves nothing behind either.

use domain::message::Message;
use std::path::{Path, PathBuf};

use actix_multipart::Field;
use domain::Error;
use domain::bid::{MAX_ATTACHMENT_BYTES, looks_like_pdf};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

/// The folder of attachment files.
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
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

impl FileStore {
    pub fn new(root: PathBuf) -> std::io::Result<FileStore> {
        std::fs::create_dir_all(root.join("tmp"))?;
        Ok(FileStore { root })
    }

    /// Where a file of this hash lives; `None` for anything but 64 hex digits.
    pub fn path(&self, sha256: &str) -> Option<PathBuf> {
        let ok = sha256.len() == 64
            && sha256
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
        ok.then(|| self.root.join(&sha256[..2]).join(&sha256[2..]))
    }

    /// Streams one multipart field to disk as a PDF of at most 10 MB.
    pub async fn save_pdf(&self, mut field: Field, filename: String) -> Result<Stored, Error> {
        let tmp = self
            .root
            .join("tmp")
            .join(format!("{}.part", domain::security::new_token()));
        let result = async {
            let mut file = tokio::fs::File::create(&tmp)
                .await
                .map_err(Error::storage)?;
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
                        return Err(refused(Message::new(
                            "只接受 PDF 文件（按文件内容判断）",
                            "only PDF files are accepted (judged by content, not name)",
                        )));
                    }
                }
                hasher.update(&chunk);
                file.write_all(&chunk).await.map_err(Error::storage)?;
            }
            if !looks_like_pdf(&head) {
                return Err(refused(Message::new(
                    "只接受 PDF 文件（按文件内容判断）",
                    "only PDF files are accepted (judged by content, not name)",
                )));
            }
            file.flush().await.map_err(Error::storage)?;
            file.sync_all().await.map_err(Error::storage)?;
            Ok((hex::encode(hasher.finalize()), size))
        }
        .await;
        let (sha256, size) = match result {
            Ok(x) => x,
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(e);
            }
        };
        let dest = self.path(&sha256).expect("a hex digest");
        let created = if tokio::fs::try_exists(&dest).await.unwrap_or(false) {
            let _ = tokio::fs::remove_file(&tmp).await;
            false
        } else {
            let placed = async {
                if let Some(dir) = dest.parent() {
                    tokio::fs::create_dir_all(dir).await?;
                }
                tokio::fs::rename(&tmp, &dest).await
            }
            .await;
            if let Err(e) = placed {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(Error::storage(e));
            }
            true
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
            if let Some(p) = self.path(&s.sha256) {
                let _ = tokio::fs::remove_file(p).await;
            }
        }
    }

    /// Every file in the folder, unfinished uploads included (for tests and checks).
    pub fn list(&self) -> Vec<PathBuf> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            if let Ok(rd) = std::fs::read_dir(dir) {
                for e in rd.flatten() {
                    let p = e.path();
                    if p.is_dir() {
                        walk(&p, out);
                    } else {
                        out.push(p);
                    }
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &mut out);
        out
    }
}
