//! The texts of the contract notifications, in Simplified Chinese and English.

use chrono::NaiveDate;

use super::Kind;

/// An amount of fen as yuan with two decimals (`-1234.50`).
fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", fen.abs() / 100, fen.abs() % 100)
}

/// What one contract notification says: (title, body, link).
#[allow(clippy::too_many_arguments, reason = "the facts, spelt out")]
pub(super) fn render(
    zh: bool,
    step: Kind,
    scenario: i64,
    title: &str,
    party: &str,
    milestone: &str,
    amount_fen: i64,
    due: Option<NaiveDate>,
) -> (String, String, String) {
    let due = due.map(|d| d.to_string()).unwrap_or_default();
    let amount = yuan(amount_fen);
    let (t, b) = match (step, zh) {
        (Kind::ContractToConfirm, true) => (
            format!("请确认「{title}」的合同"),
            format!("{party} 已登记合同（金额 {amount} 元）。请核对后确认：确认后合同公告即公开，须于 {due} 前公告。"),
        ),
        (Kind::ContractToConfirm, false) => (
            format!("Confirm the contract for {title}"),
            format!("{party} recorded the contract (¥{amount}). Check and confirm it: your confirmation publishes the contract notice, due by {due}."),
        ),
        (Kind::ContractNoticeDue, true) => (
            format!("「{title}」的合同公告即将逾期"),
            format!("合同须在签订后 2 个工作日内公告，即 {due} 前（含当日）。供应商确认合同后公告即公开。"),
        ),
        (Kind::ContractNoticeDue, false) => (
            format!("The contract notice of {title} is due"),
            format!("A contract is published within 2 working days of signing: by the end of {due}. The notice is published once the vendor confirms the contract."),
        ),
        (Kind::ContractVoided, true) => (
            format!("「{title}」的合同已作废"),
            "质疑成立，中标结果撤销：合同及其未付款的里程碑作废，已付款项的记录保留。".to_string(),
        ),
        (Kind::ContractVoided, false) => (
            format!("The contract for {title} is voided"),
            "A challenge was upheld and the award withdrawn: the contract and its unpaid milestones are void; payments made stay on record.".to_string(),
        ),
        (Kind::MilestoneSubmitted, true) => (
            format!("「{title}」的里程碑「{milestone}」待验收"),
            format!("{party} 提交了交付成果。请在 {due} 前（含当日）验收或退回并说明理由。"),
        ),
        (Kind::MilestoneSubmitted, false) => (
            format!("Milestone “{milestone}” of {title} waits for review"),
            format!("{party} submitted the deliverable. Accept it, or return it with reasons, by the end of {due}."),
        ),
        (Kind::MilestoneAccepted, true) => (
            format!("里程碑「{milestone}」通过验收"),
            format!("{party} 验收通过了「{title}」的该里程碑，应付 {amount} 元，须在 {due} 前（含当日）付清（验收后 30 日）。"),
        ),
        (Kind::MilestoneAccepted, false) => (
            format!("Milestone “{milestone}” accepted"),
            format!("{party} accepted this milestone of {title}: ¥{amount} is owed, to be paid by {due} (30 days after acceptance)."),
        ),
        (Kind::MilestoneReturned, true) => (
            format!("里程碑「{milestone}」被退回"),
            format!("{party} 退回了「{title}」该里程碑的交付成果。请查看理由，修改后重新提交。"),
        ),
        (Kind::MilestoneReturned, false) => (
            format!("Milestone “{milestone}” returned"),
            format!("{party} returned the deliverable of this milestone of {title}. Read the reasons and submit it again."),
        ),
        (Kind::AmendmentProposed, true) => (
            format!("「{title}」的合同变更待确认"),
            format!("{party} 提议修改里程碑的日期或比例。请查看后确认或拒绝；双方确认后生效。"),
        ),
        (Kind::AmendmentProposed, false) => (
            format!("An amendment to the contract for {title}"),
            format!("{party} proposes to change milestone dates or shares. Review it and confirm or decline; it takes effect once both parties agree."),
        ),
        (Kind::PaymentRecorded, true) if amount_fen < 0 => (
            format!("「{title}」的一笔付款已冲正"),
            format!("{party} 冲正了里程碑「{milestone}」的一笔付款（{amount} 元）。"),
        ),
        (Kind::PaymentRecorded, false) if amount_fen < 0 => (
            format!("A payment for {title} was reversed"),
            format!("{party} reversed a payment of milestone “{milestone}” (¥{amount})."),
        ),
        (Kind::PaymentRecorded, true) => (
            format!("收到「{title}」的付款登记"),
            format!("{party} 登记了里程碑「{milestone}」的付款 {amount} 元。"),
        ),
        (Kind::PaymentRecorded, false) => (
            format!("Payment recorded for {title}"),
            format!("{party} recorded a payment of ¥{amount} for milestone “{milestone}”."),
        ),
        (Kind::PaymentDue, true) => (
            format!("里程碑「{milestone}」的付款即将到期"),
            format!("「{title}」该里程碑验收后 30 日内须付清，即 {due} 前（含当日）；尚欠 {amount} 元。"),
        ),
        (Kind::PaymentDue, false) => (
            format!("Payment for “{milestone}” is due soon"),
            format!("This milestone of {title} is to be paid within 30 days of acceptance, by {due}; ¥{amount} is still owed."),
        ),
        (Kind::PaymentOverdue, true) => (
            format!("里程碑「{milestone}」的付款已逾期"),
            format!("「{title}」该里程碑应于 {due} 前付清（验收后 30 日），尚欠 {amount} 元。逾期记录会显示在采购方的公开付款记录中。"),
        ),
        (_, _) => (
            format!("Payment for “{milestone}” is overdue"),
            format!("This milestone of {title} was to be paid by {due} (30 days after acceptance); ¥{amount} is still owed. Overdue payments show on the agency's public payment record."),
        ),
    };
    (t, b, format!("/scenarios/{scenario}/contract"))
}

/// What one consortium notification says: (title, body, link). The link is the scenario,
/// where its members find their consortium.
pub(super) fn consortium(
    zh: bool,
    step: Kind,
    scenario: i64,
    title: &str,
    name: &str,
    party: &str,
    accepted: bool,
) -> (String, String, String) {
    let (t, b) = match (step, zh) {
        (Kind::ConsortiumInvitation, true) => (
            format!("{party} 邀请您组成联合体投标「{title}」"),
            format!(
                "{party} 牵头组建联合体「{name}」，邀请贵机构加入。请接受或拒绝；投标截止前，联合体只有成员可见。"
            ),
        ),
        (Kind::ConsortiumInvitation, false) => (
            format!("{party} invites you to bid for {title} as a consortium"),
            format!(
                "{party} leads the consortium “{name}” and invites you to join. Accept or decline; until the deadline only its members see it."
            ),
        ),
        (Kind::ConsortiumAnswered, true) => (
            format!(
                "{party} {}了联合体邀请",
                if accepted { "接受" } else { "拒绝" }
            ),
            format!(
                "联合体「{name}」（「{title}」）：{party} {}。",
                if accepted { "已加入" } else { "不加入" }
            ),
        ),
        (Kind::ConsortiumAnswered, false) => (
            format!(
                "{party} {} the consortium invitation",
                if accepted { "accepted" } else { "declined" }
            ),
            format!(
                "Consortium “{name}” for {title}: {party} {}.",
                if accepted { "joined" } else { "will not join" }
            ),
        ),
        (Kind::ConsortiumAgreement, true) => (
            format!("联合体「{name}」的协议待您确认"),
            format!(
                "牵头人拟定了「{title}」联合体各成员的工作份额。请核对并确认：确认即表示承担连带责任；协议有任何修改都需全体成员重新确认。"
            ),
        ),
        (Kind::ConsortiumAgreement, false) => (
            format!("Confirm the agreement of consortium “{name}”"),
            format!(
                "The lead wrote each member's share of the work for {title}. Check and confirm it: confirming acknowledges joint and several liability; any change asks every member again."
            ),
        ),
        (_, true) => (
            format!("联合体「{name}」协议已由全体成员确认"),
            format!("「{title}」：牵头人现在可以代表联合体投标。"),
        ),
        (_, false) => (
            format!("Every member confirmed the agreement of “{name}”"),
            format!("{title}: the lead may now bid for the consortium."),
        ),
    };
    (t, b, format!("/scenarios/{scenario}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_as_yuan_with_their_sign() {
        assert_eq!(yuan(123_450), "1234.50");
        assert_eq!(yuan(-5), "-0.05");
        assert_eq!(yuan(0), "0.00");
    }
}
