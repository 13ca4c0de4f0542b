//! Renders each message from its askama template in the recipient's language.

use askama::Template;
use chrono::{DateTime, Utc};
use domain::account::Locale;
use domain::email::{DigestItem, EmailMessage, OutgoingEmail};
use domain::notification::{Facts, Kind};

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
                domain::beijing::minute(*t)
            }

            /// The notification's own text (the kinds without a template of their own).
            fn text(&self) -> String {
                let locale = if self.zh { Locale::ZhCn } else { Locale::En };
                domain::notification::render(self.facts, locale).1
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
                domain::beijing::minute(*t)
            }

            fn label(&self, kind: &Kind) -> &'static str {
                kind.label(self.locale)
            }
        }
    };
}
digest_template!(DigestHtml, "digest.html");
digest_template!(DigestText, "digest.txt");

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
            let (subject, _, _) = domain::notification::render(facts, mail.locale);
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

    /// One set of facts of every kind.
    fn every_kind() -> Vec<Facts> {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-20T02:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let title = || "河道巡检".to_string();
        let mut all = vec![
            Facts::OrganizationVerified {
                org_name: "青云智粒".into(),
            },
            Facts::BidsOpened {
                scenario: 1,
                title: title(),
                bids: 3,
            },
            Facts::DeadlineExtended {
                scenario: 1,
                title: title(),
                after: at,
            },
            Facts::QuestionAnswered {
                scenario: 1,
                title: title(),
                question: "数据从哪来？".into(),
                answer: "区视频平台。".into(),
            },
            Facts::DeadlineReminder {
                scenario: 1,
                title: title(),
                deadline: at,
            },
            Facts::Invitation {
                scenario: 1,
                title: title(),
                agency: "城管局".into(),
                message: "欢迎<投标>".into(),
            },
            Facts::ScenarioMatch {
                scenario: 1,
                title: title(),
                agency: "城管局".into(),
                deadline: at,
            },
            Facts::PanelAssigned {
                scenario: 1,
                title: title(),
            },
            Facts::AwardResult {
                scenario: 1,
                title: title(),
                rank: 2,
                total: 81.456,
                won: false,
            },
            Facts::RatingReceived {
                vendor: 1,
                title: title(),
                stars: 4.666,
            },
            Facts::ChallengeFiled {
                scenario: 1,
                title: title(),
                vendor: "青云智粒".into(),
                due: at,
            },
            Facts::ChallengeReminder {
                scenario: 1,
                title: title(),
                vendor: "青云智粒".into(),
                due: at,
                last: true,
            },
            Facts::ChallengeAnswered {
                scenario: 1,
                title: title(),
                vendor: "青云智粒".into(),
                upheld: true,
            },
        ];
        for step in Kind::ALL.into_iter().filter(|k| {
            k.code().starts_with("contract_")
                || k.code().starts_with("milestone_")
                || k.code().starts_with("payment_")
                || k.code().starts_with("amendment_")
        }) {
            all.push(Facts::Contract {
                step,
                scenario: 1,
                title: title(),
                party: "城管局".into(),
                milestone: "模型上线".into(),
                amount_fen: 1_234_550,
                due: chrono::NaiveDate::from_ymd_opt(2027, 1, 4),
            });
        }
        for step in Kind::ALL
            .into_iter()
            .filter(|k| k.code().starts_with("consortium_"))
        {
            all.push(Facts::Consortium {
                step,
                scenario: 1,
                title: title(),
                name: "江城联合体".into(),
                party: "青云智粒".into(),
                accepted: true,
            });
        }
        all
    }

    #[test]
    fn every_kind_has_an_html_and_a_text_part_in_both_languages() {
        let kinds: std::collections::HashSet<_> = every_kind().iter().map(Facts::kind).collect();
        assert_eq!(kinds.len(), Kind::ALL.len(), "every kind is tried");
        for facts in every_kind() {
            for locale in [Locale::ZhCn, Locale::En] {
                let mail = OutgoingEmail {
                    to: "a@b.cn".into(),
                    locale,
                    message: EmailMessage::Notification {
                        display_name: "王芳".into(),
                        facts: facts.clone(),
                        link: "http://x/scenarios/1".into(),
                        settings: "http://x/notifications/settings".into(),
                    },
                    key: Some("k".into()),
                    unsubscribe: Some("http://x/unsubscribe?token=t".into()),
                };
                let r = render(&mail).unwrap();
                let html = r.html.unwrap();
                let kind = facts.kind();
                for part in [&r.body, &html] {
                    assert!(part.contains("王芳"), "{kind:?} {locale:?}: {part}");
                    assert!(part.contains("http://x/scenarios/1"), "{kind:?}");
                    assert!(part.contains("unsubscribe?token=t"), "{kind:?}");
                    assert!(part.contains(kind.label(locale)), "{kind:?} names its kind");
                }
                let zh = locale == Locale::ZhCn;
                assert_eq!(r.body.contains("您好"), zh, "{kind:?}: {}", r.body);
                assert_eq!(html.contains("lang=\"zh-CN\""), zh);
                assert!(!r.body.contains("&lt;"), "the text part is not escaped");
                match kind {
                    Kind::DeadlineExtended
                    | Kind::DeadlineReminder
                    | Kind::ScenarioMatch
                    | Kind::ChallengeFiled
                    | Kind::ChallengeReminder => {
                        assert!(
                            r.body.contains("2026-12-20 10:00"),
                            "Beijing time: {}",
                            r.body
                        )
                    }
                    Kind::AwardResult => assert!(r.body.contains("81.46") && r.body.contains('2')),
                    Kind::RatingReceived => assert!(r.body.contains("4.7")),
                    Kind::ChallengeAnswered => {
                        assert!(r.body.contains("青云智粒"));
                        assert!(r.body.contains(if zh { "撤销" } else { "withdrawn" }))
                    }
                    Kind::Invitation => {
                        assert!(r.body.contains("欢迎<投标>"), "{}", r.body);
                        assert!(!html.contains("<投标>"), "{html}")
                    }
                    Kind::QuestionAnswered => assert!(html.contains("区视频平台")),
                    Kind::MilestoneAccepted | Kind::PaymentDue | Kind::PaymentOverdue => {
                        assert!(
                            r.body.contains("12345.50") && r.body.contains("2027-01-04"),
                            "{}",
                            r.body
                        );
                        assert!(r.subject.contains("模型上线"), "{}", r.subject)
                    }
                    _ => {}
                }
            }
        }
    }

    #[test]
    fn a_digest_lists_every_item_once() {
        let at = Utc::now();
        let item = |t: &str| DigestItem {
            kind: Kind::ScenarioMatch,
            title: t.into(),
            body: "正文".into(),
            link: format!("http://x/{t}"),
            created_at: at,
        };
        let mail = OutgoingEmail {
            to: "a@b.cn".into(),
            locale: Locale::ZhCn,
            message: EmailMessage::Digest {
                display_name: "王芳".into(),
                day: "2026-12-02".into(),
                items: vec![item("甲"), item("乙")],
                settings: "http://x/s".into(),
                hour: 8,
            },
            key: None,
            unsubscribe: Some("http://x/u".into()),
        };
        let r = render(&mail).unwrap();
        assert_eq!(r.subject, "场景集市每日摘要 · 2026-12-02（2 条）");
        assert_eq!(r.body.matches("http://x/甲").count(), 1);
        assert!(r.body.contains("匹配的新场景") && r.body.contains("8 点"));
        assert!(r.html.unwrap().contains("http://x/乙"));
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
