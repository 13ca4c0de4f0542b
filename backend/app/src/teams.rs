//! OPC teams: the trades a scenario needs (its facets), for anyone who may read it.

use super::Services;
use domain::account::OfferKind;
use domain::actor::Actor;
use domain::error::Result;
use domain::ports::in_read;
use domain::scenario::ScenarioId;

impl Services {
    /// The trades the scenario needs, the AI system first.
    pub fn scenario_facets(&self, viewer: Option<&Actor>, id: ScenarioId) -> Result<Vec<OfferKind>> {
        in_read(&*self.store, |tx| {
            let s = Self::visible(tx, viewer, id)?;
            Ok(domain::team::facets(&s))
        })
    }
}
