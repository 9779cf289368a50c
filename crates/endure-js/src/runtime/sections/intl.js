// A section of the runtime prelude loaded on first use (see bytecode.rs): ECMA-402's `Intl`
// on the host's ICU4X (intl/mod.rs). Each object here holds the id of its host twin; the
// options bag goes over as JSON and comes back resolved. Also what `toLocaleString`,
// `toLocaleDateString`, `toLocaleTimeString` and `localeCompare` use (runtime/67-web-lazy.js).
export default function (rt) {
  const h = rt.host.intl;
  function translate(e) {
    const m = /^(RangeError|TypeError): ([\s\S]*)$/.exec(String(e && e.message));
    if (!m) return e;
    return m[1] === 'RangeError' ? new RangeError(m[2]) : new TypeError(m[2]);
  }
  function call(f, ...args) {
    try { return f(...args); } catch (e) { throw translate(e); }
  }
  function localeList(locales) {
    if (locales === undefined) return [];
    const list = typeof locales === 'string' || locales instanceof Locale ? [locales] : Array.from(locales);
    return list.map((l) => {
      if (l instanceof Locale) return l.toString();
      if (typeof l !== 'string') throw new TypeError('locales must be strings');
      return l;
    });
  }
  // The options bag as plain JSON (getters read once, as the reference reads them).
  function bag(options, keys) {
    if (options === undefined) return {};
    if (options === null) throw new TypeError('Cannot convert null to an options object');
    const out = {};
    for (const k of keys) {
      const v = options[k];
      if (v !== undefined) out[k] = typeof v === 'object' && v !== null ? String(v) : v;
    }
    return out;
  }
  const ID = Symbol('intl');
  function make(self, kind, locales, options, keys, defaults = 'date') {
    const r = JSON.parse(call(h.make, kind, JSON.stringify(localeList(locales)), JSON.stringify(bag(options, keys)), defaults));
    Object.defineProperty(self, ID, { value: r.id });
    Object.defineProperty(self, '__resolved', { value: r.resolved });
  }
  const resolved = (self) => Object.assign({}, self.__resolved);
  const idOf = (self, kind) => {
    if (!self || self[ID] === undefined) throw new TypeError(`Method called on an object that is not an Intl.${kind}`);
    return self[ID];
  };
  const supportedLocalesOf = (locales) => localeList(locales).map((l) => new Locale(l).toString());

  const DATE_KEYS = ['localeMatcher', 'calendar', 'numberingSystem', 'hour12', 'hourCycle', 'timeZone', 'weekday', 'era', 'year', 'month', 'day', 'dayPeriod', 'hour', 'minute', 'second', 'fractionalSecondDigits', 'timeZoneName', 'formatMatcher', 'dateStyle', 'timeStyle'];
  const toMs = (date) => {
    const d = date === undefined ? Date.now() : date instanceof Date ? date.getTime() : Number(date);
    if (!Number.isFinite(d)) throw new RangeError('Invalid time value');
    return d;
  };
  class DateTimeFormat {
    constructor(locales, options, defaults) { make(this, 'DateTimeFormat', locales, options, DATE_KEYS, defaults === 'time' || defaults === 'all' ? defaults : 'date'); }
    get format() {
      const id = idOf(this, 'DateTimeFormat');
      const f = (date) => call(h.formatDate, id, toMs(date), false);
      Object.defineProperty(this, 'format', { value: f });
      return f;
    }
    formatToParts(date) { return JSON.parse(call(h.formatDate, idOf(this, 'DateTimeFormat'), toMs(date), true)); }
    formatRange(a, b) { return `${this.format(a)} – ${this.format(b)}`; }
    resolvedOptions() { return resolved(this); }
    static supportedLocalesOf(l) { return supportedLocalesOf(l); }
  }

  const NUMBER_KEYS = ['localeMatcher', 'numberingSystem', 'style', 'currency', 'currencyDisplay', 'currencySign', 'unit', 'unitDisplay', 'notation', 'compactDisplay', 'useGrouping', 'signDisplay', 'minimumIntegerDigits', 'minimumFractionDigits', 'maximumFractionDigits', 'minimumSignificantDigits', 'maximumSignificantDigits', 'roundingMode', 'roundingPriority', 'roundingIncrement', 'trailingZeroDisplay'];
  const numberArg = (x) => (typeof x === 'bigint' ? String(x) : typeof x === 'string' && x.trim() !== '' && !Number.isNaN(Number(x)) ? x.trim() : Number(x));
  class NumberFormat {
    constructor(locales, options) { make(this, 'NumberFormat', locales, options, NUMBER_KEYS); }
    get format() {
      const id = idOf(this, 'NumberFormat');
      const f = (x) => call(h.formatNumber, id, numberArg(x), false);
      Object.defineProperty(this, 'format', { value: f });
      return f;
    }
    formatToParts(x) { return JSON.parse(call(h.formatNumber, idOf(this, 'NumberFormat'), numberArg(x), true)); }
    formatRange(a, b) { return `${this.format(a)}–${this.format(b)}`; }
    resolvedOptions() { return resolved(this); }
    static supportedLocalesOf(l) { return supportedLocalesOf(l); }
  }

  class PluralRules {
    constructor(locales, options) { make(this, 'PluralRules', locales, options, ['localeMatcher', 'type', 'minimumIntegerDigits', 'minimumFractionDigits', 'maximumFractionDigits', 'minimumSignificantDigits', 'maximumSignificantDigits', 'roundingMode']); }
    select(n) { return call(h.plural, idOf(this, 'PluralRules'), Number(n)); }
    resolvedOptions() { const r = resolved(this); r.pluralCategories = [...r.pluralCategories]; return r; }
    static supportedLocalesOf(l) { return supportedLocalesOf(l); }
  }

  class Collator {
    constructor(locales, options) { make(this, 'Collator', locales, options, ['localeMatcher', 'usage', 'sensitivity', 'ignorePunctuation', 'numeric', 'caseFirst', 'collation']); }
    get compare() {
      const id = idOf(this, 'Collator');
      const f = (a, b) => h.compare(id, String(a), String(b));
      Object.defineProperty(this, 'compare', { value: f });
      return f;
    }
    resolvedOptions() { return resolved(this); }
    static supportedLocalesOf(l) { return supportedLocalesOf(l); }
  }

  class ListFormat {
    constructor(locales, options) { make(this, 'ListFormat', locales, options, ['localeMatcher', 'type', 'style']); }
    format(list) {
      const items = Array.from(list === undefined ? [] : list, (x) => {
        if (typeof x !== 'string') throw new TypeError('Iterable yielded a value that is not a string');
        return x;
      });
      return call(h.formatList, idOf(this, 'ListFormat'), JSON.stringify(items));
    }
    formatToParts(list) {
      // The items, and the text between them as literals.
      const items = Array.from(list === undefined ? [] : list, String);
      const text = this.format(items);
      const parts = [];
      let at = 0;
      for (const item of items) {
        const i = text.indexOf(item, at);
        if (i < 0) continue;
        if (i > at) parts.push({ type: 'literal', value: text.slice(at, i) });
        parts.push({ type: 'element', value: item });
        at = i + item.length;
      }
      if (at < text.length) parts.push({ type: 'literal', value: text.slice(at) });
      return parts;
    }
    resolvedOptions() { return resolved(this); }
    static supportedLocalesOf(l) { return supportedLocalesOf(l); }
  }

  class RelativeTimeFormat {
    constructor(locales, options) { make(this, 'RelativeTimeFormat', locales, options, ['localeMatcher', 'numberingSystem', 'style', 'numeric']); }
    format(value, unit) { return call(h.formatRelative, idOf(this, 'RelativeTimeFormat'), Number(value), String(unit)); }
    formatToParts(value, unit) { return [{ type: 'literal', value: this.format(value, unit) }]; }
    resolvedOptions() { return resolved(this); }
    static supportedLocalesOf(l) { return supportedLocalesOf(l); }
  }

  class Segmenter {
    #granularity; #locale;
    constructor(locales, options) {
      const o = bag(options, ['localeMatcher', 'granularity']);
      this.#granularity = o.granularity === undefined ? 'grapheme' : String(o.granularity);
      if (!['grapheme', 'word', 'sentence'].includes(this.#granularity)) throw new RangeError(`Value ${this.#granularity} out of range for Intl.Segmenter options property granularity`);
      const list = localeList(locales);
      this.#locale = list.length ? new Locale(list[0]).toString() : 'en-US';
    }
    segment(input) {
      const text = String(input);
      const word = this.#granularity === 'word';
      const spans = JSON.parse(call(h.segment, this.#granularity, text));
      const make = ([a, b, w]) => (word ? { segment: text.slice(a, b), index: a, input: text, isWordLike: w } : { segment: text.slice(a, b), index: a, input: text });
      return {
        [Symbol.iterator]() { return spans.map(make)[Symbol.iterator](); },
        containing(i = 0) {
          const n = Number(i);
          const s = spans.find(([a, b]) => n >= a && n < b);
          return s ? make(s) : undefined;
        },
      };
    }
    resolvedOptions() { return { locale: this.#locale, granularity: this.#granularity }; }
    static supportedLocalesOf(l) { return supportedLocalesOf(l); }
  }

  class Locale {
    #info;
    constructor(tag, options) {
      if (typeof tag !== 'string' && !(tag instanceof Locale)) throw new TypeError('First argument to Intl.Locale constructor can\'t be empty or missing');
      let t = String(tag);
      if (options && typeof options === 'object') {
        const parts = t.split('-u-')[0].split('-');
        if (options.language) parts[0] = options.language;
        if (options.script) parts.splice(1, /^[A-Za-z]{4}$/.test(parts[1] || '') ? 1 : 0, options.script);
        if (options.region) { const last = parts[parts.length - 1]; if (/^([A-Za-z]{2}|\d{3})$/.test(last) && parts.length > 1) parts[parts.length - 1] = options.region; else parts.push(options.region); }
        t = parts.join('-');
      }
      this.#info = JSON.parse(call(h.locale, t));
    }
    get baseName() { return this.#info.baseName; }
    get language() { return this.#info.language; }
    get script() { return this.#info.script ?? undefined; }
    get region() { return this.#info.region ?? undefined; }
    maximize() { return new Locale(this.#info.maximized); }
    minimize() { return new Locale(this.#info.minimized); }
    toString() { return this.#info.tag; }
    toJSON() { return this.toString(); }
  }

  const Intl = {
    DateTimeFormat, NumberFormat, PluralRules, Collator, ListFormat, RelativeTimeFormat, Segmenter, Locale,
    getCanonicalLocales: (locales) => [...new Set(localeList(locales).map((l) => new Locale(l).toString()))],
    supportedValuesOf(key) {
      if (key === 'timeZone') return ['UTC'];
      if (key === 'calendar') return ['gregory'];
      if (key === 'numberingSystem') return ['latn'];
      throw new RangeError(`Invalid key : ${key}`);
    },
  };
  Object.defineProperty(Intl, Symbol.toStringTag, { value: 'Intl' });

  // What the built-ins' locale methods use: one formatter per (locales, options, kind), kept.
  const cache = new Map();
  function cached(kind, locales, options, defaults) {
    const key = JSON.stringify([kind, locales === undefined ? null : localeList(locales), options === undefined ? null : options, defaults]);
    let f = cache.get(key);
    if (!f) {
      f = kind === 'date' ? new DateTimeFormat(locales, options, defaults)
        : kind === 'number' ? new NumberFormat(locales, options) : new Collator(locales, options);
      if (cache.size > 1000) cache.clear();
      cache.set(key, f);
    }
    return f;
  }
  // Without locales or options (the usual call): one formatter each, no key to build.
  const plain = {};
  const plainOf = (kind, defaults) => plain[kind + defaults] || (plain[kind + defaults] = cached(kind, undefined, undefined, defaults));
  const localeMethods = {
    date(ms, locales, options, defaults) {
      if (Number.isNaN(ms)) return 'Invalid Date';
      const f = locales === undefined && options === undefined ? plainOf('date', defaults) : cached('date', locales, options, defaults);
      return f.format(ms);
    },
    number(x, locales, options) {
      return (locales === undefined && options === undefined ? plainOf('number', '') : cached('number', locales, options)).format(x);
    },
    compare(a, b, locales, options) {
      return (locales === undefined && options === undefined ? plainOf('collator', '') : cached('collator', locales, options)).compare(a, b);
    },
  };
  return { Intl, localeMethods };
}
