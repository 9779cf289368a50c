//! How an isolate finds and loads the project's modules: resolution through [`Sources`], ES
//! modules compiled (and cached as bytecode), CommonJS files run through `require` and
//! re-exported; in a test isolate, mocked modules redirected to their mocks.

use crate::modules::Sources;
use rquickjs::loader::{ImportAttributes, Loader, Resolver};
use rquickjs::{Ctx, Function, Module, Object};
use std::sync::Arc;

/// Resolves imports; in a test isolate, imports of mocked modules go to their mocks.
pub(crate) struct ProjectResolver(
    pub(crate) Arc<Sources>,
    pub(crate) Option<crate::testing::mocks::Mocks>,
);
impl Resolver for ProjectResolver {
    fn resolve<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        base: &str,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<String> {
        use crate::testing::mocks::{MOCK, REAL, SETUP};
        if std::path::Path::new(name).is_absolute() {
            return Ok(name.to_string());
        }
        if self.1.is_some() && [SETUP, MOCK, REAL].iter().any(|p| name.starts_with(p)) {
            return Ok(name.to_string());
        }
        let resolved = self
            .0
            .resolve(base.strip_prefix(REAL).unwrap_or(base), name)
            .map_err(|m| rquickjs::Exception::throw_message(ctx, &m))?;
        Ok(match &self.1 {
            Some(mocks) => mocks.redirect(base, resolved),
            None => resolved,
        })
    }
}

/// Loads modules; in a test isolate, also the mocks' modules, and hoists `vi.mock` calls.
pub(crate) struct ProjectLoader(
    pub(crate) Arc<Sources>,
    pub(crate) Option<crate::testing::mocks::Mocks>,
);
impl Loader for ProjectLoader {
    fn load<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<Module<'js, rquickjs::module::Declared>> {
        if let Some(mocks) = &self.1 {
            use crate::testing::mocks::{MOCK, REAL, mock_source};
            let fail = |m: String| rquickjs::Exception::throw_message(ctx, &m);
            if let Some(setup) = mocks.setup(name) {
                return Module::declare(ctx.clone(), name, setup);
            }
            if let Some(path) = name.strip_prefix(MOCK) {
                return Module::declare(ctx.clone(), name, mock_source(&self.0, path));
            }
            if let Some(path) = name.strip_prefix(REAL) {
                let src = self.0.load(path).map_err(fail)?;
                return Module::declare(ctx.clone(), name, src.to_string());
            }
            if self.0.format(name) != crate::modules::Format::CommonJs {
                let (src, _) = self.0.load_keyed(name).map_err(fail)?;
                if let Some(hoisted) = mocks.hoist(&self.0, name, &src).map_err(fail)? {
                    return Module::declare(ctx.clone(), name, hoisted);
                }
            }
        }
        if self.0.format(name) == crate::modules::Format::CommonJs {
            // Run it through `require` now and export what it exports.
            let rt: Object = ctx.globals().get("__endure_rt")?;
            let names_fn: Function = rt.get("cjsNames")?;
            let names: Vec<String> = names_fn.call((name,))?;
            let quoted = serde_json::to_string(name).unwrap_or_default();
            let mut src = format!(
                "const m = globalThis.__endure_rt.requireFile({quoted});\n\
                 export default (m && m.__esModule && 'default' in m) ? m.default : m;\n"
            );
            for n in names {
                src.push_str(&format!("export const {n} = m.{n};\n"));
            }
            return Module::declare(ctx.clone(), name, src);
        }
        let (src, key) = self
            .0
            .load_keyed(name)
            .map_err(|m| rquickjs::Exception::throw_message(ctx, &m))?;
        crate::bytecode::project_module(ctx, name, &src, key)
    }
}
