//! Which vendors could deliver a scenario, best first, and why: the owner's "recommended
//! vendors". Pure scoring over analysed terms (the search engine's analysis is applied by the
//! caller, so that a vendor and a scenario are cut into words exactly as search cuts them).
//!
//! The score rewards what the scenario *needs* — its tags and title weigh most — met by what
//! the vendor *does*: a capability tag counts fully, a word of the vendor's description less,
//! and repeating a word in a description soon stops helping (saturation). A word most vendors
//! use (a popular theme such as "钢铁") is worth little (inverse document frequency over the
//! vendors), so a vendor does not rank high by sharing the theme of a scenario rather than its
//! need. Thesaurus groups make "巡查" meet "巡检". Past awards and ratings in the scenario's
//! domain add a little; OPC membership only orders vendors whose scores are equal.
//!
//! Before the words, the kind of offer: a vendor that only supplies hardware, works, training,
//! consulting or goods cannot deliver an AI system, however much of the topic it shares, so
//! its score is multiplied down ([`offer`]). Concepts spoken of in different words ("漂浮物"
//! and "水面目标"; "识别" and "YOLO") add a share of meaning the words miss ([`concepts`]).

mod alerts;
pub mod concepts;
mod corpus;
pub(crate) mod lexicon;
pub mod offer;

use std::sync::Arc;

use crate::account::OfferKind;
use crate::ids::OrganizationId;
use crate::message::Message;
use crate::sector::Sector;

pub use alerts::{ALERT_SCORE, Judge};
pub use concepts::Concepts;
pub use corpus::{Corpus, Record, Records, Scored, long_query};
pub use offer::{Offers, Wanted};

/// What a scenario needs, analysed.
#[derive(Debug, Clone, Default)]
pub struct Need {
    pub domain: Option<Sector>,
    /// The scenario's tags, as written.
    pub tags: Vec<String>,
    pub tag_terms: Vec<String>,
    pub title_terms: Vec<String>,
    pub summary_terms: Vec<String>,
    pub description_terms: Vec<String>,
    /// What the need is about, beyond its words.
    pub concepts: Concepts,
    /// The kinds of offer that serve it.
    pub wanted: Wanted,
}

impl Need {
    /// A scenario's need, its texts cut into terms by `analyze` (the search engine's
    /// analysis).
    pub fn of_scenario(
        domain: Sector,
        tags: Vec<String>,
        title: &str,
        summary: &str,
        description: &str,
        analyze: &dyn Fn(&str) -> Vec<String>,
    ) -> Need {
        let joined = tags.join(" ");
        Need {
            domain: Some(domain),
            tag_terms: analyze(&joined),
            title_terms: analyze(title),
            summary_terms: analyze(summary),
            description_terms: analyze(description),
            concepts: Concepts::of(&[
                (&joined, 1.0),
                (title, 1.0),
                (summary, 0.7),
                (description, 0.5),
            ]),
            wanted: Wanted::ai_system(),
            tags,
        }
    }

    /// What a searcher's words ask for (the directory's long queries): the words weigh as a
    /// title's.
    pub fn of_query(text: &str, analyze: &dyn Fn(&str) -> Vec<String>) -> Need {
        Need {
            title_terms: analyze(text),
            concepts: Concepts::of(&[(text, 1.0)]),
            wanted: Wanted::of_query(text),
            ..Need::default()
        }
    }
}

/// A vendor, analysed, with its record in the scenario's domain.
#[derive(Debug, Clone)]
pub struct Profile {
    pub id: OrganizationId,
    pub name: String,
    pub opc_member: bool,
    /// The capability tags, as written.
    pub capabilities: Vec<String>,
    /// Each capability tag's terms (in the order of `capabilities`).
    pub capability_terms: Vec<Vec<String>>,
    /// Every term of the description, repeats kept.
    pub description_terms: Vec<String>,
    /// Scenarios of the domain awarded to the vendor.
    pub awards_in_domain: u32,
    /// The mean mark (1–5) and count of the vendor's ratings in the domain.
    pub rating_in_domain: Option<(f64, u32)>,
    /// What it delivers, stated or read from its text.
    pub offers: Offers,
    /// What its profile is about, beyond its words.
    pub concepts: Concepts,
}

impl Profile {
    /// A vendor's profile analysed once (terms, offers, concepts); its record in a domain is
    /// set by the caller.
    pub fn new(
        id: OrganizationId,
        name: String,
        opc_member: bool,
        capabilities: Vec<String>,
        description: &str,
        stated: &[OfferKind],
        analyze: &dyn Fn(&str) -> Vec<String>,
    ) -> Profile {
        Profile {
            id,
            name,
            opc_member,
            capability_terms: capabilities.iter().map(|c| analyze(c)).collect(),
            description_terms: analyze(description),
            offers: Offers::of(stated, &capabilities, description),
            concepts: Concepts::of(&[(&capabilities.join(" "), 1.0), (description, 0.6)]),
            capabilities,
            awards_in_domain: 0,
            rating_in_domain: None,
        }
    }
}

/// Which signals the ranking uses (all, but for measuring what each adds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signals {
    /// Thesaurus groups make equivalent words meet.
    pub thesaurus: bool,
    /// The kind of offer multiplies the score.
    pub offer: bool,
    /// Shared concepts add to it.
    pub concepts: bool,
}

impl Signals {
    pub const ALL: Signals = Signals {
        thesaurus: true,
        offer: true,
        concepts: true,
    };
}

/// Why a vendor is recommended: a kind (`offer`, `capability`, `terms`, `concept`, `domain`,
/// `rating`, `opc`) and
/// a sentence in both languages.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub kind: &'static str,
    pub text: Message,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    pub vendor: OrganizationId,
    pub name: String,
    pub opc_member: bool,
    /// Rounded to two decimals (equal scores are equal matches).
    pub score: f64,
    /// Whether its kind of offer can deliver the need (or is unknown): those that cannot come
    /// after every one that can, whatever their words.
    pub delivers: bool,
    pub reasons: Vec<Reason>,
}

/// Every vendor ranked for the need: best first; equal scores put OPC members first, then by
/// name. Every vendor is listed, a score of 0 included (the owner may still invite them).
pub fn rank(need: &Need, vendors: &[Profile], synonyms: &[Vec<String>]) -> Vec<Recommendation> {
    rank_with(need, vendors, synonyms, Signals::ALL)
}

/// [`rank`] with only some signals (to measure what each adds), the vendors' records in the
/// domain taken from their profiles.
pub fn rank_with(
    need: &Need,
    vendors: &[Profile],
    synonyms: &[Vec<String>],
    signals: Signals,
) -> Vec<Recommendation> {
    let corpus = Corpus::new(
        vendors.iter().cloned().map(Arc::new).collect(),
        if signals.thesaurus { synonyms } else { &[] },
    );
    let records: Records = vendors
        .iter()
        .map(|v| {
            (
                v.id,
                Record {
                    awards: v.awards_in_domain,
                    rating: v.rating_in_domain,
                },
            )
        })
        .collect();
    let ranked = corpus.rank(need, signals, &records);
    corpus.explain(need, signals, &records, ranked.iter().map(|s| s.index))
}

#[cfg(test)]
mod tests;
