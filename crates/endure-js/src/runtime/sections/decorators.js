// A section of the runtime prelude loaded on first use (see bytecode.rs): TC39 (standard)
// decorators, applied to a class that decorators.rs rewrote. The rewritten class calls
// `__endure_dcl(define, classDecorators, members, name)`: `define(h)` defines the class with
// its decorators taken off, its decorated fields initialised through `h.field`, its decorated
// static fields and accessors deferred to `h.defer`, and `h.start(this)` first among its
// fields (where instance initializers run). Each member is `[decorators, kind, key, static,
// slot]`. Decorators apply in the standard's order: members in document order (each member's
// decorators last to first), then the class's; initializers as the standard says.
export default function () {
  const metadataSymbol = Symbol.metadata || Symbol.for('Symbol.metadata');
  if (!Symbol.metadata) Object.defineProperty(Symbol, 'metadata', { value: metadataSymbol });
  function callable(x, what) {
    if (typeof x !== 'function') throw new TypeError(`${what} must be a function`);
    return x;
  }
  return function decorate(define, classDecorators, members, className) {
    const fieldInits = [];
    const instanceInits = [];
    const staticInits = [];
    const classInits = [];
    const deferred = [];
    let done = false;
    const h = {
      start(instance) { for (const f of instanceInits) f.call(instance); },
      field(instance, slot, value) {
        let v = value;
        for (const f of fieldInits[slot] || []) v = f.call(instance, v);
        return v;
      },
      defer(cls, slot, key, thunk, assign) { deferred.push({ cls, slot, key, thunk, assign }); },
    };
    let C = define(h);
    const parent = Object.getPrototypeOf(C);
    const metadata = Object.create((parent && parent[metadataSymbol]) || null);
    const context = (kind, name, isStatic, inits, access) => ({
      kind, name, static: isStatic, private: false, metadata, access,
      addInitializer(f) {
        if (done) throw new TypeError('addInitializer called after decoration finished');
        inits.push(callable(f, 'An initializer'));
      },
    });
    for (const [decorators, kind, key, isStatic, slot] of members) {
      const target = isStatic ? C : C.prototype;
      const inits = isStatic ? staticInits : instanceInits;
      const access = {
        has: (o) => key in o,
        get: (o) => o[key],
        set: (o, v) => { o[key] = v; },
      };
      const desc = Object.getOwnPropertyDescriptor(target, key);
      if (kind === 'method' || kind === 'getter' || kind === 'setter') {
        const slotName = kind === 'method' ? 'value' : kind === 'getter' ? 'get' : 'set';
        let v = desc[slotName];
        for (let i = decorators.length - 1; i >= 0; i--) {
          const r = decorators[i](v, context(kind, key, isStatic, inits, kind === 'setter' ? { has: access.has, set: access.set } : { has: access.has, get: access.get }));
          if (r !== undefined) v = callable(r, `A ${kind} decorator's result`);
        }
        Object.defineProperty(target, key, Object.assign({}, desc, { [slotName]: v }));
      } else if (kind === 'field') {
        const list = [];
        for (let i = decorators.length - 1; i >= 0; i--) {
          const r = decorators[i](undefined, context('field', key, isStatic, inits, access));
          if (r !== undefined) list.push(callable(r, 'A field decorator\'s result'));
        }
        fieldInits[slot] = list;
      } else if (kind === 'accessor') {
        let value = { get: desc.get, set: desc.set };
        const list = [];
        for (let i = decorators.length - 1; i >= 0; i--) {
          const r = decorators[i](value, context('accessor', key, isStatic, inits, access));
          if (r === undefined) continue;
          if (r === null || typeof r !== 'object') throw new TypeError('An accessor decorator must return an object or undefined');
          value = { get: r.get === undefined ? value.get : callable(r.get, 'get'), set: r.set === undefined ? value.set : callable(r.set, 'set') };
          if (r.init !== undefined) list.push(callable(r.init, 'init'));
        }
        fieldInits[slot] = list;
        Object.defineProperty(target, key, Object.assign({}, desc, value));
      }
    }
    const original = C;
    for (let i = classDecorators.length - 1; i >= 0; i--) {
      const r = classDecorators[i](C, context('class', className, undefined, classInits, undefined));
      if (r !== undefined) C = callable(r, 'A class decorator\'s result');
    }
    Object.defineProperty(C, metadataSymbol, { value: metadata, writable: true, enumerable: false, configurable: true });
    done = true;
    for (const f of staticInits) f.call(original);
    for (const d of deferred) {
      const v = h.field(d.cls, d.slot, d.thunk());
      if (d.assign) d.assign(d.cls, v);
      else Object.defineProperty(d.cls, d.key, { value: v, writable: true, enumerable: true, configurable: true });
    }
    for (const f of classInits) f.call(C);
    return C;
  };
}
