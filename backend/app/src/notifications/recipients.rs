//! Who hears of each notice, and what each reads: the recipients of every kind of notice,
//! read in one query per group, each in their own language.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::Services;
use domain::account::Recipient;
use domain::bid::BidStatus;
use domain::error::Result;
use domain::ids::{OrganizationId, UserId};
use domain::notification::{Facts, NewNotification, Notice, render};
use domain::ports::{ReadTx, Tx};
use domain::recommend::Corpus;
use domain::scenario::{QuestionId, ScenarioId};

/// One recipient of a notice: who, the facts they read, and their notification.
pub(crate) type Addressed = (Recipient, Arc<Facts>, NewNotification);

/// The notifications a notice makes: who hears of it, and what each reads, in their language.
/// Recipients are read in one query per group, however many there are.
pub(crate) fn addressed(
    services: &Services,
    tx: &mut dyn Tx,
    id: i64,
    notice: &Notice,
    corpus: Option<&Arc<Corpus>>,
) -> Result<Vec<Addressed>> {
    let mut out = vec![];
    let mut seen = BTreeSet::new();
    for (facts, orgs, extra) in recipients(services, tx, notice, corpus)? {
        let facts = Arc::new(facts);
        // What the facts read in each language, written once (a notice may reach many).
        let mut rendered: Vec<(domain::account::Locale, (String, String, String))> = vec![];
        let mut users = extra;
        for org in orgs {
            users.extend(tx.users_of_organization(org)?.iter().map(Recipient::from));
        }
        users.sort_by_key(|u| u.id);
        for u in users {
            if !u.active || !seen.insert(u.id) {
                continue;
            }
            let (title, body, link) = match rendered.iter().find(|(l, _)| *l == u.locale) {
                Some((_, r)) => r.clone(),
                None => {
                    let r = render(&facts, u.locale);
                    rendered.push((u.locale, r.clone()));
                    r
                }
            };
            let n = NewNotification {
                digest: false,
                user: u.id,
                kind: notice.kind(),
                key: notice.key(id),
                title,
                body,
                link,
            };
            out.push((u, facts.clone(), n));
        }
    }
    Ok(out)
}

/// The vendor users a published scenario alerts: their interests or saved searches fit it
/// (by their filters, by words written in it, or by the recommendation's judgement of their
/// words), and their organization's offer can deliver it. Every subscription is read in one
/// pass; each distinct word is analysed once. The vendors' `corpus` is read when not given.
fn alerted(
    services: &Services,
    tx: &mut dyn Tx,
    s: &domain::scenario::Scenario,
    synonyms: &[Vec<String>],
    corpus: Option<&Arc<Corpus>>,
) -> Result<Vec<Recipient>> {
    use domain::matching::{Candidate, Fit};
    use domain::recommend::Need;
    use std::collections::HashMap;
    let started = std::time::Instant::now();
    let analyze = |t: &str| services.analyze(t);
    let corpus = match corpus {
        Some(c) => c.clone(),
        None => services.vendor_corpus(tx)?,
    };
    let need = Need::of_scenario(
        s.domain,
        s.tags.clone(),
        &s.title,
        &s.summary,
        &s.description,
        &analyze,
    );
    let judge = corpus.judge(&need);
    let candidate = Candidate::of(s);
    let mut cut: HashMap<String, Vec<String>> = HashMap::new();
    let mut worth = |words: Vec<String>, written: bool| {
        let terms: Vec<Vec<String>> = words
            .iter()
            .map(|w| cut.entry(w.clone()).or_insert_with(|| analyze(w)).clone())
            .collect();
        judge.alerts(written, &words, &terms)
    };
    let mut users: Vec<UserId> = vec![];
    for (u, i) in tx.all_interests()? {
        let fits = match candidate.interest_fit(&i, synonyms) {
            Fit::Out => false,
            Fit::Filters => true,
            Fit::Words { written } => worth([i.tags, i.keywords].concat(), written),
        };
        if fits {
            users.push(u);
        }
    }
    for q in tx.all_saved_searches()? {
        let fits = match candidate.search_fit(&q, synonyms) {
            Fit::Out => false,
            Fit::Filters => true,
            Fit::Words { written } => worth(
                q.q.split_whitespace().map(str::to_string).collect(),
                written,
            ),
        };
        if fits {
            users.push(q.user);
        }
    }
    users.sort();
    users.dedup();
    // Only those who may subscribe hear of it (a role may have changed since saving), and
    // only for a scenario their organization can deliver.
    let fitting = users.len();
    let alerted: Vec<Recipient> = tx
        .recipients(&users)?
        .into_iter()
        .filter(|u| domain::policy::subscribes(u.role))
        .filter(|u| u.organization_id.is_none_or(|o| judge.delivers(o)))
        .collect();
    tracing::info!(
        scenario = s.id.0,
        fitting,
        alerted = alerted.len(),
        vendors = corpus.len(),
        ms = started.elapsed().as_millis() as u64,
        "a published scenario's subscribers judged"
    );
    Ok(alerted)
}

/// What one set of recipients reads: the facts, the organizations whose users hear of them,
/// and users besides them.
type Group = (Facts, Vec<OrganizationId>, Vec<Recipient>);

/// The facts of a notice and who hears of them (several groups when recipients read different
/// facts); nothing when what the notice names is gone. `corpus`: the vendors' analysed
/// profiles, when read already.
fn recipients(
    services: &Services,
    tx: &mut dyn Tx,
    notice: &Notice,
    corpus: Option<&Arc<Corpus>>,
) -> Result<Vec<Group>> {
    let scenario = |tx: &mut dyn Tx, id: i64| tx.scenario(ScenarioId(id));
    Ok(match notice {
        Notice::OrganizationVerified { org } => {
            let org = OrganizationId(*org);
            tx.organization(org)?
                .map(|o| {
                    (
                        Facts::OrganizationVerified { org_name: o.name },
                        vec![org],
                        vec![],
                    )
                })
                .into_iter()
                .collect()
        }
        Notice::BidsOpened {
            scenario: sid,
            bids,
        } => match scenario(tx, *sid)? {
            Some(s) => {
                let mut orgs = vec![s.owner];
                orgs.extend(bidders(tx, s.id)?);
                vec![(
                    Facts::BidsOpened {
                        scenario: *sid,
                        title: s.title,
                        bids: *bids,
                    },
                    orgs,
                    vec![],
                )]
            }
            None => vec![],
        },
        Notice::DeadlineExtended {
            scenario: sid,
            after,
        } => match scenario(tx, *sid)? {
            Some(s) => vec![(
                Facts::DeadlineExtended {
                    scenario: *sid,
                    title: s.title,
                    after: *after,
                },
                bidders(tx, s.id)?,
                {
                    let followers = tx.followers(s.id)?;
                    tx.recipients(&followers)?
                },
            )],
            None => vec![],
        },
        Notice::QuestionAnswered { question } => {
            let Some(q) = tx.question(QuestionId(*question))? else {
                return Ok(vec![]);
            };
            let Some(s) = tx.scenario(q.scenario)? else {
                return Ok(vec![]);
            };
            let answer = q.answers.last().map(|a| a.body.clone()).unwrap_or_default();
            vec![(
                Facts::QuestionAnswered {
                    scenario: s.id.0,
                    title: s.title,
                    question: q.body,
                    answer,
                },
                bidders(tx, q.scenario)?,
                {
                    let asked = [vec![q.asked_by], tx.followers(q.scenario)?].concat();
                    tx.recipients(&asked)?
                },
            )]
        }
        Notice::ScenarioPublished { scenario: sid } => match scenario(tx, *sid)? {
            Some(s) => {
                let synonyms = tx
                    .synonyms()?
                    .unwrap_or_else(domain::search::default_synonyms);
                let vendors = alerted(services, tx, &s, &synonyms, corpus)?;
                let agency = tx
                    .organization(s.owner)?
                    .map(|o| o.name)
                    .unwrap_or_default();
                vec![(
                    Facts::ScenarioMatch {
                        scenario: *sid,
                        title: s.title,
                        agency,
                        deadline: s.bid_deadline,
                    },
                    vec![],
                    vendors,
                )]
            }
            None => vec![],
        },
        Notice::Invitation { invitation } => {
            let Some(i) = tx.invitation(*invitation)? else {
                return Ok(vec![]);
            };
            let Some(s) = tx.scenario(i.scenario)? else {
                return Ok(vec![]);
            };
            let agency = tx
                .organization(s.owner)?
                .map(|o| o.name)
                .unwrap_or_default();
            vec![(
                Facts::Invitation {
                    scenario: s.id.0,
                    title: s.title,
                    agency,
                    message: i.message,
                },
                vec![i.vendor],
                vec![],
            )]
        }
        Notice::DeadlineReminder {
            scenario: sid,
            deadline,
        } => match scenario(tx, *sid)? {
            Some(s) => {
                // Followers who have not bid: a bidder has nothing left to do by the deadline.
                let bidding = bidders(tx, s.id)?;
                let followers = tx.followers(s.id)?;
                let waiting: Vec<Recipient> = tx
                    .recipients(&followers)?
                    .into_iter()
                    .filter(|u| !u.organization_id.is_some_and(|o| bidding.contains(&o)))
                    .collect();
                vec![(
                    Facts::DeadlineReminder {
                        scenario: *sid,
                        title: s.title,
                        deadline: *deadline,
                    },
                    vec![],
                    waiting,
                )]
            }
            None => vec![],
        },
        Notice::PanelAssigned {
            scenario: sid,
            evaluators,
        } => match scenario(tx, *sid)? {
            Some(s) => vec![(
                Facts::PanelAssigned {
                    scenario: *sid,
                    title: s.title,
                },
                vec![],
                {
                    let ids: Vec<UserId> = evaluators.iter().map(|u| UserId(*u)).collect();
                    tx.recipients(&ids)?
                },
            )],
            None => vec![],
        },
        Notice::AwardResult { scenario: sid } => match scenario(tx, *sid)? {
            Some(s) => {
                let winner = s.award.as_ref().map(|a| a.bid);
                let (rows, _, _) = services.compute(tx, &s)?;
                rows.into_iter()
                    .map(|r| {
                        (
                            Facts::AwardResult {
                                scenario: *sid,
                                title: s.title.clone(),
                                rank: r.evaluated.rank,
                                total: r.evaluated.total,
                                won: Some(r.evaluated.bid) == winner,
                            },
                            // A consortium's result reaches every member.
                            r.team.as_ref().map_or(vec![r.vendor], |t| {
                                t.members.iter().map(|m| m.organization_id).collect()
                            }),
                            vec![],
                        )
                    })
                    .collect()
            }
            None => vec![],
        },
        Notice::ChallengeFiled { challenge } | Notice::ChallengeReminder { challenge, .. } => {
            let Some(c) = tx.challenge(domain::ids::ChallengeId(*challenge))? else {
                return Ok(vec![]);
            };
            let Some(s) = tx.scenario(c.scenario)? else {
                return Ok(vec![]);
            };
            let vendor = tx
                .organization(c.vendor)?
                .map(|o| o.name)
                .unwrap_or_default();
            let facts = match notice {
                Notice::ChallengeReminder { nth, .. } => Facts::ChallengeReminder {
                    scenario: s.id.0,
                    title: s.title,
                    vendor,
                    due: c.answer_due,
                    last: *nth >= 2,
                },
                _ => Facts::ChallengeFiled {
                    scenario: s.id.0,
                    title: s.title,
                    vendor,
                    due: c.answer_due,
                },
            };
            // The owner only: an open challenge is nobody else's to know of.
            vec![(facts, vec![s.owner], vec![])]
        }
        Notice::ChallengeAnswered { challenge } => {
            let Some(c) = tx.challenge(domain::ids::ChallengeId(*challenge))? else {
                return Ok(vec![]);
            };
            let Some(s) = tx.scenario(c.scenario)? else {
                return Ok(vec![]);
            };
            let vendor = tx
                .organization(c.vendor)?
                .map(|o| o.name)
                .unwrap_or_default();
            let upheld = c
                .answer
                .as_ref()
                .is_some_and(|a| a.decision == domain::challenge::Decision::Upheld);
            let mut orgs = bidders(tx, s.id)?;
            if !orgs.contains(&c.vendor) {
                orgs.push(c.vendor);
            }
            vec![(
                Facts::ChallengeAnswered {
                    scenario: s.id.0,
                    title: s.title,
                    vendor,
                    upheld,
                },
                orgs,
                vec![],
            )]
        }
        Notice::Contract {
            step,
            contract,
            item,
        } => crate::contracts::notices::groups(
            tx,
            &services.market.workdays,
            *step,
            *contract,
            *item,
        )?
        .into_iter()
        .map(|(facts, orgs)| (facts, orgs, vec![]))
        .collect(),
        Notice::Consortium {
            step,
            consortium,
            vendor,
        } => crate::teams::notice_groups(tx, *step, *consortium, *vendor)?
            .into_iter()
            .map(|(facts, orgs)| (facts, orgs, vec![]))
            .collect(),
        Notice::RatingReceived {
            scenario: sid,
            vendor,
            stars,
        } => match scenario(tx, *sid)? {
            Some(s) => vec![(
                Facts::RatingReceived {
                    vendor: *vendor,
                    title: s.title,
                    stars: *stars,
                },
                vec![OrganizationId(*vendor)],
                vec![],
            )],
            None => vec![],
        },
    })
}

/// The vendors with a bid in force on a scenario. Each hears only of its own bid's scenario:
/// nothing in a notification tells one bidder of another.
fn bidders(tx: &mut dyn ReadTx, scenario: ScenarioId) -> Result<Vec<OrganizationId>> {
    let mut orgs: Vec<OrganizationId> = tx
        .bids_of_scenario(scenario)?
        .into_iter()
        .filter(|b| b.status == BidStatus::Submitted)
        .map(|b| b.vendor)
        .collect();
    orgs.sort();
    orgs.dedup();
    Ok(orgs)
}
