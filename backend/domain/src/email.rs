//! The e-mails the product sends, as typed values. The `mail` crate renders each one from its
//! templates in the recipient's language; jobs carry them as JSON.

use serde::{Deserialize, Serialize};

use crate::account::Locale;

/// One e-mail to one recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingEmail {
    pub to: String,
    pub locale: Locale,
    pub message: EmailMessage,
}

/// What an e-mail says; each variant has a template in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "template", rename_all = "snake_case")]
pub enum EmailMessage {
    /// A one-time link to set a new password.
    PasswordReset {
        display_name: String,
        link: String,
        valid_minutes: i64,
    },
    /// An administrator verified (or un-verified) the recipient's organization.
    OrganizationVerified {
        display_name: String,
        organization: String,
        verified: bool,
        opc_member: bool,
    },
}
