//! Reading scenarios: one (with what the reader may do), and a page of them.

use chrono::{DateTime, Utc};

use super::Services;
use super::*;
use domain::error::{Error, Result};
use domain::policy::{self, Actor};
use domain::ports::{ReadTx, ScenarioFilter, Tx, in_read};
use domain::scenario::{Scenario, ScenarioId};

impl Services {
    pub(super) fn view(
        &self,
        tx: &mut dyn ReadTx,
        scenario: Scenario,
        now: DateTime<Utc>,
    ) -> Result<ScenarioView> {
        let owner_name = tx
            .organization(scenario.owner)?
            .map(|o| o.name)
            .unwrap_or_default();
        self.view_named(tx, scenario, owner_name, now)
    }

    pub(crate) fn view_named(
        &self,
        tx: &mut dyn ReadTx,
        scenario: Scenario,
        owner_name: String,
        now: DateTime<Utc>,
    ) -> Result<ScenarioView> {
        let status = scenario.status_at(now);
        // Sealed until the deadline: no count of any kind before it (and never for a
        // cancelled scenario, whose bids are void).
        let bid_count = if scenario.bids_opened(now) {
            Some(tx.count_active_bids(scenario.id)?)
        } else {
            None
        };
        Ok(ScenarioView {
            scenario,
            status,
            bid_count,
            owner_name,
        })
    }

    /// Loads a scenario the actor may see for a change beside it (a question, an answer), its
    /// row locked (shared) so that a concurrent cancel or extension waits for the change.
    pub(super) fn visible_locked(
        tx: &mut dyn Tx,
        viewer: Option<&Actor>,
        id: ScenarioId,
    ) -> Result<Scenario> {
        tx.lock_scenario(id, domain::ports::RowLock::Share)?
            .filter(|s| policy::can_view_scenario(viewer, s))
            .ok_or(Error::NotFound)
    }

    /// Loads a scenario the actor may see, else 404.
    pub(crate) fn visible(
        tx: &mut dyn ReadTx,
        viewer: Option<&Actor>,
        id: ScenarioId,
    ) -> Result<Scenario> {
        tx.scenario(id)?
            .filter(|s| policy::can_view_scenario(viewer, s))
            .ok_or(Error::NotFound)
    }

    /// One scenario, if the viewer may see it.
    pub fn scenario(&self, viewer: Option<&Actor>, id: ScenarioId) -> Result<ScenarioView> {
        let now = self.now();
        in_read(&*self.store, |tx| {
            let s = Self::visible(tx, viewer, id)?;
            self.view(tx, s, now)
        })
    }

    /// A scenario with the viewer's allowed actions, own bids and the questions they may see.
    pub fn scenario_detail(
        &self,
        viewer: Option<&Actor>,
        id: ScenarioId,
    ) -> Result<ScenarioDetail> {
        let now = self.now();
        in_read(&*self.store, |tx| self.detail_in(tx, viewer, id, now))
    }

    /// The scenario's page: [`Self::scenario_detail`] and its agency's payment record (none
    /// when it cannot be read), in one read.
    pub fn scenario_page(
        &self,
        viewer: Option<&Actor>,
        id: ScenarioId,
    ) -> Result<(ScenarioDetail, Option<crate::contracts::AgencyRecord>)> {
        let now = self.now();
        in_read(&*self.store, |tx| {
            let d = self.detail_in(tx, viewer, id, now)?;
            // A scenario's owner is always an agency; the page stands without its record.
            let record = crate::contracts::agency_record_in(tx, d.view.scenario.owner, now).ok();
            Ok((d, record))
        })
    }

    fn detail_in(
        &self,
        tx: &mut dyn ReadTx,
        viewer: Option<&Actor>,
        id: ScenarioId,
        now: DateTime<Utc>,
    ) -> Result<ScenarioDetail> {
        let s = Self::visible(tx, viewer, id)?;
        let vendor = viewer.filter(|a| policy::require_vendor(a).is_ok());
        let own_bids = match vendor {
            Some(a) => self.bids_for(tx, a, &s, now)?.items,
            None => vec![],
        };
        let org = vendor.and_then(|a| a.organization_id);
        let consortia = match org {
            Some(_) => tx
                .consortia_of_scenario(s.id)?
                .into_iter()
                // An invitation it declined is behind it: not shown here.
                .filter(|c| {
                    org.and_then(|o| c.member(o)).is_some_and(|m| {
                        m.status != domain::team::consortium::MemberStatus::Declined
                    })
                })
                .map(|c| c.seen_by(org))
                .collect(),
            None => vec![],
        };
        let questions = Self::questions_for(tx, viewer, &s)?;
        // The viewer's organization and the scenario's agency, in one read.
        let viewer_org = viewer.and_then(|a| a.organization_id);
        let ids: Vec<_> = viewer_org.into_iter().chain([s.owner]).collect();
        let orgs = tx.organizations_of(&ids)?;
        let organization = viewer_org.and_then(|o| orgs.iter().find(|x| x.id == o).cloned());
        let owner_name = orgs
            .into_iter()
            .find(|x| x.id == s.owner)
            .map(|o| o.name)
            .unwrap_or_default();
        let has_active_bid = own_bids
            .iter()
            .any(|b| b.bid.status == domain::bid::BidStatus::Submitted);
        // Only those who may follow are asked whether they do.
        let following = match viewer {
            Some(a) if policy::check_follow(a, &s, false, now).is_ok() => {
                Some(tx.is_following(s.id, a.user_id)?)
            }
            _ => None,
        };
        let allowed = policy::allowed_actions(
            viewer,
            organization.as_ref(),
            &s,
            has_active_bid,
            following,
            now,
        );
        let invitations = match viewer {
            Some(a) => tx
                .invitations_of_scenario(s.id)?
                .into_iter()
                .filter(|i| policy::can_see_invitation(a, &s, i.vendor))
                .collect(),
            None => vec![],
        };
        let reader = viewer.map_or_else(Reader::default, |a| Reader {
            is_owner: policy::require_scenario_owner(a, &s).is_ok(),
            can_invite: policy::can_invite(a, &s, now),
            bid_awaits_verification: policy::bid_awaits_verification(
                a,
                organization.as_ref(),
                &s,
                now,
            ),
        });
        Ok(ScenarioDetail {
            reader,
            invitations,
            view: self.view_named(tx, s, owner_name, now)?,
            allowed,
            own_bids,
            questions,
            bidding_as: super::BiddingAs::of(org, &consortia),
            consortia,
        })
    }

    /// A page of the scenarios the viewer may see.
    pub fn list_scenarios(&self, viewer: Option<&Actor>, q: ScenarioQuery) -> Result<ScenarioPage> {
        let now = self.now();
        in_read(&*self.store, |tx| {
            let filter = ScenarioFilter {
                status: q.status,
                domain: q.domain,
                agency: q.agency,
                viewer_org: viewer.and_then(|a| a.organization_id),
                now,
                offset: q.offset,
                limit: q.limit,
            };
            let total = self.totals.total(tx, &filter)?;
            let rows = tx.scenario_list_rows(&filter, !q.without_criteria)?;
            let items = rows
                .into_iter()
                .map(|r| ScenarioView::listed(r, now))
                .collect();
            Ok(ScenarioPage { items, total })
        })
    }
}
