//! Milliseconds since the Unix epoch, and their ISO-8601 (UTC) form.
//!
//! The engine never reads the wall clock itself; timestamps come from an injected clock.

use serde::{Deserialize, Serialize};

/// Milliseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub u64);

impl Timestamp {
    pub const fn millis(self) -> u64 {
        self.0
    }

    /// As a signed 64-bit column stores it: times past `i64::MAX` ms (far beyond any date)
    /// saturate instead of wrapping to negative.
    pub const fn to_i64(self) -> i64 {
        if self.0 > i64::MAX as u64 {
            i64::MAX
        } else {
            self.0 as i64
        }
    }

    /// `self + ms`, saturating.
    pub fn plus_ms(self, ms: u64) -> Timestamp {
        Timestamp(self.0.saturating_add(ms))
    }

    /// `self - earlier` in milliseconds, 0 if `earlier` is later.
    pub fn since(self, earlier: Timestamp) -> u64 {
        self.0.saturating_sub(earlier.0)
    }

    /// ISO-8601 in UTC with milliseconds, e.g. `2026-11-22T02:44:42.123Z`.
    pub fn to_iso(self) -> String {
        let ms = self.0 % 1000;
        let secs = self.0 / 1000;
        let days = (secs / 86_400) as i64;
        let rem = secs % 86_400;
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
            rem / 3600,
            (rem % 3600) / 60,
            rem % 60
        )
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fff]Z` (also without the `Z`, or a date alone).
    pub fn parse_iso(s: &str) -> Option<Timestamp> {
        let s = s.strip_suffix('Z').unwrap_or(s);
        let (date, time) = match s.split_once('T') {
            Some((d, t)) => (d, Some(t)),
            None => (s, None),
        };
        let mut dp = date.split('-');
        let y: i64 = dp.next()?.parse().ok()?;
        let m: u32 = dp.next()?.parse().ok()?;
        let d: u32 = dp.next()?.parse().ok()?;
        if dp.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) || y < 1970 {
            return None;
        }
        let mut ms_of_day = 0u64;
        if let Some(t) = time {
            let (hms, frac) = match t.split_once('.') {
                Some((a, b)) => (a, Some(b)),
                None => (t, None),
            };
            let mut tp = hms.split(':');
            let h: u64 = tp.next()?.parse().ok()?;
            let mi: u64 = tp.next()?.parse().ok()?;
            let se: u64 = tp.next().unwrap_or("0").parse().ok()?;
            if tp.next().is_some() || h > 23 || mi > 59 || se > 60 {
                return None;
            }
            let mut frac_ms = 0u64;
            if let Some(f) = frac {
                if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                let digits: String = f.chars().chain("000".chars()).take(3).collect();
                frac_ms = digits.parse().ok()?;
            }
            ms_of_day = ((h * 60 + mi) * 60 + se) * 1000 + frac_ms;
        }
        let days = days_from_civil(y, m, d);
        Some(Timestamp(days as u64 * 86_400_000 + ms_of_day))
    }

    /// Parses an HTTP date (RFC 9110's IMF-fixdate: `Tue, 14 Nov 2023 22:13:20 GMT`).
    pub fn parse_http_date(s: &str) -> Option<Timestamp> {
        let rest = s.trim().split_once(", ")?.1;
        let mut p = rest.split(' ');
        let d: u32 = p.next()?.parse().ok()?;
        let months = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let mon = p.next()?;
        let m = months.iter().position(|x| *x == mon)? as u32 + 1;
        let y = p.next()?;
        let time = p.next()?;
        if p.next() != Some("GMT") || p.next().is_some() {
            return None;
        }
        Timestamp::parse_iso(&format!("{y}-{m:02}-{d:02}T{time}Z"))
    }
}

// Howard Hinnant's civil-date algorithms.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates() {
        assert_eq!(
            Timestamp::parse_http_date("Tue, 14 Nov 2023 22:13:20 GMT"),
            Some(Timestamp(1_700_000_000_000))
        );
        assert_eq!(Timestamp::parse_http_date("14 Nov 2023 22:13:20"), None);
        assert_eq!(
            Timestamp::parse_http_date("Tue, 14 Foo 2023 22:13:20 GMT"),
            None
        );
        assert_eq!(
            Timestamp::parse_http_date("Tue, 14 Nov 2023 22:13:20 UTC"),
            None
        );
    }

    #[test]
    fn iso_round_trip() {
        for (ms, iso) in [
            (0, "1970-01-01T00:00:00.000Z"),
            (1_700_000_000_123, "2023-11-14T22:13:20.123Z"),
            (951_782_400_000, "2000-02-29T00:00:00.000Z"),
        ] {
            assert_eq!(Timestamp(ms).to_iso(), iso);
            assert_eq!(Timestamp::parse_iso(iso), Some(Timestamp(ms)));
        }
        assert_eq!(
            Timestamp::parse_iso("2023-11-14"),
            Some(Timestamp(1_699_920_000_000))
        );
        assert_eq!(Timestamp::parse_iso("2023-13-14"), None);
        assert_eq!(Timestamp::parse_iso("yesterday"), None);
    }
}

/// Serde helpers: a [`Timestamp`] as an ISO-8601 string.
pub mod iso {
    use super::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_iso())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let s = String::deserialize(d)?;
        Timestamp::parse_iso(&s).ok_or_else(|| serde::de::Error::custom("invalid ISO-8601 time"))
    }
}

/// Serde helpers: an `Option<Timestamp>` as an ISO-8601 string or `null`.
pub mod iso_opt {
    use super::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&t.to_iso()),
            None => s.serialize_none(),
        }
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(s) => Timestamp::parse_iso(&s)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom("invalid ISO-8601 time")),
        }
    }
}
