//! How the Meilisearch adapter reaches the engine: HTTP or HTTPS through reqwest and rustls,
//! trusting the public web roots and, when a CA file is set
//! (`APP__SEARCH__MEILISEARCH_CA_FILE`), the private CA it holds, as a managed cloud's or an IT
//! office's engine behind https needs.

use std::path::Path;
use std::pin::Pin;

use futures_util::io::AsyncReadExt;
use meilisearch_sdk::errors::Error as MeiliError;
use meilisearch_sdk::request::{HttpClient, Method, parse_response};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The engine's HTTP client, its key sent with every request.
#[derive(Debug, Clone)]
pub struct Http {
    client: reqwest::Client,
}

impl Http {
    /// A client for the engine; `ca_file` (PEM, one or more certificates) is trusted beside the
    /// public roots.
    pub fn new(key: Option<&str>, ca_file: Option<&Path>) -> Result<Http, String> {
        let mut headers = HeaderMap::new();
        if let Some(key) = key {
            let bearer = HeaderValue::from_str(&format!("Bearer {key}"))
                .map_err(|_| "the Meilisearch key is not a valid header value".to_string())?;
            headers.insert(AUTHORIZATION, bearer);
        }
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .default_headers(headers);
        if let Some(path) = ca_file {
            let pem = std::fs::read(path)
                .map_err(|e| format!("cannot read the CA file {}: {e}", path.display()))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| format!("no certificate in {}: {e}", path.display()))?;
            if certs.is_empty() {
                return Err(format!("no certificate in {}", path.display()));
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let client = builder.build().map_err(|e| e.to_string())?;
        Ok(Http { client })
    }
}

fn verb<Q, B>(m: &Method<Q, B>) -> reqwest::Method {
    match m {
        Method::Get { .. } => reqwest::Method::GET,
        Method::Post { .. } => reqwest::Method::POST,
        Method::Patch { .. } => reqwest::Method::PATCH,
        Method::Put { .. } => reqwest::Method::PUT,
        Method::Delete { .. } => reqwest::Method::DELETE,
    }
}

#[async_trait::async_trait]
impl HttpClient for Http {
    async fn stream_request<
        Query: Serialize + Send + Sync,
        Body: futures_io::AsyncRead + Send + Sync + 'static,
        Output: DeserializeOwned + 'static,
    >(
        &self,
        url: &str,
        method: Method<Query, Body>,
        content_type: &str,
        expected_status_code: u16,
    ) -> Result<Output, MeiliError> {
        // The query string comes with its leading `?` (none when empty).
        let url = format!("{url}{}", yaup::to_string(method.query())?);
        let mut request = self.client.request(verb(&method), &url);
        if let Some(body) = method.into_body() {
            // Documents are sent in batches the adapter already holds in memory.
            let mut bytes = Vec::new();
            let mut body: Pin<Box<Body>> = Box::pin(body);
            body.read_to_end(&mut bytes)
                .await
                .map_err(|e| MeiliError::Other(Box::new(e)))?;
            request = request.header(CONTENT_TYPE, content_type).body(bytes);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let mut text = response.text().await?;
        if text.is_empty() {
            text = "null".into();
        }
        parse_response(status, expected_status_code, &text, url)
    }

    fn is_tokio(&self) -> bool {
        true
    }
}
