//! E-mail: one [`Mailer`] façade over lettre's transports — `.eml` files in an outbox folder
//! (the embedded default) or SMTP — and the templates of every message in zh-CN and en.

mod render;

use std::path::PathBuf;

use anyhow::Context;
use domain::email::OutgoingEmail;
use domain::ports::MailSender;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{FileTransport, Message, SmtpTransport, Transport};

pub use render::{Rendered, render};

/// Where mail goes.
#[derive(Debug, Clone)]
pub enum MailTransport {
    /// Write each message as an `.eml` file into this folder.
    Outbox(PathBuf),
    /// Send over SMTP: `smtp://host:port`, `smtps://user:pass@host`, …
    Smtp(String),
}

/// Sends the product's e-mails. Cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    inner: Inner,
}

#[derive(Clone)]
enum Inner {
    Outbox(FileTransport, PathBuf),
    Smtp(SmtpTransport),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.inner {
            Inner::Outbox(_, p) => format!("outbox {}", p.display()),
            Inner::Smtp(_) => "smtp".into(),
        };
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .field("transport", &kind)
            .finish()
    }
}

impl Mailer {
    /// Builds the mailer; the outbox folder is created if missing.
    pub fn new(from: &str, transport: MailTransport) -> anyhow::Result<Mailer> {
        let from: Mailbox = from
            .parse()
            .with_context(|| format!("invalid sender address '{from}'"))?;
        let inner = match transport {
            MailTransport::Outbox(dir) => {
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("cannot create the mail outbox {}", dir.display()))?;
                Inner::Outbox(FileTransport::new(&dir), dir)
            }
            MailTransport::Smtp(url) => Inner::Smtp(
                SmtpTransport::from_url(&url)
                    .context("invalid SMTP URL")?
                    .timeout(Some(std::time::Duration::from_secs(20)))
                    .build(),
            ),
        };
        Ok(Mailer { from, inner })
    }

    /// Renders and sends one e-mail (blocking: call it off the async workers).
    fn deliver(&self, mail: &OutgoingEmail) -> anyhow::Result<()> {
        let rendered = render(mail)?;
        let to: Mailbox = mail
            .to
            .parse()
            .with_context(|| format!("invalid recipient '{}'", mail.to))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(rendered.subject);
        if let Some(key) = &mail.key {
            // The same e-mail always has the same id, so a receiving server can drop a repeat.
            builder = builder.message_id(Some(message_id(key, &self.from)));
        }
        if let Some(url) = &mail.unsubscribe {
            // RFC 2369 and RFC 8058: mail clients offer one-click unsubscribing.
            builder = builder
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe"),
                    format!("<{url}>"),
                ))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".into(),
                ));
        }
        let message = match rendered.html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(rendered.body, html)),
            None => builder.header(ContentType::TEXT_PLAIN).body(rendered.body),
        }
        .context("building the message")?;
        match &self.inner {
            Inner::Outbox(t, _) => t.send(&message).map(drop).context("writing to the outbox"),
            Inner::Smtp(t) => t.send(&message).map(drop).context("sending over SMTP"),
        }
    }

    /// Whether the transport is usable: the outbox folder is writable, or the SMTP server
    /// answers.
    fn probe(&self) -> anyhow::Result<()> {
        match &self.inner {
            Inner::Outbox(_, dir) => {
                let probe = dir.join(".probe");
                std::fs::write(&probe, b"ok").context("the outbox folder is not writable")?;
                std::fs::remove_file(&probe).ok();
                Ok(())
            }
            Inner::Smtp(t) => match t.test_connection() {
                Ok(true) => Ok(()),
                Ok(false) => anyhow::bail!("the SMTP server did not answer"),
                Err(e) => Err(e).context("connecting to the SMTP server"),
            },
        }
    }
}

impl MailSender for Mailer {
    fn send(&self, mail: &OutgoingEmail) -> anyhow::Result<()> {
        self.deliver(mail)
    }

    fn check(&self) -> anyhow::Result<()> {
        self.probe()
    }

    fn transport(&self) -> &'static str {
        match self.inner {
            Inner::Outbox(..) => "outbox",
            Inner::Smtp(_) => "smtp",
        }
    }
}

/// A `Message-ID` made from an e-mail's key, at the sender's domain.
fn message_id(key: &str, from: &Mailbox) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(key.as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("<{hex}@{}>", from.email.domain())
}
