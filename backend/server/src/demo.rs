//! The demo data set: the accounts and organizations that `seed --demo` loads and that the
//! sign-in page lists while demo mode is on. Plain data; the server's seeding command writes it.

use domain::account::Role;
use domain::sector::Sector;

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
        email: "police@demo.qingshan.gov.cn",
        display_name: "孙强",
        role: Role::Agency,
        expertise: &[],
        organization: org(
            "青山公安分局",
            Some("11420107MB1K2L3M4"),
            true,
            false,
            "负责辖区社会治安、禁毒和公共安全管理。",
            &["公共安全"],
        ),
    },
    DemoAccount {
        email: "economy@demo.qingshan.gov.cn",
        display_name: "钱进",
        role: Role::Agency,
        expertise: &[],
        organization: org(
            "青山区经济和信息化局",
            Some("11420107MB1N4P5Q6"),
            true,
            false,
            "负责全区工业和信息化发展，服务钢铁、石化、新材料和生物制造企业。",
            &["产业服务", "智能制造"],
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

/// 17:00 Beijing time (UTC+8) on the day of `t`, as deadlines are usually set.
fn five_pm_beijing(t: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    domain::beijing::at_hour(domain::beijing::date(t), 17)
}

impl DemoScenario {
    /// The posting's input, its deadline counted from `now`.
    pub fn input(&self, now: chrono::DateTime<chrono::Utc>) -> domain::scenario::ScenarioInput {
        use domain::scenario::{CriterionInput, ScenarioInput};
        ScenarioInput {
            title: self.title.into(),
            summary: self.summary.into(),
            description: self.description.into(),
            domain: self.domain.code().into(),
            tags: self.tags.iter().map(|t| t.to_string()).collect(),
            budget_min_fen: Some(self.budget_yuan.0 * 100),
            budget_max_fen: Some(self.budget_yuan.1 * 100),
            bid_deadline: five_pm_beijing(now + chrono::Duration::days(self.deadline_days))
                .to_rfc3339(),
            price_weight: Some(i64::from(self.price_weight)),
            procurement_type: "services".into(),
            criteria: self
                .criteria
                .iter()
                .map(|(n, w, d)| CriterionInput {
                    name: n.to_string(),
                    weight: i64::from(*w),
                    description: d.to_string(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::account::{Email, Password};
    use domain::credit_code::{CreditCode, with_check_character};

    #[test]
    fn the_catalogue_has_six_official_scenarios_and_eleven_marked_samples() {
        use domain::scenario::ScenarioFields;
        assert_eq!(SCENARIOS.len(), 17);
        assert_eq!(SCENARIOS.iter().filter(|s| s.official).count(), 6);
        let mut titles = std::collections::HashSet::new();
        for s in SCENARIOS {
            assert!(titles.insert(s.title), "duplicate {}", s.title);
            assert!(
                ScenarioFields::try_from(s.input(chrono::Utc::now())).is_ok(),
                "{} does not parse",
                s.title
            );
            let owner = ACCOUNTS
                .iter()
                .find(|a| a.email == s.agency)
                .expect("a demo agency");
            assert_eq!(owner.role, Role::Agency);
            assert!(
                owner.organization.unwrap().verified,
                "{} needs a verified agency",
                s.title
            );
            if !s.official {
                assert!(
                    s.title.contains("示例") && s.description.starts_with("【示例场景"),
                    "{} must be marked as a sample",
                    s.title
                );
            }
            assert_eq!(
                matches!(s.state, DemoState::PastDeadline | DemoState::Finished),
                s.deadline_days < 0,
                "{}",
                s.title
            );
        }
        let states = |st| SCENARIOS.iter().filter(|s| s.state == st).count();
        assert!(
            states(DemoState::Open) >= 10
                && states(DemoState::Draft) >= 2
                && states(DemoState::PastDeadline) >= 1
        );
        assert_eq!(states(DemoState::Finished), 1);
        let finished = SCENARIOS
            .iter()
            .find(|s| s.state == DemoState::Finished)
            .unwrap();
        assert!(!finished.official, "a made-up award may only be a sample's");
        assert!(
            FINISHED_PANEL
                .iter()
                .all(|(_, s)| s.len() == FINISHED_BIDS.len()
                    && s.iter().all(|c| c.len() == finished.criteria.len()))
        );
        let city_and_services = SCENARIOS
            .iter()
            .filter(|s| {
                matches!(
                    s.domain,
                    Sector::CityGovernance | Sector::GovernmentServices
                )
            })
            .count();
        assert!(
            city_and_services * 100 / 17 > 30,
            "over 30% in city governance and government services, as the district said"
        );
    }

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

/// Where a demo scenario stands after loading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoState {
    Draft,
    /// Published, the deadline this many days ahead.
    Open,
    /// Published earlier; the deadline passed this many days ago.
    PastDeadline,
    /// The whole loop: bids, panel, scores, award, delivery, rating and reply.
    Finished,
}

/// The bids of the finished demo scenario: (vendor e-mail, price in yuan, delivery days,
/// proposal, team).
pub const FINISHED_BIDS: &[(&str, i64, i64, &str, &str)] = &[
    (
        "founder@qingling-vision.demo",
        520_000,
        90,
        "基于塔吊黑匣子数据与吊钩可视化的群塔防碰撞系统：实时计算各塔吊回转半径与相对运动，提前 5 秒声光预警，并记录司机操作。",
        "一人公司创始人主导，外聘两名嵌入式工程师。",
    ),
    (
        "team@steel-mind.demo",
        610_000,
        75,
        "在塔吊上加装毫米波雷达与边缘计算盒，融合力矩限制器数据，实现碰撞预测与自动限位联动。",
        "四人团队，含冶金装备研究院背景的结构工程师。",
    ),
    (
        "ceo@jiangcheng-law.demo",
        680_000,
        120,
        "以视频分析为主的塔吊作业安全监测方案，附带作业合规报告自动生成。",
        "六人团队，视觉算法三人。",
    ),
];

/// The panel of the finished demo scenario and each member's scores (per bid, one score per
/// criterion; bids in the order of [`FINISHED_BIDS`]).
pub const FINISHED_PANEL: &[(&str, [[i64; 3]; 3])] = &[
    (
        "expert.huang@demo.qingshan.gov.cn",
        [[88, 85, 80], [80, 82, 78], [70, 72, 75]],
    ),
    (
        "expert.sun@demo.qingshan.gov.cn",
        [[85, 84, 82], [82, 80, 79], [72, 70, 74]],
    ),
    (
        "expert.guo@demo.qingshan.gov.cn",
        [[90, 86, 81], [78, 83, 80], [68, 71, 73]],
    ),
];

/// One scenario of the demo catalogue.
#[derive(Debug, Clone, Copy)]
pub struct DemoScenario {
    /// The e-mail of the posting agency's demo user.
    pub agency: &'static str,
    pub title: &'static str,
    /// English, one sentence.
    pub summary: &'static str,
    /// Chinese, the full description.
    pub description: &'static str,
    pub domain: Sector,
    pub tags: &'static [&'static str],
    pub budget_yuan: (i64, i64),
    /// Days from loading to the deadline (negative: already passed).
    pub deadline_days: i64,
    pub price_weight: i32,
    /// (name, weight, description)
    pub criteria: &'static [(&'static str, i32, &'static str)],
    pub state: DemoState,
    /// From the district's published list (else a sample).
    pub official: bool,
}

const STD_CRITERIA: &[(&str, i32, &str)] = &[
    ("技术方案", 40, "总体架构、算法路线、识别准确率与可扩展性"),
    ("实施与交付能力", 20, "团队配置、类似项目经验、进度计划"),
    ("运维与数据安全", 10, "运维响应、数据安全与个人信息保护措施"),
];

/// The catalogue: the six scenarios named in the district's list of 17, then eleven samples
/// in the district's industries (marked as samples).
pub const SCENARIOS: &[DemoScenario] = &[
    DemoScenario {
        agency: "urban-management@demo.qingshan.gov.cn",
        title: "无人机智能巡检",
        summary: "Drone patrols over streets, riverbanks and construction sites that detect violations automatically and dispatch work orders.",
        description: "青山区辖 11 个街道、87 个社区，沿江岸线和在建工地较多，人工巡查覆盖不足。本场景希望建设无人机智能巡检能力：按航线定时巡飞，对违章搭建、垃圾堆放、占道经营、河道漂浮物等问题自动识别，识别结果在地图上定位并推送至城管执法与街道网格员处置，形成“发现—派单—处置—核查”闭环。\n\n需求要点：\n1. 支持不少于 9 路无人机视频接入，与区城市运行管理平台对接；\n2. 典型事件识别准确率不低于 90%，误报可人工复核并回流训练；\n3. 提供航线规划、禁飞区管理和飞行日志留存；\n4. 数据在政务云内处理，不出区。",
        domain: Sector::CityGovernance,
        tags: &["无人机", "计算机视觉", "城市管理"],
        budget_yuan: (800_000, 1_500_000),
        deadline_days: 28,
        price_weight: 30,
        criteria: STD_CRITERIA,
        state: DemoState::Open,
        official: true,
    },
    DemoScenario {
        agency: "urban-management@demo.qingshan.gov.cn",
        title: "工地安全监管",
        summary: "AI monitoring of construction sites for helmets, edge protection, dust and tower-crane risks.",
        description: "全区在建工地数量多、分布散，安全帽佩戴、临边防护、扬尘和渣土车带泥上路等问题依赖人工抽查。本场景拟利用工地已有摄像头和塔吊监测设备，建设 AI 安全监管系统，自动识别未戴安全帽、临边无防护、明火作业、扬尘超标等隐患，按严重程度分级推送给施工单位和监管部门，并形成整改台账。\n\n期望交付：隐患识别模型与管理平台、与住建监管系统的数据接口、试点 20 个工地的部署与三个月试运行。",
        domain: Sector::CityGovernance,
        tags: &["工地安全", "视频分析", "智能建造"],
        budget_yuan: (600_000, 1_200_000),
        deadline_days: 35,
        price_weight: 30,
        criteria: STD_CRITERIA,
        state: DemoState::Open,
        official: true,
    },
    DemoScenario {
        agency: "data-bureau@demo.qingshan.gov.cn",
        title: "城市运行风险智能识别",
        summary: "A model that fuses camera feeds, complaints and sensor data to flag urban-operation risks before they become incidents.",
        description: "区城市运行管理中心已接入 1.6 万余路固定摄像头、9 路无人机视频以及 12345 热线工单。本场景希望在现有“一网统管”平台上，构建城市运行风险智能识别能力：对内涝积水、井盖缺失、道路塌陷、人员聚集等风险进行多源数据融合识别与预警；工单定位后自动调取周边摄像头、推荐相似历史案例和处置方案，提高派单准确率。\n\n参考指标：派单准确率达到 95%，重点风险发现时间缩短 50% 以上。",
        domain: Sector::CityGovernance,
        tags: &["一网统管", "多模态", "风险预警"],
        budget_yuan: (1_500_000, 3_000_000),
        deadline_days: 42,
        price_weight: 20,
        criteria: &[
            (
                "技术方案",
                45,
                "多源数据融合与风险识别方法、与现有平台的集成",
            ),
            ("算法效果", 20, "在区内样本数据上的识别效果与可解释性"),
            ("实施与交付能力", 15, "团队、案例与进度"),
        ],
        state: DemoState::Open,
        official: true,
    },
    DemoScenario {
        agency: "data-bureau@demo.qingshan.gov.cn",
        title: "智能建议征集分析平台",
        summary: "A platform that gathers citizens' suggestions from every channel and uses language models to cluster, summarise and route them.",
        description: "每年通过 12345 热线、人大代表建议、政协提案和“民呼我应”平台收集的群众建议数以万计，目前靠人工分类汇总，难以及时发现共性诉求。本场景希望建设智能建议征集分析平台：统一汇聚多渠道建议，利用大模型自动分类、去重、聚类和摘要，识别高频诉求和新出现的问题，生成面向区领导和职能部门的分析报告，并跟踪办理结果。\n\n要求：支持私有化部署的中文大模型；分析结果可追溯到原始建议；涉及个人信息的内容需脱敏。",
        domain: Sector::GovernmentServices,
        tags: &["大模型", "文本分析", "民意"],
        budget_yuan: (500_000, 1_000_000),
        deadline_days: 21,
        price_weight: 30,
        criteria: STD_CRITERIA,
        state: DemoState::Open,
        official: true,
    },
    DemoScenario {
        agency: "justice@demo.qingshan.gov.cn",
        title: "24小时AI法律咨询",
        summary: "A round-the-clock AI legal adviser for residents, grounded in local regulations and handing complex cases to human lawyers.",
        description: "区公共法律服务中心工作日提供现场和热线咨询，夜间和节假日群众咨询需求无法满足。本场景拟建设 24 小时 AI 法律咨询服务：面向居民提供婚姻家庭、劳动争议、物业纠纷、借贷等常见法律问题的智能问答，回答须引用法律条文和本地政策依据；复杂问题自动转人工律师预约；支持微信小程序和社区自助终端。\n\n要求回答准确、有据可查，不得编造法条；对话记录按规定留存并保护隐私。",
        domain: Sector::GovernmentServices,
        tags: &["法律问答", "大模型", "公共服务"],
        budget_yuan: (300_000, 800_000),
        deadline_days: 30,
        price_weight: 30,
        criteria: &[
            ("回答准确性", 35, "在评测题集上的准确率与引用依据"),
            ("技术方案", 25, "知识库构建、幻觉控制、转人工机制"),
            ("服务与运维", 10, "上线后的运营、更新与响应"),
        ],
        state: DemoState::Open,
        official: true,
    },
    DemoScenario {
        agency: "police@demo.qingshan.gov.cn",
        title: "禁毒与治安智能研判",
        summary: "Intelligent analysis that helps the police spot drug-related and public-security risks from lawful data sources.",
        description: "为提升禁毒和社会治安防控的精准度，本场景希望在依法合规、数据不出专网的前提下，建设智能研判辅助系统：对警情、案件和重点场所巡查数据进行关联分析，发现潜在的涉毒和治安风险线索，辅助民警研判和部署巡逻警力。\n\n特别要求：系统部署于公安专网，供应商须具备相应安全资质；模型输出仅作辅助参考，须保留人工审核环节；严格遵守个人信息保护相关规定。",
        domain: Sector::GovernmentServices,
        tags: &["治安", "数据分析", "辅助研判"],
        budget_yuan: (1_000_000, 2_000_000),
        deadline_days: -5,
        price_weight: 30,
        criteria: STD_CRITERIA,
        state: DemoState::PastDeadline,
        official: true,
    },
    DemoScenario {
        agency: "economy@demo.qingshan.gov.cn",
        title: "钢材表面缺陷视觉检测（示例）",
        summary: "Sample: real-time visual detection of surface defects on hot- and cold-rolled steel strip.",
        description: "【示例场景，非官方发布】区内钢铁企业冷轧、热轧产线以人工抽检为主，划伤、结疤、辊印等表面缺陷漏检会导致下游客户索赔。希望基于产线高速相机，建设钢材表面缺陷实时检测系统，缺陷分类不少于 12 类，检出率不低于 95%，并与 MES 系统对接实现缺陷追溯。",
        domain: Sector::AiIndustry,
        tags: &["工业视觉", "钢铁", "质量检测"],
        budget_yuan: (800_000, 1_600_000),
        deadline_days: 33,
        price_weight: 30,
        criteria: STD_CRITERIA,
        state: DemoState::Open,
        official: false,
    },
    DemoScenario {
        agency: "economy@demo.qingshan.gov.cn",
        title: "高炉炉况智能预测（示例）",
        summary: "Sample: forecasting blast-furnace conditions from sensor data to stabilise operation and cut fuel use.",
        description: "【示例场景，非官方发布】高炉炉况波动影响铁水质量和燃料消耗，目前主要依靠工长经验判断。希望利用高炉数千个测点的历史数据，建立炉温、透气性等关键指标的预测模型，提前预警悬料、崩料等异常，给出操作建议，模型需可解释并支持在线更新。",
        domain: Sector::AiIndustry,
        tags: &["钢铁", "时序预测", "工艺优化"],
        budget_yuan: (1_000_000, 2_500_000),
        deadline_days: 45,
        price_weight: 20,
        criteria: &[
            ("技术方案", 45, "建模方法、可解释性与在线更新机制"),
            ("行业经验", 20, "冶金领域的数据与项目积累"),
            ("实施与交付能力", 15, "团队与进度"),
        ],
        state: DemoState::Open,
        official: false,
    },
    DemoScenario {
        agency: "economy@demo.qingshan.gov.cn",
        title: "冷轧产线设备预测性维护（示例）",
        summary: "Sample: predictive maintenance of cold-rolling mill equipment from vibration and current signals.",
        description: "【示例场景，非官方发布】冷轧产线关键设备（轧机主传动、卷取机、液压站）突发故障会造成长时间停机。希望采集振动、电流、温度等信号，建立故障预警与剩余寿命预测模型，预警提前量不少于 72 小时，并与设备点检系统联动生成检修工单。",
        domain: Sector::AiIndustry,
        tags: &["预测性维护", "钢铁", "工业互联网"],
        budget_yuan: (600_000, 1_200_000),
        deadline_days: 26,
        price_weight: 30,
        criteria: STD_CRITERIA,
        state: DemoState::Open,
        official: false,
    },
    DemoScenario {
        agency: "economy@demo.qingshan.gov.cn",
        title: "石化装置泄漏红外智能识别（示例）",
        summary: "Sample: infrared cameras and AI to spot gas leaks at petrochemical units early.",
        description: "【示例场景，非官方发布】石化装置阀门、法兰等部位的 VOCs 和可燃气体泄漏依赖定期 LDAR 检测，发现滞后。希望利用红外热成像与可见光双光谱摄像头，建设泄漏智能识别系统，实现 24 小时监测和分级报警，并满足防爆要求。",
        domain: Sector::AiIndustry,
        tags: &["石化", "红外成像", "安全生产"],
        budget_yuan: (900_000, 1_800_000),
        deadline_days: 38,
        price_weight: 30,
        criteria: STD_CRITERIA,
        state: DemoState::Open,
        official: false,
    },
    DemoScenario {
        agency: "economy@demo.qingshan.gov.cn",
        title: "化工园区危化品车辆智能监管（示例）",
        summary: "Sample: tracking hazardous-chemical vehicles across the chemical park with cameras and GPS to prevent violations.",
        description: "【示例场景，非官方发布】化工园区每日进出危化品运输车辆较多，存在违规停放、超速和不按路线行驶等风险。希望融合卡口视频、车载定位和电子运单数据，建设危化品车辆全程监管系统，自动识别违规行为并联动园区管理人员处置。",
        domain: Sector::AiIndustry,
        tags: &["石化", "车辆监管", "园区安全"],
        budget_yuan: (500_000, 900_000),
        deadline_days: 14,
        price_weight: 30,
        criteria: STD_CRITERIA,
        state: DemoState::Draft,
        official: false,
    },
    DemoScenario {
        agency: "urban-management@demo.qingshan.gov.cn",
        title: "装配式建筑构件质量AI检测（示例）",
        summary: "Sample: AI inspection of precast building components for cracks, dimensions and embedded parts.",
        description: "【示例场景，非官方发布】装配式建筑预制构件出厂和进场验收依靠人工测量，效率低、记录不全。希望通过图像和三维扫描，自动检测构件裂缝、尺寸偏差和预埋件位置，生成可追溯的质量档案，与智慧工地平台对接。",
        domain: Sector::AiConstruction,
        tags: &["智能建造", "装配式建筑", "三维扫描"],
        budget_yuan: (400_000, 800_000),
        deadline_days: 31,
        price_weight: 30,
        criteria: STD_CRITERIA,
        state: DemoState::Open,
        official: false,
    },
    DemoScenario {
        agency: "urban-management@demo.qingshan.gov.cn",
        title: "塔吊群防碰撞智能预警（示例）",
        summary: "Sample: collision warnings for clusters of tower cranes on dense construction sites.",
        description: "【示例场景，非官方发布】大型工地多台塔吊交叉作业，存在吊臂碰撞和吊物坠落风险。希望基于塔吊传感器与视觉识别，实时计算塔吊群相对位置与运动趋势，提前预警潜在碰撞，并记录司机操作行为。",
        domain: Sector::AiConstruction,
        tags: &["智能建造", "塔吊", "安全预警"],
        budget_yuan: (300_000, 700_000),
        deadline_days: -45,
        price_weight: 30,
        criteria: STD_CRITERIA,
        state: DemoState::Finished,
        official: false,
    },
    DemoScenario {
        agency: "economy@demo.qingshan.gov.cn",
        title: "新材料配方研发AI辅助设计（示例）",
        summary: "Sample: machine learning that proposes promising material formulations to shorten lab trials.",
        description: "【示例场景，非官方发布】区内新材料企业和研究院所的配方研发依赖大量试错实验。希望基于历史实验数据和文献知识，构建配方—工艺—性能预测模型，推荐候选配方并给出置信度，减少实验轮次 30% 以上。",
        domain: Sector::NewMaterials,
        tags: &["新材料", "材料基因", "实验设计"],
        budget_yuan: (700_000, 1_500_000),
        deadline_days: 49,
        price_weight: 20,
        criteria: &[
            ("技术方案", 45, "数据治理、建模方法与主动学习策略"),
            ("领域能力", 20, "材料领域的团队与成果"),
            ("实施与交付能力", 15, "进度计划与协作方式"),
        ],
        state: DemoState::Open,
        official: false,
    },
    DemoScenario {
        agency: "economy@demo.qingshan.gov.cn",
        title: "高分子材料性能预测模型（示例）",
        summary: "Sample: predicting polymer properties from composition and processing parameters.",
        description: "【示例场景，非官方发布】高分子材料的力学、热学性能测试周期长。希望建立由组成和加工参数预测性能的模型，并提供可视化的参数敏感性分析工具，服务于研究院所的中试。",
        domain: Sector::NewMaterials,
        tags: &["高分子", "性能预测"],
        budget_yuan: (300_000, 600_000),
        deadline_days: 24,
        price_weight: 30,
        criteria: STD_CRITERIA,
        state: DemoState::Draft,
        official: false,
    },
    DemoScenario {
        agency: "economy@demo.qingshan.gov.cn",
        title: "生物发酵过程智能控制（示例）",
        summary: "Sample: AI control of fermentation to raise yield and batch consistency in bio-manufacturing.",
        description: "【示例场景，非官方发布】生物制造企业发酵过程受温度、pH、溶氧等多参数影响，批次间产率差异大。希望基于在线传感数据和离线检测数据，建立发酵过程软测量与优化控制模型，提升产率和批次一致性。",
        domain: Sector::BioManufacturing,
        tags: &["生物制造", "过程控制", "软测量"],
        budget_yuan: (600_000, 1_200_000),
        deadline_days: 40,
        price_weight: 30,
        criteria: STD_CRITERIA,
        state: DemoState::Open,
        official: false,
    },
    DemoScenario {
        agency: "economy@demo.qingshan.gov.cn",
        title: "钢渣综合利用工艺参数优化（示例）",
        summary: "Sample: optimising process parameters for turning steel slag into building materials.",
        description: "【示例场景，非官方发布】钢渣资源化利用率偏低，处理工艺参数依赖经验。希望利用生产数据建立钢渣成分—工艺—产品性能模型，优化粉磨和养护参数，提高钢渣在建材中的掺用比例。",
        domain: Sector::NewMaterials,
        tags: &["钢铁", "固废利用", "工艺优化"],
        budget_yuan: (400_000, 900_000),
        deadline_days: 27,
        price_weight: 30,
        criteria: STD_CRITERIA,
        state: DemoState::Open,
        official: false,
    },
];

/// The demo sign-ins for the sign-in page.
pub fn sign_ins() -> web::DemoSignIns {
    web::DemoSignIns {
        password: DEMO_PASSWORD,
        accounts: ACCOUNTS
            .iter()
            .map(|a| {
                let who = a.organization.map(|o| o.name).unwrap_or(a.display_name);
                (a.role, a.email, who)
            })
            .collect(),
    }
}
