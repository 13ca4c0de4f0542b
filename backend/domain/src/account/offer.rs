//! What a vendor offers: the kinds of deliverable it sells (an AI system, a data service,
//! hardware, integration, engineering works, content or training, consulting). A vendor states
//! them on its profile; matching reads what a scenario needs against them.

use serde::{Deserialize, Serialize};

use crate::error::Fields;
use crate::message::Message;

/// One kind of deliverable, stored and sent as its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferKind {
    /// AI software or models (recognition, prediction, language, agents).
    AiSoftware,
    /// Data: collection, labelling, governance, analysis as a service.
    DataService,
    /// Devices and equipment: cameras, sensors, drones, servers.
    Hardware,
    /// Systems integration: connecting platforms, deploying and running them.
    Integration,
    /// Construction and installation works.
    EngineeringWorks,
    /// Content, media, training, exhibitions.
    ContentTraining,
    /// Consulting, planning, assessment.
    Consulting,
    Other,
}

impl OfferKind {
    /// Every kind, in the order forms list them.
    pub const ALL: [OfferKind; 8] = [
        OfferKind::AiSoftware,
        OfferKind::DataService,
        OfferKind::Hardware,
        OfferKind::Integration,
        OfferKind::EngineeringWorks,
        OfferKind::ContentTraining,
        OfferKind::Consulting,
        OfferKind::Other,
    ];

    /// The API's code.
    pub fn code(self) -> &'static str {
        match self {
            OfferKind::AiSoftware => "ai_software",
            OfferKind::DataService => "data_service",
            OfferKind::Hardware => "hardware",
            OfferKind::Integration => "integration",
            OfferKind::EngineeringWorks => "engineering_works",
            OfferKind::ContentTraining => "content_training",
            OfferKind::Consulting => "consulting",
            OfferKind::Other => "other",
        }
    }

    pub fn parse(code: &str) -> Option<OfferKind> {
        OfferKind::ALL.into_iter().find(|k| k.code() == code.trim())
    }

    /// The label in both languages.
    pub fn label(self) -> Message {
        let (zh, en) = match self {
            OfferKind::AiSoftware => ("AI 软件与模型", "AI software and models"),
            OfferKind::DataService => ("数据服务", "Data services"),
            OfferKind::Hardware => ("硬件设备", "Hardware"),
            OfferKind::Integration => ("系统集成", "Systems integration"),
            OfferKind::EngineeringWorks => ("工程施工", "Engineering works"),
            OfferKind::ContentTraining => ("内容与培训", "Content and training"),
            OfferKind::Consulting => ("咨询服务", "Consulting"),
            OfferKind::Other => ("其他", "Other"),
        };
        Message::new(zh, en)
    }

    /// The kinds named by codes, in the order of [`OfferKind::ALL`] and each once; an unknown
    /// code is named in `f` by its place in `field` (`offer_kinds[2]`).
    pub fn parse_list(f: &mut Fields, field: &str, codes: &[String]) -> Vec<OfferKind> {
        let mut kinds = Vec::new();
        for (i, c) in codes.iter().enumerate() {
            match OfferKind::parse(c) {
                Some(k) => kinds.push(k),
                None => f.push(
                    &format!("{field}[{i}]"),
                    Message::new(
                        format!("未知的供给类型“{}”", c.trim()),
                        format!(
                            "unknown offer kind '{}'; expected one of: {}",
                            c.trim(),
                            OfferKind::ALL.map(OfferKind::code).join(", ")
                        ),
                    ),
                ),
            }
        }
        kinds.sort();
        kinds.dedup();
        kinds
    }
}

/// Only a vendor states what it delivers or offers to team up: an agency's organization
/// naming any kind, or open to teaming, is refused on `field` (a profile's `offer_kinds`, a
/// registration's `organization.offer_kinds`).
pub fn check_offer_of(
    f: &mut Fields,
    field: &str,
    kind: super::OrgKind,
    offer_kinds: &[OfferKind],
    open_to_teaming: bool,
) {
    if kind != super::OrgKind::Vendor && (!offer_kinds.is_empty() || open_to_teaming) {
        f.push(
            field,
            Message::new(
                "只有企业填写供给类型",
                "only vendors state what they deliver",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_back_from_their_codes_once_each_in_order() {
        for k in OfferKind::ALL {
            assert_eq!(OfferKind::parse(k.code()), Some(k));
            let stored = serde_json::to_string(&k).unwrap();
            assert_eq!(stored, format!("\"{}\"", k.code()));
            assert_eq!(serde_json::from_str::<OfferKind>(&stored).unwrap(), k);
        }
        let codes = ["hardware", "ai_software", "hardware"].map(String::from);
        let mut f = Fields::new();
        assert_eq!(
            OfferKind::parse_list(&mut f, "offer_kinds", &codes),
            [OfferKind::AiSoftware, OfferKind::Hardware]
        );
        assert!(f.finish().is_ok());
    }

    #[test]
    fn an_unknown_kind_is_named_by_its_place() {
        let codes = ["ai_software", "magic"].map(String::from);
        let mut f = Fields::new();
        OfferKind::parse_list(&mut f, "offer_kinds", &codes);
        match f.finish() {
            Err(crate::Error::Validation(errs)) => {
                assert_eq!(errs.len(), 1);
                assert_eq!(errs[0].field, "offer_kinds[1]");
            }
            other => panic!("{other:?}"),
        }
    }
}
