//! The closed list of domains (sectors) a scenario belongs to and evaluators have expertise in.

use crate::message::Message;
use serde::{Deserialize, Serialize};

/// A scenario domain, with its zh-CN and en labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    CityGovernance,
    GovernmentServices,
    AiIndustry,
    AiConstruction,
    BioManufacturing,
    NewMaterials,
    Other,
}

impl Sector {
    /// Every domain, in display order.
    pub const ALL: [Sector; 7] = [
        Sector::CityGovernance,
        Sector::GovernmentServices,
        Sector::AiIndustry,
        Sector::AiConstruction,
        Sector::BioManufacturing,
        Sector::NewMaterials,
        Sector::Other,
    ];

    /// The API spelling.
    pub fn code(self) -> &'static str {
        match self {
            Sector::CityGovernance => "city_governance",
            Sector::GovernmentServices => "government_services",
            Sector::AiIndustry => "ai_industry",
            Sector::AiConstruction => "ai_construction",
            Sector::BioManufacturing => "bio_manufacturing",
            Sector::NewMaterials => "new_materials",
            Sector::Other => "other",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Sector::CityGovernance => "城市治理",
            Sector::GovernmentServices => "政务民生",
            Sector::AiIndustry => "AI+工业",
            Sector::AiConstruction => "AI+建造",
            Sector::BioManufacturing => "生物制造",
            Sector::NewMaterials => "新材料",
            Sector::Other => "其他",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Sector::CityGovernance => "City governance",
            Sector::GovernmentServices => "Government services & livelihood",
            Sector::AiIndustry => "AI for industry",
            Sector::AiConstruction => "AI for construction",
            Sector::BioManufacturing => "Bio-manufacturing",
            Sector::NewMaterials => "New materials",
            Sector::Other => "Other",
        }
    }

    /// Parses the API spelling.
    pub fn parse(code: &str) -> Result<Sector, Message> {
        Sector::ALL
            .into_iter()
            .find(|s| s.code() == code.trim())
            .ok_or_else(|| {
                Message::new(
                    "未知领域",
                    format!(
                        "unknown domain '{}'; expected one of: {}",
                        code.trim(),
                        Sector::ALL.map(Sector::code).join(", ")
                    ),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sector_round_trips_through_its_code() {
        for s in Sector::ALL {
            assert_eq!(Sector::parse(s.code()), Ok(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.code())
            );
        }
        assert!(
            Sector::parse("space")
                .unwrap_err()
                .contains("city_governance")
        );
    }
}
