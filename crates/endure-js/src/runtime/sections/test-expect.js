// A section of the runtime prelude loaded on first use (see bytecode.rs), by `endure test`'s
// runner (sections/test.js): how values print (one line for messages, pretty-format's layout
// for diffs and snapshots), deep equality, asymmetric matchers, `expect` with its matchers and
// snapshots, and `assert`. `kit.shared.state` is the running test (assertion counts, soft
// failures), which the runner sets.
export default function (kit) {
  const { sync, realNow, realSetTimeout, RealDate, shared } = kit;
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
    const base = `${shared.state ? shared.state.fullName : ''}${hint ? ` > ${hint}` : ''}`;
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
    if (shared.state && shared.state.softly) { shared.state.soft.push(e); return; }
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
    if (shared.state) shared.state.assertions++;
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
  expect.assertions = (n) => { if (shared.state) shared.state.expected = n; };
  expect.hasAssertions = () => { if (shared.state) shared.state.expected = -1; };
  expect.soft = (actual, message) => {
    const a = assertion(actual, { not: false, mode: null, message });
    const wrap = (obj) => new Proxy(obj, {
      get(t, p) {
        const v = t[p];
        if (p === 'not' || p === 'resolves' || p === 'rejects') return wrap(v);
        if (typeof v !== 'function') return v;
        return (...args) => {
          if (shared.state) shared.state.softly = true;
          try { return v(...args); } finally { if (shared.state) shared.state.softly = false; }
        };
      },
    });
    return wrap(a);
  };
  expect.poll = (fn, opts) => assertion(undefined, { not: false, mode: null, poll: Object.assign({ fn }, typeof opts === 'number' ? { timeout: opts } : opts || {}) });
  expect.extend = (defs) => { Object.assign(custom, defs); };
  expect.unreachable = (message) => { throw new AssertionError(`expected ${message ? `"${message}" ` : ''}not to be reached`); };
  expect.getState = () => ({ assertionCalls: shared.state ? shared.state.assertions : 0, currentTestName: shared.state ? shared.state.fullName : undefined });

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

  return { expect, assert, AssertionError, inspect, diff, isObj, isMock, snap, formatSnap };
}
