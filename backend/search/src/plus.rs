//! A query that scores what another query scores, plus a constant: how the built-in engine
//! ranks documents by how many query words they hold before their text score, with each word
//! searched once (see `matching_last`).

use std::fmt;

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{
    COLLECT_BLOCK_BUFFER_LEN, DocId, DocSet, Score, SeekDangerResult, SegmentReader, Term,
};

/// Matches what `query` matches; each match scores `query`'s score plus `add`.
pub struct PlusQuery {
    query: Box<dyn Query>,
    add: Score,
}

impl PlusQuery {
    pub fn new(query: Box<dyn Query>, add: Score) -> PlusQuery {
        PlusQuery { query, add }
    }
}

impl Clone for PlusQuery {
    fn clone(&self) -> Self {
        PlusQuery {
            query: self.query.box_clone(),
            add: self.add,
        }
    }
}

impl fmt::Debug for PlusQuery {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "Plus({}, {:?})", self.add, self.query)
    }
}

impl Query for PlusQuery {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let inner = self.query.weight(scoring)?;
        if scoring.is_scoring_enabled() {
            Ok(Box::new(PlusWeight {
                inner,
                add: self.add,
            }))
        } else {
            Ok(inner)
        }
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.query.query_terms(visitor);
    }
}

struct PlusWeight {
    inner: Box<dyn Weight>,
    add: Score,
}

impl Weight for PlusWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(PlusScorer {
            inner: self.inner.scorer(reader, boost)?,
            add: self.add * boost,
        }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let inner = self.inner.explain(reader, doc)?;
        let mut out = Explanation::new("plus a constant", inner.value() + self.add);
        out.add_const("constant", self.add);
        out.add_detail(inner);
        Ok(out)
    }

    fn count(&self, reader: &SegmentReader) -> tantivy::Result<u32> {
        self.inner.count(reader)
    }
}

struct PlusScorer {
    inner: Box<dyn Scorer>,
    add: Score,
}

impl DocSet for PlusScorer {
    fn advance(&mut self) -> DocId {
        self.inner.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.inner.seek(target)
    }

    fn seek_danger(&mut self, target: DocId) -> SeekDangerResult {
        self.inner.seek_danger(target)
    }

    fn fill_buffer(&mut self, buffer: &mut [DocId; COLLECT_BLOCK_BUFFER_LEN]) -> usize {
        self.inner.fill_buffer(buffer)
    }

    fn doc(&self) -> DocId {
        self.inner.doc()
    }

    fn size_hint(&self) -> u32 {
        self.inner.size_hint()
    }

    fn cost(&self) -> u64 {
        self.inner.cost()
    }
}

impl Scorer for PlusScorer {
    fn score(&mut self) -> Score {
        self.inner.score() + self.add
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::TopDocs;
    use tantivy::query::TermQuery;
    use tantivy::schema::{IndexRecordOption, Schema, TEXT};
    use tantivy::{Index, IndexWriter, TantivyDocument};

    use super::*;

    #[test]
    fn a_match_scores_the_inner_score_plus_the_constant_and_nothing_else_matches() {
        let mut schema = Schema::builder();
        let body = schema.add_text_field("body", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer(15_000_000).unwrap();
        for text in ["drone patrol", "river patrol", "tax forms"] {
            let mut doc = TantivyDocument::default();
            doc.add_text(body, text);
            writer.add_document(doc).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let patrol = TermQuery::new(
            Term::from_field_text(body, "patrol"),
            IndexRecordOption::WithFreqs,
        );
        let top = || TopDocs::with_limit(10).order_by_score();
        let plain = searcher.search(&patrol, &top()).unwrap();
        let plus = searcher
            .search(&PlusQuery::new(Box::new(patrol.clone()), 100.0), &top())
            .unwrap();
        assert_eq!(plain.len(), 2);
        assert_eq!(plus.len(), 2);
        for ((a, da), (b, db)) in plain.iter().zip(&plus) {
            assert_eq!(da, db);
            assert!((b - a - 100.0).abs() < 1e-3, "{a} + 100 != {b}");
        }
    }
}
