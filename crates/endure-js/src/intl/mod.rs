//! `Intl` for the prelude's `runtime/sections/intl.js`, on ICU4X (the Unicode Consortium's
//! Rust libraries, with their compiled CLDR data) and chrono-tz for time zones.
//!
//! The prelude makes one host object per JavaScript `Intl` object (`make` → an id) and formats
//! through it; options arrive as the JSON of ECMA-402's options bag and come back resolved.
//! Errors are `RangeError: …` / `TypeError: …` strings the prelude rethrows as those classes.
//! Behind the default-on `intl` cargo feature.

mod datetime;
mod number;
mod text;

use icu::locale::{Locale, LocaleExpander};
use rquickjs::{Ctx, Exception, Function, Object, Value as JsValue};
use serde_json::{Map, Value, json};
use std::cell::RefCell;
use std::rc::Rc;

/// Intl objects one isolate may hold (each `new Intl.X` is one; `toLocaleString` reuses them).
const MAX_OBJECTS: usize = 100_000;

pub(crate) fn range_error(m: &str) -> String {
    format!("RangeError: {m}")
}

pub(crate) fn type_error(m: &str) -> String {
    format!("TypeError: {m}")
}

/// An options bag (the JSON of the JavaScript object).
pub struct Opts(Map<String, Value>);

impl Opts {
    fn parse(json: &str) -> Result<Opts, String> {
        match serde_json::from_str(json) {
            Ok(Value::Object(m)) => Ok(Opts(m)),
            Ok(Value::Null) | Err(_) => Ok(Opts(Map::new())),
            Ok(_) => Err(type_error("options must be an object")),
        }
    }

    pub fn raw(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    pub fn has(&self, name: &str) -> bool {
        self.raw(name).is_some()
    }

    pub fn string(&self, name: &str) -> Option<String> {
        match self.raw(name)? {
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    }

    pub fn bool(&self, name: &str) -> Option<bool> {
        match self.raw(name)? {
            Value::Bool(b) => Some(*b),
            Value::String(s) => Some(!s.is_empty()),
            Value::Number(n) => Some(n.as_f64() != Some(0.0)),
            _ => Some(true),
        }
    }

    pub fn number(&self, name: &str) -> Option<f64> {
        match self.raw(name)? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok().or(Some(f64::NAN)),
            Value::Bool(b) => Some(f64::from(u8::from(*b))),
            _ => Some(f64::NAN),
        }
    }

    /// A string option that must be one of `allowed`.
    pub fn choice(&self, name: &str, allowed: &[&str]) -> Result<Option<String>, String> {
        match self.string(name) {
            None => Ok(None),
            Some(v) if allowed.contains(&v.as_str()) => Ok(Some(v)),
            Some(v) => Err(range_error(&format!(
                "Value {v} out of range for options property {name}"
            ))),
        }
    }
}

/// `formatToParts`: each piece of the output with the part it belongs to (ECMA-402's part
/// types, which ICU4X's part names already are; anything else is a literal).
#[derive(Default)]
pub struct Parts {
    out: Vec<(String, String, usize)>,
    /// The parts being written, outermost first: (category, type, serial).
    stack: Vec<(&'static str, &'static str, usize)>,
    next: usize,
}

const PART_TYPES: [&str; 23] = [
    "era",
    "year",
    "relatedYear",
    "yearName",
    "month",
    "day",
    "weekday",
    "dayPeriod",
    "hour",
    "minute",
    "second",
    "fractionalSecond",
    "timeZoneName",
    "integer",
    "fraction",
    "group",
    "decimal",
    "minusSign",
    "plusSign",
    "percentSign",
    "currency",
    "compact",
    "unit",
];

impl std::fmt::Write for Parts {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        if s.is_empty() {
            return Ok(());
        }
        // A date field's digits are a number inside it: the field names the part. Otherwise
        // the innermost known part does.
        let known = |(_, t, _): &&(&str, &'static str, usize)| PART_TYPES.contains(t);
        let (ty, seg) = self
            .stack
            .iter()
            .find(|p| p.0 == "datetime" && known(p))
            .or_else(|| self.stack.iter().rev().find(known))
            .map(|(_, t, n)| (*t, *n))
            .unwrap_or(("literal", 0));
        match self.out.last_mut() {
            Some(last) if last.0 == ty && last.2 == seg => last.1.push_str(s),
            _ => self.out.push((ty.to_string(), s.to_string(), seg)),
        }
        Ok(())
    }
}

impl writeable::PartsWrite for Parts {
    type SubPartsWrite = Self;
    fn with_part(
        &mut self,
        part: writeable::Part,
        mut f: impl FnMut(&mut Self) -> std::fmt::Result,
    ) -> std::fmt::Result {
        self.next += 1;
        self.stack.push((part.category, part.value, self.next));
        let r = f(self);
        self.stack.pop();
        r
    }
}

impl Parts {
    pub fn done(self) -> Vec<(String, String)> {
        self.out.into_iter().map(|(t, v, _)| (t, v)).collect()
    }
}

/// Whether the locale's clock is a 12-hour one (formats 13:00 and looks).
pub(crate) fn prefers_12_hours(locale: &Locale) -> bool {
    use icu::datetime::fieldsets::T;
    use icu::datetime::input::Time;
    use icu::datetime::{DateTimeFormatterPreferences, NoCalendarFormatter};
    use writeable::Writeable;
    let prefs = DateTimeFormatterPreferences::from(locale);
    NoCalendarFormatter::try_new(prefs, T::hm())
        .ok()
        .and_then(|f| {
            Time::try_new(13, 0, 0, 0)
                .ok()
                .map(|t| f.format(&t).write_to_string().into_owned())
        })
        .is_some_and(|s| !s.contains("13"))
}

/// The locale a `locales` argument (JSON: a list of tags) asks for: the first one, which must
/// be a well-formed tag; `en-US` when none is given.
fn pick_locale(locales: &str) -> Result<Locale, String> {
    let tags: Vec<String> = serde_json::from_str(locales).unwrap_or_default();
    let mut chosen = None;
    for t in &tags {
        let l = Locale::try_from_str(t)
            .map_err(|_| range_error(&format!("Incorrect locale information provided: {t}")))?;
        chosen.get_or_insert(l);
    }
    Ok(chosen.unwrap_or(icu::locale::locale!("en-US")))
}

enum Obj {
    Date(Box<datetime::DateTimeFormat>),
    Number(number::NumberFormat),
    Plural(number::Plural),
    Collator(text::Collation),
    List(text::List),
    Relative(text::Relative),
}

impl Obj {
    fn resolved(&self) -> &Value {
        match self {
            Obj::Date(x) => x.resolved(),
            Obj::Number(x) => x.resolved(),
            Obj::Plural(x) => x.resolved(),
            Obj::Collator(x) => x.resolved(),
            Obj::List(x) => x.resolved(),
            Obj::Relative(x) => x.resolved(),
        }
    }
}

fn make(kind: &str, locales: &str, options: &str, defaults: &str) -> Result<Obj, String> {
    let locale = pick_locale(locales)?;
    let o = Opts::parse(options)?;
    Ok(match kind {
        "DateTimeFormat" => Obj::Date(Box::new(datetime::new(
            &locale,
            &o,
            datetime::Defaults::parse(defaults),
        )?)),
        "NumberFormat" => Obj::Number(number::new(&locale, &o)?),
        "PluralRules" => Obj::Plural(number::plural(&locale, &o)?),
        "Collator" => Obj::Collator(text::collator(&locale, &o)?),
        "ListFormat" => Obj::List(text::list(&locale, &o)?),
        "RelativeTimeFormat" => Obj::Relative(text::relative(&locale, &o)?),
        other => return Err(type_error(&format!("unknown Intl constructor {other}"))),
    })
}

fn parts_json(parts: Vec<(String, String)>) -> String {
    Value::from(
        parts
            .into_iter()
            .map(|(t, v)| json!({"type": t, "value": v}))
            .collect::<Vec<_>>(),
    )
    .to_string()
}

/// `Intl.Locale`'s view of a tag: its parts, and its likely maximal and minimal forms.
fn locale_info(tag: &str) -> Result<String, String> {
    let locale = Locale::try_from_str(tag)
        .map_err(|_| range_error(&format!("Incorrect locale information provided: {tag}")))?;
    let expander = LocaleExpander::new_common();
    let mut max = locale.id.clone();
    expander.maximize(&mut max);
    let mut min = locale.id.clone();
    expander.minimize(&mut min);
    let id = &locale.id;
    Ok(json!({
        "tag": locale.to_string(),
        "baseName": id.to_string(),
        "language": id.language.to_string(),
        "script": id.script.map(|s| s.to_string()),
        "region": id.region.map(|r| r.to_string()),
        "maximized": max.to_string(),
        "minimized": min.to_string(),
    })
    .to_string())
}

fn err<'js>(ctx: &Ctx<'js>, m: String) -> rquickjs::Error {
    Exception::throw_message(ctx, &m)
}

/// Installs `host.intlHost()`, which makes what `runtime/sections/intl.js` calls the first time
/// the isolate's code uses `Intl` (most isolates never do).
pub fn install<'js>(ctx: &Ctx<'js>, host: &Object<'js>) -> rquickjs::Result<()> {
    let make = Function::new(ctx.clone(), |ctx: Ctx<'js>| host_object(&ctx))?;
    host.set("intlHost", make)
}

/// The host side of `Intl` for one isolate.
fn host_object<'js>(ctx: &Ctx<'js>) -> rquickjs::Result<Object<'js>> {
    let objs: Rc<RefCell<Vec<Obj>>> = Rc::new(RefCell::new(Vec::new()));
    let intl = Object::new(ctx.clone())?;
    let with = |objs: &Rc<RefCell<Vec<Obj>>>| objs.clone();

    let o = with(&objs);
    intl.set(
        "make",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>,
                  kind: String,
                  locales: String,
                  options: String,
                  defaults: String| {
                let obj = make(&kind, &locales, &options, &defaults).map_err(|m| err(&ctx, m))?;
                let mut v = o.borrow_mut();
                if v.len() >= MAX_OBJECTS {
                    return Err(err(
                        &ctx,
                        range_error("too many Intl objects in one isolate"),
                    ));
                }
                let resolved = obj.resolved().clone();
                v.push(obj);
                Ok(json!({"id": v.len() - 1, "resolved": resolved}).to_string())
            },
        )?,
    )?;

    let o = with(&objs);
    intl.set(
        "formatDate",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, id: u32, ms: f64, parts: bool| {
                let v = o.borrow();
                let Some(Obj::Date(f)) = v.get(id as usize) else {
                    return Err(err(&ctx, type_error("not an Intl.DateTimeFormat")));
                };
                if parts {
                    f.format_to_parts(ms).map(parts_json)
                } else {
                    f.format(ms)
                }
                .map_err(|m| err(&ctx, m))
            },
        )?,
    )?;
    let o = with(&objs);
    intl.set(
        "formatNumber",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, id: u32, x: JsValue<'js>, parts: bool| {
                let v = o.borrow();
                let Some(Obj::Number(f)) = v.get(id as usize) else {
                    return Err(err(&ctx, type_error("not an Intl.NumberFormat")));
                };
                let input = match x.as_number() {
                    Some(n) => number::Input::Number(n),
                    None => number::Input::Digits(
                        x.as_string()
                            .and_then(|s| s.to_string().ok())
                            .unwrap_or_default(),
                    ),
                };
                if parts {
                    f.format_to_parts(&input).map(parts_json)
                } else {
                    f.format(&input)
                }
                .map_err(|m| err(&ctx, m))
            },
        )?,
    )?;
    let o = with(&objs);
    intl.set(
        "plural",
        Function::new(ctx.clone(), move |ctx: Ctx<'js>, id: u32, x: f64| {
            let v = o.borrow();
            let Some(Obj::Plural(p)) = v.get(id as usize) else {
                return Err(err(&ctx, type_error("not an Intl.PluralRules")));
            };
            p.select(x).map_err(|m| err(&ctx, m))
        })?,
    )?;
    let o = with(&objs);
    intl.set(
        "compare",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, id: u32, a: String, b: String| {
                let v = o.borrow();
                let Some(Obj::Collator(c)) = v.get(id as usize) else {
                    return Err(err(&ctx, type_error("not an Intl.Collator")));
                };
                Ok(c.compare(&a, &b))
            },
        )?,
    )?;
    let o = with(&objs);
    intl.set(
        "formatList",
        Function::new(ctx.clone(), move |ctx: Ctx<'js>, id: u32, items: String| {
            let v = o.borrow();
            let Some(Obj::List(l)) = v.get(id as usize) else {
                return Err(err(&ctx, type_error("not an Intl.ListFormat")));
            };
            let items: Vec<String> = serde_json::from_str(&items).unwrap_or_default();
            Ok::<_, rquickjs::Error>(l.format(&items))
        })?,
    )?;
    let o = with(&objs);
    intl.set(
        "formatRelative",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, id: u32, x: f64, unit: String| {
                let mut v = o.borrow_mut();
                let Some(Obj::Relative(r)) = v.get_mut(id as usize) else {
                    return Err(err(&ctx, type_error("not an Intl.RelativeTimeFormat")));
                };
                r.format(x, &unit).map_err(|m| err(&ctx, m))
            },
        )?,
    )?;
    intl.set(
        "segment",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>, granularity: String, text: String| {
                let segs = text::segment(&granularity, &text).map_err(|m| err(&ctx, m))?;
                Ok::<_, rquickjs::Error>(
                    Value::from(
                        segs.into_iter()
                            .map(|(a, b, w)| json!([a, b, w]))
                            .collect::<Vec<_>>(),
                    )
                    .to_string(),
                )
            },
        )?,
    )?;
    intl.set(
        "locale",
        Function::new(ctx.clone(), |ctx: Ctx<'js>, tag: String| {
            locale_info(&tag).map_err(|m| err(&ctx, m))
        })?,
    )?;
    Ok(intl)
}
