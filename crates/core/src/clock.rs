//! Timestamps and calendar dates.
//!
//! The core never reads a clock: callers pass `now` in, so the same code runs
//! natively and in wasm (where `SystemTime::now` panics) and tests are exact.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// A moment in UTC with millisecond precision, written as RFC 3339 (`2026-11-23T15:56:45.123Z`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

impl Timestamp {
    /// Milliseconds since 1970-01-01T00:00:00Z, as `Date.now()` gives them.
    pub const fn from_millis(ms: i64) -> Self {
        Timestamp(ms)
    }

    pub const fn millis(self) -> i64 {
        self.0
    }

    /// Parses RFC 3339 (any offset; converted to UTC).
    pub fn parse(text: &str) -> Result<Self, String> {
        let parsed =
            OffsetDateTime::parse(text, &Rfc3339).map_err(|e| format!("'{text}' is not an RFC 3339 timestamp: {e}"))?;
        let ms = parsed.unix_timestamp_nanos() / 1_000_000;
        i64::try_from(ms).map(Timestamp).map_err(|_| format!("'{text}' is out of range"))
    }

    fn to_datetime(self) -> Option<OffsetDateTime> {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000)
            .ok()
            .map(|t| t.to_offset(UtcOffset::UTC))
    }

    /// The calendar day (UTC) this moment falls on.
    pub fn date(self) -> Option<Date> {
        self.to_datetime().map(|t| Date(t.date()))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
        match self.to_datetime().and_then(|t| t.format(&format).ok()) {
            Some(text) => f.write_str(&text),
            None => write!(f, "@{}ms", self.0),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A calendar date without time or zone, written `YYYY-MM-DD` (what `<input type=date>` uses).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(time::Date);

impl Date {
    pub fn parse(text: &str) -> Result<Self, String> {
        let format = format_description!("[year]-[month]-[day]");
        time::Date::parse(text.trim(), &format)
            .map(Date)
            .map_err(|_| format!("'{text}' is not a date in the form YYYY-MM-DD"))
    }

    pub fn from_ymd(year: i32, month: u8, day: u8) -> Option<Self> {
        let month = time::Month::try_from(month).ok()?;
        time::Date::from_calendar_date(year, month, day).ok().map(Date)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let format = format_description!("[year]-[month]-[day]");
        match self.0.format(&format) {
            Ok(text) => f.write_str(&text),
            Err(_) => write!(f, "{:?}", self.0),
        }
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Date::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_round_trips_through_rfc3339() {
        let t = Timestamp::from_millis(1_795_449_405_123);
        let text = t.to_string();
        assert_eq!(text, "2026-11-23T15:56:45.123Z");
        assert_eq!(Timestamp::parse(&text), Ok(t));
    }

    #[test]
    fn timestamp_with_offset_is_normalised_to_utc() {
        let t = Timestamp::parse("2026-11-23T16:56:45.123+01:00").unwrap();
        assert_eq!(t.to_string(), "2026-11-23T15:56:45.123Z");
    }

    #[test]
    fn bad_timestamp_is_an_error_not_a_panic() {
        assert!(Timestamp::parse("yesterday").is_err());
        assert!(serde_json::from_str::<Timestamp>("\"2026-13-01T00:00:00Z\"").is_err());
    }

    #[test]
    fn date_parses_and_prints_iso() {
        let d = Date::parse("2017-02-28").unwrap();
        assert_eq!(d.to_string(), "2017-02-28");
        assert!(Date::parse("2017-02-30").is_err());
        assert!(Date::parse("28/02/2017").is_err());
        assert_eq!(Date::from_ymd(2017, 2, 28), Some(d));
    }

    #[test]
    fn timestamp_gives_its_utc_date() {
        let t = Timestamp::parse("2026-11-23T23:59:59.999Z").unwrap();
        assert_eq!(t.date().unwrap().to_string(), "2026-11-23");
    }
}
