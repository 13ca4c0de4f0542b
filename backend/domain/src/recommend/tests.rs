//! The ranking's rules, on small hand-made sets.
use super::*;

/// Splits on spaces: the tests give terms as the analyser would.
fn t(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

fn vendor(id: i64, name: &str, caps: &[&str], cap_terms: &str, desc: &str) -> Profile {
    Profile {
        id: OrganizationId(id),
        name: name.into(),
        capabilities: caps.iter().map(|c| c.to_string()).collect(),
        capability_terms: cap_terms.split('|').map(t).collect(),
        description_terms: t(desc),
        opc_member: false,
        awards_in_domain: 0,
        rating_in_domain: None,
        offers: Offers::default(),
        concepts: Concepts::default(),
    }
}

fn legal_question() -> Need {
    Need {
        domain: Some(Sector::GovernmentServices),
        tags: vec!["法律问答".into()],
        tag_terms: t("法律 问答"),
        title_terms: t("钢铁 企业 法律 问答"),
        summary_terms: t("钢铁 企业 合规 咨询"),
        description_terms: t("为 钢铁 企业 提供 安全生产 法规 合规 咨询 问答"),
        ..Need::default()
    }
}

#[test]
fn a_vendor_sharing_the_theme_but_not_the_need_ranks_below_one_that_meets_the_need() {
    let vendors = vec![
        vendor(
            1,
            "钢铁智造",
            &["钢铁冶炼", "高炉优化"],
            "钢铁 冶炼|高炉 优化",
            "钢铁 钢铁 钢铁 钢铁 钢铁 企业 冶炼 钢铁 高炉",
        ),
        vendor(
            2,
            "律智科技",
            &["法律问答", "合同审查"],
            "法律 问答|合同 审查",
            "法规 合规 咨询 大模型",
        ),
        vendor(
            3,
            "宝武数智",
            &["钢铁质检"],
            "钢铁 质检",
            "钢铁 表面 缺陷 检测",
        ),
        vendor(4, "无关科技", &["无人机"], "无人机", "巡检"),
    ];
    let r = rank(&legal_question(), &vendors, &[]);
    assert_eq!(r[0].vendor, OrganizationId(2), "{r:?}");
    let steel = r.iter().find(|x| x.vendor == OrganizationId(1)).unwrap();
    assert!(steel.score < r[0].score / 3.0, "{r:?}");
    assert_eq!(r.last().unwrap().score, 0.0, "every vendor is listed");
    let kinds: Vec<&str> = r[0].reasons.iter().map(|x| x.kind).collect();
    assert_eq!(kinds, ["capability", "terms"]);
    assert!(
        r[0].reasons[0].text.zh.contains("法律问答"),
        "{:?}",
        r[0].reasons
    );
}

#[test]
fn repeating_a_word_soon_stops_helping() {
    let need = Need {
        title_terms: t("河道 巡检"),
        ..Need::default()
    };
    let once = vendor(1, "甲", &[], "", "河道 巡检 无人机 识别");
    let mut spam = vendor(2, "乙", &[], "", "");
    spam.description_terms = std::iter::repeat_n("河道".to_string(), 40).collect();
    let r = rank(&need, &[once, spam], &[]);
    assert_eq!(r[0].vendor, OrganizationId(1), "{r:?}");
}

#[test]
fn thesaurus_equivalents_meet_and_opc_orders_only_equals() {
    let need = Need {
        tags: vec!["巡检".into()],
        tag_terms: t("巡检"),
        title_terms: t("无人机 巡检"),
        ..Need::default()
    };
    let syn = vec![vec!["巡检".to_string(), "巡查".to_string()]];
    let mut a = vendor(1, "甲", &["巡查"], "巡查", "");
    let mut b = vendor(2, "乙", &["巡查"], "巡查", "");
    b.opc_member = true;
    let c = vendor(3, "丙", &["巡查", "无人机"], "巡查|无人机", "");
    a.awards_in_domain = 0;
    let r = rank(&need, &[a, b, c], &syn);
    // 丙 matches as 甲 and 乙 do, and also needs' other word: the stronger match stays first
    // although it is no OPC member; among the equal two, the OPC member comes first.
    assert_eq!(
        r.iter().map(|x| x.vendor.0).collect::<Vec<_>>(),
        [3, 2, 1],
        "{r:?}"
    );
    assert_eq!(r[1].score, r[2].score);
    assert!(r[1].reasons.iter().any(|x| x.kind == "opc"));
    assert_eq!(
        r[1].reasons[0].text.zh, "能力标签相符：巡查",
        "the vendor's own words"
    );
}

#[test]
fn awards_and_ratings_in_the_domain_count_and_are_named() {
    let need = Need {
        domain: Some(Sector::CityGovernance),
        title_terms: t("巡检"),
        ..Need::default()
    };
    let plain = vendor(1, "甲", &["巡检"], "巡检", "");
    let mut proven = vendor(2, "乙", &["巡检"], "巡检", "");
    proven.awards_in_domain = 2;
    proven.rating_in_domain = Some((4.5, 2));
    let r = rank(&need, &[plain, proven], &[]);
    assert_eq!(r[0].vendor, OrganizationId(2));
    let kinds: Vec<&str> = r[0].reasons.iter().map(|x| x.kind).collect();
    assert_eq!(kinds, ["capability", "domain", "rating"]);
    assert!(r[0].reasons[1].text.zh.contains("中标 2 次"));
    assert!((r[0].score - r[1].score - 2.75).abs() < 1e-9, "{r:?}");
}

#[test]
fn the_first_n_are_the_whole_ranking_cut_at_n() {
    // Many ties (same words, same names) so that every tie-break is used.
    let vendors: Vec<Arc<Profile>> = (0..60)
        .map(|i| {
            let mut v = vendor(
                100 - i,
                ["甲", "乙", "丙"][(i % 3) as usize],
                &["法律问答"],
                "法律 问答",
                ["法规 合规", "钢铁", "问答 咨询"][(i % 3) as usize],
            );
            v.opc_member = i % 2 == 0;
            Arc::new(v)
        })
        .collect();
    let corpus = Corpus::new(vendors, &[]);
    let need = legal_question();
    let records = Records::new();
    let whole: Vec<usize> = corpus
        .rank(&need, Signals::ALL, &records)
        .iter()
        .map(|s| s.index)
        .collect();
    assert_eq!(whole.len(), 60);
    for n in [0, 1, 7, 20, 59, 60, 500] {
        let (top, all) = corpus.rank_top(&need, Signals::ALL, &records, n);
        assert_eq!(all, 60);
        let top: Vec<usize> = top.iter().map(|s| s.index).collect();
        assert_eq!(top, whole[..n.min(60)], "n = {n}");
    }
}
