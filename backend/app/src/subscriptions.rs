//! Subscriptions: a vendor follows scenarios and keeps interests and saved searches, which
//! decide the new scenarios it hears of.

use crate::Services;
use domain::actor::Actor;
use domain::error::{Error, Result};
use domain::message::Message;
use domain::ports::{in_read, in_tx};
use domain::scenario::ScenarioId;

impl Services {
    /// Starts (`true`) or stops following a scenario the actor may see; returns whether the
    /// actor follows it now. Only vendors follow, and only while the scenario takes bids.
    pub fn follow_scenario(&self, actor: &Actor, id: ScenarioId, follow: bool) -> Result<bool> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let s = tx
                .scenario(id)?
                .filter(|s| domain::policy::can_view_scenario(Some(actor), s))
                .ok_or(Error::NotFound)?;
            domain::policy::check_follow(actor, &s, follow, now)?;
            tx.set_following(id, actor.user_id, follow, now)?;
            Ok(follow)
        })
    }

    /// The vendor user's interests (empty until saved). Their `email` is the user's e-mail
    /// choice for matching scenarios, as the notification settings hold it.
    pub fn my_interests(&self, actor: &Actor) -> Result<domain::matching::Interests> {
        domain::policy::can_subscribe(actor)?;
        in_read(&*self.store, |tx| {
            let mut i = tx.interests(actor.user_id)?.unwrap_or_default();
            i.email = tx
                .notification_settings(actor.user_id)?
                .unwrap_or_default()
                .pref(domain::notification::Kind::ScenarioMatch);
            Ok(i)
        })
    }

    /// Replaces the vendor user's interests; every bad part is named.
    pub fn save_interests(
        &self,
        actor: &Actor,
        domains: &[String],
        tags: &[String],
        keywords: &[String],
        budget_min_fen: Option<i64>,
        email: Option<&str>,
    ) -> Result<domain::matching::Interests> {
        use domain::matching::*;
        domain::policy::can_subscribe(actor)?;
        let mut f = domain::error::Fields::default();
        let interests = Interests {
            domains: parse_domains(&mut f, domains),
            tags: clean_terms(&mut f, "tags", tags),
            keywords: clean_terms(&mut f, "keywords", keywords),
            budget_min_fen: check_budget(&mut f, "budget_min_fen", budget_min_fen),
            email: match email {
                None => EmailPref::default(),
                Some(e) => EmailPref::parse(e).unwrap_or_else(|| {
                    f.push(
                        "email",
                        Message::new(
                            "应为 immediate、daily 或 off",
                            "one of immediate, daily, off",
                        ),
                    );
                    EmailPref::default()
                }),
            },
        };
        f.finish()?;
        let now = self.now();
        in_tx(&*self.store, |tx| {
            tx.put_interests(actor.user_id, &interests, now)?;
            // The interests' choice is the matching scenarios' e-mail setting.
            if email.is_some() {
                let mut s = tx.lock_notification_settings(actor.user_id, now)?;
                s.prefs
                    .insert(domain::notification::Kind::ScenarioMatch, interests.email);
                tx.put_notification_settings(actor.user_id, &s, now)?;
            }
            Ok(())
        })?;
        let mut interests = interests;
        if email.is_none() {
            interests.email = self
                .notification_settings(actor)?
                .pref(domain::notification::Kind::ScenarioMatch);
        }
        Ok(interests)
    }

    pub fn my_saved_searches(&self, actor: &Actor) -> Result<Vec<domain::matching::SavedSearch>> {
        domain::policy::can_subscribe(actor)?;
        in_read(&*self.store, |tx| tx.saved_searches(actor.user_id))
    }

    /// Saves a search (the search page's query and filters); new scenarios that fit it notify.
    /// Saving one the user has already hands back the stored one (`false`: nothing new).
    pub fn save_search(
        &self,
        actor: &Actor,
        q: &str,
        domains: &[String],
        tags: &[String],
        budget_min_fen: Option<i64>,
        budget_max_fen: Option<i64>,
    ) -> Result<(domain::matching::SavedSearch, bool)> {
        domain::policy::can_subscribe(actor)?;
        let (q, domains, tags) =
            domain::matching::check_saved_search(q, domains, tags, budget_min_fen, budget_max_fen)?;
        let now = self.now();
        let saved = domain::matching::SavedSearch {
            id: self.ids.next_at(now),
            user: actor.user_id,
            q,
            domains,
            tags,
            budget_min_fen,
            budget_max_fen,
            created_at: now,
        };
        in_tx(&*self.store, |tx| {
            let same = tx.saved_searches(actor.user_id)?.into_iter().find(|s| {
                (
                    &s.q,
                    &s.domains,
                    &s.tags,
                    s.budget_min_fen,
                    s.budget_max_fen,
                ) == (
                    &saved.q,
                    &saved.domains,
                    &saved.tags,
                    saved.budget_min_fen,
                    saved.budget_max_fen,
                )
            });
            match same {
                Some(s) => Ok((s, false)),
                None => {
                    tx.insert_saved_search(&saved)?;
                    Ok((saved, true))
                }
            }
        })
    }

    /// Deletes one of the actor's saved searches (someone else's is "not found").
    pub fn delete_saved_search(&self, actor: &Actor, id: i64) -> Result<()> {
        in_tx(&*self.store, |tx| {
            if tx.delete_saved_search(actor.user_id, id)? {
                Ok(())
            } else {
                Err(Error::NotFound)
            }
        })
    }
}
