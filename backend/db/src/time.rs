//! Times are stored as UTC timestamps without zone; the domain holds `DateTime<Utc>`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::sql_types::{Nullable, Timestamp};
use diesel::sqlite::Sqlite;

use crate::MultiBackend;

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

/// A stored time, read back: on SQLite the text in the form diesel writes it
/// (`YYYY-MM-DD HH:MM:SS` and 0 to 9 fraction digits) is taken apart by hand, and anything
/// else is read as diesel reads it. diesel tries chrono's parser with one format after another,
/// which walks each format string again for every value: a twentieth of a page of scenarios.
/// Use it as a row's `deserialize_as` for a `NaiveDateTime` field.
#[derive(Debug, Clone, Copy, diesel::deserialize::FromSqlRow)]
pub struct Stamp(NaiveDateTime);

/// [`Stamp`] for a nullable column.
#[derive(Debug, Clone, Copy, diesel::deserialize::FromSqlRow)]
pub struct OptStamp(Option<NaiveDateTime>);

impl From<Stamp> for NaiveDateTime {
    fn from(s: Stamp) -> Self {
        s.0
    }
}

impl From<OptStamp> for Option<NaiveDateTime> {
    fn from(s: OptStamp) -> Self {
        s.0
    }
}

/// `YYYY-MM-DD HH:MM:SS[.f{1,9}]`, nothing else.
fn parse_sqlite_text(s: &[u8]) -> Option<NaiveDateTime> {
    if s.len() < 19
        || s[4] != b'-'
        || s[7] != b'-'
        || s[10] != b' '
        || s[13] != b':'
        || s[16] != b':'
    {
        return None;
    }
    let num = |d: &[u8]| {
        d.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let nanos = match &s[19..] {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            num(digits)? * 10u32.pow(9 - digits.len() as u32)
        }
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(num(&s[0..4])? as i32, num(&s[5..7])?, num(&s[8..10])?)?;
    let time =
        NaiveTime::from_hms_nano_opt(num(&s[11..13])?, num(&s[14..16])?, num(&s[17..19])?, nanos)?;
    Some(date.and_time(time))
}

impl FromSql<Timestamp, Sqlite> for Stamp {
    fn from_sql(
        mut value: <Sqlite as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        if let Some(t) = parse_sqlite_text(value.read_text().as_bytes()) {
            return Ok(Stamp(t));
        }
        <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(Stamp)
    }
}

impl FromSql<Timestamp, Pg> for Stamp {
    fn from_sql(
        value: <Pg as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(Stamp)
    }
}

impl FromSql<Timestamp, MultiBackend> for Stamp {
    fn from_sql(
        value: <MultiBackend as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        value.from_sql::<Self, Timestamp>()
    }
}

/// The nullable reading for each backend: none for NULL, else as [`Stamp`].
macro_rules! opt_stamp_from_sql {
    ($($db:ty),*) => {$(
        impl FromSql<Nullable<Timestamp>, $db> for OptStamp {
            fn from_sql(
                value: <$db as diesel::backend::Backend>::RawValue<'_>,
            ) -> deserialize::Result<Self> {
                <Stamp as FromSql<Timestamp, $db>>::from_sql(value).map(|s| OptStamp(Some(s.0)))
            }

            fn from_nullable_sql(
                value: Option<<$db as diesel::backend::Backend>::RawValue<'_>>,
            ) -> deserialize::Result<Self> {
                match value {
                    Some(v) => <Self as FromSql<Nullable<Timestamp>, $db>>::from_sql(v),
                    None => Ok(OptStamp(None)),
                }
            }
        }
    )*};
}
opt_stamp_from_sql!(Sqlite, Pg, MultiBackend);

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

    /// Every text diesel writes reads back as the same time; other forms are left to diesel.
    #[test]
    fn stored_text_is_read_back_exactly() {
        let base = Utc.with_ymd_and_hms(2026, 12, 6, 3, 4, 5).unwrap();
        for nanos in [0, 26_000_000, 26_490_000, 123_456_789, 1, 999_999_999] {
            let t = to_db(base + chrono::Duration::nanoseconds(nanos));
            let text = t.format("%F %T%.f").to_string();
            assert_eq!(parse_sqlite_text(text.as_bytes()), Some(t), "{text}");
        }
        assert_eq!(
            parse_sqlite_text(b"2026-12-06 03:04:05.5"),
            Some(to_db(base + chrono::Duration::milliseconds(500)))
        );
        for other in [
            "2026-12-06T03:04:05",
            "2026-12-06 03:04",
            "2026-12-06 03:04:05Z",
            "2026-12-06 03:04:05+08:00",
            "2026-12-06 03:04:05.",
            "2026-12-06 03:04:05.1234567890",
            "2026-13-06 03:04:05",
            "2026-12-06 24:04:05",
            "2026-1x-06 03:04:05",
            "2461380.5",
            "",
        ] {
            assert_eq!(parse_sqlite_text(other.as_bytes()), None, "{other}");
        }
    }
}
