//! Multipart uploads of bid PDFs, shared by the API and the pages: files stream to the file
//! store while they are checked, text fields are collected, and the body is bounded in parts,
//! text and files. Callers check identity, CSRF and permission before they call this.

use actix_multipart::Multipart;
use app::bids::NewAttachment;
use domain::Error;
use domain::bid::parse_filename;
use domain::message::Message;
use futures_util::StreamExt;

use crate::AppState;
use crate::files::Stored;

/// What a multipart body brought: the stored PDFs, the text fields, and the first problem
/// with a file (after which no file is kept, but the text fields still are).
#[derive(Debug, Default)]
pub struct Upload {
    pub stored: Vec<Stored>,
    pub fields: Vec<(String, String)>,
    pub error: Option<Error>,
}

/// The most parts one multipart body may have (files and text fields together).
pub const MAX_PARTS: usize = 16;
/// The most bytes of text fields one multipart body may carry, all fields together.
pub const MAX_TEXT_BYTES: usize = 256 * 1024;

/// Reads a multipart body: `file` parts go to the file store (at most `limit`), the rest are
/// text fields. At most [`MAX_PARTS`] parts and [`MAX_TEXT_BYTES`] of text: past either limit
/// reading stops at once. A refused file discards every file this body stored.
pub async fn receive_pdfs(state: &AppState, mut payload: Multipart, limit: usize) -> Upload {
    let mut up = Upload::default();
    let (mut parts, mut text_bytes) = (0usize, 0usize);
    while let Some(item) = payload.next().await {
        parts += 1;
        if parts > MAX_PARTS {
            up.error = Some(Error::field(
                "file",
                Message::new(
                    format!("表单部分过多（最多 {MAX_PARTS} 个）"),
                    format!("too many form parts (at most {MAX_PARTS})"),
                ),
            ));
            break;
        }
        let mut field = match item {
            Ok(f) => f,
            Err(e) => {
                up.error.get_or_insert(Error::field(
                    "file",
                    Message::new("上传格式错误", format!("malformed upload: {e}")),
                ));
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        let filename = field
            .content_disposition()
            .and_then(|cd| cd.get_filename().map(str::to_string));
        if let Some(f) = filename.filter(|_| name == "file") {
            if f.trim().is_empty() || up.error.is_some() {
                // An empty file input sends an unnamed empty part; after a refusal the rest is skipped.
                drain(field).await;
                continue;
            }
            let result = if up.stored.len() >= limit {
                drain(field).await;
                Err(Error::field(
                    "file",
                    Message::new(
                        format!("最多 {} 个附件", domain::bid::MAX_ATTACHMENTS),
                        format!("at most {} attachments", domain::bid::MAX_ATTACHMENTS),
                    ),
                ))
            } else {
                match parse_filename(&f) {
                    Ok(n) => state.files.save_pdf(field, n).await,
                    Err(e) => {
                        drain(field).await;
                        Err(e)
                    }
                }
            };
            match result {
                Ok(s) => up.stored.push(s),
                Err(e) => {
                    // Nothing more of this body is read once a file is refused.
                    state.files.discard(&up.stored).await;
                    up.stored.clear();
                    up.error = Some(e);
                    break;
                }
            }
            continue;
        }
        let mut value = Vec::new();
        while let Some(chunk) = field.next().await {
            match chunk {
                Ok(c) if text_bytes + c.len() <= MAX_TEXT_BYTES => {
                    text_bytes += c.len();
                    value.extend_from_slice(&c);
                }
                Ok(_) => {
                    up.error.get_or_insert(Error::field(
                        &name,
                        Message::new(
                            "表单文字过长（合计最多 256 KB）",
                            "the form's text is too long (256 KB in all)",
                        ),
                    ));
                    break;
                }
                Err(e) => {
                    up.error.get_or_insert(Error::field(
                        &name,
                        Message::new("上传格式错误", format!("malformed upload: {e}")),
                    ));
                    break;
                }
            }
        }
        if up.error.is_some() {
            break;
        }
        up.fields
            .push((name, String::from_utf8_lossy(&value).into_owned()));
    }
    if up.error.is_some() {
        state.files.discard(&up.stored).await;
        up.stored.clear();
    }
    up
}

async fn drain(mut field: actix_multipart::Field) {
    while let Some(Ok(_)) = field.next().await {}
}

/// The stored files as attachments for a service call.
pub fn as_attachments(stored: &[Stored]) -> Vec<NewAttachment> {
    stored
        .iter()
        .map(|s| NewAttachment {
            sha256: s.sha256.clone(),
            filename: s.filename.clone(),
            size: s.size,
        })
        .collect()
}

/// The API's upload of one PDF: `check` (the permission, before a byte of the body is read),
/// then the file in the part `file`, then `call` with it; the file is discarded when the call
/// fails.
pub async fn one_pdf<T, C, F>(
    state: &AppState,
    payload: Multipart,
    check: C,
    call: F,
) -> Result<T, crate::error::ApiError>
where
    T: Send + 'static,
    C: FnOnce(&app::Services) -> domain::Result<()> + Send + 'static,
    F: FnOnce(&app::Services, NewAttachment) -> domain::Result<T> + Send + 'static,
{
    state.call(check).await?;
    let up = receive_pdfs(state, payload, 1).await;
    if let Some(e) = up.error {
        return Err(e.into());
    }
    let Some(file) = up.stored.first().cloned() else {
        return Err(Error::field(
            "file",
            Message::new("请选择一个 PDF 文件", "choose a PDF file"),
        )
        .into());
    };
    let new = as_attachments(&up.stored).remove(0);
    match state.call(move |s| call(s, new)).await {
        Ok(v) => Ok(v),
        Err(e) => {
            state.files.discard(&[file]).await;
            Err(e.into())
        }
    }
}
