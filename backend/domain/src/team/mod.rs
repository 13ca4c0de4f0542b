//! OPC teams: the trades a scenario needs ([`facets`]), teams of verified vendors open to
//! teaming that together cover them ([`suggest`]), and the consortium's own rules
//! ([`consortium`]).
//!
//! A scenario always needs the AI system itself; its text says which other trades it needs —
//! devices, data work, integration with the district's platforms, works on site, training,
//! consulting — through the cue list `data/need_cues.txt`. What a vendor covers is what the
//! matching model says it offers ([`crate::recommend::Offers`]).

pub mod consortium;
pub mod event;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::sync::OnceLock;

use crate::account::OfferKind;
use crate::ids::OrganizationId;
use crate::message::Message;
use crate::recommend::lexicon::Lexicon;
use crate::scenario::Scenario;

/// The most members of a suggested team (the vendor included).
pub const MAX_TEAM: usize = 4;
/// How many candidates, best fitting first, the search combines.
const POOL: usize = 14;

fn cues() -> &'static Lexicon<Option<OfferKind>> {
    static CUES: OnceLock<Lexicon<Option<OfferKind>>> = OnceLock::new();
    CUES.get_or_init(|| {
        let mut out = vec![];
        for line in include_str!("../../data/need_cues.txt").lines() {
            let line = line.split('#').next().unwrap_or_default().trim();
            let Some((code, list)) = line.split_once('=') else {
                continue;
            };
            let code = code.trim();
            let kind = (code != "neutral")
                .then(|| OfferKind::parse(code).unwrap_or_else(|| panic!("need cue kind {code}")));
            for c in list
                .split([',', '，'])
                .map(str::trim)
                .filter(|c| !c.is_empty())
            {
                out.push((crate::search::fold(c), kind));
            }
        }
        Lexicon::new(out)
    })
}

/// The trades a scenario needs, the AI system first, then in [`OfferKind::ALL`]'s order.
pub fn facets(s: &Scenario) -> Vec<OfferKind> {
    let mut text = format!(
        "{} {} {} {}",
        s.title,
        s.summary,
        s.description,
        s.tags.join(" ")
    );
    for c in &s.criteria {
        text.push(' ');
        text.push_str(&c.name);
        text.push(' ');
        text.push_str(&c.description);
    }
    facets_of(&text)
}

/// The trades a scenario's text names, the AI system first.
pub fn facets_of(text: &str) -> Vec<OfferKind> {
    let found: BTreeSet<OfferKind> = cues().find(&crate::search::fold(text)).flatten().collect();
    let mut out = vec![OfferKind::AiSoftware];
    out.extend(
        OfferKind::ALL
            .into_iter()
            .filter(|k| *k != OfferKind::AiSoftware && found.contains(k)),
    );
    out
}

/// A facet's name for people.
pub fn facet_label(k: OfferKind) -> Message {
    k.label()
}

/// A vendor as the team search sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub vendor: OrganizationId,
    pub opc_member: bool,
    /// What it offers (stated, or read from its profile).
    pub offers: Vec<OfferKind>,
    /// How well its words fit the scenario (the recommendation's score, 0 and up).
    pub fit: f64,
    /// Its reputation (1–5), when rated.
    pub reputation: Option<f64>,
}

/// One member of a suggested team and the facets it brings.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub vendor: OrganizationId,
    pub facets: Vec<OfferKind>,
}

/// A suggested team: the vendor first, then its partners.
#[derive(Debug, Clone, PartialEq)]
pub struct Team {
    pub members: Vec<Member>,
    /// The share of the facets the team covers (1.0: all).
    pub coverage: f64,
    pub score: f64,
    /// How many OPC members it has.
    pub opc_members: usize,
}

/// Teams of 2 to [`MAX_TEAM`] vendors, `me` and partners from `others` (verified vendors open
/// to teaming, the caller's filter), that cover `facets`: the most coverage first, then
/// fewer members, then the better fit and reputation, then more OPC members. Each partner
/// brings at least one facet no other member covers. At most `limit` teams.
pub fn suggest(
    facets: &[OfferKind],
    me: &Candidate,
    others: &[Candidate],
    limit: usize,
) -> Vec<Team> {
    let needed: BTreeSet<OfferKind> = facets.iter().copied().collect();
    let mine: BTreeSet<OfferKind> = me
        .offers
        .iter()
        .copied()
        .filter(|k| needed.contains(k))
        .collect();
    // Partners that bring something the vendor lacks, the best fitting first.
    let mut pool: Vec<&Candidate> = others
        .iter()
        .filter(|c| {
            c.vendor != me.vendor
                && c.offers
                    .iter()
                    .any(|k| needed.contains(k) && !mine.contains(k))
        })
        .collect();
    pool.sort_by(|a, b| {
        partner_value(b)
            .total_cmp(&partner_value(a))
            .then(a.vendor.cmp(&b.vendor))
    });
    pool.truncate(POOL);
    let mut teams = vec![];
    let n = pool.len();
    for size in 1..MAX_TEAM {
        for combo in combinations(n, size) {
            let partners: Vec<&Candidate> = combo.iter().map(|i| pool[*i]).collect();
            if let Some(t) = team(&needed, me, &partners) {
                teams.push(t);
            }
        }
    }
    teams.sort_by(|a, b| {
        b.coverage
            .total_cmp(&a.coverage)
            .then(a.members.len().cmp(&b.members.len()))
            .then(b.score.total_cmp(&a.score))
            .then(b.opc_members.cmp(&a.opc_members))
    });
    teams.truncate(limit);
    teams
}

/// What a partner is worth before the team is known: its fit and reputation.
fn partner_value(c: &Candidate) -> f64 {
    c.fit + 0.1 * c.reputation.unwrap_or(3.0) + if c.opc_member { 0.01 } else { 0.0 }
}

/// The team of `me` and `partners`, unless a partner adds nothing another member lacks.
fn team(needed: &BTreeSet<OfferKind>, me: &Candidate, partners: &[&Candidate]) -> Option<Team> {
    let all: Vec<&Candidate> = std::iter::once(me)
        .chain(partners.iter().copied())
        .collect();
    let covers = |c: &Candidate| -> BTreeSet<OfferKind> {
        c.offers
            .iter()
            .copied()
            .filter(|k| needed.contains(k))
            .collect()
    };
    for (i, p) in all.iter().enumerate().skip(1) {
        let others: BTreeSet<OfferKind> = all
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .flat_map(|(_, c)| covers(c))
            .collect();
        if covers(p).is_subset(&others) {
            return None;
        }
    }
    let covered: BTreeSet<OfferKind> = all.iter().flat_map(|c| covers(c)).collect();
    let coverage = if needed.is_empty() {
        1.0
    } else {
        covered.len() as f64 / needed.len() as f64
    };
    let score = all.iter().map(|c| partner_value(c)).sum::<f64>() / all.len() as f64;
    Some(Team {
        members: all
            .iter()
            .map(|c| Member {
                vendor: c.vendor,
                facets: covers(c).into_iter().collect(),
            })
            .collect(),
        coverage,
        score,
        opc_members: all.iter().filter(|c| c.opc_member).count(),
    })
}

/// Every way to choose `k` of `n` indices, in order.
fn combinations(n: usize, k: usize) -> Vec<Vec<usize>> {
    fn go(start: usize, n: usize, k: usize, cur: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if cur.len() == k {
            out.push(cur.clone());
            return;
        }
        for i in start..n {
            cur.push(i);
            go(i + 1, n, k, cur, out);
            cur.pop();
        }
    }
    let mut out = vec![];
    go(0, n, k, &mut vec![], &mut out);
    out
}
