//! Module resolution and sources: relative imports, JSON imports, bare imports from the
//! project's `node_modules` (ES-module packages only), and the built-in `cloudflare:workers` and
//! `cloudflare:workflows`. TypeScript is stripped once per file and cached.

use crate::async_context::{Goal, instrument};
use crate::transpile::{Options, compile, is_typescript};
use oxc::span::SourceType;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Built-in modules: their names and sources. They re-export what the runtime prelude defines
/// (`node:*` from `runtime/60-node.js` and the Node section, `runtime/sections/node.js`).
pub const BUILTINS: [(&str, &str); 18] = [
    (
        "node:async_hooks",
        "const m = globalThis.__endure_rt.node[\"async_hooks\"];\nexport const { AsyncLocalStorage, AsyncResource, createHook, executionAsyncId, triggerAsyncId, executionAsyncResource } = m;\nexport default m;\n",
    ),
    (
        "node:stream",
        "const m = globalThis.__endure_rt.node[\"stream\"];\nexport const { Stream, Readable, Writable, Duplex, Transform, PassThrough, pipeline, finished, promises } = m;\nexport default m;\n",
    ),
    (
        "node:stream/promises",
        "const m = globalThis.__endure_rt.node[\"stream/promises\"];\nexport const { pipeline, finished } = m;\nexport default m;\n",
    ),
    (
        "node:stream/web",
        "const m = globalThis.__endure_rt.node[\"stream/web\"];\nexport const { ReadableStream, WritableStream, TransformStream } = m;\nexport default m;\n",
    ),
    (
        "node:buffer",
        "const m = globalThis.__endure_rt.node[\"buffer\"];\nexport const { Buffer, constants, kMaxLength, atob, btoa } = m;\nexport default m;\n",
    ),
    (
        "node:events",
        "const m = globalThis.__endure_rt.node[\"events\"];\nexport const EventEmitter = m;\nexport const once = m.once;\nexport default m;\n",
    ),
    (
        "node:util",
        "const m = globalThis.__endure_rt.node[\"util\"];\nexport const { format, inspect, promisify, types, inherits, deprecate, isDeepStrictEqual, callbackify, TextEncoder, TextDecoder, debuglog } = m;\nexport default m;\n",
    ),
    (
        "node:crypto",
        "const m = globalThis.__endure_rt.node[\"crypto\"];\nexport const { createHash, createHmac, hash, randomBytes, randomUUID, randomInt, getRandomValues, timingSafeEqual, getHashes, webcrypto, subtle } = m;\nexport default m;\n",
    ),
    (
        "node:string_decoder",
        "const m = globalThis.__endure_rt.node[\"string_decoder\"];\nexport const { StringDecoder } = m;\nexport default m;\n",
    ),
    (
        "node:assert",
        "const m = globalThis.__endure_rt.node[\"assert\"];\nexport const { ok, equal, notEqual, strictEqual, notStrictEqual, deepEqual, deepStrictEqual, notDeepStrictEqual, throws, rejects, match, fail, AssertionError, strict } = m;\nexport default m;\n",
    ),
    (
        "node:assert/strict",
        "const m = globalThis.__endure_rt.node[\"assert/strict\"];\nexport const { ok, equal, notEqual, strictEqual, notStrictEqual, deepEqual, deepStrictEqual, notDeepStrictEqual, throws, rejects, match, fail, AssertionError, strict } = m;\nexport default m;\n",
    ),
    (
        "node:url",
        "const m = globalThis.__endure_rt.node[\"url\"];\nexport const { URL, URLSearchParams, parse, format, fileURLToPath, pathToFileURL } = m;\nexport default m;\n",
    ),
    (
        "node:process",
        "const m = globalThis.__endure_rt.node[\"process\"];\nexport const { env, nextTick, cwd, argv, version, versions, platform } = m;\nexport default m;\n",
    ),
    (
        "node:os",
        "const m = globalThis.__endure_rt.node[\"os\"];\nexport const { EOL, platform, arch, tmpdir, homedir, hostname, type, release, endianness, cpus } = m;\nexport default m;\n",
    ),
    (
        "node:path",
        "const m = globalThis.__endure_rt.node[\"path\"];\nexport const { join, resolve, dirname, basename, extname, normalize, isAbsolute, relative, sep, delimiter, posix, parse, format } = m;\nexport default m;\n",
    ),
    (
        "cloudflare:email",
        "export const EmailMessage = globalThis.__endure_rt.EmailMessage;\n\
         export default {};\n",
    ),
    (
        "cloudflare:workers",
        "const rt = globalThis.__endure_rt;\n\
         export const WorkflowEntrypoint = rt.WorkflowEntrypoint;\n\
         export const WorkerEntrypoint = rt.WorkerEntrypoint;\n\
         export const DurableObject = rt.DurableObject;\n\
         export const env = rt.env;\n\
         export default {};\n",
    ),
    (
        "cloudflare:workflows",
        "export const NonRetryableError = globalThis.__endure_rt.NonRetryableError;\n\
         export default {};\n",
    ),
];

/// Modules only `endure test` offers (with [`LoadOptions::testing`]): Vitest's API and
/// `cloudflare:test`, from the prelude's test section (`runtime/sections/test.js`).
pub const TEST_BUILTINS: [(&str, &str); 3] = [
    // A test isolate's main module: nothing, so that test files load (and hoist their
    // `vi.mock` calls) before the Worker's modules.
    ("endure:test-main", "export {};\n"),
    (
        "vitest",
        "const t = globalThis.__endure_rt.testing();\n\
         export const { describe, it, test, suite, expect, assert, vi, vitest, beforeAll, afterAll, beforeEach, afterEach, onTestFinished, onTestFailed, expectTypeOf, assertType } = t.vitest;\n\
         export default t.vitest;\n",
    ),
    (
        "cloudflare:test",
        "const t = globalThis.__endure_rt.testing();\n\
         export const { env, SELF, introspectWorkflowInstance, introspectWorkflow, createExecutionContext, waitOnExecutionContext, createScheduledController, createMessageBatch, getQueueResult, fetchMock, runInDurableObject, listDurableObjectIds, applyD1Migrations } = t.cloudflareTest;\n\
         export default t.cloudflareTest;\n",
    ),
];

/// A built-in module's source, if `name` is one (test modules aside).
fn builtin(name: &str) -> Option<&'static str> {
    BUILTINS
        .iter()
        .chain(TEST_BUILTINS.iter())
        .find(|(n, _)| *n == name)
        .map(|(_, s)| *s)
}

const EXTENSIONS: [&str; 9] = [
    "", ".ts", ".js", ".mjs", ".mts", ".tsx", ".jsx", ".cjs", ".json",
];

/// Node built-ins Endure provides (`nodejs_compat`), by their bare names.
pub const NODE_BUILTINS: [&str; 15] = [
    "async_hooks",
    "stream",
    "stream/promises",
    "stream/web",
    "os",
    "path",
    "buffer",
    "events",
    "util",
    "crypto",
    "string_decoder",
    "assert",
    "assert/strict",
    "url",
    "process",
];

/// How a module file is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// An ES module (JavaScript or TypeScript).
    Esm,
    /// CommonJS: run by the runtime's `require`, seen from ES modules as a default export plus
    /// one named export per property of `module.exports`.
    CommonJs,
    Json,
}

/// Whether JavaScript source has ES-module syntax (an `import` or `export` statement).
fn has_esm_syntax(src: &str) -> bool {
    src.lines().any(|l| {
        let t = l.trim_start();
        (t.starts_with("import ")
            || t.starts_with("import{")
            || t.starts_with("import*")
            || t.starts_with("import\"")
            || t.starts_with("import'"))
            || (t.starts_with("export ") || t.starts_with("export{") || t.starts_with("export*"))
    }) || src.contains(";export{")
        || src.contains(";export ")
        || src.contains("}export{")
}

/// How a file that is not code is imported (wrangler's module rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleKind {
    /// The file's text as the default export.
    Text,
    /// The file's bytes as an `ArrayBuffer` default export.
    Data,
    /// A compiled WebAssembly module: a `WebAssembly.Module` default export.
    CompiledWasm,
}

/// What the wrangler configuration says about loading modules.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadOptions {
    /// `alias`: a specifier (or its prefix before `/`) → its replacement; relative replacements
    /// are already made absolute.
    pub alias: Vec<(String, String)>,
    /// `rules` then wrangler's defaults: a glob (`**/*.txt`) and how files matching it load.
    pub rules: Vec<(String, ModuleKind)>,
    /// `define`: identifiers (or dotted paths) and the JavaScript expression each stands for.
    pub define: Vec<(String, String)>,
    /// Whether `AsyncLocalStorage` follows `await`s (`nodejs_compat` or `nodejs_als`): sources
    /// are rewritten by [`crate::async_context`] and `node:async_hooks` is offered.
    pub async_context: bool,
    /// Whether the test modules resolve ([`TEST_BUILTINS`], `endure test`).
    pub testing: bool,
}

/// Wrangler's default module rules.
pub const DEFAULT_RULES: [(&str, ModuleKind); 6] = [
    ("**/*.txt", ModuleKind::Text),
    ("**/*.html", ModuleKind::Text),
    ("**/*.sql", ModuleKind::Text),
    ("**/*.bin", ModuleKind::Data),
    ("**/*.wasm", ModuleKind::CompiledWasm),
    ("**/*.wasm?module", ModuleKind::CompiledWasm),
];

/// Whether `path` matches a rule's glob: `**/` any folders, `*` any characters but `/`.
fn rule_matches(glob: &str, path: &str) -> bool {
    fn go(g: &[u8], p: &[u8]) -> bool {
        if g.is_empty() {
            return p.is_empty();
        }
        if g.starts_with(b"**/") {
            return (0..=p.len()).any(|i| (i == 0 || p[i - 1] == b'/') && go(&g[3..], &p[i..]));
        }
        if g[0] == b'*' {
            return (0..=p.len())
                .take_while(|i| *i == 0 || p[i - 1] != b'/')
                .any(|i| go(&g[1..], &p[i..]));
        }
        !p.is_empty() && g[0] == p[0] && go(&g[1..], &p[1..])
    }
    go(glob.as_bytes(), path.as_bytes())
}

/// The sources of one project, transpiled on first use and kept.
pub struct Sources {
    root: PathBuf,
    load: LoadOptions,
    /// What the project's `tsconfig.json` asks of the compiler (or why it cannot be read).
    options: Result<Options, String>,
    /// Each module's JavaScript and a hash of it (the key of its bytecode, bytecode.rs).
    cache: Mutex<HashMap<String, (Arc<str>, u64)>>,
    /// Every file read to load the project (modules, Text/Data files, `package.json`s): what
    /// `endure dev` watches.
    read: Mutex<std::collections::BTreeSet<PathBuf>>,
}

impl Sources {
    pub fn new(root: &Path) -> Sources {
        Sources::with(root, LoadOptions::default())
    }

    /// The sources of the project in `root`, loaded as `load` says.
    pub fn with(root: &Path, load: LoadOptions) -> Sources {
        Sources {
            load,
            root: root.to_path_buf(),
            options: Options::from_tsconfig(root),
            cache: Mutex::new(HashMap::new()),
            read: Mutex::new(std::collections::BTreeSet::new()),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Takes over what `other` (a fresh `Sources` of the same project, checked) has loaded,
    /// and forgets the rest: the next isolates use the new sources.
    pub fn replace_with(&self, other: &Sources) {
        let fresh = other
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        *self.cache.lock().unwrap_or_else(|e| e.into_inner()) = fresh;
        let read = other.read.lock().unwrap_or_else(|e| e.into_inner()).clone();
        *self.read.lock().unwrap_or_else(|e| e.into_inner()) = read;
    }

    /// The files read to load the project so far.
    pub fn files_read(&self) -> Vec<PathBuf> {
        let read = self.read.lock().unwrap_or_else(|e| e.into_inner());
        read.iter().cloned().collect()
    }

    fn note_read(&self, path: &Path) {
        self.read
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(path.to_path_buf());
    }

    /// `define`, as a script that sets each name on `globalThis` before any module runs.
    pub fn define_script(&self) -> String {
        let mut s = String::new();
        for (name, expr) in &self.load.define {
            let mut path = String::from("globalThis");
            let parts: Vec<&str> = name.split('.').collect();
            for (i, part) in parts.iter().enumerate() {
                let key = serde_json::to_string(part).unwrap_or_default();
                path.push_str(&format!("[{key}]"));
                if i + 1 < parts.len() {
                    s.push_str(&format!("if ({path} === undefined) {path} = {{}};\n"));
                }
            }
            s.push_str(&format!("{path} = ({expr});\n"));
        }
        s
    }

    /// How a non-code file loads, by the module rules.
    fn kind_of(&self, name: &str) -> Option<ModuleKind> {
        let rel = Path::new(name)
            .strip_prefix(&self.root)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| name.to_string());
        self.load
            .rules
            .iter()
            .map(|(g, k)| (g.as_str(), *k))
            .chain(DEFAULT_RULES.iter().copied())
            .find(|(g, _)| rule_matches(g, &rel))
            .map(|(_, k)| k)
    }

    /// `spec` with `alias` and tsconfig's `paths` / `baseUrl` applied: the file it names, if
    /// one of those mappings applies.
    fn mapped(&self, spec: &str) -> Result<Option<String>, String> {
        for (from, to) in &self.load.alias {
            let rest = if spec == from {
                Some("")
            } else {
                spec.strip_prefix(from.as_str())
                    .filter(|r| r.starts_with('/'))
            };
            if let Some(rest) = rest {
                let target = format!("{to}{rest}");
                if target.starts_with('/') {
                    return find_file(&normalize(Path::new(&target)))
                        .map(|p| Some(path_name(p)))
                        .ok_or_else(|| format!("alias {from:?} → {target}: no such file"));
                }
                return resolve_package(&self.root, &target, spec).map(|p| Some(path_name(p)));
            }
        }
        let Ok(o) = &self.options else {
            return Ok(None);
        };
        for (pattern, targets) in &o.paths {
            let star = match pattern.split_once('*') {
                Some((pre, post))
                    if spec.starts_with(pre)
                        && spec.ends_with(post)
                        && spec.len() >= pre.len() + post.len() =>
                {
                    Some(&spec[pre.len()..spec.len() - post.len()])
                }
                Some(_) => continue,
                None if pattern == spec => None,
                None => continue,
            };
            for t in targets {
                let t = match star {
                    Some(m) => t.replace('*', m),
                    None => t.clone(),
                };
                if let Some(f) = find_file(&normalize(&o.paths_base.join(t))) {
                    return Ok(Some(path_name(f)));
                }
            }
        }
        if let Some(base) = &o.base_url
            && let Some(f) = find_file(&normalize(&base.join(spec)))
        {
            return Ok(Some(path_name(f)));
        }
        Ok(None)
    }

    /// The module name (an absolute path, or a built-in's name) that `spec`, imported from
    /// module `base`, refers to.
    pub fn resolve(&self, base: &str, spec: &str) -> Result<String, String> {
        let builtin = if BUILTINS.iter().any(|(n, _)| *n == spec)
            || (self.load.testing && TEST_BUILTINS.iter().any(|(n, _)| *n == spec))
        {
            Some(spec.to_string())
        } else if NODE_BUILTINS.contains(&spec) {
            Some(format!("node:{spec}"))
        } else {
            None
        };
        if let Some(b) = builtin {
            if !self.offers(&b) {
                return Err(format!(
                    "module \"{spec}\" needs the \"nodejs_compat\" or \"nodejs_als\" \
                     compatibility flag (imported from {base})"
                ));
            }
            return Ok(b);
        }
        if spec.starts_with("cloudflare:") || spec.starts_with("node:") {
            return Err(format!(
                "module \"{spec}\" is not available in Endure (imported from {base})"
            ));
        }
        let base_dir = Path::new(base)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| self.root.clone());
        // `./x.wasm?module` (the form some bundlers want) names the file `./x.wasm`.
        let spec = spec.strip_suffix("?module").unwrap_or(spec);
        if spec.starts_with("./") || spec.starts_with("../") || spec.starts_with('/') {
            let target = normalize(&base_dir.join(spec));
            return find_file(&target)
                .map(path_name)
                .ok_or_else(|| format!("cannot find module \"{spec}\" imported from {base}"));
        }
        if spec.starts_with('#') {
            return resolve_import_map(base, spec, &CONDITIONS).map(path_name);
        }
        if let Some(f) = self.mapped(spec)? {
            return Ok(f);
        }
        resolve_package(&base_dir, spec, base).map(path_name)
    }

    /// How module `name` is loaded.
    pub fn format(&self, name: &str) -> Format {
        let path = Path::new(name);
        match path.extension().and_then(|e| e.to_str()) {
            Some("json") => return Format::Json,
            Some("cjs") => return Format::CommonJs,
            Some("mjs" | "ts" | "mts" | "tsx") => return Format::Esm,
            _ => {}
        }
        if builtin(name).is_some() {
            return Format::Esm;
        }
        if !matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("js" | "cjs")
        ) && self.kind_of(name).is_some()
        {
            return Format::Esm;
        }
        // A package that declares itself a module is one.
        for dir in path.ancestors().skip(1) {
            let manifest = dir.join("package.json");
            if manifest.is_file() {
                self.note_read(&manifest);
                let declared = std::fs::read_to_string(&manifest)
                    .ok()
                    .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                    .is_some_and(|m| m["type"] == "module");
                if declared {
                    return Format::Esm;
                }
                break;
            }
            if dir == self.root {
                break;
            }
        }
        self.note_read(path);
        match std::fs::read_to_string(path) {
            Ok(src) if !has_esm_syntax(&src) => Format::CommonJs,
            _ => Format::Esm,
        }
    }

    /// A file's text (for `require`): as it is, or with the async context carried across its
    /// `await`s.
    pub fn raw(&self, name: &str) -> Result<String, String> {
        self.note_read(Path::new(name));
        let text = std::fs::read_to_string(name).map_err(|e| format!("cannot read {name}: {e}"))?;
        if !self.load.async_context || name.ends_with(".json") {
            return Ok(text);
        }
        match instrument(&text, Goal::CommonJs) {
            Ok(Some(out)) => Ok(out),
            // A file that does not parse is left to `require` to report.
            Ok(None) | Err(_) => Ok(text),
        }
    }

    /// Whether `AsyncLocalStorage` follows `await`s in this project.
    /// Whether the test modules resolve (`endure test`).
    pub fn testing(&self) -> bool {
        self.load.testing
    }

    pub fn async_context(&self) -> bool {
        self.load.async_context
    }

    /// Whether a module name is one Endure offers: `node:async_hooks` only with the flags.
    fn offers(&self, spec: &str) -> bool {
        spec != "node:async_hooks" || self.load.async_context
    }

    /// `require(spec)` from the file `base`: relative files (`.js`, `.json`, a directory's
    /// `index.js`) and packages, preferring their CommonJS entries.
    pub fn resolve_require(&self, base: &str, spec: &str) -> Result<String, String> {
        let base_dir = Path::new(base)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| self.root.clone());
        if spec.starts_with("./")
            || spec.starts_with("../")
            || spec.starts_with('/')
            || spec == "."
            || spec == ".."
        {
            let target = normalize(&base_dir.join(spec));
            return find_file(&target)
                .map(path_name)
                .ok_or_else(|| format!("cannot find module \"{spec}\" required from {base}"));
        }
        if spec.starts_with('#') {
            return resolve_import_map(base, spec, &REQUIRE_CONDITIONS).map(path_name);
        }
        resolve_package_with(&base_dir, spec, base, &REQUIRE_CONDITIONS).map(path_name)
    }

    /// The JavaScript source of module `name`.
    pub fn load(&self, name: &str) -> Result<Arc<str>, String> {
        self.load_keyed(name).map(|(s, _)| s)
    }

    /// The JavaScript source of module `name`, and a hash of it.
    pub fn load_keyed(&self, name: &str) -> Result<(Arc<str>, u64), String> {
        if let Some(src) = builtin(name) {
            return Ok((Arc::from(src), hash(src)));
        }
        if let Some(s) = self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
        {
            return Ok(s.clone());
        }
        let path = Path::new(name);
        if !is_typescript(path)
            && !matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("js" | "mjs" | "cjs" | "json")
            )
            && let Some(kind) = self.kind_of(name)
        {
            return self.load_rule(name, kind);
        }
        self.note_read(path);
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {name}: {e}"))?;
        let js = if path.extension().is_some_and(|e| e == "json") {
            serde_json::from_str::<serde_json::Value>(&text)
                .map_err(|e| format!("{name} is not valid JSON: {e}"))?;
            format!("export default {text};\n")
        } else {
            let source_type = SourceType::from_path(path)
                .unwrap_or_else(|_| SourceType::mjs())
                .with_module(true);
            // Standard decorators (and `accessor` fields) first: QuickJS parses neither. With
            // tsconfig's experimentalDecorators, TypeScript's legacy ones are the compiler's.
            let legacy =
                is_typescript(path) && self.options.as_ref().is_ok_and(|o| o.legacy_decorators);
            let text = if legacy {
                text
            } else {
                match crate::decorators::lower(&text, source_type) {
                    Ok(Some(out)) => out,
                    Ok(None) => text,
                    Err(e) => return Err(format!("{name}: {e}")),
                }
            };
            let text = if self.load.async_context {
                match instrument(&text, Goal::Module(source_type)) {
                    Ok(Some(out)) => out,
                    Ok(None) => text,
                    // Compiling (or QuickJS) reports it with its place.
                    Err(_) => text,
                }
            } else {
                text
            };
            if is_typescript(path) {
                let options = self.options.as_ref().map_err(Clone::clone)?;
                compile(path, &text, options).map_err(|e| format!("{name}: {e}"))?
            } else {
                text
            }
        };
        Ok(self.keep(name, js))
    }
}

impl Sources {
    /// Caches a module's JavaScript (and its hash) for the next isolates.
    fn keep(&self, name: &str, js: String) -> (Arc<str>, u64) {
        let key = hash(&js);
        let js: Arc<str> = Arc::from(js);
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_string(), (js.clone(), key));
        (js, key)
    }

    /// A Text or Data module: the file as the default export.
    fn load_rule(&self, name: &str, kind: ModuleKind) -> Result<(Arc<str>, u64), String> {
        self.note_read(Path::new(name));
        let bytes = std::fs::read(name).map_err(|e| format!("cannot read {name}: {e}"))?;
        let js = match kind {
            ModuleKind::Text => {
                let text = String::from_utf8(bytes)
                    .map_err(|_| format!("{name} is imported as Text but is not UTF-8"))?;
                format!(
                    "export default {};\n",
                    serde_json::to_string(&text).unwrap_or_default()
                )
            }
            ModuleKind::Data => format!(
                "export default globalThis.__endure_rt.dataModule({});\n",
                serde_json::to_string(&crate::kv::encode_value(&bytes)).unwrap_or_default()
            ),
            // A `WebAssembly.Module`, compiled by the host once per process (wasm/).
            ModuleKind::CompiledWasm => format!(
                "export default globalThis.__endure_rt.wasmModule({});\n",
                serde_json::to_string(name).unwrap_or_default()
            ),
        };
        Ok(self.keep(name, js))
    }
}

/// A hash of a module's JavaScript (its bytecode's key).
fn hash(js: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    js.hash(&mut h);
    h.finish()
}

fn path_name(p: PathBuf) -> String {
    p.to_string_lossy().into_owned()
}

/// `a/./b/../c` → `a/c`, without touching the file system.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The file a specifier names: itself, with a known extension, or a directory's index.
fn find_file(target: &Path) -> Option<PathBuf> {
    for ext in EXTENSIONS {
        let p = PathBuf::from(format!("{}{ext}", target.display()));
        if p.is_file() {
            return Some(p);
        }
    }
    // TypeScript projects import "./x.js" meaning "./x.ts".
    if target.extension().is_some_and(|e| e == "js") {
        let ts = target.with_extension("ts");
        if ts.is_file() {
            return Some(ts);
        }
    }
    for index in ["index.ts", "index.js", "index.mjs"] {
        let p = target.join(index);
        if p.is_file() {
            return Some(p);
        }
    }
    None
}

/// `pkg`, `pkg/sub`, `@scope/pkg`, `@scope/pkg/sub` → (package name, subpath).
fn split_package(spec: &str) -> (String, Option<String>) {
    let mut parts = spec.splitn(if spec.starts_with('@') { 3 } else { 2 }, '/');
    let name = if spec.starts_with('@') {
        format!(
            "{}/{}",
            parts.next().unwrap_or(""),
            parts.next().unwrap_or("")
        )
    } else {
        parts.next().unwrap_or("").to_string()
    };
    (name, parts.next().map(String::from))
}

use crate::package::{IMPORT_CONDITIONS as CONDITIONS, REQUIRE_CONDITIONS};

/// `#name` from the file `base`: the nearest `package.json`'s `imports` map.
fn resolve_import_map(base: &str, spec: &str, conditions: &[&str]) -> Result<PathBuf, String> {
    let dir = Path::new(base)
        .ancestors()
        .skip(1)
        .find(|d| d.join("package.json").is_file())
        .ok_or_else(|| {
            format!("\"{spec}\" (imported from {base}): no package.json with \"imports\"")
        })?;
    let manifest = crate::package::Manifest::read(dir);
    let imports = manifest.imports.ok_or_else(|| {
        format!(
            "\"{spec}\" (imported from {base}): {} has no \"imports\"",
            dir.join("package.json").display()
        )
    })?;
    match crate::package::lookup(&imports, spec, conditions) {
        crate::package::Found::Path(p) if p.starts_with("./") => {
            let target = normalize(&dir.join(&p));
            find_file(&target).ok_or_else(|| {
                format!(
                    "\"{spec}\" maps to {}, which does not exist",
                    target.display()
                )
            })
        }
        // A bare target is a package name.
        crate::package::Found::Path(p) => resolve_package_with(dir, &p, base, conditions),
        _ => Err(format!(
            "\"{spec}\" is not in the \"imports\" of {} (imported from {base})",
            dir.join("package.json").display()
        )),
    }
}

fn resolve_package(from: &Path, spec: &str, base: &str) -> Result<PathBuf, String> {
    // A package without an ES-module entry is loaded through its CommonJS one.
    resolve_package_with(from, spec, base, &CONDITIONS)
        .or_else(|e| resolve_package_with(from, spec, base, &REQUIRE_CONDITIONS).map_err(|_| e))
}

fn resolve_package_with(
    from: &Path,
    spec: &str,
    base: &str,
    conditions: &[&str],
) -> Result<PathBuf, String> {
    let (name, sub) = split_package(spec);
    let dir = from
        .ancestors()
        .map(|d| d.join("node_modules").join(&name))
        .find(|d| d.is_dir())
        .ok_or_else(|| {
            format!("cannot find package \"{name}\" (imported from {base}) in node_modules")
        })?;
    let manifest = crate::package::Manifest::read(&dir);
    let key = match &sub {
        Some(s) => format!("./{s}"),
        None => ".".to_string(),
    };
    let entry = match &manifest.exports {
        Some(exports) => match crate::package::lookup(exports, &key, conditions) {
            crate::package::Found::Path(p) => p,
            crate::package::Found::Hidden => {
                return Err(format!(
                    "package \"{name}\" exports \"{key}\" under none of the conditions {conditions:?} (imported from {base})"
                ));
            }
            crate::package::Found::NoKey => {
                return Err(format!(
                    "package \"{name}\" does not export \"{key}\" (imported from {base})"
                ));
            }
        },
        None => match &sub {
            Some(s) => s.clone(),
            None => manifest
                .module
                .as_ref()
                .and_then(|m| m.as_str())
                .filter(|_| conditions.contains(&"import"))
                .or_else(|| manifest.main.as_ref().and_then(|m| m.as_str()))
                .unwrap_or("index.js")
                .to_string(),
        },
    };
    let target = normalize(&dir.join(&entry));
    find_file(&target).ok_or_else(|| {
        format!(
            "package \"{name}\": its entry {} does not exist",
            target.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_rule_globs() {
        assert!(rule_matches("**/*.txt", "a.txt"));
        assert!(rule_matches("**/*.txt", "src/deep/a.txt"));
        assert!(!rule_matches("**/*.txt", "a.txt.js"));
        assert!(rule_matches("*.md", "README.md"));
        assert!(!rule_matches("*.md", "docs/README.md"), "* stops at /");
        assert!(rule_matches("src/**/*.sql", "src/db/q.sql"));
        assert!(!rule_matches("src/**/*.sql", "lib/q.sql"));
    }

    fn write(dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn relative_json_and_package_imports() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        write(root, "src/index.ts", "export const a: number = 1;");
        write(root, "src/lib/util.ts", "export const b = 2;");
        write(root, "src/data.json", "{\"k\": 1}");
        write(
            root,
            "node_modules/esm-pkg/package.json",
            r#"{"name": "esm-pkg", "exports": {".": {"require": "./c.cjs", "import": "./m.js"}, "./extra": "./extra.js"}}"#,
        );
        write(root, "node_modules/esm-pkg/m.js", "export default 1;");
        write(root, "node_modules/esm-pkg/extra.js", "export default 2;");
        write(
            root,
            "node_modules/@s/typed/package.json",
            r#"{"type": "module", "main": "lib/main.js"}"#,
        );
        write(
            root,
            "node_modules/@s/typed/lib/main.js",
            "export default 3;",
        );
        write(
            root,
            "node_modules/old-cjs/package.json",
            r#"{"main": "index.js"}"#,
        );
        write(root, "node_modules/old-cjs/index.js", "module.exports = 1;");
        let s = Sources::new(root);
        let index = root.join("src/index.ts").display().to_string();
        assert_eq!(
            s.resolve(&index, "./lib/util").unwrap(),
            root.join("src/lib/util.ts").display().to_string()
        );
        assert_eq!(
            s.resolve(&index, "./lib/util.js").unwrap(),
            root.join("src/lib/util.ts").display().to_string()
        );
        let json = s.resolve(&index, "./data.json").unwrap();
        assert_eq!(&*s.load(&json).unwrap(), "export default {\"k\": 1};\n");
        assert!(
            s.resolve(&index, "esm-pkg")
                .unwrap()
                .ends_with("esm-pkg/m.js")
        );
        assert!(
            s.resolve(&index, "esm-pkg/extra")
                .unwrap()
                .ends_with("extra.js")
        );
        assert!(
            s.resolve(&index, "@s/typed")
                .unwrap()
                .ends_with("lib/main.js")
        );
        let cjs = s.resolve(&index, "old-cjs").unwrap();
        assert!(cjs.ends_with("old-cjs/index.js"));
        assert_eq!(s.format(&cjs), Format::CommonJs);
        assert_eq!(s.format(&index), Format::Esm);
        // `require` prefers the CommonJS entry (absent here: a clear error).
        let e = s.resolve_require(&index, "esm-pkg").unwrap_err();
        assert!(e.contains("c.cjs does not exist"), "{e}");
        assert!(
            s.resolve_require(&index, "old-cjs")
                .unwrap()
                .ends_with("old-cjs/index.js")
        );
        let e = s.resolve(&index, "nowhere").unwrap_err();
        assert!(e.contains("cannot find package \"nowhere\""), "{e}");
        let e = s.resolve(&index, "./missing").unwrap_err();
        assert!(e.contains("cannot find module \"./missing\""), "{e}");
        assert_eq!(
            s.resolve(&index, "cloudflare:workers").unwrap(),
            "cloudflare:workers"
        );
        let ts = s
            .load(&root.join("src/index.ts").display().to_string())
            .unwrap();
        assert!(ts.contains("export const a = 1"), "{ts}");
    }
}
