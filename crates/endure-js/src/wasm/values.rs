//! Wasm values and what the prelude passes for them: numbers for `i32`, `f32` and `f64`,
//! BigInts for `i64`, and numbers naming references (0 is null): an `externref` carries the id
//! the prelude gave its JavaScript value, a `funcref` the id of a function in [`Host::funcs`].
//! The prelude coerces JavaScript values (ToInt32, ToBigInt64, …) before they get here.

use super::Host;
use rquickjs::{BigInt, Ctx, Exception, Value};
use wasmi::{AsContext, AsContextMut, ExternRef, Func, Nullable, Ref, RefType, Val, ValType};

/// A Wasm value without its store: what an import call carries out of a Wasm call.
#[derive(Debug, Clone, Copy)]
pub enum Raw {
    I32(i32),
    I64(i64),
    F32(f32),
    F64(f64),
    /// A reference's id (0: null).
    Ref(u32),
}

pub fn type_name(t: ValType) -> &'static str {
    match t {
        ValType::I32 => "i32",
        ValType::I64 => "i64",
        ValType::F32 => "f32",
        ValType::F64 => "f64",
        ValType::V128 => "v128",
        ValType::FuncRef => "anyfunc",
        ValType::ExternRef => "externref",
    }
}

pub fn parse_type(s: &str) -> Option<ValType> {
    Some(match s {
        "i32" => ValType::I32,
        "i64" => ValType::I64,
        "f32" => ValType::F32,
        "f64" => ValType::F64,
        "anyfunc" | "funcref" => ValType::FuncRef,
        "externref" => ValType::ExternRef,
        _ => return None,
    })
}

/// The id of a function, registered if new.
pub fn func_id(store: &mut impl AsContextMut<Data = Host>, f: Func) -> u32 {
    let mut ctx = store.as_context_mut();
    let host = ctx.data_mut();
    let key = format!("{f:?}");
    if let Some(id) = host.func_ids.get(&key) {
        return *id;
    }
    host.funcs.push(f);
    let id = host.funcs.len() as u32;
    host.func_ids.insert(key, id);
    id
}

pub fn raw_of(store: &mut impl AsContextMut<Data = Host>, v: &Val) -> Raw {
    match v {
        Val::I32(x) => Raw::I32(*x),
        Val::I64(x) => Raw::I64(*x),
        Val::F32(x) => Raw::F32(f32::from(*x)),
        Val::F64(x) => Raw::F64(f64::from(*x)),
        // The prelude refuses v128 at the boundary, as the JS API does.
        Val::V128(_) => Raw::I32(0),
        Val::FuncRef(Nullable::Val(f)) => Raw::Ref(func_id(store, *f)),
        Val::ExternRef(Nullable::Val(e)) => Raw::Ref(
            e.data(store.as_context())
                .downcast_ref::<u32>()
                .copied()
                .unwrap_or(0),
        ),
        Val::FuncRef(Nullable::Null) | Val::ExternRef(Nullable::Null) => Raw::Ref(0),
    }
}

pub fn js_of<'js>(ctx: &Ctx<'js>, raw: Raw) -> rquickjs::Result<Value<'js>> {
    Ok(match raw {
        Raw::I32(x) => Value::new_int(ctx.clone(), x),
        Raw::I64(x) => BigInt::from_i64(ctx.clone(), x)?.into_value(),
        Raw::F32(x) => Value::new_float(ctx.clone(), f64::from(x)),
        Raw::F64(x) => Value::new_float(ctx.clone(), x),
        Raw::Ref(id) => Value::new_float(ctx.clone(), f64::from(id)),
    })
}

fn number(ctx: &Ctx<'_>, v: &Value<'_>) -> rquickjs::Result<f64> {
    v.as_number()
        .ok_or_else(|| Exception::throw_type(ctx, "expected a number for a WebAssembly value"))
}

pub fn val_of<'js>(
    ctx: &Ctx<'js>,
    store: &mut impl AsContextMut<Data = Host>,
    v: Value<'js>,
    t: ValType,
) -> rquickjs::Result<Val> {
    Ok(match t {
        ValType::I32 => Val::I32(number(ctx, &v)? as i64 as i32),
        ValType::I64 => match v.as_big_int() {
            Some(b) => Val::I64(b.clone().to_i64()?),
            None => return Err(Exception::throw_type(ctx, "an i64 value must be a BigInt")),
        },
        ValType::F32 => Val::F32((number(ctx, &v)? as f32).into()),
        ValType::F64 => Val::F64(number(ctx, &v)?.into()),
        ValType::V128 => {
            return Err(Exception::throw_type(
                ctx,
                "v128 values cannot cross into JavaScript",
            ));
        }
        ValType::FuncRef => Val::from(ref_of(ctx, store, v, RefType::Func)?),
        ValType::ExternRef => Val::from(ref_of(ctx, store, v, RefType::Extern)?),
    })
}

pub fn ref_of<'js>(
    ctx: &Ctx<'js>,
    store: &mut impl AsContextMut<Data = Host>,
    v: Value<'js>,
    t: RefType,
) -> rquickjs::Result<Ref> {
    let id = if v.is_undefined() || v.is_null() {
        0
    } else {
        number(ctx, &v)? as u32
    };
    Ok(match t {
        RefType::Func if id == 0 => Ref::Func(Nullable::Null),
        RefType::Func => {
            let f = store
                .as_context()
                .data()
                .funcs
                .get(id as usize - 1)
                .copied()
                .ok_or_else(|| Exception::throw_type(ctx, "not a WebAssembly function"))?;
            Ref::Func(Nullable::Val(f))
        }
        RefType::Extern if id == 0 => Ref::Extern(Nullable::Null),
        RefType::Extern => Ref::Extern(Nullable::Val(ExternRef::new(store, id))),
    })
}
