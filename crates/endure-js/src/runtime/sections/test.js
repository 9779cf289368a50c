// A section of the runtime prelude loaded on first use (see bytecode.rs): what `endure test`
// gives a test file. `vitest` (suites, tests, hooks, `expect` and its matchers, `vi`) and
// `cloudflare:test` (`env`, `SELF`, the workflow introspectors). Written for Endure after
// Vitest's and Cloudflare's documented APIs; messages follow theirs where tests read them.
// The host side is testing.rs: `host.test(text)` answers synchronous calls (modifiers,
// sessions), `call('introspect', …)` the ones that wait on the engine.
export default function (rt) {
  const { host, call, post, env, encode, decode, entrypointOf } = rt;
  const realSetTimeout = globalThis.setTimeout;
  const realClearTimeout = globalThis.clearTimeout;
  const RealDate = globalThis.Date;
  const realNow = RealDate.now;

  function sync(op, fields) {
    if (typeof host.test !== 'function') throw new Error('cloudflare:test is only available under `endure test`');
    const r = JSON.parse(host.test(JSON.stringify(Object.assign({}, fields, { op }))));
    if (!r.ok) throw new Error(r.error);
    return r.value;
  }
  function introspect(method, fields) {
    return call('introspect', Object.assign({}, fields, { method }));
  }

  // ---------------------------------------------------------------- formatting
  function isObj(v) { return v !== null && typeof v === 'object'; }
  function isAsym(v) { return isObj(v) && typeof v.asymmetricMatch === 'function'; }
  function ctorName(v) {
    const p = Object.getPrototypeOf(v);
    if (p === null) return 'Object';
    return (p.constructor && p.constructor.name) || 'Object';
  }
  function quote(s) { return JSON.stringify(s); }
  // Multi-line, as Vitest prints values in diffs (pretty-format).
  function pretty(v, indent, seen, raw) {
    indent = indent || '';
    seen = seen || [];
    const inner = indent + '  ';
    switch (typeof v) {
      case 'string': return raw ? `"${v}"` : quote(v);
      case 'number': return Object.is(v, -0) ? '-0' : String(v);
      case 'bigint': return `${v}n`;
      case 'undefined': return 'undefined';
      case 'boolean': return String(v);
      case 'symbol': return v.toString();
      case 'function': return `[Function ${v.name || 'anonymous'}]`;
    }
    if (v === null) return 'null';
    if (isAsym(v)) return v.toString();
    if (seen.includes(v)) return '[Circular]';
    if (v instanceof RealDate) return isNaN(v.getTime()) ? 'Date { NaN }' : v.toISOString();
    if (v instanceof RegExp) return String(v);
    if (v instanceof Error) return `[${v.name}: ${v.message}]`;
    seen = seen.concat([v]);
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return `[\n${v.map((x) => inner + pretty(x, inner, seen, raw) + ',').join('\n')}\n${indent}]`;
    }
    if (v instanceof Map) {
      if (v.size === 0) return 'Map {}';
      return `Map {\n${Array.from(v, ([k, x]) => `${inner}${pretty(k, inner, seen, raw)} => ${pretty(x, inner, seen, raw)},`).join('\n')}\n${indent}}`;
    }
    if (v instanceof Set) {
      if (v.size === 0) return 'Set {}';
      return `Set {\n${Array.from(v, (x) => inner + pretty(x, inner, seen, raw) + ',').join('\n')}\n${indent}}`;
    }
    if (ArrayBuffer.isView(v)) return `${ctorName(v)} [${Array.from(v).join(', ')}]`;
    const name = ctorName(v);
    const keys = Object.keys(v).sort();
    const head = name === 'Object' ? '' : `${name} `;
    if (keys.length === 0) return `${head}{}`;
    return `${head}{\n${keys.map((k) => `${inner}${quote(k)}: ${pretty(v[k], inner, seen, raw)},`).join('\n')}\n${indent}}`;
  }
  // One line, as assertion messages show values (chai's inspect).
  function inspect(v, seen) {
    seen = seen || [];
    switch (typeof v) {
      case 'string': return `'${v.replace(/'/g, "\\'")}'`;
      case 'number': return Object.is(v, -0) ? '-0' : String(v);
      case 'bigint': return `${v}n`;
      case 'function': return `[Function${v.name ? ' ' + v.name : ''}]`;
      case 'undefined': case 'boolean': case 'symbol': return String(v);
    }
    if (v === null) return 'null';
    if (isAsym(v)) return v.toString();
    if (seen.includes(v)) return '[Circular]';
    if (v instanceof RealDate) return isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
    if (v instanceof RegExp) return String(v);
    if (v instanceof Error) return `${v.name}: ${v.message}`;
    seen = seen.concat([v]);
    let out;
    if (Array.isArray(v)) out = v.length ? `[ ${v.map((x) => inspect(x, seen)).join(', ')} ]` : '[]';
    else if (v instanceof Map) out = `Map{ ${Array.from(v, ([k, x]) => `${inspect(k, seen)} => ${inspect(x, seen)}`).join(', ')} }`;
    else if (v instanceof Set) out = `Set{ ${Array.from(v, (x) => inspect(x, seen)).join(', ')} }`;
    else if (typeof v.then === 'function') out = 'Promise{…}';
    else {
      const keys = Object.keys(v);
      const name = ctorName(v);
      const body = keys.length ? `{ ${keys.map((k) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : inspect(k)}: ${inspect(v[k], seen)}`).join(', ')} }` : '{}';
      out = name === 'Object' ? body : `${name}${body}`;
    }
    if (out.length > 120) {
      if (Array.isArray(v)) return `[ …(${v.length}) ]`;
      return `{ ${ctorName(v)} (${Object.keys(v).slice(0, 3).join(', ')}${Object.keys(v).length > 3 ? ', …' : ''}) }`;
    }
    return out;
  }

  // A line diff of two printed values (longest common subsequence), Vitest's layout.
  function diff(expected, received, texts) {
    const a = (texts ? String(expected) : pretty(expected)).split('\n');
    const b = (texts ? String(received) : pretty(received)).split('\n');
    if (a.length * b.length > 250000) return `- Expected\n+ Received\n\n- ${a.join('\n- ')}\n+ ${b.join('\n+ ')}`;
    const n = a.length;
    const m = b.length;
    const lcs = Array.from({ length: n + 1 }, () => new Array(m + 1).fill(0));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    const lines = [];
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[i] === b[j]) { lines.push(`  ${a[i]}`); i++; j++; }
      else if (j < m && (i === n || lcs[i][j + 1] >= lcs[i + 1][j])) {
        // Removals (expected) before additions (received) within a run of changes.
        if (i < n && lcs[i + 1][j] === lcs[i][j + 1]) { lines.push(`- ${a[i]}`); i++; }
        else { lines.push(`+ ${b[j]}`); j++; }
      } else { lines.push(`- ${a[i]}`); i++; }
    }
    return `- Expected\n+ Received\n\n${lines.join('\n')}`;
  }

  // ---------------------------------------------------------------- equality
  function equals(a, b, strict, seen) {
    if (isAsym(b)) return !!b.asymmetricMatch(a);
    if (isAsym(a)) return !!a.asymmetricMatch(b);
    if (Object.is(a, b)) return true;
    if (!isObj(a) || !isObj(b)) {
      return false;
    }
    seen = seen || [];
    for (const [x, y] of seen) if (x === a && y === b) return true;
    seen = seen.concat([[a, b]]);
    if (strict && Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
    if (a instanceof RealDate || b instanceof RealDate) return a instanceof RealDate && b instanceof RealDate && Object.is(a.getTime(), b.getTime());
    if (a instanceof RegExp || b instanceof RegExp) return String(a) === String(b);
    if (a instanceof Error || b instanceof Error) return a instanceof Error && b instanceof Error && a.name === b.name && a.message === b.message;
    if (Array.isArray(a) !== Array.isArray(b)) return false;
    if (a instanceof Map || b instanceof Map) {
      if (!(a instanceof Map && b instanceof Map) || a.size !== b.size) return false;
      for (const [k, v] of a) {
        if (!b.has(k) || !equals(v, b.get(k), strict, seen)) return false;
      }
      return true;
    }
    if (a instanceof Set || b instanceof Set) {
      if (!(a instanceof Set && b instanceof Set) || a.size !== b.size) return false;
      for (const v of a) {
        if (!b.has(v) && !Array.from(b).some((w) => equals(v, w, strict, seen))) return false;
      }
      return true;
    }
    if (a instanceof ArrayBuffer || b instanceof ArrayBuffer) {
      if (!(a instanceof ArrayBuffer && b instanceof ArrayBuffer)) return false;
      return equals(new Uint8Array(a), new Uint8Array(b), strict, seen);
    }
    if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
      if (!(ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) || a.length !== b.length || ctorName(a) !== ctorName(b)) return false;
      for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
      return true;
    }
    if (Array.isArray(a)) {
      if (a.length !== b.length) return false;
      for (let i = 0; i < a.length; i++) {
        if (strict && (i in a) !== (i in b)) return false;
        if (!equals(a[i], b[i], strict, seen)) return false;
      }
      return true;
    }
    const keys = (o) => Object.keys(o).filter((k) => strict || o[k] !== undefined);
    const ka = keys(a);
    const kb = keys(b);
    if (ka.length !== kb.length) return false;
    for (const k of ka) {
      if (!Object.prototype.hasOwnProperty.call(b, k) && !(strict === false && b[k] === undefined)) return false;
      if (!equals(a[k], b[k], strict, seen)) return false;
    }
    return true;
  }
  // `toMatchObject`: every property of `expected` is in `actual` and matches, recursively.
  function subset(actual, expected, seen) {
    if (isAsym(expected)) return !!expected.asymmetricMatch(actual);
    if (!isObj(expected) || !isObj(actual)) return equals(actual, expected, false);
    if (Array.isArray(expected)) {
      return Array.isArray(actual) && actual.length === expected.length && expected.every((x, i) => subset(actual[i], x, seen));
    }
    if (expected instanceof RealDate || expected instanceof RegExp || expected instanceof Map || expected instanceof Set) return equals(actual, expected, false);
    seen = seen || new Set();
    if (seen.has(expected)) return true;
    seen.add(expected);
    return Object.keys(expected).every((k) => k in Object(actual) && subset(actual[k], expected[k], seen));
  }

  // ---------------------------------------------------------------- asymmetric matchers
  class Asym {
    constructor(name, sample, inverse, test) { this.name = name; this.sample = sample; this.inverse = inverse; this.test = test; }
    asymmetricMatch(v) { const r = this.test(v); return this.inverse ? !r : r; }
    toString() {
      const label = `${this.inverse ? 'Not' : ''}${this.name}`;
      if (this.name === 'Anything') return label;
      if (this.name === 'Any') return `Any<${(this.sample && this.sample.name) || 'Function'}>`;
      return `${label} ${inspect(this.sample)}`;
    }
    toJSON() { return this.toString(); }
  }
  function anyTest(C) {
    return (v) => {
      if (C === String) return typeof v === 'string' || v instanceof String;
      if (C === Number) return typeof v === 'number' || v instanceof Number;
      if (C === Boolean) return typeof v === 'boolean' || v instanceof Boolean;
      if (C === Function) return typeof v === 'function';
      if (C === BigInt) return typeof v === 'bigint';
      if (C === Symbol) return typeof v === 'symbol';
      if (C === Object) return typeof v === 'object' && v !== null;
      return v instanceof C;
    };
  }
  function asymmetrics(inverse) {
    return {
      any: (C) => {
        if (C === undefined) throw new TypeError('any() expects to be passed a constructor function. Please pass one or use anything() to match any object.');
        return new Asym('Any', C, inverse, anyTest(C));
      },
      anything: () => new Asym('Anything', undefined, inverse, (v) => v !== null && v !== undefined),
      objectContaining: (o) => new Asym('ObjectContaining', o, inverse, (v) => isObj(v) && Object.keys(o).every((k) => k in v && equals(v[k], o[k], false))),
      arrayContaining: (arr) => new Asym('ArrayContaining', arr, inverse, (v) => Array.isArray(v) && arr.every((x) => v.some((y) => equals(y, x, false)))),
      stringContaining: (s) => new Asym('StringContaining', s, inverse, (v) => typeof v === 'string' && v.includes(s)),
      stringMatching: (re) => new Asym('StringMatching', re, inverse, (v) => typeof v === 'string' && (typeof re === 'string' ? new RegExp(re) : re).test(v)),
      closeTo: (n, digits) => new Asym('CloseTo', n, inverse, (v) => typeof v === 'number' && Math.abs(v - n) < Math.pow(10, -(digits === undefined ? 2 : digits)) / 2),
    };
  }

  // ---------------------------------------------------------------- expect
  class AssertionError extends Error {
    constructor(message, fields) {
      super(message);
      this.name = 'AssertionError';
      Object.assign(this, fields || {});
    }
  }
  let state = null; // the running test: { assertions, expected, soft: [] }

  function isMock(f) { return typeof f === 'function' && f._isMockFunction === true; }
  function mockName(f) { return f.getMockName ? f.getMockName() : 'spy'; }
  function needMock(f) {
    if (!isMock(f)) throw new TypeError(`${inspect(f)} is not a spy or a call to a spy!`);
  }
  function calledWithText(calls) {
    if (!calls.length) return '\n\nNumber of calls: 0\n';
    return `\n\nReceived:\n\n${calls.map((c, i) => `  ${i + 1}${['st', 'nd', 'rd'][i] || 'th'} spy call:\n\n${pretty(c).split('\n').map((l) => '    ' + l).join('\n')}\n`).join('\n')}\n\nNumber of calls: ${calls.length}\n`;
  }
  function thrownOf(actual, mode) {
    if (mode === 'rejects') return { threw: true, error: actual };
    if (typeof actual !== 'function') {
      if (mode === 'resolves') return { threw: false };
      throw new TypeError(`expected ${inspect(actual)} to be a function`);
    }
    try { actual(); } catch (e) { return { threw: true, error: e }; }
    return { threw: false };
  }
  function errorMatches(error, expected) {
    const message = error && typeof error === 'object' && 'message' in error ? String(error.message) : String(error);
    if (expected === undefined) return [true, ''];
    if (typeof expected === 'string') return [message.includes(expected), `to throw error including ${inspect(expected)} but got ${inspect(message)}`];
    if (expected instanceof RegExp) return [expected.test(message), `to throw error matching ${expected} but got ${inspect(message)}`];
    if (typeof expected === 'function') return [error instanceof expected, `to throw error ${expected.name || 'Error'} but got ${inspect(error)}`];
    if (isAsym(expected)) return [expected.asymmetricMatch(error), `to throw error matching ${expected} but got ${inspect(error)}`];
    if (expected instanceof Error) return [equals(error, expected, false), `to throw error ${inspect(expected)} but got ${inspect(error)}`];
    if (isObj(expected)) return [subset(error, expected), `to throw error matching ${inspect(expected)} but got ${inspect(error)}`];
    return [false, `to throw ${inspect(expected)}`];
  }
  function propertyPath(path) {
    if (Array.isArray(path)) return path.map(String);
    return String(path).replace(/\[(\w+)\]/g, '.$1').split('.').filter((p) => p !== '');
  }
  // ---------------------------------------------------------------- snapshots
  // `toMatchSnapshot` reads and writes `__snapshots__/<file>.snap` next to the test file, in
  // Vitest's format; `toMatchInlineSnapshot` compares with the snapshot written in the call
  // (Endure does not rewrite test files: a missing inline snapshot fails, showing the value).
  const snap = { path: null, mode: 'new', entries: null, dirty: false, written: 0, updated: 0, counts: new Map() };
  function serialize(v) { return pretty(v, '', [], true); }
  function unescapeSnap(t) { return t.replace(/\\(`|\$\{|\\)/g, '$1'); }
  function escapeSnap(t) { return t.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${'); }
  function parseSnap(text) {
    const out = new Map();
    const re = /exports\[`((?:[^`\\]|\\[\s\S])*)`\] = `((?:[^`\\]|\\[\s\S])*)`;/g;
    let m;
    while ((m = re.exec(text || ''))) {
      let v = unescapeSnap(m[2]);
      if (v.startsWith('\n') && v.endsWith('\n')) v = v.slice(1, -1);
      out.set(unescapeSnap(m[1]), v);
    }
    return out;
  }
  function formatSnap(entries) {
    const keys = Array.from(entries.keys()).sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    const body = keys.map((k) => `exports[\`${escapeSnap(k)}\`] = \`\n${escapeSnap(entries.get(k))}\n\`;`).join('\n\n');
    return `// Vitest Snapshot v1, https://vitest.dev/guide/snapshot.html\n\n${body}\n`;
  }
  function snapKey(hint) {
    const base = `${state ? state.fullName : ''}${hint ? ` > ${hint}` : ''}`;
    const n = (snap.counts.get(base) || 0) + 1;
    snap.counts.set(base, n);
    return `${base} ${n}`;
  }
  function withMatchers(actual, props) {
    if (!props) return [true, actual];
    if (!subset(actual, props)) return [false, actual];
    const copy = Array.isArray(actual) ? actual.slice() : Object.assign({}, actual);
    for (const k of Object.keys(props)) copy[k] = props[k];
    return [true, copy];
  }
  function stripIndentation(t) {
    const lines = t.split('\n');
    if (lines.length <= 2 || lines[0].trim() !== '' || lines[lines.length - 1].trim() !== '') return t;
    const indent = lines[1].match(/^[ \t]*/)[0];
    return lines.slice(1, -1).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart())).join('\n');
  }
  function matchSnapshot(actual, props, hint) {
    const key = snapKey(hint);
    const [ok, value] = withMatchers(actual, props);
    if (!ok) return [false, `Snapshot properties mismatched`, '', { expected: props, actual }];
    const received = serialize(value);
    if (!snap.entries) snap.entries = parseSnap(sync('readSnapshot', { path: snap.path }));
    if (!snap.entries.has(key) || (snap.mode === 'all' && snap.entries.get(key) !== received)) {
      if (snap.mode === 'none') return [false, `Snapshot \`${key}\` missing (snapshots are not written when CI is set; run endure test locally or with -u)`, ''];
      if (snap.entries.has(key)) snap.updated++; else snap.written++;
      snap.entries.set(key, received);
      snap.dirty = true;
      return [true, '', ''];
    }
    const expected = snap.entries.get(key);
    return [expected === received, `Snapshot \`${key}\` mismatched`, '', { expected, actual: received, texts: true }];
  }
  function matchInline(actual, props, inline) {
    const key = snapKey('');
    const [ok, value] = withMatchers(actual, props);
    if (!ok) return [false, `Snapshot properties mismatched`, '', { expected: props, actual }];
    const received = serialize(value);
    if (inline === undefined) {
      return [false, `Inline snapshot \`${key}\` is missing: endure test does not write into test files; add it to the call:\n\n${received}`, ''];
    }
    const expected = stripIndentation(String(inline));
    return [expected === received, `Snapshot \`${key}\` mismatched`, '', { expected, actual: received, texts: true }];
  }

  // Each matcher answers [pass, message, negated message, {expected, actual} for a diff].
  const matchers = {
    toBe(a, e) {
      return [Object.is(a, e), `expected ${inspect(a)} to be ${inspect(e)} // Object.is equality`, `expected ${inspect(a)} not to be ${inspect(e)} // Object.is equality`, { expected: e, actual: a }];
    },
    toEqual(a, e) {
      return [equals(a, e, false), `expected ${inspect(a)} to deeply equal ${inspect(e)}`, `expected ${inspect(a)} to not deeply equal ${inspect(e)}`, { expected: e, actual: a }];
    },
    toStrictEqual(a, e) {
      return [equals(a, e, true), `expected ${inspect(a)} to strictly equal ${inspect(e)}`, `expected ${inspect(a)} to not strictly equal ${inspect(e)}`, { expected: e, actual: a }];
    },
    toMatchObject(a, e) {
      return [isObj(a) && subset(a, e), `expected ${inspect(a)} to match object ${inspect(e)}`, `expected ${inspect(a)} to not match object ${inspect(e)}`, { expected: e, actual: a }];
    },
    toContain(a, item) {
      let pass;
      if (typeof a === 'string') pass = a.includes(String(item));
      else if (a && typeof a[Symbol.iterator] === 'function') pass = Array.from(a).some((x) => Object.is(x, item) || x === item);
      else throw new TypeError(`expected ${inspect(a)} to be iterable`);
      return [pass, `expected ${inspect(a)} to include ${inspect(item)}`, `expected ${inspect(a)} not to include ${inspect(item)}`];
    },
    toContainEqual(a, item) {
      const pass = Array.from(a || []).some((x) => equals(x, item, false));
      return [pass, `expected ${inspect(a)} to deep equally contain ${inspect(item)}`, `expected ${inspect(a)} to not deep equally contain ${inspect(item)}`];
    },
    toHaveLength(a, n) {
      const len = a === null || a === undefined ? undefined : a.length;
      return [len === n, `expected ${inspect(a)} to have a length of ${n} but got ${len}`, `expected ${inspect(a)} to not have a length of ${n}`];
    },
    toHaveProperty(a, path, ...value) {
      let cur = a;
      let found = true;
      for (const p of propertyPath(path)) {
        if (cur === null || cur === undefined || !(p in Object(cur))) { found = false; break; }
        cur = cur[p];
      }
      const withValue = value.length > 0;
      const pass = found && (!withValue || equals(cur, value[0], false));
      const what = `property "${Array.isArray(path) ? path.join('.') : path}"${withValue ? ` with value ${inspect(value[0])}` : ''}`;
      return [pass, `expected ${inspect(a)} to have ${what}`, `expected ${inspect(a)} to not have ${what}`, withValue && found ? { expected: value[0], actual: cur } : undefined];
    },
    toBeTruthy(a) { return [!!a, `expected ${inspect(a)} to be truthy`, `expected ${inspect(a)} to not be truthy`]; },
    toBeFalsy(a) { return [!a, `expected ${inspect(a)} to be falsy`, `expected ${inspect(a)} to not be falsy`]; },
    toBeNull(a) { return [a === null, `expected ${inspect(a)} to be null`, `expected ${inspect(a)} not to be null`]; },
    toBeUndefined(a) { return [a === undefined, `expected ${inspect(a)} to be undefined`, `expected ${inspect(a)} not to be undefined`]; },
    toBeDefined(a) { return [a !== undefined, `expected ${inspect(a)} to be defined`, `expected ${inspect(a)} to be undefined`]; },
    toBeNaN(a) { return [Number.isNaN(a), `expected ${inspect(a)} to be NaN`, `expected ${inspect(a)} not to be NaN`]; },
    toBeInstanceOf(a, C) {
      return [a instanceof C, `expected ${inspect(a)} to be an instance of ${C && C.name}`, `expected ${inspect(a)} not to be an instance of ${C && C.name}`];
    },
    toBeTypeOf(a, t) { return [typeof a === t, `expected ${inspect(a)} to be type of '${t}'`, `expected ${inspect(a)} not to be type of '${t}'`]; },
    toBeGreaterThan(a, e) { return [a > e, `expected ${inspect(a)} to be greater than ${inspect(e)}`, `expected ${inspect(a)} to be not greater than ${inspect(e)}`]; },
    toBeGreaterThanOrEqual(a, e) { return [a >= e, `expected ${inspect(a)} to be greater than or equal to ${inspect(e)}`, `expected ${inspect(a)} to be not greater than or equal to ${inspect(e)}`]; },
    toBeLessThan(a, e) { return [a < e, `expected ${inspect(a)} to be less than ${inspect(e)}`, `expected ${inspect(a)} to be not less than ${inspect(e)}`]; },
    toBeLessThanOrEqual(a, e) { return [a <= e, `expected ${inspect(a)} to be less than or equal to ${inspect(e)}`, `expected ${inspect(a)} to be not less than or equal to ${inspect(e)}`]; },
    toBeCloseTo(a, e, digits) {
      const d = digits === undefined ? 2 : digits;
      const limit = Math.pow(10, -d) / 2;
      const diffv = Math.abs(a - e);
      const pass = (a === Infinity && e === Infinity) || (a === -Infinity && e === -Infinity) || diffv < limit;
      return [pass, `expected ${inspect(a)} to be close to ${inspect(e)}, received difference is ${diffv}, but expected ${limit}`, `expected ${inspect(a)} not to be close to ${inspect(e)}, received difference is ${diffv}, but expected ${limit}`];
    },
    toMatch(a, re) {
      if (typeof a !== 'string') throw new TypeError(`.toMatch() expects to receive a string, but got ${typeof a}`);
      const pass = typeof re === 'string' ? a.includes(re) : re.test(a);
      return [pass, `expected ${inspect(a)} to ${typeof re === 'string' ? 'include' : 'match'} ${inspect(re)}`, `expected ${inspect(a)} not to ${typeof re === 'string' ? 'include' : 'match'} ${inspect(re)}`];
    },
    toSatisfy(a, fn, msg) { return [!!fn(a), msg || `expected ${inspect(a)} to satisfy ${inspect(fn)}`, msg || `expected ${inspect(a)} to not satisfy ${inspect(fn)}`]; },
    toBeOneOf(a, list) { return [Array.from(list).some((x) => equals(a, x, false)), `expected ${inspect(a)} to be one of ${inspect(list)}`, `expected ${inspect(a)} not to be one of ${inspect(list)}`]; },
    toThrow(a, expected, mode) {
      const t = thrownOf(a, mode);
      if (!t.threw) {
        return [false, mode === 'resolves' || typeof a !== 'function' ? 'expected function to throw an error, but it didn\'t' : `expected ${inspect(a)} to throw an error`, ''];
      }
      const [ok, what] = errorMatches(t.error, expected);
      const subject = mode === 'rejects' ? 'promise' : inspect(a);
      return [ok, `expected ${subject} ${what}`, expected === undefined ? `expected ${subject} to not throw an error but ${inspect(t.error)} was thrown` : `expected ${subject} to not ${what.replace(/ but got .*$/, '')}`];
    },
    toHaveBeenCalled(f) {
      needMock(f);
      const n = f.mock.calls.length;
      return [n > 0, `expected "${mockName(f)}" to be called at least once`, `expected "${mockName(f)}" to not be called at all, but actually been called ${n} times${calledWithText(f.mock.calls)}`];
    },
    toHaveBeenCalledOnce(f) {
      needMock(f);
      const n = f.mock.calls.length;
      return [n === 1, `expected "${mockName(f)}" to be called once, but got ${n} times`, `expected "${mockName(f)}" to not be called once`];
    },
    toHaveBeenCalledTimes(f, k) {
      needMock(f);
      const n = f.mock.calls.length;
      return [n === k, `expected "${mockName(f)}" to be called ${k} times, but got ${n} times`, `expected "${mockName(f)}" to not be called ${k} times`];
    },
    toHaveBeenCalledWith(f, ...args) {
      needMock(f);
      const pass = f.mock.calls.some((c) => equals(c, args, false));
      return [pass, `expected "${mockName(f)}" to be called with arguments: ${inspect(args)}${calledWithText(f.mock.calls)}`, `expected "${mockName(f)}" to not be called with arguments: ${inspect(args)}`];
    },
    toHaveBeenCalledExactlyOnceWith(f, ...args) {
      needMock(f);
      const pass = f.mock.calls.length === 1 && equals(f.mock.calls[0], args, false);
      return [pass, `expected "${mockName(f)}" to be called once with arguments: ${inspect(args)}${calledWithText(f.mock.calls)}`, `expected "${mockName(f)}" to not be called once with arguments: ${inspect(args)}`];
    },
    toHaveBeenLastCalledWith(f, ...args) {
      needMock(f);
      const last = f.mock.calls[f.mock.calls.length - 1];
      return [last !== undefined && equals(last, args, false), `expected last "${mockName(f)}" call to have been called with ${inspect(args)}`, `expected last "${mockName(f)}" call to not have been called with ${inspect(args)}`, { expected: args, actual: last }];
    },
    toHaveBeenNthCalledWith(f, n, ...args) {
      needMock(f);
      const c = f.mock.calls[n - 1];
      return [c !== undefined && equals(c, args, false), `expected ${n}${['st', 'nd', 'rd'][n - 1] || 'th'} "${mockName(f)}" call to have been called with ${inspect(args)}`, `expected ${n}${['st', 'nd', 'rd'][n - 1] || 'th'} "${mockName(f)}" call to not have been called with ${inspect(args)}`, { expected: args, actual: c }];
    },
    toHaveReturned(f) {
      needMock(f);
      const pass = f.mock.results.some((r) => r.type === 'return');
      return [pass, `expected "${mockName(f)}" to be successfully called at least once`, `expected "${mockName(f)}" to not be successfully called`];
    },
    toHaveReturnedTimes(f, k) {
      needMock(f);
      const n = f.mock.results.filter((r) => r.type === 'return').length;
      return [n === k, `expected "${mockName(f)}" to be successfully called ${k} times`, `expected "${mockName(f)}" to not be successfully called ${k} times`];
    },
    toHaveReturnedWith(f, v) {
      needMock(f);
      const pass = f.mock.results.some((r) => r.type === 'return' && equals(r.value, v, false));
      return [pass, `expected "${mockName(f)}" to return with: ${inspect(v)} at least once`, `expected "${mockName(f)}" to not return with: ${inspect(v)}`];
    },
    toMatchSnapshot(a, props, hint) {
      if (typeof props === 'string') return matchSnapshot(a, undefined, props);
      return matchSnapshot(a, props, hint);
    },
    toMatchInlineSnapshot(a, props, inline) {
      if (typeof props === 'string') return matchInline(a, undefined, props);
      return matchInline(a, props, inline);
    },
    toThrowErrorMatchingSnapshot(a, hint, mode) {
      const t = thrownOf(a, mode);
      if (!t.threw) return [false, 'expected function to throw an error, but it didn\'t', ''];
      return matchSnapshot(t.error, undefined, hint);
    },
    toThrowErrorMatchingInlineSnapshot(a, inline, mode) {
      const t = thrownOf(a, mode);
      if (!t.threw) return [false, 'expected function to throw an error, but it didn\'t', ''];
      return matchInline(t.error, undefined, inline);
    },
    toHaveLastReturnedWith(f, v) {
      needMock(f);
      const r = f.mock.results[f.mock.results.length - 1];
      return [!!r && r.type === 'return' && equals(r.value, v, false), `expected last "${mockName(f)}" call to return ${inspect(v)}`, `expected last "${mockName(f)}" call to not return ${inspect(v)}`];
    },
  };
  const aliases = {
    toThrowError: 'toThrow', toBeCalled: 'toHaveBeenCalled', toBeCalledTimes: 'toHaveBeenCalledTimes',
    toBeCalledWith: 'toHaveBeenCalledWith', lastCalledWith: 'toHaveBeenLastCalledWith',
    nthCalledWith: 'toHaveBeenNthCalledWith', toReturn: 'toHaveReturned', toReturnWith: 'toHaveReturnedWith',
    toReturnTimes: 'toHaveReturnedTimes', lastReturnedWith: 'toHaveLastReturnedWith', toBeCalledOnce: 'toHaveBeenCalledOnce',
  };
  const custom = {};

  function fail(message, fields) {
    const e = new AssertionError(message, fields);
    if (state && state.softly) { state.soft.push(e); return; }
    throw e;
  }
  function check(name, actual, args, flags) {
    const fn = matchers[name] || custom[name];
    let pass;
    let message;
    let negated;
    let values;
    if (custom[name] && !matchers[name]) {
      const r = fn.call({ isNot: flags.not, equals: (x, y) => equals(x, y, false), utils: { stringify: inspect, printReceived: inspect, printExpected: inspect } }, actual, ...args);
      pass = !!r.pass;
      const text = typeof r.message === 'function' ? r.message() : String(r.message || `${name} failed`);
      message = text;
      negated = text;
      if ('expected' in r || 'actual' in r) values = { expected: r.expected, actual: r.actual };
    } else {
      [pass, message, negated, values] = name === 'toThrow' || name.startsWith('toThrowErrorMatching')
        ? fn(actual, args[0], flags.mode) : fn(actual, ...args);
    }
    if (state) state.assertions++;
    if (pass === flags.not) {
      const text = flags.message ? `${flags.message}: ${flags.not ? negated : message}` : (flags.not ? negated : message);
      const fields = {};
      if (values && !flags.not) {
        fields.expected = values.expected;
        fields.actual = values.actual;
        fields.showDiff = true;
        fields.textDiff = !!values.texts;
      }
      fail(text, fields);
    }
  }
  function assertion(actual, flags) {
    const a = {};
    const names = Object.keys(matchers).concat(Object.keys(aliases), Object.keys(custom));
    for (const name of names) {
      const real = aliases[name] || name;
      a[name] = (...args) => {
        if (flags.mode === 'resolves' || flags.mode === 'rejects') {
          if (!actual || typeof actual.then !== 'function') {
            const e = new TypeError(`You must provide a Promise to expect() when using .${flags.mode}, not '${typeof actual}'.`);
            return Promise.reject(e);
          }
          return Promise.resolve(actual).then(
            (v) => {
              if (flags.mode === 'rejects') fail(`promise resolved "${inspect(v)}" instead of rejecting`, {});
              else check(real, v, args, flags);
            },
            (err) => {
              if (flags.mode === 'resolves') fail(`promise rejected "${inspect(err)}" instead of resolving`, {});
              else check(real, err, args, flags);
            },
          );
        }
        if (flags.poll) return poll(real, args, flags);
        check(real, actual, args, flags);
        return undefined;
      };
    }
    Object.defineProperty(a, 'not', { get: () => assertion(actual, Object.assign({}, flags, { not: !flags.not })) });
    Object.defineProperty(a, 'resolves', { get: () => assertion(actual, Object.assign({}, flags, { mode: 'resolves' })) });
    Object.defineProperty(a, 'rejects', { get: () => assertion(actual, Object.assign({}, flags, { mode: 'rejects' })) });
    return a;
  }
  // `expect.poll(fn)`: the matcher is retried on fresh values until it passes or time runs out.
  async function poll(name, args, flags) {
    const timeout = flags.poll.timeout === undefined ? 1000 : flags.poll.timeout;
    const interval = flags.poll.interval === undefined ? 50 : flags.poll.interval;
    const start = realNow();
    for (;;) {
      try {
        const v = await flags.poll.fn();
        check(name, v, args, Object.assign({}, flags, { poll: null }));
        return;
      } catch (e) {
        if (realNow() - start >= timeout) throw e;
      }
      await new Promise((r) => realSetTimeout(r, interval));
    }
  }
  function expect(actual, message) { return assertion(actual, { not: false, mode: null, message }); }
  Object.assign(expect, asymmetrics(false));
  expect.not = asymmetrics(true);
  expect.assertions = (n) => { if (state) state.expected = n; };
  expect.hasAssertions = () => { if (state) state.expected = -1; };
  expect.soft = (actual, message) => {
    const a = assertion(actual, { not: false, mode: null, message });
    const wrap = (obj) => new Proxy(obj, {
      get(t, p) {
        const v = t[p];
        if (p === 'not' || p === 'resolves' || p === 'rejects') return wrap(v);
        if (typeof v !== 'function') return v;
        return (...args) => {
          if (state) state.softly = true;
          try { return v(...args); } finally { if (state) state.softly = false; }
        };
      },
    });
    return wrap(a);
  };
  expect.poll = (fn, opts) => assertion(undefined, { not: false, mode: null, poll: Object.assign({ fn }, typeof opts === 'number' ? { timeout: opts } : opts || {}) });
  expect.extend = (defs) => { Object.assign(custom, defs); };
  expect.unreachable = (message) => { throw new AssertionError(`expected ${message ? `"${message}" ` : ''}not to be reached`); };
  expect.getState = () => ({ assertionCalls: state ? state.assertions : 0, currentTestName: state ? state.fullName : undefined });

  // Node's `assert`-style `assert` export of Vitest (chai's basics).
  function assert(v, message) { if (!v) throw new AssertionError(message || `expected ${inspect(v)} to be truthy`); }
  assert.ok = assert;
  assert.equal = (a, b, m) => { if (a != b) throw new AssertionError(m || `expected ${inspect(a)} to equal ${inspect(b)}`); }; // eslint-disable-line eqeqeq
  assert.strictEqual = (a, b, m) => { if (!Object.is(a, b)) throw new AssertionError(m || `expected ${inspect(a)} to equal ${inspect(b)}`, { expected: b, actual: a, showDiff: true }); };
  assert.deepEqual = (a, b, m) => { if (!equals(a, b, false)) throw new AssertionError(m || `expected ${inspect(a)} to deeply equal ${inspect(b)}`, { expected: b, actual: a, showDiff: true }); };
  assert.notEqual = (a, b, m) => { if (a == b) throw new AssertionError(m || `expected ${inspect(a)} to not equal ${inspect(b)}`); }; // eslint-disable-line eqeqeq
  assert.isTrue = (v, m) => assert.strictEqual(v, true, m);
  assert.isFalse = (v, m) => assert.strictEqual(v, false, m);
  assert.fail = (m) => { throw new AssertionError(m || 'assert.fail()'); };

  // ---------------------------------------------------------------- vi: mocks
  const allMocks = new Set();
  function fn(impl) {
    let implementation = impl;
    let once = [];
    let name = 'spy';
    let restore = null;
    const mock = { calls: [], results: [], settledResults: [], instances: [], contexts: [], invocationCallOrder: [], lastCall: undefined };
    const f = function (...args) {
      mock.calls.push(args);
      mock.lastCall = args;
      mock.contexts.push(this);
      mock.instances.push(new.target ? this : undefined);
      mock.invocationCallOrder.push(++callOrder);
      const result = { type: 'incomplete', value: undefined };
      mock.results.push(result);
      const run = once.length ? once.shift() : implementation;
      try {
        const value = run ? (new.target ? Reflect.construct(run, args, new.target) : run.apply(this, args)) : undefined;
        result.type = 'return';
        result.value = value;
        if (value && typeof value.then === 'function') {
          const settled = { type: 'incomplete', value: undefined };
          mock.settledResults.push(settled);
          value.then((v) => { settled.type = 'fulfilled'; settled.value = v; }, (e) => { settled.type = 'rejected'; settled.value = e; });
        } else {
          mock.settledResults.push({ type: 'fulfilled', value });
        }
        return value;
      } catch (e) {
        result.type = 'throw';
        result.value = e;
        throw e;
      }
    };
    Object.defineProperty(f, '_isMockFunction', { value: true });
    f.mock = mock;
    f.getMockName = () => name;
    f.mockName = (n) => { name = n; return f; };
    f.getMockImplementation = () => implementation;
    f.mockImplementation = (g) => { implementation = g; return f; };
    f.mockImplementationOnce = (g) => { once.push(g); return f; };
    f.mockReturnValue = (v) => f.mockImplementation(() => v);
    f.mockReturnValueOnce = (v) => f.mockImplementationOnce(() => v);
    f.mockResolvedValue = (v) => f.mockImplementation(() => Promise.resolve(v));
    f.mockResolvedValueOnce = (v) => f.mockImplementationOnce(() => Promise.resolve(v));
    f.mockRejectedValue = (v) => f.mockImplementation(() => Promise.reject(v));
    f.mockRejectedValueOnce = (v) => f.mockImplementationOnce(() => Promise.reject(v));
    f.mockReturnThis = () => f.mockImplementation(function () { return this; });
    f.withImplementation = (g, cb) => {
      const prev = implementation;
      implementation = g;
      const r = cb();
      if (r && typeof r.then === 'function') return r.finally(() => { implementation = prev; });
      implementation = prev;
      return r;
    };
    f.mockClear = () => {
      for (const k of ['calls', 'results', 'settledResults', 'instances', 'contexts', 'invocationCallOrder']) mock[k] = [];
      mock.lastCall = undefined;
      return f;
    };
    f.mockReset = () => { f.mockClear(); implementation = restore ? restore.original : undefined; once = []; return f; };
    f.mockRestore = () => { f.mockReset(); if (restore) restore.undo(); return f; };
    Object.defineProperty(f, '__restore', { set(r) { restore = r; implementation = implementation || r.original; } });
    allMocks.add(f);
    return f;
  }
  let callOrder = 0;
  function spyOn(obj, key, access) {
    if (!isObj(obj) && typeof obj !== 'function') throw new TypeError(`cannot spy on ${inspect(obj)}`);
    if (access === 'get' || access === 'set') {
      const d = Object.getOwnPropertyDescriptor(obj, key) || Object.getOwnPropertyDescriptor(Object.getPrototypeOf(obj), key) || {};
      const original = d[access];
      const spy = fn(original);
      Object.defineProperty(obj, key, Object.assign({}, d, { [access]: spy, configurable: true }));
      spy.__restore = { original, undo: () => Object.defineProperty(obj, key, d) };
      return spy;
    }
    const original = obj[key];
    if (typeof original !== 'function') throw new TypeError(`${String(key)} is not a function`);
    if (isMock(original)) return original;
    const own = Object.prototype.hasOwnProperty.call(obj, key);
    const spy = fn(original);
    spy.mockName(String(key));
    obj[key] = spy;
    spy.__restore = { original, undo: () => { if (own) obj[key] = original; else delete obj[key]; } };
    return spy;
  }

  // ---------------------------------------------------------------- vi: fake timers
  let fake = null;
  function installFakeTimers(opts) {
    if (fake) return;
    let now = opts && opts.now !== undefined ? Number(opts.now instanceof RealDate ? opts.now.getTime() : opts.now) : realNow();
    const timers = new Map();
    let seq = 1;
    const add = (cb, ms, args, every) => {
      const id = seq++;
      timers.set(id, { at: now + Math.max(0, Number(ms) || 0), cb, args, every: every ? Math.max(1, Number(ms) || 0) : 0, order: id });
      return id;
    };
    const saved = {};
    const names = ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'Date'];
    for (const k of names) saved[k] = globalThis[k];
    class FakeDate extends RealDate {
      constructor(...args) { if (args.length === 0) super(now); else super(...args); }
      static now() { return now; }
    }
    const set = (k, v) => Object.defineProperty(globalThis, k, { value: v, writable: true, configurable: true, enumerable: false });
    set('setTimeout', (cb, ms, ...args) => add(cb, ms, args, false));
    set('setInterval', (cb, ms, ...args) => add(cb, ms, args, true));
    set('setImmediate', (cb, ...args) => add(cb, 0, args, false));
    set('clearTimeout', (id) => { timers.delete(id); });
    set('clearInterval', (id) => { timers.delete(id); });
    set('clearImmediate', (id) => { timers.delete(id); });
    set('Date', FakeDate);
    const next = () => {
      let best = null;
      for (const [id, t] of timers) if (!best || t.at < best[1].at || (t.at === best[1].at && t.order < best[1].order)) best = [id, t];
      return best;
    };
    const fire = ([id, t]) => {
      now = Math.max(now, t.at);
      if (t.every) { t.at = now + t.every; t.order = seq++; } else timers.delete(id);
      if (typeof t.cb === 'function') t.cb(...t.args);
    };
    fake = {
      restore() { for (const k of names) set(k, saved[k]); fake = null; },
      advance(ms) {
        const until = now + Math.max(0, Number(ms) || 0);
        for (let b = next(); b && b[1].at <= until; b = next()) fire(b);
        now = until;
      },
      async advanceAsync(ms) {
        const until = now + Math.max(0, Number(ms) || 0);
        for (let b = next(); b && b[1].at <= until; b = next()) { fire(b); await flushMicrotasks(); }
        now = until;
      },
      runAll() {
        for (let i = 0; i < 10000; i++) { const b = next(); if (!b) return; fire(b); }
        throw new Error('Aborting after running 10000 timers, assuming an infinite loop!');
      },
      async runAllAsync() {
        for (let i = 0; i < 10000; i++) { await flushMicrotasks(); const b = next(); if (!b) return; fire(b); }
        throw new Error('Aborting after running 10000 timers, assuming an infinite loop!');
      },
      runPending() {
        const pending = Array.from(timers.keys());
        for (const id of pending) {
          const t = timers.get(id);
          if (t) fire([id, t]);
        }
      },
      toNext() { const b = next(); if (b) fire(b); },
      count: () => timers.size,
      clear: () => timers.clear(),
      setNow: (t) => { now = Number(t instanceof RealDate ? t.getTime() : t); },
      now: () => now,
    };
  }
  async function flushMicrotasks() { for (let i = 0; i < 20; i++) await Promise.resolve(); }
  function needFake() {
    if (!fake) throw new Error('Timers are not mocked. Try calling "vi.useFakeTimers()" first.');
    return fake;
  }

  // ---------------------------------------------------------------- vi
  async function waitFor(cb, opts) {
    const o = typeof opts === 'number' ? { timeout: opts } : opts || {};
    const timeout = o.timeout === undefined ? 1000 : o.timeout;
    const interval = o.interval === undefined ? 50 : o.interval;
    const start = realNow();
    let last;
    for (;;) {
      try { return await cb(); } catch (e) { last = e; }
      if (realNow() - start >= timeout) throw last;
      await new Promise((r) => realSetTimeout(r, interval));
    }
  }
  async function waitUntil(cb, opts) {
    const o = typeof opts === 'number' ? { timeout: opts } : opts || {};
    const timeout = o.timeout === undefined ? 1000 : o.timeout;
    const interval = o.interval === undefined ? 50 : o.interval;
    const start = realNow();
    for (;;) {
      const v = await cb();
      if (v) return v;
      if (realNow() - start >= timeout) throw new Error('Timed out in waitUntil!');
      await new Promise((r) => realSetTimeout(r, interval));
    }
  }
  const stubbedGlobals = new Map();
  const stubbedEnvs = new Map();
  const vi = {
    fn, spyOn, waitFor, waitUntil,
    isMockFunction: isMock,
    mocked: (x) => x,
    clearAllMocks() { for (const m of allMocks) m.mockClear(); return vi; },
    resetAllMocks() { for (const m of allMocks) m.mockReset(); return vi; },
    restoreAllMocks() { for (const m of allMocks) m.mockRestore(); return vi; },
    useFakeTimers(opts) { installFakeTimers(opts); return vi; },
    useRealTimers() { if (fake) fake.restore(); return vi; },
    isFakeTimers: () => fake !== null,
    advanceTimersByTime(ms) { needFake().advance(ms); return vi; },
    async advanceTimersByTimeAsync(ms) { await needFake().advanceAsync(ms); return vi; },
    advanceTimersToNextTimer() { needFake().toNext(); return vi; },
    runAllTimers() { needFake().runAll(); return vi; },
    async runAllTimersAsync() { await needFake().runAllAsync(); return vi; },
    runOnlyPendingTimers() { needFake().runPending(); return vi; },
    async runOnlyPendingTimersAsync() { needFake().runPending(); await flushMicrotasks(); return vi; },
    getTimerCount: () => needFake().count(),
    clearAllTimers() { if (fake) fake.clear(); return vi; },
    setSystemTime(t) { needFake().setNow(t); return vi; },
    getMockedSystemTime: () => (fake ? new RealDate(fake.now()) : null),
    getRealSystemTime: () => realNow(),
    stubGlobal(name, value) {
      if (!stubbedGlobals.has(name)) stubbedGlobals.set(name, Object.getOwnPropertyDescriptor(globalThis, name));
      Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: true });
      return vi;
    },
    unstubAllGlobals() {
      for (const [name, d] of stubbedGlobals) { if (d) Object.defineProperty(globalThis, name, d); else delete globalThis[name]; }
      stubbedGlobals.clear();
      return vi;
    },
    stubEnv(name, value) {
      const penv = globalThis.process && globalThis.process.env;
      if (!penv) return vi;
      if (!stubbedEnvs.has(name)) stubbedEnvs.set(name, penv[name]);
      penv[name] = value;
      return vi;
    },
    unstubAllEnvs() {
      const penv = globalThis.process && globalThis.process.env;
      for (const [name, v] of stubbedEnvs) { if (v === undefined) delete penv[name]; else penv[name] = v; }
      stubbedEnvs.clear();
      return vi;
    },
    hoisted: (factory) => factory(),
    // `vi.mock` calls at the top level of a file are hoisted when it loads (testing/mocks.rs);
    // one that gets here was made elsewhere.
    mock(path) { throw new Error(`vi.mock(${inspect(path)}) must be called at the top level of the test file (endure test hoists only those)`); },
    doMock() { throw new Error('vi.doMock() is not supported by endure test: use vi.mock at the top level of the file'); },
    unmock() {},
    resetModules() { return vi; },
  };

  // ---------------------------------------------------------------- module mocks
  const mocks = new Map();
  function registerMock(path, factory) {
    mocks.set(path, { factory, promise: null });
  }
  // Without a factory: the real module, its functions replaced by mocks returning undefined.
  function automock(real) {
    const out = {};
    for (const k of Object.keys(real)) {
      const v = real[k];
      if (typeof v === 'function') out[k] = fn().mockName(k);
      else if (isObj(v) && !Array.isArray(v)) {
        const o = {};
        for (const j of Object.keys(v)) o[j] = typeof v[j] === 'function' ? fn().mockName(j) : v[j];
        out[k] = o;
      } else out[k] = v;
    }
    return out;
  }
  function mockModule(path) {
    const m = mocks.get(path);
    if (!m) return Promise.reject(new Error(`no mock registered for ${path}`));
    if (!m.promise) {
      const original = () => import('endure:real:' + path);
      m.promise = (async () => {
        if (typeof m.factory !== 'function') return automock(await original());
        const r = await m.factory(original);
        if (!isObj(r)) throw new Error(`[vitest] vi.mock("${path}", factory?) is not returning an object. Did you mean to return an object with a "default" key?`);
        return r;
      })();
    }
    return m.promise;
  }

  // ---------------------------------------------------------------- suites and tests
  function newSuite(name, parent, mode, fn) {
    return { kind: 'suite', name, parent, mode, fn, children: [], beforeAll: [], afterAll: [], beforeEach: [], afterEach: [], options: {} };
  }
  let root = newSuite('', null, 'run', null);
  let current = root;
  let collecting = false;
  function splitArgs(a, b) {
    // (name, fn, timeout|options) or (name, options, fn)
    if (typeof a === 'function' || a === undefined) return { fn: a, options: typeof b === 'number' ? { timeout: b } : b || {} };
    return { fn: b, options: typeof a === 'number' ? { timeout: a } : a || {} };
  }
  function nameOf(n) { return typeof n === 'function' ? n.name || '<anonymous>' : String(n); }
  function modeOf(base, options) {
    if (options.skip) return 'skip';
    if (options.only) return 'only';
    if (options.todo) return 'todo';
    return base;
  }
  function addTest(mode, name, a, b, extra) {
    const { fn: body, options } = splitArgs(a, b);
    const t = { kind: 'test', name: nameOf(name), parent: current, mode: modeOf(body ? mode : 'todo', options), fn: body, options: Object.assign({}, options, extra || {}) };
    current.children.push(t);
  }
  function addSuite(mode, name, a, b) {
    const { fn: body, options } = splitArgs(a, b);
    const s = newSuite(nameOf(name), current, modeOf(body ? mode : 'todo', options), body);
    s.options = options;
    current.children.push(s);
  }
  function format(template, args, index) {
    let i = 0;
    let out = String(template).replace(/%[sdifjoOc#%]/g, (m) => {
      if (m === '%%') return '%';
      if (m === '%#') return String(index);
      const v = args[i++];
      switch (m) {
        case '%s': return typeof v === 'string' ? v : inspect(v);
        case '%d': case '%i': return String(m === '%i' ? Math.trunc(Number(v)) : Number(v));
        case '%f': return String(Number(v));
        case '%j': return JSON.stringify(v);
        default: return inspect(v);
      }
    });
    if (args.length === 1 && isObj(args[0]) && !Array.isArray(args[0])) {
      out = out.replace(/\$([\w.]+)/g, (m, path) => {
        let v = args[0];
        for (const p of path.split('.')) v = v === null || v === undefined ? undefined : v[p];
        return v === undefined && !(path.split('.')[0] in args[0]) ? m : (typeof v === 'string' ? v : inspect(v));
      });
    }
    return out.replace(/\$#/g, String(index));
  }
  function each(register) {
    return (table, ...rest) => {
      let rows = table;
      if (Array.isArray(table) && table.raw) {
        // Tagged template: a header row, then values.
        const header = table.join('').split('|').map((s) => s.trim()).filter(Boolean);
        rows = [];
        for (let i = 0; i < rest.length; i += header.length) {
          const row = {};
          header.forEach((h, j) => { row[h] = rest[i + j]; });
          rows.push(row);
        }
      }
      return (name, a, b) => {
        const { fn: body, options } = splitArgs(a, b);
        Array.from(rows).forEach((row, index) => {
          const args = Array.isArray(row) ? row : [row];
          register(format(name, args, index), body && (() => body(...args)), options);
        });
      };
    };
  }
  function makeApi(kind, mode) {
    const reg = (m) => (name, a, b) => (kind === 'test' ? addTest(m, name, a, b) : addSuite(m, name, a, b));
    const api = reg(mode);
    api.skip = reg('skip');
    api.only = reg('only');
    api.todo = (name) => (kind === 'test' ? addTest('todo', name) : addSuite('todo', name));
    api.skipIf = (cond) => reg(cond ? 'skip' : mode);
    api.runIf = (cond) => reg(cond ? mode : 'skip');
    api.concurrent = reg(mode);
    api.sequential = reg(mode);
    api.shuffle = reg(mode);
    api.each = each((n, f, o) => (kind === 'test' ? addTest(mode, n, f, o) : addSuite(mode, n, f, o)));
    api.for = (rows) => (name, a, b) => {
      const { fn: body, options } = splitArgs(a, b);
      Array.from(rows).forEach((row, index) => {
        const args = Array.isArray(row) ? row : [row];
        const f = body && (kind === 'test' ? (ctx) => body(row, ctx) : () => body(row));
        if (kind === 'test') addTest(mode, format(name, args, index), f, options);
        else addSuite(mode, format(name, args, index), f, options);
      });
    };
    api.skip.each = each((n, f, o) => (kind === 'test' ? addTest('skip', n, f, o) : addSuite('skip', n, f, o)));
    api.only.each = each((n, f, o) => (kind === 'test' ? addTest('only', n, f, o) : addSuite('only', n, f, o)));
    if (kind === 'test') {
      api.fails = (name, a, b) => {
        const { fn: body, options } = splitArgs(a, b);
        addTest(mode, name, body, options, { fails: true });
      };
      api.extend = () => api;
    }
    return api;
  }
  const it = makeApi('test', 'run');
  const describe = makeApi('suite', 'run');
  function hook(kind) {
    return (f, timeout) => { current[kind].push({ fn: f, timeout }); };
  }
  let currentTest = null;
  const vitest = {
    describe, suite: describe, it, test: it, expect, assert, vi, vitest: vi,
    beforeAll: hook('beforeAll'), afterAll: hook('afterAll'), beforeEach: hook('beforeEach'), afterEach: hook('afterEach'),
    onTestFinished: (f) => { if (currentTest) currentTest.finished.push(f); },
    onTestFailed: (f) => { if (currentTest) currentTest.failed.push(f); },
    expectTypeOf: () => new Proxy(function () {}, { get: (_t, p) => (p === 'then' ? undefined : vitest.expectTypeOf()), apply: () => vitest.expectTypeOf() }),
    assertType: () => {},
  };

  // Collecting runs each suite's function with it as the current suite, in order.
  async function collect(suite) {
    for (let i = 0; i < suite.children.length; i++) {
      const c = suite.children[i];
      if (c.kind !== 'suite' || !c.fn) continue;
      const prev = current;
      current = c;
      try {
        await c.fn();
      } catch (e) {
        c.collectError = e;
      } finally {
        current = prev;
      }
      await collect(c);
    }
  }
  function hasOnly(node) {
    return node.children.some((c) => c.mode === 'only' || (c.kind === 'suite' && hasOnly(c)));
  }
  // Which tests run: `.only` narrows (within its file), skip/todo suites skip all they hold,
  // and a name pattern (`-t`) selects by full name.
  function plan(node, onlyMode, inOnly, skipped, pattern, path) {
    for (const c of node.children) {
      const names = path.concat([c.name]);
      const mine = c.mode === 'only' || inOnly || (c.kind === 'suite' && onlyMode && hasOnly(c));
      const skip = skipped || c.mode === 'skip' || c.mode === 'todo' || (onlyMode && !mine);
      if (c.kind === 'suite') {
        c.skip = skip && !(c.kind === 'suite' && hasOnly(c) && !skipped && c.mode !== 'skip');
        plan(c, onlyMode, inOnly || c.mode === 'only', skipped || c.mode === 'skip' || c.mode === 'todo', pattern, names);
      } else {
        c.fullName = names.join(' > ');
        c.names = names;
        c.run = !skip && (!pattern || pattern.test(names.join(' ')));
        c.state = c.run ? null : c.mode === 'todo' || (skipped && c.parent.mode === 'todo') ? 'todo' : 'skip';
      }
    }
  }
  function runs(node) {
    return node.children.some((c) => (c.kind === 'test' ? c.run : runs(c)));
  }
  function errorReport(e) {
    // `await using`: the test's own error, with what disposing threw besides.
    if (e && e.name === 'SuppressedError' && 'error' in e) {
      const r = errorReport(e.error);
      r.message += `\n(and while disposing: ${errorReport(e.suppressed).message})`;
      return r;
    }
    if (e && typeof e === 'object') {
      const r = { name: String(e.name || 'Error'), message: String(e.message === undefined ? e : e.message), stack: typeof e.stack === 'string' ? e.stack : '' };
      if (e.showDiff && ('expected' in e || 'actual' in e)) r.diff = diff(e.expected, e.actual, e.textDiff);
      return r;
    }
    return { name: 'Error', message: String(e), stack: '' };
  }
  function withTimeout(promise, ms, what) {
    if (!ms || ms <= 0 || ms === Infinity) return promise;
    let timer;
    const limit = new Promise((_, reject) => {
      timer = realSetTimeout(() => reject(new Error(`${what} timed out in ${ms}ms.\nIf this is a long-running ${what === 'Test' ? 'test' : 'hook'}, pass a timeout value as the last argument or configure it globally with "${what === 'Test' ? 'testTimeout' : 'hookTimeout'}".`)), ms);
    });
    return Promise.race([Promise.resolve(promise), limit]).finally(() => realClearTimeout(timer));
  }
  class SkipSignal extends Error {}
  let settings = { testTimeout: 5000, hookTimeout: 10000, allowOnly: true };

  async function runHooks(list, arg, timeout, errors) {
    const cleanups = [];
    for (const h of list) {
      try {
        const r = await withTimeout(h.fn(arg), h.timeout || timeout, 'Hook');
        if (typeof r === 'function') cleanups.push(r);
      } catch (e) {
        errors.push(e);
      }
    }
    return cleanups;
  }
  async function runTest(t, file) {
    if (!t.run) {
      post('testResult', { file, names: t.names, state: t.state, ms: 0, errors: [] });
      return;
    }
    post('testStart', { file, names: t.names });
    const started = realNow();
    const errors = [];
    let skipped = false;
    state = { assertions: 0, expected: null, soft: [], softly: false, fullName: t.fullName };
    const task = { name: t.name, fullName: t.fullName, suite: { name: t.parent.name }, mode: 'run' };
    const ctx = {
      expect, task,
      skip: (note) => { throw new SkipSignal(note || ''); },
      onTestFinished: (f) => currentTest.finished.push(f),
      onTestFailed: (f) => currentTest.failed.push(f),
      signal: new AbortController().signal,
    };
    currentTest = { finished: [], failed: [] };
    let only = t.mode === 'only';
    for (let s = t.parent; s; s = s.parent) if (s.mode === 'only') only = true;
    if (only && !settings.allowOnly) {
      errors.push(new Error('[Vitest] Unexpected .only modifier. Remove it or pass --allowOnly argument to bypass this error'));
    }
    // beforeEach hooks, outermost suite first; afterEach innermost first.
    const chain = [];
    for (let s = t.parent; s; s = s.parent) chain.unshift(s);
    const cleanups = [];
    for (const s of chain) {
      if (errors.length) break;
      cleanups.push(...await runHooks(s.beforeEach, ctx, settings.hookTimeout, errors));
    }
    if (!errors.length) {
      try {
        await withTimeout(t.fn(ctx), t.options.timeout || settings.testTimeout, 'Test');
        if (t.options.fails) errors.push(new AssertionError('Expect test to fail'));
      } catch (e) {
        if (e instanceof SkipSignal) skipped = true;
        else if (!t.options.fails) errors.push(e);
      }
    }
    // afterEach hooks (innermost suite first), then what beforeEach hooks returned.
    for (const s of chain.slice().reverse()) await runHooks(s.afterEach, ctx, settings.hookTimeout, errors);
    for (const c of cleanups.reverse()) {
      try { await c(); } catch (e) { errors.push(e); }
    }
    errors.push(...state.soft);
    if (!errors.length && state.expected !== null) {
      if (state.expected === -1 && state.assertions === 0) errors.push(new AssertionError('expected any number of assertion, but got none'));
      else if (state.expected >= 0 && state.assertions !== state.expected) errors.push(new AssertionError(`expected number of assertions to be ${state.expected}, but got ${state.assertions}`));
    }
    for (const f of errors.length ? currentTest.failed : []) { try { await f(ctx); } catch (e) { errors.push(e); } }
    for (const f of currentTest.finished.reverse()) { try { await f(ctx); } catch (e) { errors.push(e); } }
    if (fake) fake.restore();
    state = null;
    currentTest = null;
    post('testResult', {
      file, names: t.names, state: skipped ? 'skip' : errors.length ? 'fail' : 'pass',
      ms: realNow() - started, errors: errors.map(errorReport),
    });
  }
  function skipAll(node, file, error) {
    for (const c of node.children) {
      if (c.kind === 'suite') { skipAll(c, file, error); continue; }
      if (!c.run) { post('testResult', { file, names: c.names, state: c.state, ms: 0, errors: [] }); continue; }
      post('testResult', { file, names: c.names, state: error ? 'fail' : 'skip', ms: 0, errors: error ? [errorReport(error)] : [] });
    }
  }
  async function runSuite(suite, file) {
    if (suite.collectError) { skipAll(suite, file, suite.collectError); return; }
    if (!runs(suite)) { skipAll(suite, file, null); return; }
    const setup = [];
    const cleanups = await runHooks(suite.beforeAll, suite, settings.hookTimeout, setup);
    // A failed `beforeAll` fails the suite's tests (reported with them, not again).
    const errors = [];
    if (setup.length) {
      skipAll(suite, file, setup[0]);
    } else {
      for (const c of suite.children) {
        if (c.kind === 'test') await runTest(c, file);
        else await runSuite(c, file);
      }
    }
    for (const c of cleanups.reverse()) { try { await c(); } catch (e) { errors.push(e); } }
    await runHooks(suite.afterAll, suite, settings.hookTimeout, errors);
    if (errors.length) post('suiteError', { file, names: suite.name ? [suite.name] : [], errors: errors.map(errorReport) });
  }

  // `endure test` sends `{op: 'test', file, pattern, testTimeout}`: the file is imported, its
  // suites collected, and every test run in order; results go back as they come.
  async function run(m) {
    root = newSuite('', null, 'run', null);
    current = root;
    mainPath = m.main;
    const slash = m.file.lastIndexOf('/');
    snap.path = `${m.file.slice(0, slash)}/__snapshots__/${m.file.slice(slash + 1)}.snap`;
    snap.mode = m.snapshots || 'new';
    if (m.testTimeout) settings.testTimeout = m.testTimeout;
    if (m.hookTimeout) settings.hookTimeout = m.hookTimeout;
    settings.allowOnly = m.allowOnly !== false;
    if (m.globals) {
      for (const k of ['describe', 'suite', 'it', 'test', 'expect', 'assert', 'vi', 'vitest', 'beforeAll', 'afterAll', 'beforeEach', 'afterEach', 'onTestFinished', 'onTestFailed']) {
        Object.defineProperty(globalThis, k, { value: vitest[k], writable: true, configurable: true, enumerable: false });
      }
    }
    collecting = true;
    try {
      for (const f of m.setupFiles || []) await import(f);
      await import(m.file);
      await collect(root);
    } catch (e) {
      collecting = false;
      post('testsDone', { file: m.file, error: errorReport(e) });
      return;
    }
    collecting = false;
    const pattern = m.pattern ? new RegExp(m.pattern) : null;
    plan(root, hasOnly(root), false, false, pattern, []);
    await runSuite(root, m.file);
    let snapshotError = null;
    if (snap.dirty) {
      try {
        sync('writeSnapshot', { path: snap.path, text: formatSnap(snap.entries) });
      } catch (e) {
        snapshotError = errorReport(e);
      }
    }
    post('testsDone', { file: m.file, error: snapshotError, snapshots: { written: snap.written, updated: snap.updated } });
  }

  // ---------------------------------------------------------------- cloudflare:test
  function executionContext() {
    const promises = [];
    return {
      waitUntil(p) { promises.push(Promise.resolve(p)); },
      passThroughOnException() {},
      props: {},
      __promises: promises,
    };
  }
  async function waitOnExecutionContext(ctx) {
    if (!ctx || !Array.isArray(ctx.__promises)) throw new TypeError('Failed to execute \'waitOnExecutionContext\': parameter 1 is not of type \'ExecutionContext\'.');
    let seen = 0;
    while (seen < ctx.__promises.length) {
      const batch = ctx.__promises.slice(seen);
      seen = ctx.__promises.length;
      await Promise.allSettled(batch);
    }
  }
  // The Worker's main module, loaded on first use: after the test file, so that its
  // `vi.mock` calls reach the Worker's imports too.
  let mainPath = null;
  let mainLoaded = null;
  function workerMain() {
    if (!mainLoaded) mainLoaded = import(mainPath).then((ns) => { globalThis.__endure_main = ns; });
    return mainLoaded;
  }
  // The Worker's own handlers, called in this isolate (as `SELF` reaches the Worker under test).
  function handler(name) {
    const h = entrypointOf({});
    const c = executionContext();
    if (typeof h === 'function' && h.prototype && typeof h.prototype[name] === 'function') {
      const self = new h(c, env);
      return [self[name].bind(self), c];
    }
    if (!h || typeof h[name] !== 'function') throw new TypeError(`The Worker's default export has no ${name}() handler`);
    return [h[name].bind(h), c];
  }
  const SELF = {
    async fetch(input, init) {
      const req = input instanceof Request && init === undefined ? input : new Request(input, init);
      await workerMain();
      const [f, c] = handler('fetch');
      const res = await f(req, env, c);
      return res instanceof Response ? res : new Response(String(res));
    },
    async scheduled(options) {
      const o = options || {};
      await workerMain();
      const [f, c] = handler('scheduled');
      await f({ type: 'scheduled', cron: o.cron || '', scheduledTime: o.scheduledTime instanceof RealDate ? o.scheduledTime.getTime() : o.scheduledTime || realNow(), noRetry() {} }, env, c);
      await waitOnExecutionContext(c);
      return { outcome: 'ok', noRetry: false };
    },
  };

  const STATUSES = ['queued', 'running', 'paused', 'errored', 'terminated', 'complete', 'waiting', 'waitingForPause'];
  function workflowOf(binding, what) {
    if (!binding || typeof binding.__name !== 'string') throw new TypeError(`${what}: the first argument must be a Workflow binding (env.MY_WORKFLOW)`);
    return binding.__name;
  }
  function bindingName(binding) {
    return Object.keys(env).find((k) => env[k] === binding) || binding.__name;
  }
  function stepRef(s, what) {
    if (!s || typeof s.name !== 'string') throw new TypeError(`${what}: the step must be {name, index?}`);
    return { name: s.name, index: s.index === undefined ? 1 : s.index };
  }
  function stepList(steps, what) {
    if (steps === undefined) return undefined;
    return Array.from(steps).map((s) => stepRef(s, what));
  }
  // The modifier a `modify`/`modifyAll` callback gets: each call is one operation.
  function modifier(apply) {
    const op = (o) => { try { apply(o); return Promise.resolve(); } catch (e) { return Promise.reject(e); } };
    return {
      disableSleeps: (steps) => op({ op: 'disableSleeps', steps: stepList(steps, 'disableSleeps') }),
      disableRetryDelays: (steps) => op({ op: 'disableRetryDelays', steps: stepList(steps, 'disableRetryDelays') }),
      mockStepResult: (step, value) => op({ op: 'mockStepResult', step: stepRef(step, 'mockStepResult'), value: encode(value) }),
      mockStepError: (step, error, times) => op({
        op: 'mockStepError', step: stepRef(step, 'mockStepError'),
        error: { name: String((error && error.name) || 'Error'), message: String(error && error.message !== undefined ? error.message : error) },
        times,
      }),
      forceStepTimeout: (step, times) => op({ op: 'forceStepTimeout', step: stepRef(step, 'forceStepTimeout'), times }),
      mockEvent: (event) => op({ op: 'mockEvent', type: String((event || {}).type), payload: encode((event || {}).payload === undefined ? {} : event.payload) }),
      forceEventTimeout: (step) => op({ op: 'forceEventTimeout', step: stepRef(step, 'forceEventTimeout') }),
    };
  }
  function instanceIntrospector(workflow, id) {
    const who = { workflow, instance: id };
    let disposed = false;
    const live = () => { if (disposed) throw new Error('Workflow instance introspector has been disposed.'); };
    const self = {
      async modify(fn) {
        live();
        await fn(modifier((o) => sync('modify', { workflow, id, ops: [o] })));
        await introspect('deliver', who);
        return self;
      },
      async waitForStepResult(step) {
        live();
        return decode(await introspect('waitForStepResult', Object.assign({ step: stepRef(step, 'waitForStepResult') }, who)));
      },
      async waitForStatus(status) {
        live();
        if (status === 'unknown') throw new Error('unknown cannot be parsed into a InstanceStatus');
        if (!STATUSES.includes(status)) throw new Error(`${status} was not handled because it's not a valid InstanceStatus`);
        await introspect('waitForStatus', Object.assign({ status }, who));
      },
      async getOutput() {
        live();
        return decode(await introspect('getOutput', who));
      },
      async getError() {
        live();
        return introspect('getError', who);
      },
      async dispose() {
        if (disposed) return;
        disposed = true;
        await introspect('dispose', who);
      },
      [Symbol.asyncDispose]() { return self.dispose(); },
    };
    return self;
  }
  async function introspectWorkflowInstance(binding, id) {
    const workflow = workflowOf(binding, 'introspectWorkflowInstance');
    if (typeof id !== 'string' || id === '') throw new TypeError('introspectWorkflowInstance: the instance id must be a non-empty string');
    return instanceIntrospector(workflow, id);
  }
  async function introspectWorkflow(binding) {
    const workflow = workflowOf(binding, 'introspectWorkflow');
    sync('openSession', { workflow, binding: bindingName(binding) });
    let open = true;
    const introspectors = new Map();
    const live = () => {
      if (!open) throw new Error(`Workflow "${workflow}" does not have an active introspection session for this introspector.`);
    };
    const self = {
      async modifyAll(fn) {
        live();
        const ops = [];
        await fn(modifier((o) => ops.push(o)));
        sync('modifyAll', { workflow, ops });
      },
      // An array that can also be awaited: current versions of cloudflare:test answer a
      // promise, earlier ones (and Cloudflare's first examples) the array itself.
      get() {
        live();
        const list = sync('sessionIds', { workflow }).map((id) => {
          if (!introspectors.has(id)) introspectors.set(id, instanceIntrospector(workflow, id));
          return introspectors.get(id);
        });
        Object.defineProperty(list, 'then', {
          value: (resolve, reject) => Promise.resolve(list.slice()).then(resolve, reject),
          enumerable: false,
        });
        return list;
      },
      async dispose() {
        if (!open) return;
        open = false;
        await introspect('disposeSession', { workflow });
      },
      [Symbol.asyncDispose]() { return self.dispose(); },
    };
    return self;
  }
  function unsupported(name) {
    return () => { throw new Error(`cloudflare:test's ${name}() is not supported by endure test`); };
  }
  const cloudflareTest = {
    env, SELF, introspectWorkflowInstance, introspectWorkflow,
    createExecutionContext: executionContext, waitOnExecutionContext,
    createScheduledController: (o) => ({ type: 'scheduled', cron: (o || {}).cron || '', scheduledTime: (o || {}).scheduledTime || realNow(), noRetry() {} }),
    createMessageBatch: unsupported('createMessageBatch'), getQueueResult: unsupported('getQueueResult'),
    fetchMock: undefined, runInDurableObject: unsupported('runInDurableObject'),
    listDurableObjectIds: unsupported('listDurableObjectIds'), applyD1Migrations: unsupported('applyD1Migrations'),
  };
  return { vitest, cloudflareTest, run, registerMock, mockModule, collecting: () => collecting };
}
