//! The demo data set: the accounts and organizations that `seed --demo` loads and that the
//! sign-in page lists while demo mode is on. Plain data; the server's seeding command writes it.

use crate::account::Role;
use crate::sector::Sector;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "qingshan-demo-2026";

/// One demo account.
#[derive(Debug, Clone, Copy)]
pub struct DemoAccount {
    pub email: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    pub expertise: &'static [Sector],
    pub organization: Option<DemoOrganization>,
}

/// The organization of a demo agency or vendor user.
#[derive(Debug, Clone, Copy)]
pub struct DemoOrganization {
    pub name: &'static str,
    /// The first 17 characters of the credit code; the check character is computed.
    pub credit_code_17: Option<&'static str>,
    pub verified: bool,
    pub opc_member: bool,
    pub description: &'static str,
    pub capabilities: &'static [&'static str],
}

const fn org(
    name: &'static str,
    credit_code_17: Option<&'static str>,
    verified: bool,
    opc_member: bool,
    description: &'static str,
    capabilities: &'static [&'static str],
) -> Option<DemoOrganization> {
    Some(DemoOrganization {
        name,
        credit_code_17,
        verified,
        opc_member,
        description,
        capabilities,
    })
}

/// Every demo account, in the order the sign-in page lists them.
pub const ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        email: "admin@demo.qingshan.gov.cn",
        display_name: "平台管理员",
        role: Role::Admin,
        expertise: &[],
        organization: None,
    },
    DemoAccount {
        email: "data-bureau@demo.qingshan.gov.cn",
        display_name: "周敏",
        role: Role::Agency,
        expertise: &[],
        organization: org(
            "青山区数据局",
            Some("11420107MB1A2B3C4"),
            true,
            false,
            "负责全区数据资源统筹、政务信息化和人工智能应用场景的组织发布。",
            &["数据治理", "政务信息化"],
        ),
    },
    DemoAccount {
        email: "urban-management@demo.qingshan.gov.cn",
        display_name: "陈刚",
        role: Role::Agency,
        expertise: &[],
        organization: org(
            "青山区城市管理执法局",
            Some("11420107MB1D5E6F7"),
            true,
            false,
            "负责市容环境、违法建设和工地文明施工的监管执法。",
            &["城市治理", "执法监管"],
        ),
    },
    DemoAccount {
        email: "justice@demo.qingshan.gov.cn",
        display_name: "刘洋",
        role: Role::Agency,
        expertise: &[],
        organization: org(
            "青山区司法局",
            Some("11420107MB1G8H9J0"),
            true,
            false,
            "负责公共法律服务体系建设、人民调解和法治宣传。",
            &["公共法律服务"],
        ),
    },
    DemoAccount {
        email: "honggangcheng@demo.qingshan.gov.cn",
        display_name: "吴静",
        role: Role::Agency,
        expertise: &[],
        organization: org("红钢城街道办事处", None, false, false, "", &[]),
    },
    DemoAccount {
        email: "founder@qingling-vision.demo",
        display_name: "李想",
        role: Role::Vendor,
        expertise: &[],
        organization: org(
            "青灵视觉科技（OPC）",
            Some("91420107MA4K1L2M3"),
            true,
            true,
            "一人公司，专注城市视频与无人机影像的智能识别，做过街道级视频事件分拨。",
            &["计算机视觉", "无人机", "城市治理", "视频分析"],
        ),
    },
    DemoAccount {
        email: "ceo@jiangcheng-law.demo",
        display_name: "王芳",
        role: Role::Vendor,
        expertise: &[],
        organization: org(
            "江城法智科技有限公司",
            Some("91420107MA4K4N5P6"),
            true,
            false,
            "法律大模型与智能问答，服务公共法律服务中心和律所。",
            &["大模型", "法律问答", "知识图谱", "政务民生"],
        ),
    },
    DemoAccount {
        email: "team@steel-mind.demo",
        display_name: "张伟",
        role: Role::Vendor,
        expertise: &[],
        organization: org(
            "钢智数据（OPC）",
            Some("91420107MA4K7Q8R9"),
            true,
            true,
            "钢铁产线质量检测与设备预测性维护模型，团队来自冶金装备研究院。",
            &["工业视觉", "预测性维护", "ai+工业", "钢铁"],
        ),
    },
    DemoAccount {
        email: "hello@chutian-build.demo",
        display_name: "赵磊",
        role: Role::Vendor,
        expertise: &[],
        organization: org(
            "楚天建科智能",
            None,
            false,
            false,
            "工地安全帽、临边防护识别与塔吊监测。",
            &["智能建造", "工地安全", "ai+建造"],
        ),
    },
    DemoAccount {
        email: "expert.huang@demo.qingshan.gov.cn",
        display_name: "黄志远",
        role: Role::Evaluator,
        expertise: &[Sector::CityGovernance, Sector::AiConstruction],
        organization: None,
    },
    DemoAccount {
        email: "expert.sun@demo.qingshan.gov.cn",
        display_name: "孙丽",
        role: Role::Evaluator,
        expertise: &[Sector::GovernmentServices, Sector::CityGovernance],
        organization: None,
    },
    DemoAccount {
        email: "expert.ma@demo.qingshan.gov.cn",
        display_name: "马骏",
        role: Role::Evaluator,
        expertise: &[Sector::AiIndustry, Sector::NewMaterials],
        organization: None,
    },
    DemoAccount {
        email: "expert.guo@demo.qingshan.gov.cn",
        display_name: "郭宁",
        role: Role::Evaluator,
        expertise: &[
            Sector::CityGovernance,
            Sector::GovernmentServices,
            Sector::AiIndustry,
        ],
        organization: None,
    },
    DemoAccount {
        email: "expert.he@demo.qingshan.gov.cn",
        display_name: "何清",
        role: Role::Evaluator,
        expertise: &[
            Sector::BioManufacturing,
            Sector::NewMaterials,
            Sector::AiIndustry,
        ],
        organization: None,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::{Email, Password};
    use crate::credit_code::{CreditCode, with_check_character};

    #[test]
    fn every_demo_account_is_valid() {
        assert!(Password::parse(DEMO_PASSWORD).is_ok());
        let mut emails = std::collections::HashSet::new();
        for a in ACCOUNTS {
            assert!(Email::parse(a.email).is_ok(), "{}", a.email);
            assert!(emails.insert(a.email), "duplicate {}", a.email);
            assert_eq!(
                a.organization.is_some(),
                a.role.organization_kind().is_some(),
                "{}",
                a.email
            );
            if let Some(code) = a.organization.and_then(|o| o.credit_code_17) {
                assert!(
                    CreditCode::parse(&with_check_character(code)).is_ok(),
                    "{code}"
                );
            }
            if a.role == Role::Evaluator {
                assert!(!a.expertise.is_empty());
            }
        }
    }
}
