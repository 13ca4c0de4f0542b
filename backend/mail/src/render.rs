//! Renders each message from its askama template in the recipient's language.

use askama::Template;
use chrono::{DateTime, Utc};
use domain::account::Locale;
use domain::email::{DigestItem, EmailMessage, OutgoingEmail};
use domain::notify::{Facts, Kind};

/// A rendered message: the plain-text part, and an HTML part for the notification e-mails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
    pub html: Option<String>,
}

/// A notification e-mail: its kind's part inside the common frame (one struct per part; the
/// per-kind templates are included by the frame's `match`).
macro_rules! notice_template {
    ($name:ident, $path:literal) => {
        #[derive(Template)]
        #[template(path = $path)]
        #[allow(dead_code, reason = "each part shows what it needs")]
        struct $name<'a> {
            zh: bool,
            subject: &'a str,
            kind_label: &'a str,
            display_name: &'a str,
            facts: &'a Facts,
            link: &'a str,
            settings: &'a str,
            unsubscribe: &'a str,
        }

        impl $name<'_> {
            fn bj(&self, t: &DateTime<Utc>) -> String {
                beijing(t)
            }
        }
    };
}
notice_template!(NoticeHtml, "notice.html");
notice_template!(NoticeText, "notice.txt");

macro_rules! digest_template {
    ($name:ident, $path:literal) => {
        #[derive(Template)]
        #[template(path = $path)]
        #[allow(dead_code, reason = "each part shows what it needs")]
        struct $name<'a> {
            zh: bool,
            subject: &'a str,
            display_name: &'a str,
            day: &'a str,
            items: &'a [DigestItem],
            settings: &'a str,
            unsubscribe: &'a str,
            hour: u8,
            locale: Locale,
        }

        #[allow(dead_code, reason = "each part shows what it needs")]
        impl $name<'_> {
            fn bj(&self, t: &DateTime<Utc>) -> String {
                beijing(t)
            }

            fn label(&self, kind: &str) -> &'static str {
                Kind::parse(kind).map_or("", |k| k.label(self.locale))
            }
        }
    };
}
digest_template!(DigestHtml, "digest.html");
digest_template!(DigestText, "digest.txt");

/// Beijing time, as the e-mails show it.
fn beijing(t: &DateTime<Utc>) -> String {
    let offset = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    t.with_timezone(&offset)
        .format("%Y-%m-%d %H:%M")
        .to_string()
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

/// The subject, plain-text body and (for notifications) HTML body of a message.
pub fn render(mail: &OutgoingEmail) -> anyhow::Result<Rendered> {
    let zh = mail.locale == Locale::ZhCn;
    let unsubscribe = mail.unsubscribe.as_deref().unwrap_or_default();
    let (subject, body) = match &mail.message {
        EmailMessage::Notification {
            display_name,
            facts,
            link,
            settings,
        } => {
            let (subject, _, _) = domain::notify::render(facts, mail.locale);
            let kind = facts.kind().label(mail.locale);
            macro_rules! fill {
                ($t:ident) => {
                    $t {
                        zh,
                        subject: &subject,
                        kind_label: kind,
                        display_name,
                        facts,
                        link,
                        settings,
                        unsubscribe,
                    }
                    .render()?
                };
            }
            let html = fill!(NoticeHtml);
            let text = fill!(NoticeText);
            return Ok(Rendered {
                subject,
                body: text,
                html: Some(html),
            });
        }
        EmailMessage::Digest {
            display_name,
            day,
            items,
            settings,
            hour,
        } => {
            let subject = if zh {
                format!("场景集市每日摘要 · {day}（{} 条）", items.len())
            } else {
                format!("Scenario Market daily digest · {day} ({})", items.len())
            };
            macro_rules! fill {
                ($t:ident) => {
                    $t {
                        zh,
                        subject: &subject,
                        display_name,
                        day,
                        items,
                        settings,
                        unsubscribe,
                        hour: *hour,
                        locale: mail.locale,
                    }
                    .render()?
                };
            }
            let html = fill!(DigestHtml);
            let text = fill!(DigestText);
            return Ok(Rendered {
                subject,
                body: text,
                html: Some(html),
            });
        }
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
    Ok(Rendered {
        subject,
        body,
        html: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reset(locale: Locale) -> OutgoingEmail {
        OutgoingEmail::new(
            "a@b.cn",
            locale,
            EmailMessage::PasswordReset {
                display_name: "王芳".into(),
                link: "http://x/reset-password?token=abc".into(),
                valid_minutes: 60,
            },
        )
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
        let m = |verified, locale| {
            OutgoingEmail::new(
                "a@b.cn",
                locale,
                EmailMessage::OrganizationVerified {
                    display_name: "李".into(),
                    organization: "青云智粒".into(),
                    verified,
                    opc_member: true,
                },
            )
        };
        let yes = render(&m(true, Locale::ZhCn)).unwrap();
        assert!(yes.subject.contains("已通过认证") && yes.body.contains("OPC"));
        let no = render(&m(false, Locale::En)).unwrap();
        assert!(no.subject.contains("no longer verified"));
    }
}
