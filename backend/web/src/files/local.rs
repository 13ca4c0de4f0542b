//! Attachment files in a local folder: an upload is written to `tmp/…` and renamed into place.

use std::path::{Path, PathBuf};

use actix_web::HttpResponse;
use domain::Error;
use tokio::io::AsyncWriteExt;

#[derive(Debug, Clone)]
pub(super) struct Folder {
    root: PathBuf,
}

/// An upload being written.
pub(super) struct Part {
    file: tokio::fs::File,
    tmp: PathBuf,
    root: PathBuf,
}

impl Folder {
    pub(super) fn new(root: PathBuf) -> std::io::Result<Folder> {
        std::fs::create_dir_all(root.join("tmp"))?;
        Ok(Folder { root })
    }

    pub(super) fn path(&self, key: &str) -> PathBuf {
        self.root.join(key)
    }

    pub(super) async fn part(&self, tmp: &str) -> Result<Part, Error> {
        let tmp = self.root.join(tmp);
        let file = tokio::fs::File::create(&tmp)
            .await
            .map_err(Error::storage)?;
        Ok(Part {
            file,
            tmp,
            root: self.root.clone(),
        })
    }

    pub(super) async fn remove(&self, key: &str) {
        let _ = tokio::fs::remove_file(self.path(key)).await;
    }

    pub(super) async fn send(
        &self,
        req: &actix_web::HttpRequest,
        key: &str,
        filename: &str,
    ) -> Result<HttpResponse, Error> {
        let file = actix_files::NamedFile::open_async(self.path(key))
            .await
            .map_err(|e| Error::internal(format!("attachment {key} missing on disk: {e}")))?;
        let file = file
            .set_content_type("application/pdf".parse().expect("a mime type"))
            .set_content_disposition(super::disposition(filename));
        Ok(file.into_response(req))
    }

    /// Every file under the folder.
    pub(super) fn files(&self) -> Vec<PathBuf> {
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

    /// Every file's key (its path under the folder, with `/`).
    pub(super) fn keys(&self) -> Vec<String> {
        self.files()
            .iter()
            .filter_map(|p| p.strip_prefix(&self.root).ok())
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .collect()
    }
}

impl Part {
    pub(super) async fn write(&mut self, chunk: &[u8]) -> Result<(), Error> {
        self.file.write_all(chunk).await.map_err(Error::storage)
    }

    /// Drops what was written.
    pub(super) async fn abandon(self) {
        drop(self.file);
        let _ = tokio::fs::remove_file(&self.tmp).await;
    }

    /// Puts the upload in place under `key`, unless the same content is there: whether it
    /// created the file.
    pub(super) async fn place(mut self, key: &str) -> Result<bool, Error> {
        let synced = async {
            self.file.flush().await?;
            self.file.sync_all().await
        }
        .await;
        if let Err(e) = synced {
            self.abandon().await;
            return Err(Error::storage(e));
        }
        let dest = self.root.join(key);
        if tokio::fs::try_exists(&dest).await.unwrap_or(false) {
            self.abandon().await;
            return Ok(false);
        }
        let placed = async {
            if let Some(dir) = dest.parent() {
                tokio::fs::create_dir_all(dir).await?;
            }
            tokio::fs::rename(&self.tmp, &dest).await
        }
        .await;
        if let Err(e) = placed {
            self.abandon().await;
            return Err(Error::storage(e));
        }
        Ok(true)
    }
}
