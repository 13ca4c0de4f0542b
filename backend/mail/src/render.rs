//! Renders each message from its askama template in the recipient's language.

use askama::Template;
use domain::account::Locale;
use domain::email::{EmailMessage, OutgoingEmail};

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

#[derive(Template)]
#[template(path = "password_reset.zh-CN.txt")]
struct PasswordResetZh<'a> {
    display_name: &'a str,
    link: &'a str,
    valid_minutes: i64,
}

#[derive(Template)]
#[template(path = "password_reset.en.txt")]
struct PasswordResetEn<'a> {
    display_name: &'a str,
    link: &'a str,
    valid_minutes: i64,
}

#[derive(Template)]
#[template(path = "organization_verified.zh-CN.txt")]
struct OrgVerifiedZh<'a> {
    display_name: &'a str,
    organization: &'a str,
    verified: bool,
    opc_member: bool,
}

#[derive(Template)]
#[template(path = "organization_verified.en.txt")]
struct OrgVerifiedEn<'a> {
    display_name: &'a str,
    organization: &'a str,
    verified: bool,
    opc_member: bool,
}

/// The subject and plain-text body of a message.
pub fn render(mail: &OutgoingEmail) -> anyhow::Result<Rendered> {
    let zh = mail.locale == Locale::ZhCn;
    let (subject, body) = match &mail.message {
        EmailMessage::PasswordReset {
            display_name,
            link,
            valid_minutes,
        } => {
            let (display_name, link, valid_minutes) =
                (display_name.as_str(), link.as_str(), *valid_minutes);
            if zh {
                (
                    "重置您的密码 - 场景集市".to_string(),
                    PasswordResetZh {
                        display_name,
                        link,
                        valid_minutes,
                    }
                    .render()?,
                )
            } else {
                (
                    "Reset your password - Scenario Market".to_string(),
                    PasswordResetEn {
                        display_name,
                        link,
                        valid_minutes,
                    }
                    .render()?,
                )
            }
        }
        EmailMessage::OrganizationVerified {
            display_name,
            organization,
            verified,
            opc_member,
        } => {
            let (display_name, organization, verified, opc_member) = (
                display_name.as_str(),
                organization.as_str(),
                *verified,
                *opc_member,
            );
            if zh {
                let s = if verified {
                    format!("{organization} 已通过认证")
                } else {
                    format!("{organization} 的认证已撤销")
                };
                (
                    s,
                    OrgVerifiedZh {
                        display_name,
                        organization,
                        verified,
                        opc_member,
                    }
                    .render()?,
                )
            } else {
                let s = if verified {
                    format!("{organization} is verified")
                } else {
                    format!("{organization} is no longer verified")
                };
                (
                    s,
                    OrgVerifiedEn {
                        display_name,
                        organization,
                        verified,
                        opc_member,
                    }
                    .render()?,
                )
            }
        }
    };
    Ok(Rendered { subject, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reset(locale: Locale) -> OutgoingEmail {
        OutgoingEmail {
            to: "a@b.cn".into(),
            locale,
            message: EmailMessage::PasswordReset {
                display_name: "王芳".into(),
                link: "http://x/reset-password?token=abc".into(),
                valid_minutes: 60,
            },
        }
    }

    #[test]
    fn a_reset_mail_speaks_the_users_language_and_carries_the_link() {
        let zh = render(&reset(Locale::ZhCn)).unwrap();
        assert!(zh.subject.contains("重置"));
        assert!(
            zh.body.contains("王芳")
                && zh.body.contains("http://x/reset-password?token=abc")
                && zh.body.contains("60 分钟")
        );
        let en = render(&reset(Locale::En)).unwrap();
        assert!(en.subject.contains("Reset"));
        assert!(en.body.contains("60 minutes") && en.body.contains("token=abc"));
    }

    #[test]
    fn a_verification_mail_says_whether_verified_and_opc() {
        let m = |verified, locale| OutgoingEmail {
            to: "a@b.cn".into(),
            locale,
            message: EmailMessage::OrganizationVerified {
                display_name: "李".into(),
                organization: "青云智粒".into(),
                verified,
                opc_member: true,
            },
        };
        let yes = render(&m(true, Locale::ZhCn)).unwrap();
        assert!(yes.subject.contains("已通过认证") && yes.body.contains("OPC"));
        let no = render(&m(false, Locale::En)).unwrap();
        assert!(no.subject.contains("no longer verified"));
    }
}
