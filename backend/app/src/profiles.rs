//! The verified vendors, analysed once and kept between calls: a vendor is analysed again
//! only when its stamp (last change, size of its texts) changes, and the ranking corpus is
//! rebuilt only when a vendor or the thesaurus changed. Every call reads the version of all
//! the organizations (one row, moved by the database on every change of one), and each
//! vendor's stamp only when that moved, so a change shows at once, in every process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use domain::Result;
use domain::account::Organization;
use domain::ids::OrganizationId;
use domain::ports::{OrgFilter, ProfileStamp, ReadTx};
use domain::recommend::{Corpus, Profile};

/// Beyond this many changed vendors, they are read in pages rather than one by one.
const READ_ONE_BY_ONE: usize = 200;

struct Kept {
    /// The organizations' version when the corpus was built.
    all: i64,
    profiles: HashMap<OrganizationId, (ProfileStamp, Arc<Profile>)>,
    synonyms: Vec<Vec<String>>,
    corpus: Arc<Corpus>,
}

/// The kept profiles (one per process).
#[derive(Default)]
pub struct VendorProfiles {
    kept: Mutex<Option<Kept>>,
}

impl crate::Services {
    /// Brings the kept profiles up to date (at start, and before delivering alerts), so that
    /// the calls that need them, in a write transaction or in a request, find them ready.
    pub fn warm_profiles(&self) -> Result<Arc<Corpus>> {
        domain::ports::in_read(&*self.store, |tx| self.vendor_corpus(tx))
    }

    /// Text cut into terms as matching cuts it (the search engine's analysis).
    pub(crate) fn analyze(&self, text: &str) -> Vec<String> {
        self.analysis.analyze(text)
    }

    /// The kept corpus of every verified vendor (up to date), with the thesaurus in force.
    pub(crate) fn vendor_corpus(&self, tx: &mut dyn ReadTx) -> Result<Arc<Corpus>> {
        let synonyms = tx
            .synonyms()?
            .unwrap_or_else(domain::search::default_synonyms);
        let analysis = self.analysis.clone();
        self.profiles
            .corpus(tx, &synonyms, &|t: &str| analysis.analyze(t))
    }
}

/// The analysed profile of an organization (its record in a domain is set per call).
pub fn profile_of(o: Organization, analyze: &dyn Fn(&str) -> Vec<String>) -> Profile {
    Profile::new(
        o.id,
        o.name,
        o.opc_member,
        o.capabilities,
        &o.description,
        &o.offer_kinds,
        analyze,
    )
}

impl VendorProfiles {
    /// The corpus of every verified vendor as stored now, with `synonyms`.
    pub fn corpus(
        &self,
        tx: &mut dyn ReadTx,
        synonyms: &[Vec<String>],
        analyze: &dyn Fn(&str) -> Vec<String>,
    ) -> Result<Arc<Corpus>> {
        let all = tx.organizations_version()?;
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(k) = kept.as_ref()
            && k.synonyms == synonyms
            && k.all == all
        {
            return Ok(k.corpus.clone());
        }
        let stamps = tx.vendor_stamps()?;
        if let Some(k) = kept.as_mut()
            && k.synonyms == synonyms
            && k.profiles.len() == stamps.len()
            && stamps
                .iter()
                .all(|(id, s)| k.profiles.get(id).is_some_and(|(ks, _)| ks == s))
        {
            k.all = all;
            return Ok(k.corpus.clone());
        }
        let mut old = kept.take().map(|k| k.profiles).unwrap_or_default();
        let changed: Vec<OrganizationId> = stamps
            .iter()
            .filter(|(id, s)| old.get(id).is_none_or(|(ks, _)| ks != s))
            .map(|(id, _)| *id)
            .collect();
        let mut fresh: HashMap<OrganizationId, Profile> = HashMap::new();
        if changed.len() <= READ_ONE_BY_ONE {
            for id in &changed {
                if let Some(o) = tx.organization(*id)? {
                    fresh.insert(*id, profile_of(o, analyze));
                }
            }
        } else {
            let wanted: std::collections::HashSet<&OrganizationId> = changed.iter().collect();
            let mut offset = 0;
            loop {
                let (orgs, _) = tx.organizations(&OrgFilter {
                    kind: Some(domain::account::OrgKind::Vendor),
                    verified: Some(true),
                    offset,
                    limit: 1000,
                    ..Default::default()
                })?;
                if orgs.is_empty() {
                    break;
                }
                offset += orgs.len() as i64;
                for o in orgs {
                    if wanted.contains(&o.id) {
                        fresh.insert(o.id, profile_of(o, analyze));
                    }
                }
            }
        }
        let mut profiles = HashMap::with_capacity(stamps.len());
        for (id, stamp) in &stamps {
            let p = match fresh.remove(id) {
                Some(p) => Arc::new(p),
                None => match old.remove(id) {
                    Some((_, p)) => p,
                    // Changed between the two reads: it is read again next time.
                    None => continue,
                },
            };
            profiles.insert(*id, (*stamp, p));
        }
        // By id, so that a ranking's ties fall the same way in every process.
        let mut list: Vec<Arc<Profile>> = profiles.values().map(|(_, p)| p.clone()).collect();
        list.sort_by_key(|p| p.id);
        let corpus = Arc::new(Corpus::new(list, synonyms));
        *kept = Some(Kept {
            all,
            profiles,
            synonyms: synonyms.to_vec(),
            corpus: corpus.clone(),
        });
        Ok(corpus)
    }
}
