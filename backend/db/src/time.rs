//! Times are stored as UTC timestamps without zone; the domain holds `DateTime<Utc>`.

use chrono::{DateTime, NaiveDateTime, Utc};

pub fn to_db(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc()
}

pub fn from_db(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

pub fn opt_from_db(t: Option<NaiveDateTime>) -> Option<DateTime<Utc>> {
    t.map(from_db)
}

/// A time written into many rows at once (one notice's notifications, their e-mail jobs):
/// its SQLite text is formatted once, not once per row, in the same form diesel writes.
#[derive(Debug, diesel::expression::AsExpression)]
#[diesel(sql_type = diesel::sql_types::Timestamp)]
pub struct BulkTime {
    naive: NaiveDateTime,
    text: String,
}

impl BulkTime {
    pub fn new(t: DateTime<Utc>) -> Self {
        let naive = to_db(t);
        Self {
            naive,
            text: naive.format("%F %T%.f").to_string(),
        }
    }
}

impl diesel::serialize::ToSql<diesel::sql_types::Timestamp, diesel::sqlite::Sqlite> for BulkTime {
    fn to_sql<'b>(
        &'b self,
        out: &mut diesel::serialize::Output<'b, '_, diesel::sqlite::Sqlite>,
    ) -> diesel::serialize::Result {
        out.set_value(self.text.as_str());
        Ok(diesel::serialize::IsNull::No)
    }
}

impl diesel::serialize::ToSql<diesel::sql_types::Timestamp, diesel::pg::Pg> for BulkTime {
    fn to_sql<'b>(
        &'b self,
        out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
    ) -> diesel::serialize::Result {
        diesel::serialize::ToSql::<diesel::sql_types::Timestamp, diesel::pg::Pg>::to_sql(
            &self.naive,
            out,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// The text is what diesel itself writes for a `NaiveDateTime` ("%F %T%.f": no fraction
    /// for whole seconds, then 3, 6 or 9 digits), so rows written either way read and sort
    /// alike.
    #[test]
    fn bulk_time_is_written_as_diesel_writes_it() {
        let at = |nanos| {
            BulkTime::new(
                Utc.with_ymd_and_hms(2026, 12, 6, 3, 4, 5).unwrap()
                    + chrono::Duration::nanoseconds(nanos),
            )
        };
        assert_eq!(at(0).text, "2026-12-06 03:04:05");
        assert_eq!(at(26_000_000).text, "2026-12-06 03:04:05.026");
        assert_eq!(at(26_490_000).text, "2026-12-06 03:04:05.026490");
        assert_eq!(at(123_456_789).text, "2026-12-06 03:04:05.123456789");
        assert_eq!(at(5).naive, to_db(at(5).naive.and_utc()));
    }
}
