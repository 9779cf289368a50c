//! `package.json` `exports` and `imports` as bundlers resolve them: subpath keys, subpath
//! patterns (`"./*"`, `"./utils/*.js"`, `"#internal/*"`), condition objects matched in the
//! order the package lists them against the active conditions, fallback arrays, and `null`
//! targets that hide a subpath. Key order matters, so the manifest is read into [`Target`]
//! (which keeps it) rather than into a sorted map.

use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};

/// Conditions active for ES-module imports, as wrangler sets them for its bundler.
pub const IMPORT_CONDITIONS: [&str; 5] = ["workerd", "worker", "browser", "import", "default"];
/// … and for `require`.
pub const REQUIRE_CONDITIONS: [&str; 5] = ["workerd", "worker", "browser", "require", "default"];

/// A value of `exports` / `imports`, keys in the manifest's order.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Path(String),
    Map(Vec<(String, Target)>),
    List(Vec<Target>),
    Null,
    /// Numbers and booleans: not targets.
    Other,
}

impl<'de> serde::Deserialize<'de> for Target {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Target, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Target;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_str<E>(self, s: &str) -> Result<Target, E> {
                Ok(Target::Path(s.to_string()))
            }
            fn visit_unit<E>(self) -> Result<Target, E> {
                Ok(Target::Null)
            }
            fn visit_none<E>(self) -> Result<Target, E> {
                Ok(Target::Null)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Target, E> {
                Ok(Target::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Target, E> {
                Ok(Target::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Target, E> {
                Ok(Target::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Target, E> {
                Ok(Target::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Target, A::Error> {
                let mut out = vec![];
                while let Some(x) = a.next_element()? {
                    out.push(x);
                }
                Ok(Target::List(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Target, A::Error> {
                let mut out = vec![];
                while let Some((k, v)) = a.next_entry::<String, Target>()? {
                    out.push((k, v));
                }
                Ok(Target::Map(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// The fields of a manifest that resolution reads.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Manifest {
    #[serde(default)]
    pub exports: Option<Target>,
    #[serde(default)]
    pub imports: Option<Target>,
    #[serde(default)]
    pub main: Option<serde_json::Value>,
    #[serde(default)]
    pub module: Option<serde_json::Value>,
}

impl Manifest {
    pub fn read(dir: &std::path::Path) -> Manifest {
        std::fs::read_to_string(dir.join("package.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    }
}

/// What a lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A path relative to the package directory (`./dist/x.js`).
    Path(String),
    /// The key exists but maps to `null` or to no target under these conditions.
    Hidden,
    /// No key matches.
    NoKey,
}

/// The target of `key` (`.`, `./sub/path`, `#internal`) in a `exports`/`imports` map.
pub fn lookup(map: &Target, key: &str, conditions: &[&str]) -> Found {
    let entries: Vec<(String, Target)> = match map {
        Target::Map(m)
            if m.iter()
                .any(|(k, _)| k.starts_with('.') || k.starts_with('#')) =>
        {
            m.clone()
        }
        // `"exports": "./x.js"` or a condition object: that is the "." entry.
        other => vec![(".".to_string(), other.clone())],
    };
    if let Some((_, t)) = entries.iter().find(|(k, _)| k == key && !k.contains('*')) {
        return resolve(t, None, conditions);
    }
    // Patterns (`./x/*.js`) and folder mappings (`./lib/`, still met in older packages): the
    // one with the longest prefix before its `*` (or the whole folder key) wins, then the
    // longer key.
    let mut best: Option<(&str, usize, &Target, String)> = None;
    for (k, t) in &entries {
        let (prefix, suffix, folder) = match k.split_once('*') {
            Some((p, s)) if !s.contains('*') => (p, s, false),
            Some(_) => continue,
            None if k.ends_with('/') => (k.as_str(), "", true),
            None => continue,
        };
        if !key.starts_with(prefix)
            || !key.ends_with(suffix)
            || key.len() < prefix.len() + suffix.len()
            || (!folder && key.len() < k.len())
        {
            continue;
        }
        let middle = key[prefix.len()..key.len() - suffix.len()].to_string();
        let better = match &best {
            None => true,
            Some((bk, bp, ..)) => prefix.len() > *bp || (prefix.len() == *bp && k.len() > bk.len()),
        };
        if better {
            best = Some((k, prefix.len(), t, middle));
        }
    }
    if let Some((k, _, t, middle)) = best {
        if k.ends_with('/') && !k.contains('*') {
            return match t {
                Target::Path(p) => Found::Path(format!("{p}{middle}")),
                _ => Found::Hidden,
            };
        }
        return resolve(t, Some(&middle), conditions);
    }
    Found::NoKey
}

fn resolve(t: &Target, star: Option<&str>, conditions: &[&str]) -> Found {
    match t {
        Target::Path(p) => Found::Path(match star {
            Some(m) => p.replace('*', m),
            None => p.clone(),
        }),
        Target::Map(m) => {
            for (cond, sub) in m {
                if conditions.contains(&cond.as_str()) {
                    match resolve(sub, star, conditions) {
                        Found::Path(p) => return Found::Path(p),
                        // A matching condition whose value yields nothing: try the next.
                        Found::Hidden | Found::NoKey => continue,
                    }
                }
            }
            Found::Hidden
        }
        Target::List(l) => l
            .iter()
            .map(|x| resolve(x, star, conditions))
            .find(|f| matches!(f, Found::Path(_)))
            .unwrap_or(Found::Hidden),
        Target::Null | Target::Other => Found::Hidden,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exports(json: &str) -> Target {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn keys_conditions_and_patterns() {
        let e = exports(
            r#"{
              ".": {"types": "./x.d.ts", "workerd": "./worker.js", "import": "./esm.js", "require": "./cjs.js"},
              "./package.json": "./package.json",
              "./*": {"import": "./dist/*.mjs", "default": "./dist/*.js"},
              "./utils/*": "./dist/utils/*/index.js",
              "./utils/*.css": null,
              "./internal/*": null,
              "./legacy/": "./old/"
            }"#,
        );
        let f = |k: &str, c: &[&str]| lookup(&e, k, c);
        assert_eq!(
            f(".", &IMPORT_CONDITIONS),
            Found::Path("./worker.js".into())
        );
        assert_eq!(
            f("./package.json", &IMPORT_CONDITIONS),
            Found::Path("./package.json".into())
        );
        assert_eq!(
            f("./a/b", &IMPORT_CONDITIONS),
            Found::Path("./dist/a/b.mjs".into())
        );
        assert_eq!(
            f("./a/b", &REQUIRE_CONDITIONS),
            Found::Path("./dist/a/b.js".into())
        );
        assert_eq!(
            f("./utils/date", &IMPORT_CONDITIONS),
            Found::Path("./dist/utils/date/index.js".into()),
            "the longer prefix wins"
        );
        assert_eq!(f("./utils/x.css", &IMPORT_CONDITIONS), Found::Hidden);
        assert_eq!(f("./internal/y", &IMPORT_CONDITIONS), Found::Hidden);
        assert_eq!(
            f("./legacy/z.js", &IMPORT_CONDITIONS),
            Found::Path("./old/z.js".into())
        );
        // The package's order decides, not ours: "import" listed before "workerd" wins.
        let e = exports(r#"{".": {"import": "./a.js", "workerd": "./b.js"}}"#);
        assert_eq!(
            lookup(&e, ".", &IMPORT_CONDITIONS),
            Found::Path("./a.js".into())
        );
        // A bare string or a condition object is the "." entry; arrays fall back.
        assert_eq!(
            lookup(&exports(r#""./main.js""#), ".", &IMPORT_CONDITIONS),
            Found::Path("./main.js".into())
        );
        assert_eq!(
            lookup(
                &exports(r#"{"node": "./n.js", "default": "./d.js"}"#),
                ".",
                &IMPORT_CONDITIONS
            ),
            Found::Path("./d.js".into())
        );
        assert_eq!(
            lookup(
                &exports(r#"[{"node": "./n.js"}, "./f.js"]"#),
                ".",
                &IMPORT_CONDITIONS
            ),
            Found::Path("./f.js".into())
        );
        assert_eq!(
            lookup(&exports(r#"{".": "./a.js"}"#), "./nope", &IMPORT_CONDITIONS),
            Found::NoKey
        );
    }

    #[test]
    fn imports_map() {
        let i = exports(
            r##"{"#db": {"workerd": "./src/db.worker.js", "default": "./src/db.js"}, "#lib/*": "./src/lib/*.js"}"##,
        );
        assert_eq!(
            lookup(&i, "#db", &IMPORT_CONDITIONS),
            Found::Path("./src/db.worker.js".into())
        );
        assert_eq!(
            lookup(&i, "#lib/x", &IMPORT_CONDITIONS),
            Found::Path("./src/lib/x.js".into())
        );
        assert_eq!(lookup(&i, "#nope", &IMPORT_CONDITIONS), Found::NoKey);
    }
}
