//! Attachment files in an S3-compatible bucket (AWS S3, MinIO, a cloud's object storage): an
//! upload streams to `tmp/…` as a multipart upload, is copied to its content key and the
//! temporary object removed; a failed upload is aborted, so nothing partial stays visible.

use std::sync::Arc;

use actix_web::HttpResponse;
use domain::Error;
use domain::message::Message;
use futures_util::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::{ObjectStore, WriteMultipart};

/// The bucket and how to reach it (`APP__FILES__S3_…`); credentials from these settings, or
/// else from the standard `AWS_…` environment variables and the rest of the standard chain.
#[derive(Debug, Clone, Default)]
pub struct S3Settings {
    pub bucket: String,
    pub region: Option<String>,
    /// For MinIO and other S3-compatible services.
    pub endpoint: Option<String>,
    /// `bucket` in the path rather than in the host name (MinIO's default).
    pub path_style: bool,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
}

#[derive(Debug, Clone)]
pub(super) struct Bucket {
    store: Arc<dyn ObjectStore>,
}

/// An upload being written.
pub(super) struct Part {
    store: Arc<dyn ObjectStore>,
    tmp: Path,
    upload: WriteMultipart,
}

fn unavailable(e: object_store::Error) -> Error {
    tracing::error!(error = %e, "object storage");
    Error::Unavailable(Message::new(
        "文件存储暂时不可用，文件未保存，请稍后重试",
        "the file storage does not answer; the file was not stored, try again shortly",
    ))
}

impl Bucket {
    pub(super) fn new(s: &S3Settings) -> Result<Bucket, String> {
        let mut b = AmazonS3Builder::from_env()
            .with_bucket_name(&s.bucket)
            .with_virtual_hosted_style_request(!s.path_style);
        if let Some(region) = &s.region {
            b = b.with_region(region);
        }
        if let Some(endpoint) = &s.endpoint {
            b = b
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        if let (Some(id), Some(secret)) = (&s.access_key_id, &s.secret_access_key) {
            b = b.with_access_key_id(id).with_secret_access_key(secret);
        }
        let store = b.build().map_err(|e| format!("object storage: {e}"))?;
        Ok(Bucket {
            store: Arc::new(store),
        })
    }

    pub(super) async fn part(&self, tmp: &str) -> Result<Part, Error> {
        let tmp = Path::from(tmp);
        let upload = self.store.put_multipart(&tmp).await.map_err(unavailable)?;
        Ok(Part {
            store: self.store.clone(),
            tmp,
            upload: WriteMultipart::new(upload),
        })
    }

    pub(super) async fn remove(&self, key: &str) {
        if let Err(e) = self.store.delete(&Path::from(key)).await {
            tracing::warn!(error = %e, key, "an unused file stays in the bucket");
        }
    }

    /// Streams the object to the reader, through the app.
    pub(super) async fn send(&self, key: &str, filename: &str) -> Result<HttpResponse, Error> {
        let got = match self.store.get(&Path::from(key)).await {
            Ok(g) => g,
            Err(object_store::Error::NotFound { .. }) => {
                return Err(Error::internal(format!(
                    "attachment {key} missing in the bucket"
                )));
            }
            Err(e) => return Err(unavailable(e)),
        };
        let size = got.meta.size;
        let body = got
            .into_stream()
            .map_err(|e| actix_web::error::ErrorServiceUnavailable(e.to_string()));
        Ok(HttpResponse::Ok()
            .content_type("application/pdf")
            .insert_header(super::disposition(filename))
            .no_chunking(size)
            .streaming(body))
    }

    pub(super) async fn read(&self, key: &str) -> Result<Vec<u8>, Error> {
        let got = self
            .store
            .get(&Path::from(key))
            .await
            .map_err(unavailable)?;
        Ok(got.bytes().await.map_err(unavailable)?.to_vec())
    }

    pub(super) async fn write(&self, key: &str, bytes: Vec<u8>) -> Result<(), Error> {
        self.store
            .put(&Path::from(key), bytes.into())
            .await
            .map_err(unavailable)
            .map(drop)
    }

    pub(super) async fn keys(&self) -> Result<Vec<String>, Error> {
        let all: Vec<_> = self
            .store
            .list(None)
            .try_collect()
            .await
            .map_err(unavailable)?;
        Ok(all.into_iter().map(|m| m.location.to_string()).collect())
    }
}

impl Part {
    pub(super) async fn write(&mut self, chunk: &[u8]) -> Result<(), Error> {
        // At most two parts in flight: an upload holds little memory however large it is.
        self.upload
            .wait_for_capacity(2)
            .await
            .map_err(unavailable)?;
        self.upload.write(chunk);
        Ok(())
    }

    /// Aborts the upload: nothing of it stays.
    pub(super) async fn abandon(self) {
        if let Err(e) = self.upload.abort().await {
            tracing::warn!(error = %e, "aborting an upload");
        }
    }

    /// Completes the upload and puts it under `key`, unless the same content is there:
    /// whether it created the file.
    pub(super) async fn place(self, key: &str) -> Result<bool, Error> {
        let (store, tmp) = (self.store.clone(), self.tmp.clone());
        self.upload.finish().await.map_err(unavailable)?;
        let dest = Path::from(key);
        let exists = match store.head(&dest).await {
            Ok(_) => true,
            Err(object_store::Error::NotFound { .. }) => false,
            Err(e) => {
                let _ = store.delete(&tmp).await;
                return Err(unavailable(e));
            }
        };
        let copied = if exists {
            Ok(())
        } else {
            store.copy(&tmp, &dest).await
        };
        let _ = store.delete(&tmp).await;
        copied.map_err(unavailable)?;
        Ok(!exists)
    }
}
