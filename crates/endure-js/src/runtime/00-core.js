// The runtime every Endure JavaScript context starts with, evaluated before the project's
// modules. One function body kept in several files by topic, concatenated in order by
// bytecode.rs: 00 messages, values, errors; 10 steps and bindings; 20 R2, D1, email;
// 30 entrypoints, timers, console; 40 encoding, crypto, URL; 50 fetch API, abort, streams;
// 60 Node compatibility; 90 the host's entry points and the globals. It talks to the host
// (Rust) with JSON messages: `host.send(text)` out, and `__endure_rt.receive(text)` in. See
// isolate.rs for the other side and the message list.
(function () {
  'use strict';
  const host = globalThis.__endure_host;
  delete globalThis.__endure_host;

  // ---------------------------------------------------------------- messages
  // The isolate serves several workflow runs at once, and fetch requests: every message to the
  // host names the run it is for (0: none). `currentRun` is the run of the host's message being
  // handled (each such message and the jobs it queues is one turn, so what runs meanwhile
  // continues that run), or of the timer firing; step calls name their run themselves.
  let currentRun = 0;
  // The runs this isolate serves now: the steps a run that is over asks for are never answered.
  const liveRuns = new Set();
  // The run a call or a line is for: the turn's, or the isolate's own once that run is over (a
  // promise runs share can continue one run's code in another's turn, or after it).
  const runOf = (run) => (liveRuns.has(run) ? run : 0);
  let nextId = 1;
  // Calls to the host in flight, by id: `run` is the run they were made for, `step` whether
  // they are a step of it (forgotten with the run) rather than a host call (answered anyway).
  const calls = new Map();
  function call(op, fields) {
    return callAs(runOf(currentRun), op, fields, false);
  }
  function callAs(run, op, fields, step) {
    if (run !== 0 && !liveRuns.has(run)) return new Promise(() => {});
    const id = nextId++;
    const p = new Promise((resolve, reject) => calls.set(id, { resolve, reject, run, step }));
    host.send(run, JSON.stringify(Object.assign({}, fields, { op, id })));
    return p;
  }
  // A call the host may answer at once, on this thread (binding reads on a local store):
  // settled without a message when it can be, sent as one when not.
  function callNow(op, fields) {
    if (host.callNow) {
      const r = host.callNow(JSON.stringify(Object.assign({}, fields, { op })));
      if (typeof r === 'string') {
        const m = JSON.parse(r);
        return m.ok ? Promise.resolve(m.value) : Promise.reject(toError(m.error));
      }
    }
    return call(op, fields);
  }
  function post(op, fields) {
    postAs(runOf(currentRun), op, fields);
  }
  function postAs(run, op, fields) {
    host.send(run, JSON.stringify(Object.assign({}, fields, { op })));
  }

  // ---------------------------------------------------------------- values
  // Step results, params and payloads are stored as JSON; values JSON cannot hold are tagged
  // objects `{"$endure": kind, ...}` (plain objects that have that key are wrapped too).
  const TAG = '$endure';
  class NotSerialisable extends Error {}
  const TYPED = ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
    'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array'];
  function encode(v, seen) {
    switch (typeof v) {
      case 'undefined': return { [TAG]: 'undefined' };
      case 'boolean': case 'string': return v;
      case 'number':
        if (Number.isFinite(v) && !Object.is(v, -0)) return v;
        return { [TAG]: 'number', v: Object.is(v, -0) ? '-0' : String(v) };
      case 'bigint': return { [TAG]: 'bigint', v: v.toString() };
      case 'function': case 'symbol': throw new NotSerialisable(typeof v);
    }
    if (v === null) return null;
    seen = seen || new Set();
    if (seen.has(v)) throw new NotSerialisable('a circular reference');
    seen.add(v);
    try {
      if (v instanceof Date) return { [TAG]: 'Date', v: isNaN(v.getTime()) ? null : v.toISOString() };
      if (v instanceof Map) return { [TAG]: 'Map', v: Array.from(v, ([k, x]) => [encode(k, seen), encode(x, seen)]) };
      if (v instanceof Set) return { [TAG]: 'Set', v: Array.from(v, (x) => encode(x, seen)) };
      if (v instanceof RegExp) return { [TAG]: 'RegExp', source: v.source, flags: v.flags };
      if (v instanceof ArrayBuffer) return { [TAG]: 'ArrayBuffer', v: Array.from(new Uint8Array(v)) };
      if (ArrayBuffer.isView(v)) {
        const kind = v.constructor.name;
        if (kind === 'DataView') return { [TAG]: 'DataView', v: Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) };
        return { [TAG]: kind, v: Array.from(v, (x) => (typeof x === 'bigint' ? x.toString() : x)) };
      }
      if (v instanceof Error) {
        return { [TAG]: 'Error', name: v.name, message: v.message };
      }
      if (Array.isArray(v)) {
        for (const k of Object.keys(v)) {
          if (!/^\d+$/.test(k) && typeof v[k] === 'function') throw new NotSerialisable('a function property');
        }
        const out = [];
        for (let i = 0; i < v.length; i++) out.push(encode(v[i], seen));
        return out;
      }
      const out = {};
      for (const k of Object.keys(v)) out[k] = encode(v[k], seen);
      return Object.prototype.hasOwnProperty.call(v, TAG) ? { [TAG]: 'object', v: out } : out;
    } finally {
      seen.delete(v);
    }
  }
  function decode(v) {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map(decode);
    const kind = v[TAG];
    if (kind === undefined) {
      const out = {};
      for (const k of Object.keys(v)) out[k] = decode(v[k]);
      return out;
    }
    switch (kind) {
      case 'undefined': return undefined;
      case 'number': return v.v === '-0' ? -0 : Number(v.v);
      case 'bigint': return BigInt(v.v);
      case 'Date': return new Date(v.v === null ? NaN : v.v);
      case 'Map': return new Map(v.v.map(([k, x]) => [decode(k), decode(x)]));
      case 'Set': return new Set(v.v.map(decode));
      case 'RegExp': return new RegExp(v.source, v.flags);
      case 'ArrayBuffer': return new Uint8Array(v.v).buffer;
      case 'DataView': return new DataView(new Uint8Array(v.v).buffer);
      case 'ReadableStream': { const b = new Uint8Array(v.v); return new ReadableStream({ start(c) { c.enqueue(b); c.close(); } }); }
      case 'Error': { const e = new Error(v.message); e.name = v.name; return e; }
      case 'object': { const out = {}; for (const k of Object.keys(v.v)) out[k] = decode(v.v[k]); return out; }
      default:
        if (TYPED.includes(kind)) {
          const C = globalThis[kind];
          return C.from(v.v, (x) => (kind.startsWith('Big') ? BigInt(x) : x));
        }
        return v;
    }
  }
  function structuredClone(v) {
    try {
      return decode(encode(v));
    } catch (e) {
      if (e instanceof NotSerialisable) throw new DOMException(`could not be cloned: ${e.message}`, 'DataCloneError');
      throw e;
    }
  }

  // ---------------------------------------------------------------- errors
  class NonRetryableError extends Error {
    constructor(message, name) {
      super(message);
      this.name = name === undefined ? 'NonRetryableError' : name;
    }
  }
  class DOMException extends Error {
    constructor(message, name) { super(message); this.name = name || 'Error'; }
  }
  function errorInfo(e) {
    if (e instanceof Error || (e && typeof e === 'object' && 'message' in e)) {
      return { name: String(e.name || 'Error'), message: String(e.message) };
    }
    return { name: 'Error', message: String(e) };
  }
  function toError(info) {
    const e = info.name === 'NonRetryableError' ? new NonRetryableError(info.message) : new Error(info.message);
    e.name = info.name;
    return e;
  }
