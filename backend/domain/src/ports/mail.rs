//! Sending e-mail. The worker and the readiness report reach the mailer only through this
//! port; the server wires the concrete one (the `mail` crate: `.eml` files in an outbox
//! folder, or SMTP), and tests may wire another.

use crate::email::OutgoingEmail;

/// Renders and sends the product's e-mails.
pub trait MailSender: Send + Sync {
    /// Renders and sends one e-mail (blocking: call it off the async workers).
    fn send(&self, mail: &OutgoingEmail) -> anyhow::Result<()>;
    /// Whether the transport is usable now (for readiness).
    fn check(&self) -> anyhow::Result<()>;
    /// A short name of the transport, for the readiness report (`outbox`, `smtp`).
    fn transport(&self) -> &'static str;
}
