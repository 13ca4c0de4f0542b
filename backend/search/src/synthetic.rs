//! A deterministic synthetic corpus of Chinese scenarios and vendors, for the benchmark and
//! as distractors in the relevance set: the same seed gives the same documents on every
//! machine. The texts are built from the vocabulary of the product's domains.

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::scenario::Status;
use domain::search::{ScenarioDoc, VendorDoc};
use domain::sector::Sector;

/// A small, fast, deterministic generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const PLACES: &[&str] = &[
    "青山区",
    "武汉市",
    "红钢城街道",
    "工人村街道",
    "钢花村街道",
    "厂前街道",
    "冶金街道",
    "新沟桥街道",
    "白玉山街道",
    "青山镇",
    "化工区",
    "武东片区",
    "戴家湖公园",
    "北湖产业园",
];
const SUBJECTS: &[&str] = &[
    "道路",
    "河道",
    "老旧小区",
    "学校周边",
    "农贸市场",
    "建筑工地",
    "地下管网",
    "公共停车场",
    "产线",
    "高炉",
    "转炉",
    "冷轧车间",
    "储罐区",
    "危化品仓库",
    "发酵车间",
    "污水处理厂",
    "政务大厅",
    "12345热线",
    "社区网格",
    "养老服务站",
];
const TASKS: &[&str] = &[
    "智能巡检",
    "异常识别",
    "风险预警",
    "缺陷检测",
    "预测性维护",
    "能耗优化",
    "智能排产",
    "工单分派",
    "智能问答",
    "数据治理",
    "视频分析",
    "安全监管",
    "质量追溯",
    "辅助决策",
    "态势感知",
    "数字孪生建模",
    "泄漏监测",
    "人流统计",
    "噪声监测",
    "违建识别",
];
const METHODS: &[&str] = &[
    "基于大模型",
    "基于计算机视觉",
    "基于多模态融合",
    "基于时序预测",
    "基于知识图谱",
    "基于边缘计算",
    "基于物联网传感器",
    "基于无人机航拍",
    "基于红外成像",
    "基于语音识别",
];
const ENGLISH: &[&str] = &[
    "AI-assisted inspection",
    "risk early warning",
    "defect detection on the line",
    "predictive maintenance",
    "energy optimisation",
    "citizen hotline assistant",
    "video analytics for public safety",
    "digital twin of the site",
    "leak monitoring",
    "knowledge-based question answering",
];
const TAGS: &[&str] = &[
    "大模型",
    "计算机视觉",
    "物联网",
    "数字孪生",
    "边缘计算",
    "安全生产",
    "智能建造",
    "钢铁",
    "石化",
    "新材料",
    "生物制造",
    "政务服务",
    "一网统管",
    "城市管理",
    "预测性维护",
    "工业互联网",
    "质量检测",
    "视频分析",
    "知识图谱",
    "无人机",
];
const AGENCIES: &[&str] = &[
    "青山区城市管理执法局",
    "青山区数据局",
    "青山区经济和信息化局",
    "青山区住房和城市更新局",
    "青山区应急管理局",
    "青山区政务服务和大数据管理局",
    "青山区生态环境分局",
];
const VENDOR_WORDS: &[&str] = &[
    "智能", "视觉", "数据", "云图", "鹰眼", "江城", "青禾", "星河", "算力", "知行", "慧眼", "长江",
];
const VENDOR_KINDS: &[&str] = &["科技", "信息技术", "智能科技", "软件", "工作室", "数据服务"];

/// The time the synthetic corpus is dated from.
pub fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()
}

/// `n` scenarios, ids from `first_id`.
pub fn scenarios(n: usize, first_id: i64, seed: u64) -> Vec<ScenarioDoc> {
    let mut r = Rng::new(seed);
    (0..n)
        .map(|i| {
            let (place, subject, task, method) = (
                *r.pick(PLACES),
                *r.pick(SUBJECTS),
                *r.pick(TASKS),
                *r.pick(METHODS),
            );
            let tags: Vec<String> = (0..2 + r.below(2)).map(|_| r.pick(TAGS).to_string()).collect();
            let min = 10_000 * (5 + r.below(200) as i64);
            let status = match r.below(10) {
                0 => Status::Awarded,
                1 => Status::Evaluating,
                2 => Status::Closed,
                _ => Status::Published,
            };
            let agency = r.below(AGENCIES.len());
            ScenarioDoc {
                id: first_id + i as i64,
                title: format!("{place}{subject}{task}"),
                summary: format!(
                    "{method}的{subject}{task}。{}.",
                    r.pick(ENGLISH)
                ),
                description: format!(
                    "{place}希望{method}的方案，实现{subject}的{task}，并与现有{}系统对接，交付后提供一年运维。",
                    r.pick(TAGS)
                ),
                tags,
                domain: Sector::ALL[r.below(Sector::ALL.len())],
                status,
                agency_id: 1_000 + agency as i64,
                agency_name: AGENCIES[agency].to_string(),
                budget_min_fen: min * 100,
                budget_max_fen: (min + 10_000 * (1 + r.below(100) as i64)) * 100,
                bid_deadline: epoch() + Duration::days(r.below(120) as i64 - 30),
                published_at: epoch() - Duration::days(r.below(90) as i64),
            }
        })
        .collect()
}

/// `n` verified vendors, ids from `first_id`.
pub fn vendors(n: usize, first_id: i64, seed: u64) -> Vec<VendorDoc> {
    let mut r = Rng::new(seed);
    (0..n)
        .map(|i| VendorDoc {
            id: first_id + i as i64,
            name: format!(
                "{}{}{}",
                r.pick(VENDOR_WORDS),
                r.pick(VENDOR_WORDS),
                r.pick(VENDOR_KINDS)
            ),
            description: format!(
                "专注{}与{}，服务{}等客户。",
                r.pick(TASKS),
                r.pick(TASKS),
                r.pick(SUBJECTS)
            ),
            capabilities: (0..1 + r.below(3))
                .map(|_| r.pick(TAGS).to_string())
                .collect(),
            opc_member: r.below(3) == 0,
            rating_average: (r.below(2) == 0).then(|| 60.0 + r.below(40) as f64),
            rating_count: r.below(10) as i64,
        })
        .collect()
}

const OTHER_SUBJECTS: &[&str] = &[
    "公共停车场",
    "养老服务站",
    "社区食堂",
    "图书馆",
    "体育场馆",
    "公交站台",
    "菜市场",
    "学校食堂",
    "公园绿地",
    "快递驿站",
    "充电桩",
    "电梯",
];
const OTHER_TASKS: &[&str] = &[
    "停车诱导",
    "人流统计",
    "预约管理",
    "能耗统计",
    "排队叫号",
    "满意度调查",
    "客流分析",
    "设施报修",
    "智能导览",
    "安全巡查",
    "运营看板",
    "信息发布",
];

/// `n` scenarios about other topics than the judged queries (parking, elderly care, venues,
/// …) that share the generic words of the field (智能, 平台, 系统, 预警, 分析): distractors whose
/// every appearance in a result is a ranking mistake.
pub fn distractors(n: usize, first_id: i64, seed: u64) -> Vec<ScenarioDoc> {
    let mut r = Rng::new(seed);
    let generic = [
        "智能", "平台", "系统", "预警", "分析", "管理", "服务", "数据",
    ];
    scenarios(n, first_id, seed)
        .into_iter()
        .map(|mut d| {
            let (subject, task) = (*r.pick(OTHER_SUBJECTS), *r.pick(OTHER_TASKS));
            let (g1, g2) = (*r.pick(&generic), *r.pick(&generic));
            d.title = format!("{}{subject}{task}{g1}{g2}", r.pick(PLACES));
            d.summary = format!("{subject}{task}的{g1}{g2}平台。A {g2} platform.");
            d.description = format!("建设{subject}{task}{g1}系统，提供{g2}功能。");
            d.tags = vec![g1.to_string(), task.to_string()];
            d
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_corpus_is_the_same_for_the_same_seed() {
        assert_eq!(scenarios(50, 1, 7), scenarios(50, 1, 7));
        assert_ne!(scenarios(50, 1, 7), scenarios(50, 1, 8));
        assert_eq!(vendors(10, 1, 7), vendors(10, 1, 7));
        let s = scenarios(3, 100, 7);
        assert_eq!(s.iter().map(|d| d.id).collect::<Vec<_>>(), [100, 101, 102]);
        assert!(s.iter().all(|d| d.budget_min_fen < d.budget_max_fen));
    }
}
