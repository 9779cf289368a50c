//! `Intl.Collator`, `Intl.ListFormat`, `Intl.RelativeTimeFormat` and `Intl.Segmenter` on
//! ICU4X's collator, list formatter, relative-time formatter (icu_experimental) and segmenters.

use super::number::decimal;
use super::{Opts, range_error};
use icu::collator::options::{CaseLevel, CollatorOptions, Strength};
use icu::collator::preferences::{CollationCaseFirst, CollationNumericOrdering};
use icu::collator::{Collator, CollatorBorrowed, CollatorPreferences};
use icu::list::ListFormatter;
use icu::list::options::{ListFormatterOptions, ListLength};
use icu::locale::Locale;
use icu_experimental::relativetime::options::Numeric;
use icu_experimental::relativetime::{RelativeTimeFormatter, RelativeTimeFormatterOptions};
use serde_json::{Value, json};
use std::collections::HashMap;
use writeable::Writeable;

pub struct Collation {
    collator: CollatorBorrowed<'static>,
    resolved: Value,
}

pub fn collator(locale: &Locale, o: &Opts) -> Result<Collation, String> {
    let usage = o
        .choice("usage", &["sort", "search"])?
        .unwrap_or_else(|| "sort".into());
    let sensitivity = o
        .choice("sensitivity", &["base", "accent", "case", "variant"])?
        .unwrap_or_else(|| "variant".into());
    let mut options = CollatorOptions::default();
    match sensitivity.as_str() {
        "base" => options.strength = Some(Strength::Primary),
        "accent" => options.strength = Some(Strength::Secondary),
        "case" => {
            options.strength = Some(Strength::Primary);
            options.case_level = Some(CaseLevel::On);
        }
        _ => options.strength = Some(Strength::Tertiary),
    }
    if o.bool("ignorePunctuation") == Some(true) {
        options.alternate_handling = Some(icu::collator::options::AlternateHandling::Shifted);
    }
    let mut prefs = CollatorPreferences::from(locale);
    let numeric = o.bool("numeric").unwrap_or(false);
    if numeric {
        prefs.numeric_ordering = Some(CollationNumericOrdering::True);
    }
    let case_first = o.choice("caseFirst", &["upper", "lower", "false"])?;
    match case_first.as_deref() {
        Some("upper") => prefs.case_first = Some(CollationCaseFirst::Upper),
        Some("lower") => prefs.case_first = Some(CollationCaseFirst::Lower),
        _ => {}
    }
    let collator = Collator::try_new(prefs, options)
        .map_err(|e| range_error(&format!("no collation for {locale}: {e}")))?;
    Ok(Collation {
        collator,
        resolved: json!({
            "locale": locale.to_string(), "usage": usage, "sensitivity": sensitivity,
            "ignorePunctuation": o.bool("ignorePunctuation").unwrap_or(false),
            "collation": "default", "numeric": numeric,
            "caseFirst": case_first.unwrap_or_else(|| "false".into()),
        }),
    })
}

impl Collation {
    pub fn resolved(&self) -> &Value {
        &self.resolved
    }

    pub fn compare(&self, a: &str, b: &str) -> i32 {
        self.collator.compare(a, b) as i32
    }
}

pub struct List {
    formatter: ListFormatter,
    resolved: Value,
}

pub fn list(locale: &Locale, o: &Opts) -> Result<List, String> {
    let kind = o
        .choice("type", &["conjunction", "disjunction", "unit"])?
        .unwrap_or_else(|| "conjunction".into());
    let style = o
        .choice("style", &["long", "short", "narrow"])?
        .unwrap_or_else(|| "long".into());
    let length = match style.as_str() {
        "short" => ListLength::Short,
        "narrow" => ListLength::Narrow,
        _ => ListLength::Wide,
    };
    let options = ListFormatterOptions::default().with_length(length);
    let prefs = locale.into();
    let formatter = match kind.as_str() {
        "disjunction" => ListFormatter::try_new_or(prefs, options),
        "unit" => ListFormatter::try_new_unit(prefs, options),
        _ => ListFormatter::try_new_and(prefs, options),
    }
    .map_err(|e| range_error(&format!("no list format for {locale}: {e}")))?;
    Ok(List {
        formatter,
        resolved: json!({"locale": locale.to_string(), "type": kind, "style": style}),
    })
}

impl List {
    pub fn resolved(&self) -> &Value {
        &self.resolved
    }

    pub fn format(&self, items: &[String]) -> String {
        self.formatter
            .format_to_string(items.iter().map(String::as_str))
    }
}

/// Relative times: one ICU4X formatter per unit, made when first used.
pub struct Relative {
    locale: Locale,
    style: String,
    numeric: Numeric,
    units: HashMap<&'static str, RelativeTimeFormatter>,
    resolved: Value,
}

pub fn relative(locale: &Locale, o: &Opts) -> Result<Relative, String> {
    let style = o
        .choice("style", &["long", "short", "narrow"])?
        .unwrap_or_else(|| "long".into());
    let numeric = o
        .choice("numeric", &["always", "auto"])?
        .unwrap_or_else(|| "always".into());
    Ok(Relative {
        locale: locale.clone(),
        numeric: if numeric == "auto" {
            Numeric::Auto
        } else {
            Numeric::Always
        },
        resolved: json!({"locale": locale.to_string(), "style": style, "numeric": numeric, "numberingSystem": "latn"}),
        style,
        units: HashMap::new(),
    })
}

fn unit_of(unit: &str) -> Option<&'static str> {
    Some(match unit.strip_suffix('s').unwrap_or(unit) {
        "second" => "second",
        "minute" => "minute",
        "hour" => "hour",
        "day" => "day",
        "week" => "week",
        "month" => "month",
        "quarter" => "quarter",
        "year" => "year",
        _ => return None,
    })
}

impl Relative {
    pub fn resolved(&self) -> &Value {
        &self.resolved
    }

    pub fn format(&mut self, value: f64, unit: &str) -> Result<String, String> {
        let unit = unit_of(unit)
            .ok_or_else(|| range_error(&format!("Invalid unit argument for format() '{unit}'")))?;
        if !value.is_finite() {
            return Err(range_error("Invalid number value"));
        }
        if !self.units.contains_key(unit) {
            let mut options = RelativeTimeFormatterOptions::default();
            options.numeric = Some(self.numeric);
            let prefs = (&self.locale).into();
            macro_rules! pick {
                ($($s:literal, $u:literal => $f:ident),* $(,)?) => {
                    match (self.style.as_str(), unit) {
                        $(($s, $u) => RelativeTimeFormatter::$f(prefs, options),)*
                        _ => return Err(range_error("unknown unit")),
                    }
                };
            }
            let f = pick!(
                "long", "second" => try_new_long_second, "long", "minute" => try_new_long_minute,
                "long", "hour" => try_new_long_hour, "long", "day" => try_new_long_day,
                "long", "week" => try_new_long_week, "long", "month" => try_new_long_month,
                "long", "quarter" => try_new_long_quarter, "long", "year" => try_new_long_year,
                "short", "second" => try_new_short_second, "short", "minute" => try_new_short_minute,
                "short", "hour" => try_new_short_hour, "short", "day" => try_new_short_day,
                "short", "week" => try_new_short_week, "short", "month" => try_new_short_month,
                "short", "quarter" => try_new_short_quarter, "short", "year" => try_new_short_year,
                "narrow", "second" => try_new_narrow_second, "narrow", "minute" => try_new_narrow_minute,
                "narrow", "hour" => try_new_narrow_hour, "narrow", "day" => try_new_narrow_day,
                "narrow", "week" => try_new_narrow_week, "narrow", "month" => try_new_narrow_month,
                "narrow", "quarter" => try_new_narrow_quarter, "narrow", "year" => try_new_narrow_year,
            )
            .map_err(|e| range_error(&format!("no relative time format for {}: {e}", self.locale)))?;
            self.units.insert(unit, f);
        }
        let f = &self.units[unit];
        let mut d = decimal(value)?;
        // Like the reference: at most three fraction digits.
        d.round(-3);
        d.absolute.trim_end();
        Ok(f.format(d).write_to_string().into_owned())
    }
}

/// Segments of `text` as `[start, end, isWordLike]` in UTF-16 code units.
pub fn segment(granularity: &str, text: &str) -> Result<Vec<(usize, usize, bool)>, String> {
    use icu::segmenter::options::{SentenceBreakInvariantOptions, WordBreakInvariantOptions};
    use icu::segmenter::{GraphemeClusterSegmenter, SentenceSegmenter, WordSegmenter};
    // Byte offsets → UTF-16 offsets.
    let mut utf16_at = Vec::with_capacity(text.len() + 1);
    let mut n = 0usize;
    for (i, c) in text.char_indices() {
        while utf16_at.len() < i {
            utf16_at.push(n);
        }
        utf16_at.push(n);
        n += c.len_utf16();
    }
    while utf16_at.len() <= text.len() {
        utf16_at.push(n);
    }
    let mut out = Vec::new();
    let mut push = |a: usize, b: usize, word: bool| {
        if b > a {
            out.push((utf16_at[a], utf16_at[b], word));
        }
    };
    match granularity {
        "word" => {
            let mut it =
                WordSegmenter::new_auto(WordBreakInvariantOptions::default()).segment_str(text);
            let mut last = 0;
            while let Some(at) = it.next() {
                if at > last {
                    push(last, at, it.is_word_like());
                }
                last = at;
            }
        }
        "sentence" => {
            let breaks: Vec<usize> =
                SentenceSegmenter::new(SentenceBreakInvariantOptions::default())
                    .segment_str(text)
                    .collect();
            for w in breaks.windows(2) {
                push(w[0], w[1], false);
            }
        }
        "grapheme" => {
            let breaks: Vec<usize> = GraphemeClusterSegmenter::new().segment_str(text).collect();
            for w in breaks.windows(2) {
                push(w[0], w[1], false);
            }
        }
        g => {
            return Err(range_error(&format!(
                "Value {g} out of range for Intl.Segmenter options property granularity"
            )));
        }
    }
    Ok(out)
}
