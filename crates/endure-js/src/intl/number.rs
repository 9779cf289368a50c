//! `Intl.NumberFormat` and `Intl.PluralRules` on ICU4X: decimal, percent, currency and
//! compact notation; ECMA-402's digit options and rounding (half away from zero by default)
//! applied to an exact decimal before formatting.

use super::{Opts, Parts, range_error, type_error};
use fixed_decimal::{
    Decimal, FloatPrecision, SignDisplay, SignedRoundingMode, UnsignedRoundingMode,
};
use icu::decimal::options::{DecimalFormatterOptions, GroupingStrategy};
use icu::decimal::{CompactDecimalFormatter, DecimalFormatter};
use icu::locale::Locale;
use icu::plurals::{PluralCategory, PluralRules, PluralRulesPreferences};
use icu_experimental::dimension::currency::CurrencyType;
use icu_experimental::dimension::currency::formatter::CurrencyFormatter;
use icu_experimental::dimension::currency::options::{CurrencyFormatterOptions, CurrencyUsage};
use icu_experimental::dimension::percent::formatter::PercentFormatter;
use serde_json::{Map, Value, json};
use writeable::Writeable;

enum Style {
    Decimal(DecimalFormatter),
    Percent(PercentFormatter<DecimalFormatter>),
    Currency(Box<CurrencyFormatter<DecimalFormatter>>),
    Compact(CompactDecimalFormatter),
}

/// Digits: how a value is rounded and padded before it is formatted.
#[derive(Clone, Copy)]
pub struct Digits {
    min_int: i16,
    min_frac: i16,
    max_frac: i16,
    significant: Option<(i16, i16)>,
    mode: SignedRoundingMode,
}

pub struct NumberFormat {
    style: Style,
    digits: Digits,
    sign: SignDisplay,
    resolved: Value,
}

fn rounding_mode(o: &Opts) -> Result<SignedRoundingMode, String> {
    use SignedRoundingMode as S;
    use UnsignedRoundingMode as U;
    Ok(
        match o
            .choice(
                "roundingMode",
                &[
                    "ceil",
                    "floor",
                    "expand",
                    "trunc",
                    "halfCeil",
                    "halfFloor",
                    "halfExpand",
                    "halfTrunc",
                    "halfEven",
                ],
            )?
            .as_deref()
        {
            Some("ceil") => S::Ceil,
            Some("floor") => S::Floor,
            Some("expand") => S::Unsigned(U::Expand),
            Some("trunc") => S::Unsigned(U::Trunc),
            Some("halfCeil") => S::HalfCeil,
            Some("halfFloor") => S::HalfFloor,
            Some("halfTrunc") => S::Unsigned(U::HalfTrunc),
            Some("halfEven") => S::Unsigned(U::HalfEven),
            _ => S::Unsigned(U::HalfExpand),
        },
    )
}

/// ECMA-402's digit options, with the style's default fraction digits.
pub fn digits(
    o: &Opts,
    default_min: i16,
    default_max: i16,
    resolved: &mut Map<String, Value>,
) -> Result<Digits, String> {
    let int = |name: &str, lo: f64, hi: f64| -> Result<Option<i16>, String> {
        match o.number(name) {
            None => Ok(None),
            Some(n) if n.is_finite() && n >= lo && n <= hi => Ok(Some(n.floor() as i16)),
            Some(_) => Err(range_error(&format!("{name} value is out of range."))),
        }
    };
    let min_int = int("minimumIntegerDigits", 1.0, 21.0)?.unwrap_or(1);
    let min_sig = int("minimumSignificantDigits", 1.0, 21.0)?;
    let max_sig = int("maximumSignificantDigits", 1.0, 21.0)?;
    let min_frac = int("minimumFractionDigits", 0.0, 100.0)?;
    let max_frac = int("maximumFractionDigits", 0.0, 100.0)?;
    let significant = if min_sig.is_some() || max_sig.is_some() {
        let lo = min_sig.unwrap_or(1);
        let hi = max_sig.unwrap_or(21);
        if lo > hi {
            return Err(range_error(
                "maximumSignificantDigits value is out of range.",
            ));
        }
        resolved.insert("minimumSignificantDigits".into(), json!(lo));
        resolved.insert("maximumSignificantDigits".into(), json!(hi));
        Some((lo, hi))
    } else {
        None
    };
    let (min_frac, max_frac) = match (min_frac, max_frac) {
        (Some(lo), Some(hi)) if lo > hi => {
            return Err(range_error("maximumFractionDigits value is out of range."));
        }
        (Some(lo), Some(hi)) => (lo, hi),
        (Some(lo), None) => (lo, lo.max(default_max)),
        (None, Some(hi)) => (default_min.min(hi), hi),
        (None, None) => (default_min, default_max),
    };
    resolved.insert("minimumIntegerDigits".into(), json!(min_int));
    if significant.is_none() {
        resolved.insert("minimumFractionDigits".into(), json!(min_frac));
        resolved.insert("maximumFractionDigits".into(), json!(max_frac));
    }
    Ok(Digits {
        min_int,
        min_frac,
        max_frac,
        significant,
        mode: rounding_mode(o)?,
    })
}

impl Digits {
    /// `d` rounded and padded as the options say.
    pub fn apply(&self, d: &mut Decimal) {
        if let Some((lo, hi)) = self.significant {
            let top = if d.absolute.is_zero() {
                0
            } else {
                d.absolute.nonzero_magnitude_start()
            };
            d.round_with_mode(top - hi + 1, self.mode);
            d.absolute.trim_end();
            let top = if d.absolute.is_zero() {
                0
            } else {
                d.absolute.nonzero_magnitude_start()
            };
            d.absolute.pad_end(top - lo + 1);
        } else {
            d.round_with_mode(-self.max_frac, self.mode);
            d.absolute.trim_end();
            d.absolute.pad_end(-self.min_frac);
        }
        d.absolute.pad_start(self.min_int);
    }
}

/// A JavaScript number as an exact decimal (its shortest round-trip digits).
pub fn decimal(x: f64) -> Result<Decimal, String> {
    Decimal::try_from_f64(x, FloatPrecision::RoundTrip)
        .map_err(|_| range_error("not a finite number"))
}

pub fn new(locale: &Locale, o: &Opts) -> Result<NumberFormat, String> {
    let mut resolved = Map::new();
    let style = o
        .choice("style", &["decimal", "percent", "currency", "unit"])?
        .unwrap_or_else(|| "decimal".into());
    let notation = o
        .choice(
            "notation",
            &["standard", "scientific", "engineering", "compact"],
        )?
        .unwrap_or_else(|| "standard".into());
    let grouping = match o.raw("useGrouping") {
        Some(Value::Bool(false)) => GroupingStrategy::Never,
        Some(Value::String(s)) if s == "always" => GroupingStrategy::Always,
        Some(Value::String(s)) if s == "min2" => GroupingStrategy::Min2,
        _ if notation == "compact" => GroupingStrategy::Min2,
        _ => GroupingStrategy::Auto,
    };
    let mut decimal_options = DecimalFormatterOptions::default();
    decimal_options.grouping_strategy = Some(grouping);
    let sign = match o
        .choice(
            "signDisplay",
            &["auto", "never", "always", "exceptZero", "negative"],
        )?
        .as_deref()
    {
        Some("never") => SignDisplay::Never,
        Some("always") => SignDisplay::Always,
        Some("exceptZero") => SignDisplay::ExceptZero,
        Some("negative") => SignDisplay::Negative,
        _ => SignDisplay::Auto,
    };
    let no_data =
        |e: icu_provider::DataError| range_error(&format!("no number format for {locale}: {e}"));
    let (kind, min, max) = match style.as_str() {
        "unit" => {
            return Err(range_error(
                "style \"unit\" is not supported by Endure yet (decimal, percent and currency are)",
            ));
        }
        "currency" => {
            let code = o
                .string("currency")
                .ok_or_else(|| type_error("Currency code is required with currency style."))?;
            let currency = CurrencyType::try_from_str(&code)
                .map_err(|_| range_error(&format!("Invalid currency code : {code}")))?;
            let display = o
                .choice(
                    "currencyDisplay",
                    &["symbol", "narrowSymbol", "code", "name"],
                )?
                .unwrap_or_else(|| "symbol".into());
            let mut options = CurrencyFormatterOptions::default();
            if o.string("currencySign").as_deref() == Some("accounting") {
                options.usage = CurrencyUsage::Accounting;
            }
            let prefs = locale.into();
            let f = match display.as_str() {
                "narrowSymbol" => {
                    CurrencyFormatter::try_new_symbol_narrow(prefs, currency, options)
                }
                "code" => CurrencyFormatter::try_new_code(prefs, currency, options),
                "name" => CurrencyFormatter::try_new_name(prefs, currency),
                _ => CurrencyFormatter::try_new_symbol(prefs, currency, options),
            }
            .map_err(no_data)?;
            resolved.insert("currency".into(), json!(code.to_ascii_uppercase()));
            resolved.insert("currencyDisplay".into(), json!(display));
            let d = currency_digits(&code.to_ascii_uppercase());
            (Style::Currency(Box::new(f)), d, d)
        }
        "percent" => (
            Style::Percent(
                PercentFormatter::try_new(locale.into(), Default::default()).map_err(no_data)?,
            ),
            0,
            0,
        ),
        _ if notation == "compact" => (
            Style::Compact(
                CompactDecimalFormatter::try_new_short(locale.into(), decimal_options.into())
                    .map_err(no_data)?,
            ),
            0,
            0,
        ),
        _ => (
            Style::Decimal(
                DecimalFormatter::try_new(locale.into(), decimal_options).map_err(no_data)?,
            ),
            0,
            3,
        ),
    };
    let mut digits = digits(o, min, max, &mut resolved)?;
    if notation == "compact" && digits.significant.is_none() && !o.has("maximumFractionDigits") {
        // Compact notation keeps two significant digits by default ("1.2K").
        digits.significant = Some((1, 2));
    }
    resolved.insert("locale".into(), json!(locale.to_string()));
    resolved.insert("numberingSystem".into(), json!("latn"));
    resolved.insert("style".into(), json!(style));
    resolved.insert(
        "notation".into(),
        json!(if notation == "compact" {
            "compact"
        } else {
            "standard"
        }),
    );
    resolved.insert(
        "signDisplay".into(),
        json!(o.string("signDisplay").unwrap_or_else(|| "auto".into())),
    );
    resolved.insert(
        "useGrouping".into(),
        match grouping {
            GroupingStrategy::Never => json!(false),
            GroupingStrategy::Always => json!("always"),
            GroupingStrategy::Min2 => json!("min2"),
            _ => json!("auto"),
        },
    );
    resolved.insert(
        "roundingMode".into(),
        json!(
            o.string("roundingMode")
                .unwrap_or_else(|| "halfExpand".into())
        ),
    );
    Ok(NumberFormat {
        style: kind,
        digits,
        sign,
        resolved: Value::Object(resolved),
    })
}

/// ISO 4217's minor units for the currencies that do not use two.
fn currency_digits(code: &str) -> i16 {
    match code {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// What `format` takes: a number, or the digits of a BigInt or a numeric string.
pub enum Input {
    Number(f64),
    Digits(String),
}

impl NumberFormat {
    pub fn resolved(&self) -> &Value {
        &self.resolved
    }

    fn prepared(&self, input: &Input) -> Result<Result<Decimal, String>, String> {
        let mut d = match input {
            Input::Number(x) if x.is_nan() => return Ok(Err("NaN".into())),
            Input::Number(x) if x.is_infinite() => {
                let sign = if *x < 0.0 {
                    "-"
                } else if matches!(self.sign, SignDisplay::Always | SignDisplay::ExceptZero) {
                    "+"
                } else {
                    ""
                };
                return Ok(Err(format!("{sign}∞")));
            }
            Input::Number(x) => decimal(*x)?,
            Input::Digits(s) => {
                Decimal::try_from_str(s.trim()).map_err(|_| range_error("not a number"))?
            }
        };
        if let Style::Percent(_) = self.style {
            d.multiply_pow10(2);
        }
        self.digits.apply(&mut d);
        d.apply_sign_display(self.sign);
        Ok(Ok(d))
    }

    pub fn format(&self, input: &Input) -> Result<String, String> {
        let d = match self.prepared(input)? {
            Ok(d) => d,
            Err(text) => return Ok(text),
        };
        Ok(match &self.style {
            Style::Decimal(f) => f.format(&d).write_to_string().into_owned(),
            Style::Percent(f) => f.format(&d).write_to_string().into_owned(),
            Style::Currency(f) => f.format_fixed_decimal(&d).write_to_string().into_owned(),
            Style::Compact(f) => f.format(&d).write_to_string().into_owned(),
        })
    }

    pub fn format_to_parts(&self, input: &Input) -> Result<Vec<(String, String)>, String> {
        let d = match self.prepared(input)? {
            Ok(d) => d,
            Err(text) => return Ok(vec![("nan".into(), text)]),
        };
        let mut parts = Parts::default();
        let r = match &self.style {
            Style::Decimal(f) => f.format(&d).write_to_parts(&mut parts),
            Style::Percent(f) => f.format(&d).write_to_parts(&mut parts),
            Style::Currency(f) => f.format_fixed_decimal(&d).write_to_parts(&mut parts),
            Style::Compact(f) => f.format(&d).write_to_parts(&mut parts),
        };
        r.map_err(|_| range_error("formatting failed"))?;
        Ok(parts.done())
    }
}

pub struct Plural {
    rules: PluralRules,
    digits: Digits,
    resolved: Value,
}

pub fn plural(locale: &Locale, o: &Opts) -> Result<Plural, String> {
    let ordinal = o.choice("type", &["cardinal", "ordinal"])?.as_deref() == Some("ordinal");
    let prefs = PluralRulesPreferences::from(locale);
    let rules = if ordinal {
        PluralRules::try_new_ordinal(prefs)
    } else {
        PluralRules::try_new_cardinal(prefs)
    }
    .map_err(|e| range_error(&format!("no plural rules for {locale}: {e}")))?;
    let mut resolved = Map::new();
    let digits = digits(o, 0, 3, &mut resolved)?;
    let categories: Vec<&str> = rules.categories().map(category_name).collect();
    resolved.insert("locale".into(), json!(locale.to_string()));
    resolved.insert(
        "type".into(),
        json!(if ordinal { "ordinal" } else { "cardinal" }),
    );
    resolved.insert("pluralCategories".into(), json!(categories));
    Ok(Plural {
        rules,
        digits,
        resolved: Value::Object(resolved),
    })
}

pub fn category_name(c: PluralCategory) -> &'static str {
    match c {
        PluralCategory::Zero => "zero",
        PluralCategory::One => "one",
        PluralCategory::Two => "two",
        PluralCategory::Few => "few",
        PluralCategory::Many => "many",
        PluralCategory::Other => "other",
    }
}

impl Plural {
    pub fn resolved(&self) -> &Value {
        &self.resolved
    }

    pub fn select(&self, x: f64) -> Result<&'static str, String> {
        if !x.is_finite() {
            return Ok("other");
        }
        let mut d = decimal(x.abs())?;
        self.digits.apply(&mut d);
        Ok(category_name(self.rules.category_for(&d)))
    }
}
