//! `Intl.DateTimeFormat` on ICU4X's datetime formatter: the options bag (styles or components)
//! mapped to a field set, time zones by the IANA database (chrono-tz), UTC by default as in
//! workerd.

use super::{Opts, Parts, range_error, type_error};
use chrono::{Offset, TimeZone as _};
use icu::datetime::fieldsets::builder::{DateFields, FieldSetBuilder, ZoneStyle};
use icu::datetime::fieldsets::enums::CompositeFieldSet;
use icu::datetime::options::{Alignment, Length, SubsecondDigits, TimePrecision, YearStyle};
use icu::datetime::{DateTimeFormatter, DateTimeFormatterPreferences};
use icu::locale::Locale;
use icu::locale::preferences::extensions::unicode::keywords::HourCycle;
use icu::time::zone::{TimeZone, UtcOffset};
use icu::time::{DateTime, ZonedDateTime};
use serde_json::{Map, Value, json};
use writeable::Writeable;

/// Which fields a format without any asks for (`toLocaleDateString`, `toLocaleTimeString`,
/// `toLocaleString`; `DateTimeFormat` itself defaults to the date).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Defaults {
    Date,
    Time,
    All,
}

impl Defaults {
    pub fn parse(s: &str) -> Defaults {
        match s {
            "time" => Defaults::Time,
            "all" => Defaults::All,
            _ => Defaults::Date,
        }
    }
}

#[derive(Clone)]
enum Zone {
    Fixed(i32),
    Named(chrono_tz::Tz, TimeZone),
}

pub struct DateTimeFormat {
    formatter: DateTimeFormatter<CompositeFieldSet>,
    zone: Zone,
    resolved: Value,
}

const COMPONENTS: [&str; 10] = [
    "weekday",
    "era",
    "year",
    "month",
    "day",
    "hour",
    "minute",
    "second",
    "fractionalSecondDigits",
    "timeZoneName",
];

fn parse_zone(name: &str) -> Result<(Zone, String), String> {
    let upper = name.to_ascii_uppercase();
    if matches!(upper.as_str(), "UTC" | "ETC/UTC" | "GMT" | "ETC/GMT" | "Z") {
        let tz = TimeZone::from_iana_id("Etc/UTC");
        return Ok((Zone::Named(chrono_tz::Tz::UTC, tz), "UTC".into()));
    }
    // `+05:30`, `-08`: an offset time zone.
    if let Some(sign) = name.chars().next().filter(|c| *c == '+' || *c == '-') {
        let digits: String = name[1..].chars().filter(|c| *c != ':').collect();
        let (h, m) = match digits.len() {
            2 => (digits.parse::<i32>().ok(), Some(0)),
            4 => (digits[..2].parse().ok(), digits[2..].parse().ok()),
            _ => (None, None),
        };
        if let (Some(h), Some(m)) = (h, m)
            && h < 24
            && m < 60
        {
            let secs = (h * 3600 + m * 60) * if sign == '-' { -1 } else { 1 };
            return Ok((Zone::Fixed(secs), format!("{sign}{h:02}:{m:02}")));
        }
    }
    let tz = chrono_tz::Tz::from_str_insensitive(name)
        .map_err(|_| range_error(&format!("Invalid time zone specified: {name}")))?;
    let canonical = tz.name().to_string();
    Ok((
        Zone::Named(tz, TimeZone::from_iana_id(&canonical)),
        canonical,
    ))
}

/// ECMA-402's option names → the field set and preferences ICU4X formats with.
pub fn new(locale: &Locale, o: &Opts, defaults: Defaults) -> Result<DateTimeFormat, String> {
    let mut resolved = Map::new();
    let mut prefs = DateTimeFormatterPreferences::from(locale);
    let hour12 = o.bool("hour12");
    let cycle = o.choice("hourCycle", &["h11", "h12", "h23", "h24"])?;
    match (hour12, cycle.as_deref()) {
        (Some(true), _) | (None, Some("h12")) => prefs.hour_cycle = Some(HourCycle::H12),
        (None, Some("h11")) => prefs.hour_cycle = Some(HourCycle::H11),
        (Some(false), _) | (None, Some("h23" | "h24")) => prefs.hour_cycle = Some(HourCycle::H23),
        _ => {}
    }
    let zone_name = o.string("timeZone").unwrap_or_else(|| "UTC".into());
    let (zone, zone_id) = parse_zone(&zone_name)?;
    let date_style = o.choice("dateStyle", &["full", "long", "medium", "short"])?;
    let time_style = o.choice("timeStyle", &["full", "long", "medium", "short"])?;
    let mut b = FieldSetBuilder::new();
    if date_style.is_some() || time_style.is_some() {
        if let Some(c) = COMPONENTS.iter().find(|c| o.has(c)) {
            return Err(type_error(&format!(
                "Can't set option {c} when {} is used",
                if date_style.is_some() {
                    "dateStyle"
                } else {
                    "timeStyle"
                }
            )));
        }
        if let Some(d) = &date_style {
            let (fields, len) = match d.as_str() {
                "full" => (DateFields::YMDE, Length::Long),
                "long" => (DateFields::YMD, Length::Long),
                "medium" => (DateFields::YMD, Length::Medium),
                _ => (DateFields::YMD, Length::Short),
            };
            b.date_fields = Some(fields);
            b.length = Some(len);
            resolved.insert("dateStyle".into(), json!(d));
        }
        if let Some(t) = &time_style {
            b.time_precision = Some(if t == "short" {
                TimePrecision::Minute
            } else {
                TimePrecision::Second
            });
            match t.as_str() {
                "full" => b.zone_style = Some(ZoneStyle::SpecificLong),
                "long" => b.zone_style = Some(ZoneStyle::SpecificShort),
                _ => {}
            }
            if b.length.is_none() {
                b.length = Some(Length::Short);
            }
            resolved.insert("timeStyle".into(), json!(t));
        }
    } else {
        let mut comp = |name: &str, allowed: &[&str]| -> Result<Option<String>, String> {
            let v = o.choice(name, allowed)?;
            if let Some(v) = &v {
                resolved.insert(name.into(), json!(v));
            }
            Ok(v)
        };
        let weekday = comp("weekday", &["long", "short", "narrow"])?;
        let era = comp("era", &["long", "short", "narrow"])?;
        let mut year = comp("year", &["numeric", "2-digit"])?;
        let mut month = comp("month", &["numeric", "2-digit", "long", "short", "narrow"])?;
        let mut day = comp("day", &["numeric", "2-digit"])?;
        let mut hour = comp("hour", &["numeric", "2-digit"])?;
        let mut minute = comp("minute", &["numeric", "2-digit"])?;
        let mut second = comp("second", &["numeric", "2-digit"])?;
        let fractional = o.number("fractionalSecondDigits");
        let zone_style = comp(
            "timeZoneName",
            &[
                "short",
                "long",
                "shortOffset",
                "longOffset",
                "shortGeneric",
                "longGeneric",
            ],
        )?;
        let any_date = weekday.is_some() || year.is_some() || month.is_some() || day.is_some();
        let any_time =
            hour.is_some() || minute.is_some() || second.is_some() || fractional.is_some();
        if !any_date && !any_time {
            let numeric = || Some("numeric".to_string());
            if matches!(defaults, Defaults::Date | Defaults::All) {
                (year, month, day) = (numeric(), numeric(), numeric());
                for k in ["year", "month", "day"] {
                    resolved.insert(k.into(), json!("numeric"));
                }
            }
            if matches!(defaults, Defaults::Time | Defaults::All) {
                (hour, minute, second) = (numeric(), numeric(), numeric());
                for k in ["hour", "minute", "second"] {
                    resolved.insert(k.into(), json!("numeric"));
                }
            }
        }
        let fields = match (
            year.is_some(),
            month.is_some(),
            day.is_some(),
            weekday.is_some(),
        ) {
            (false, false, false, false) => None,
            (true, true, true, true) | (true, false, true, true) => Some(DateFields::YMDE),
            (true, true, true, false) | (true, false, true, false) => Some(DateFields::YMD),
            (false, true, true, true) => Some(DateFields::MDE),
            (false, true, true, false) => Some(DateFields::MD),
            (false, false, true, true) => Some(DateFields::DE),
            (false, false, true, false) => Some(DateFields::D),
            (true, true, false, _) => Some(DateFields::YM),
            (false, true, false, _) => Some(DateFields::M),
            (true, false, false, _) => Some(DateFields::Y),
            (false, false, false, true) => Some(DateFields::E),
        };
        // A year and month (or either alone) with a time: ICU4X formats those with a day.
        let fields = match fields {
            Some(DateFields::YM | DateFields::M | DateFields::Y) if hour.is_some() => {
                Some(DateFields::YMD)
            }
            f => f,
        };
        b.date_fields = fields;
        b.length = Some(match (month.as_deref(), weekday.as_deref()) {
            (Some("long"), _) => Length::Long,
            (Some("short"), _) => Length::Medium,
            (Some(_), _) => Length::Short,
            (None, Some("long")) => Length::Long,
            (None, Some("short")) => Length::Medium,
            _ => Length::Short,
        });
        // "2-digit" months and days (and hours) are padded, as a column would be.
        if [&month, &day, &hour]
            .iter()
            .any(|v| v.as_deref() == Some("2-digit"))
        {
            b.alignment = Some(Alignment::Column);
        }
        if year.as_deref() == Some("numeric") {
            b.year_style = Some(YearStyle::Full);
        }
        if era.is_some() && year.is_some() {
            b.year_style = Some(YearStyle::WithEra);
        }
        b.time_precision = if let Some(n) = fractional {
            let digits = match n as u8 {
                1 => SubsecondDigits::S1,
                2 => SubsecondDigits::S2,
                3 => SubsecondDigits::S3,
                _ => return Err(range_error("fractionalSecondDigits must be 1, 2 or 3")),
            };
            resolved.insert("fractionalSecondDigits".into(), json!(n));
            Some(TimePrecision::Subsecond(digits))
        } else if second.is_some() {
            Some(TimePrecision::Second)
        } else if minute.is_some() {
            Some(TimePrecision::Minute)
        } else if hour.is_some() {
            Some(TimePrecision::Hour)
        } else {
            None
        };
        b.zone_style = zone_style.as_deref().map(|z| match z {
            "long" => ZoneStyle::SpecificLong,
            "shortOffset" => ZoneStyle::LocalizedOffsetShort,
            "longOffset" => ZoneStyle::LocalizedOffsetLong,
            "shortGeneric" => ZoneStyle::GenericShort,
            "longGeneric" => ZoneStyle::GenericLong,
            _ => ZoneStyle::SpecificShort,
        });
    }
    let has_time = b.time_precision.is_some();
    let fieldset = b.build_composite().map_err(|e| {
        range_error(&format!(
            "unsupported combination of date-time options ({e:?})"
        ))
    })?;
    let formatter = DateTimeFormatter::try_new(prefs, fieldset)
        .map_err(|e| range_error(&format!("no date-time format for {locale}: {e}")))?;
    resolved.insert("locale".into(), json!(locale.to_string()));
    resolved.insert("calendar".into(), json!("gregory"));
    resolved.insert("numberingSystem".into(), json!("latn"));
    resolved.insert("timeZone".into(), json!(zone_id));
    if has_time {
        let h12 = match prefs.hour_cycle {
            Some(HourCycle::H12 | HourCycle::H11) => true,
            Some(_) => false,
            None => super::prefers_12_hours(locale),
        };
        resolved.insert("hourCycle".into(), json!(if h12 { "h12" } else { "h23" }));
        resolved.insert("hour12".into(), json!(h12));
    }
    Ok(DateTimeFormat {
        formatter,
        zone,
        resolved: Value::Object(resolved),
    })
}

impl DateTimeFormat {
    pub fn resolved(&self) -> &Value {
        &self.resolved
    }

    fn zoned(
        &self,
        epoch_ms: f64,
    ) -> Result<
        ZonedDateTime<icu::calendar::Iso, icu::time::TimeZoneInfo<icu::time::zone::models::AtTime>>,
        String,
    > {
        if !epoch_ms.is_finite() || epoch_ms.abs() > 8.64e15 {
            return Err(range_error("Invalid time value"));
        }
        let ms = epoch_ms.trunc() as i64;
        let (offset_secs, tz) = match &self.zone {
            Zone::Fixed(s) => (*s, TimeZone::UNKNOWN),
            Zone::Named(tz, id) => {
                let utc = chrono::DateTime::from_timestamp_millis(ms)
                    .ok_or_else(|| range_error("Invalid time value"))?
                    .naive_utc();
                (
                    tz.offset_from_utc_datetime(&utc).fix().local_minus_utc(),
                    *id,
                )
            }
        };
        let offset = UtcOffset::try_from_seconds(offset_secs)
            .map_err(|_| range_error("time zone offset out of range"))?;
        let local = ZonedDateTime::from_epoch_milliseconds_and_utc_offset(ms, offset);
        let zone = tz.with_offset(Some(offset)).at_date_time(DateTime {
            date: local.date,
            time: local.time,
        });
        Ok(ZonedDateTime {
            date: local.date,
            time: local.time,
            zone,
        })
    }

    pub fn format(&self, epoch_ms: f64) -> Result<String, String> {
        let z = self.zoned(epoch_ms)?;
        Ok(v8_spaces(&self.formatter.format(&z).write_to_string()))
    }

    pub fn format_to_parts(&self, epoch_ms: f64) -> Result<Vec<(String, String)>, String> {
        let z = self.zoned(epoch_ms)?;
        let mut parts = Parts::default();
        self.formatter
            .format(&z)
            .write_to_parts(&mut parts)
            .map_err(|_| range_error("formatting failed"))?;
        Ok(parts
            .done()
            .into_iter()
            .map(|(t, v)| (t, v8_spaces(&v)))
            .collect())
    }
}

/// CLDR puts a narrow no-break space before "AM"/"PM" (and in some times); V8, and so
/// workerd, print a plain space there, and code written for Workers matches on it.
fn v8_spaces(s: &str) -> String {
    s.replace('\u{202f}', " ")
}
