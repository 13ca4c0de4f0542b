//! Delivery, the owner's rating and the vendor's one reply, and a vendor's reputation.

use super::*;
use super::{Services, emit};
use domain::error::{Error, Result};
use domain::evaluation::{self as ev, Marks, Rating};
use domain::event::DomainEvent;
use domain::ids::OrganizationId;
use domain::message::Message;
use domain::policy::{self, Actor};
use domain::ports::{in_read, in_tx};
use domain::scenario::{Action, ScenarioId, transition};
use domain::search::DocRef;
use domain::text;

impl Services {
    /// The owner rates the delivered work (1–5 each, with a comment), which closes the scenario.
    pub fn rate(
        &self,
        actor: &Actor,
        id: ScenarioId,
        marks: Marks,
        comment: String,
    ) -> Result<Rating> {
        let now = self.now();
        let mut errors = Vec::new();
        for (field, v) in [
            ("quality", marks.quality),
            ("timeliness", marks.timeliness),
            ("communication", marks.communication),
        ] {
            if !(1..=5).contains(&v) {
                errors.push(domain::FieldError::new(
                    field,
                    Message::new("评分为 1 到 5", "marks are 1 to 5"),
                ));
            }
        }
        let comment = match text::bounded(&comment, 1, 2000) {
            Ok(c) => c,
            Err(m) => {
                errors.push(domain::FieldError::new("comment", m));
                String::new()
            }
        };
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        in_tx(&*self.store, |tx| {
            let before = Self::owned(tx, actor, id)?;
            let status = transition(before.status, before.bid_deadline, &Action::Close, now)?;
            let award = before
                .award
                .clone()
                .ok_or_else(|| Error::internal("a delivered scenario has an award"))?;
            let bid = tx.bid(award.bid)?.ok_or(Error::NotFound)?;
            let vendor = bid.vendor;
            let r = Rating {
                id: domain::ids::RatingId(self.next_id()),
                scenario: id,
                vendor,
                rated_by: actor.user_id,
                quality: marks.quality,
                timeliness: marks.timeliness,
                communication: marks.communication,
                comment: comment.clone(),
                created_at: now,
                reply: None,
                replied_at: None,
            };
            tx.insert_rating(&r)?;
            let mut s = before.clone();
            s.status = status;
            s.updated_at = now;
            tx.update_scenario(&s)?;
            emit(
                tx,
                Some(actor.user_id),
                DomainEvent::Rated(Box::new(r.clone())),
                now,
            )?;
            // A consortium's rating reaches each member's reputation, and so its profile in
            // the search index.
            if let Some(team) = self.bid_team(tx, &bid)? {
                for m in team.members.iter().filter(|m| !m.lead) {
                    tx.mark_for_index(DocRef::Vendor(m.organization_id), now)?;
                }
            }
            Ok(r)
        })
    }

    /// The rated vendor replies, once.
    pub fn reply_to_rating(
        &self,
        actor: &Actor,
        rating: domain::ids::RatingId,
        body: String,
    ) -> Result<Rating> {
        let now = self.now();
        let body = text::bounded(&body, 1, 2000).map_err(|m| Error::field("body", m))?;
        in_tx(&*self.store, |tx| {
            let mut r = tx.rating(rating)?.ok_or(Error::NotFound)?;
            policy::can_reply_to_rating(actor, r.vendor)?;
            if !tx.save_reply(rating, &body, now)? {
                return Err(Error::Conflict {
                    code: "already_replied",
                    detail: Message::new("只能回复一次", "a rating is answered once"),
                });
            }
            r.reply = Some(body.clone());
            r.replied_at = Some(now);
            let replied = DomainEvent::RatingReplied {
                rating,
                reply: body.clone(),
            };
            emit(tx, Some(actor.user_id), replied, now)?;
            Ok(r)
        })
    }

    /// A vendor's public ratings and reputation.
    pub fn vendor_ratings(&self, org: OrganizationId) -> Result<VendorRatings> {
        in_read(&*self.store, |tx| {
            let ratings = tx.ratings_of_vendor(org)?;
            let marks: Vec<Marks> = ratings.iter().map(Rating::marks).collect();
            let rep = ev::reputation(&marks, self.market.reputation);
            Ok(VendorRatings {
                reputation: rep.map(|r| r.0),
                count: ratings.len(),
                ratings,
            })
        })
    }
}
