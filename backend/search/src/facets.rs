//! Facet counts for the built-in engine, fast enough to count every match of every search.
//!
//! tantivy's own facet collector decodes each matching document's facet column anew. A
//! segment never changes once written, so here each segment's facet values are read once, when
//! the reader first sees the segment (a [`Warmer`]), into flat arrays of small numbers; a
//! search then counts with one byte read per match for a field of one value per document, two
//! array reads per value otherwise. The same cache holds a number per document that ranking
//! reads for every match (the scenarios' open-until). Deleted documents never reach a
//! collector, so the arrays need no update when a document is deleted.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use domain::search::FacetCounts;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::index::SegmentId;
use tantivy::schema::Facet;
use tantivy::{DocId, Score, Searcher, SearcherGeneration, SegmentReader, Warmer};

/// A value number that stands for "no value" in [`Values::One`].
const NONE: u8 = u8::MAX;

/// Which values each document of a segment holds, as value numbers (indexes into the names).
enum Values {
    /// At most one value per document, and fewer than 255 values: `ords[d]`, or [`NONE`]. A
    /// search reads one byte per match (the status and the domain).
    One(Vec<u8>),
    /// Any number per document: `ords[starts[d]..starts[d + 1]]` (the tags).
    Many { starts: Vec<u32>, ords: Vec<u32> },
}

/// One facet field of one segment: each document's values, and `names[ord]`, a value's text.
struct Column {
    values: Values,
    names: Vec<String>,
}

impl Column {
    fn read(segment: &SegmentReader, field: &str) -> tantivy::Result<Column> {
        let reader = segment.facet_reader(field)?;
        let mut names = Vec::with_capacity(reader.num_facets());
        let mut facet = Facet::root();
        for ord in 0..reader.num_facets() as u64 {
            reader.facet_from_ord(ord, &mut facet)?;
            names.push(
                facet
                    .to_path()
                    .last()
                    .map(|s| s.to_string())
                    .unwrap_or_default(),
            );
        }
        let max_doc = segment.max_doc();
        let mut starts = Vec::with_capacity(max_doc as usize + 1);
        let mut ords = Vec::with_capacity(max_doc as usize);
        starts.push(0);
        for doc in 0..max_doc {
            ords.extend(reader.facet_ords(doc).map(|o| o as u32));
            starts.push(ords.len() as u32);
        }
        let single = names.len() < NONE as usize && starts.windows(2).all(|w| w[1] - w[0] <= 1);
        let values = if single {
            Values::One(
                starts
                    .windows(2)
                    .map(|w| match w[1] > w[0] {
                        true => ords[w[0] as usize] as u8,
                        false => NONE,
                    })
                    .collect(),
            )
        } else {
            Values::Many { starts, ords }
        };
        Ok(Column { values, names })
    }

    /// Adds the values of `docs` to `counts`.
    fn count(&self, docs: &[DocId], counts: &mut [u32]) {
        match &self.values {
            Values::One(ords) => {
                for &doc in docs {
                    let ord = ords[doc as usize];
                    if ord != NONE {
                        counts[ord as usize] += 1;
                    }
                }
            }
            Values::Many { starts, ords } => {
                for &doc in docs {
                    let (from, to) = (starts[doc as usize], starts[doc as usize + 1]);
                    for &ord in &ords[from as usize..to as usize] {
                        counts[ord as usize] += 1;
                    }
                }
            }
        }
    }
}

/// A number per document that a search reads for every match (see [`FacetCache::new`]).
pub type Key = fn(&SegmentReader) -> tantivy::Result<Vec<i64>>;

/// What one segment's documents hold: the facet fields, in the order the cache was made with,
/// and the key of each document.
pub struct SegmentColumns {
    facets: Vec<Column>,
    keys: Vec<i64>,
}

impl SegmentColumns {
    /// The key of `doc` (0 without a key).
    pub fn key(&self, doc: DocId) -> i64 {
        self.keys.get(doc as usize).copied().unwrap_or(0)
    }
}

/// Each segment's facet columns (and keys), read when a reader first sees the segment and
/// dropped when no searcher holds it any more.
pub struct FacetCache {
    fields: Vec<&'static str>,
    key: Option<Key>,
    segments: Mutex<HashMap<SegmentId, Arc<SegmentColumns>>>,
}

impl FacetCache {
    /// A cache of the facet `fields` and, with `key`, of a number per document that the
    /// function reads from the segment's fast fields (fast fields are decoded on each read; a
    /// plain array is read at the cost of a memory load).
    pub fn new(fields: &[&'static str], key: Option<Key>) -> FacetCache {
        FacetCache {
            fields: fields.to_vec(),
            key,
            segments: Mutex::new(HashMap::new()),
        }
    }

    /// What `segment` holds, read on first use.
    pub fn columns(&self, segment: &SegmentReader) -> tantivy::Result<Arc<SegmentColumns>> {
        let id = segment.segment_id();
        if let Some(found) = self.lock().get(&id) {
            return Ok(found.clone());
        }
        let read = Arc::new(SegmentColumns {
            facets: self
                .fields
                .iter()
                .map(|f| Column::read(segment, f))
                .collect::<tantivy::Result<_>>()?,
            keys: match self.key {
                Some(key) => key(segment)?,
                None => vec![],
            },
        });
        self.lock().insert(id, read.clone());
        Ok(read)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SegmentId, Arc<SegmentColumns>>> {
        // The map holds only derived data: a panic elsewhere leaves it usable.
        self.segments.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A collector of the counts of every facet field over the matching documents.
    pub fn counter(self: &Arc<Self>) -> FacetCounter {
        FacetCounter(self.clone())
    }
}

impl Warmer for FacetCache {
    fn warm(&self, searcher: &Searcher) -> tantivy::Result<()> {
        for segment in searcher.segment_readers() {
            self.columns(segment)?;
        }
        Ok(())
    }

    fn garbage_collect(&self, live: &[&SearcherGeneration]) {
        self.lock()
            .retain(|id, _| live.iter().any(|g| g.segments().contains_key(id)));
    }
}

/// Counts, per facet field, how many matching documents hold each value.
pub struct FacetCounter(Arc<FacetCache>);

pub struct SegmentCounter {
    columns: Arc<SegmentColumns>,
    counts: Vec<Vec<u32>>,
}

impl Collector for FacetCounter {
    type Fruit = Vec<FacetCounts>;
    type Child = SegmentCounter;

    fn for_segment(&self, _: u32, segment: &SegmentReader) -> tantivy::Result<SegmentCounter> {
        let columns = self.0.columns(segment)?;
        let counts = columns
            .facets
            .iter()
            .map(|c| vec![0; c.names.len()])
            .collect();
        Ok(SegmentCounter { columns, counts })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<Vec<FacetCounts>>) -> tantivy::Result<Vec<FacetCounts>> {
        let mut merged: Vec<HashMap<String, u64>> = vec![HashMap::new(); self.0.fields.len()];
        for segment in segments {
            for (field, counts) in merged.iter_mut().zip(segment) {
                for (value, n) in counts {
                    *field.entry(value).or_default() += n;
                }
            }
        }
        Ok(merged
            .into_iter()
            .map(|m| {
                let mut out: FacetCounts = m.into_iter().collect();
                out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                out
            })
            .collect())
    }
}

impl SegmentCollector for SegmentCounter {
    type Fruit = Vec<FacetCounts>;

    fn collect(&mut self, doc: DocId, _: Score) {
        self.collect_block(&[doc]);
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        for (column, counts) in self.columns.facets.iter().zip(&mut self.counts) {
            column.count(docs, counts);
        }
    }

    fn harvest(self) -> Vec<FacetCounts> {
        self.columns
            .facets
            .iter()
            .zip(self.counts)
            .map(|(column, counts)| {
                counts
                    .into_iter()
                    .enumerate()
                    .filter(|(_, n)| *n > 0)
                    .map(|(ord, n)| (column.names[ord].clone(), n as u64))
                    .collect()
            })
            .collect()
    }
}
