import { WorkflowEntrypoint, WorkerEntrypoint, WorkflowStep, WorkflowEvent } from "cloudflare:workers";
import { NonRetryableError } from "cloudflare:workflows";
import { describeError } from "./util";
import config from "./config.json";

type Env = Record<string, any>;

// A recorded result is returned on replay without running the callback again: the stub counts
// calls. The sleep makes the engine drop the run; the second half runs in a fresh isolate.
export class Replay extends WorkflowEntrypoint<Env, { stub: string }> {
  async run(event: WorkflowEvent<{ stub: string }>, step: WorkflowStep) {
    const a = await step.do("count", async () => {
      const r = await fetch(`${event.payload.stub}/count`, { method: "POST" });
      return (await r.json<{ n: number }>()).n;
    });
    await step.sleep("nap", "1 second");
    const b = await step.do("after", async () => a + 1);
    return { a, b };
  }
}

export class Retries extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<unknown>, step: WorkflowStep) {
    try {
      await step.do("flaky", { retries: { limit: 2, delay: 1000, backoff: "linear" } }, async (ctx) => {
        throw new TypeError(`attempt ${ctx.attempt} of ${ctx.step.name}#${ctx.step.count}`);
      });
    } catch (e) {
      return describeError(e);
    }
  }
}

export class NonRetryable extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<unknown>, step: WorkflowStep) {
    try {
      await step.do("refuse", async () => {
        throw new NonRetryableError("card declined");
      });
    } catch (e) {
      return { ...describeError(e), isNonRetryable: e instanceof NonRetryableError };
    }
  }
}

export class NonRetryableUncaught extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<unknown>, step: WorkflowStep) {
    await step.do("refuse", async () => {
      throw new NonRetryableError("card declined");
    });
  }
}

export class Limit extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<unknown>, step: WorkflowStep) {
    await step.do("one", async () => 1);
    await step.sleep("sleeps do not count", 10);
    await step.do("two", async () => 2);
    try {
      await step.do("three", async () => 3);
    } catch (e) {
      return describeError(e);
    }
  }
}

export class Invalid extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<unknown>, step: WorkflowStep) {
    const out: Record<string, unknown> = {};
    const attempt = async (label: string, f: () => Promise<unknown>) => {
      try {
        await f();
        out[label] = "ok";
      } catch (e) {
        out[label] = describeError(e);
      }
    };
    await attempt("name", () => step.do("bad\u0001name", async () => 1));
    await attempt("missingDelay", () => step.do("a", { retries: { limit: 1 } } as any, async () => 1));
    await attempt("unknownKey", () => step.do("b", { colour: "red" } as any, async () => 1));
    await attempt("noCallback", () => (step as any).do("c", { timeout: 10 }));
    await attempt("duration", () => step.sleep("d", "five seconds" as any));
    await attempt("tooLong", () => step.sleep("e", "366 days"));
    // Values JSON cannot carry are refused, not silently turned into null.
    await attempt("nanLimit", () => step.do("f", { retries: { limit: NaN, delay: 1 } }, async () => 1));
    await attempt("minusInfinity", () => step.do("g", { retries: { limit: -Infinity, delay: 1 } }, async () => 1));
    await attempt("infiniteDelay", () => step.do("h", { retries: { limit: 1, delay: Infinity } }, async () => 1));
    await attempt("infiniteTimeout", () => step.do("i", { timeout: Infinity }, async () => 1));
    await attempt("bigint", () => step.do("j", { retries: { limit: BigInt(1), delay: 1 } } as any, async () => 1));
    return out;
  }
}

export class Timeout extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<unknown>, step: WorkflowStep) {
    try {
      await step.do("hang", { retries: { limit: 0, delay: 0 }, timeout: 100 }, () => new Promise(() => {}));
    } catch (e) {
      return describeError(e);
    }
  }
}

export class Parallel extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<unknown>, step: WorkflowStep) {
    const all = await Promise.all([
      step.do("x", async (ctx) => `x${ctx.step.count}`),
      step.do("x", async (ctx) => `x${ctx.step.count}`),
      step.do("y", async (ctx) => `y${ctx.step.count}`),
    ]);
    const race = await Promise.race([
      step.do("fast", async () => "fast"),
      step.sleep("slow", "1 hour").then(() => "slow"),
    ]);
    return { all, race };
  }
}

export class Values extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<unknown>, step: WorkflowStep) {
    class Point {
      constructor(public x: number) {}
      norm() { return this.x; }
    }
    const v = await step.do("rich value", async () => ({
      date: new Date(5),
      map: new Map<any, any>([[1, "a"], ["k", { deep: true }]]),
      set: new Set([1, 2]),
      bytes: new Uint8Array([1, 2, 3]),
      missing: undefined,
      big: 10n,
      nan: NaN,
      point: new Point(3),
      nested: [undefined, null, -0],
    }));
    // A sleep, so what follows runs in a fresh isolate from the recorded value.
    await step.sleep("nap", "1 second");
    return await step.do("check", async () => ({
      date: v.date instanceof Date && v.date.getTime() === 5,
      map: v.map instanceof Map && v.map.get(1) === "a" && v.map.get("k").deep === true,
      set: v.set instanceof Set && v.set.has(2),
      bytes: v.bytes instanceof Uint8Array && v.bytes[2] === 3,
      missing: "missing" in v && v.missing === undefined,
      big: v.big === 10n,
      nan: Number.isNaN(v.nan),
      point: !(v.point instanceof Point) && v.point.x === 3 && (v.point as any).norm === undefined,
      nested: v.nested[0] === undefined && v.nested[1] === null && Object.is(v.nested[2], -0),
    }));
  }
}

export class Streams extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<unknown>, step: WorkflowStep) {
    const s = await step.do("stream", async () => {
      const r = new Response("streamed bytes");
      return r.body;
    });
    await step.sleep("nap", "1 second");
    const again = await step.do("read", async () => "unused");
    const text = await new Response(s).text();
    return { isStream: s instanceof ReadableStream, text, again };
  }
}

export class NotSerialisable extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<unknown>, step: WorkflowStep) {
    await step.do("returns a function", async () => ({ f: () => 1 }));
  }
}

export class Events extends WorkflowEntrypoint<Env, { timeout: string }> {
  async run(event: WorkflowEvent<{ timeout: string }>, step: WorkflowStep) {
    try {
      const e = await step.waitForEvent("approval", { type: "approve", timeout: event.payload.timeout });
      return { payload: e.payload, type: e.type, timestampIsDate: e.timestamp instanceof Date };
    } catch (e) {
      return describeError(e);
    }
  }
}

export class SleepUntil extends WorkflowEntrypoint<Env, { at: number }> {
  async run(event: WorkflowEvent<{ at: number }>, step: WorkflowStep) {
    await step.sleepUntil("as a date", new Date(event.payload.at));
    await step.sleepUntil("as epoch ms", event.payload.at + 60_000);
    try {
      await step.sleepUntil("in the past", new Date(event.payload.at - 1));
    } catch (e) {
      return describeError(e);
    }
    return "no error";
  }
}

export class Sleeper extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<unknown>, step: WorkflowStep) {
    await step.sleep("long", "1 day");
    return "woke";
  }
}

// Drives another instance through the binding: create, status, pause, resume, terminate.
export class Controller extends WorkflowEntrypoint<Env, unknown> {
  async run(event: WorkflowEvent<unknown>, step: WorkflowStep) {
    return await step.do("drive", async () => {
      const seen: string[] = [];
      const s = await this.env.SLEEPER.create({ id: `s-${event.instanceId}`, params: { from: "controller" } });
      let st = await s.status();
      for (let i = 0; i < 500 && st.status !== "waiting"; i++) {
        await new Promise((r) => setTimeout(r, 5));
        st = await s.status();
      }
      seen.push(st.status);
      await s.pause();
      seen.push((await s.status()).status);
      await s.resume();
      await s.terminate();
      seen.push((await this.env.SLEEPER.get(s.id)).id);
      seen.push((await s.status()).status);
      let dup = "none";
      try {
        await this.env.SLEEPER.create({ id: s.id });
      } catch (e) {
        dup = (e as Error).message;
      }
      let missing = "none";
      try {
        await this.env.SLEEPER.get("nope");
      } catch (e) {
        missing = (e as Error).message;
      }
      const batch = await this.env.SLEEPER.createBatch([{ id: `b1-${event.instanceId}` }, { id: `b2-${event.instanceId}` }]);
      await Promise.all(batch.map((b: any) => b.terminate()));
      return { seen, dup, missing, batch: batch.map((b: any) => b.id) };
    });
  }
}

export class EnvAndContext extends WorkflowEntrypoint<Env, unknown> {
  async run(event: WorkflowEvent<unknown>, step: WorkflowStep) {
    return {
      greeting: this.env.GREETING,
      hasBinding: typeof this.env.SLEEPER.create === "function",
      waitUntil: typeof this.ctx.waitUntil === "function",
      config,
    };
  }
}

export class Cpu extends WorkflowEntrypoint<Env, { where: string }> {
  async run(event: WorkflowEvent<{ where: string }>, step: WorkflowStep) {
    if (event.payload.where === "run") {
      for (;;) {}
    }
    try {
      await step.do("spin", { retries: { limit: 1, delay: 0 } }, async () => {
        for (;;) {}
      });
    } catch (e) {
      return describeError(e);
    }
  }
}

export class Memory extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<unknown>, step: WorkflowStep) {
    try {
      await step.do("hog", { retries: { limit: 0, delay: 0 } }, async () => {
        const keep: string[] = [];
        for (;;) keep.push("x".repeat(1 << 20) + keep.length);
      });
    } catch (e) {
      return describeError(e);
    }
  }
}

export class RuntimeApis extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<unknown>, step: WorkflowStep) {
    return await step.do("apis", async () => {
      const u = new URL("https://example.com:8443/a/b/../c?x=1&y=two%20words#frag");
      u.searchParams.append("z", "3");
      const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode("abc"));
      const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
      const random = crypto.getRandomValues(new Uint8Array(8));
      const r = Response.json({ ok: 1 }, { status: 201 });
      const h = new Headers({ "X-A": "1" });
      h.append("x-a", "2");
      const ac = new AbortController();
      ac.abort();
      const timer = await new Promise((res) => setTimeout(() => res("fired"), 5));
      let micro = "";
      queueMicrotask(() => (micro = "ran"));
      await null;
      const clone = structuredClone({ d: new Date(1), s: new Set([1]) });
      const stream = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("st")); c.close(); } });
      const reader = stream.getReader();
      const chunk = await reader.read();
      return {
        href: u.href, host: u.host, path: u.pathname, y: u.searchParams.get("y"), hash: u.hash,
        uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID()),
        hex, randomLength: random.length,
        status: r.status, body: await r.json(), contentType: r.headers.get("content-type"),
        header: h.get("x-a"),
        aborted: ac.signal.aborted,
        b64: btoa("hello"), unb64: atob("aGVsbG8="),
        decoded: new TextDecoder().decode(new TextEncoder().encode("héllo €")),
        timer, micro,
        clone: clone.d instanceof Date && clone.s.has(1),
        chunk: new TextDecoder().decode(chunk.value),
      };
    });
  }
}

export class Thrown extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<unknown>, step: WorkflowStep) {
    class PaymentError extends Error {
      constructor(message: string) {
        super(message);
        this.name = "PaymentError";
      }
    }
    await step.do("charge", { retries: { limit: 0, delay: 0 } }, async () => {
      throw new PaymentError("insufficient funds");
    });
  }
}

// R2, D1 and send_email bindings, kept by Endure in the state directory.
import { EmailMessage } from "cloudflare:email";

export class Resources extends WorkflowEntrypoint<Env, unknown> {
  async run(event: WorkflowEvent<unknown>, step: WorkflowStep) {
    return await step.do("use resources", async () => {
      const put = await this.env.BUCKET.put("reports/1.json", JSON.stringify({ n: 1 }), {
        httpMetadata: { contentType: "application/json" },
        customMetadata: { by: "test" },
      });
      await this.env.BUCKET.put("reports/2.bin", new Uint8Array([1, 2, 3]));
      const got = await this.env.BUCKET.get("reports/1.json");
      const listed = await this.env.BUCKET.list({ prefix: "reports/" });
      const missing = await this.env.BUCKET.get("nope");
      await this.env.BUCKET.delete("reports/2.bin");
      const afterDelete = (await this.env.BUCKET.list()).objects.length;

      await this.env.DB.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, name TEXT, flag INTEGER)");
      const ins = await this.env.DB.prepare("INSERT INTO t (name, flag) VALUES (?, ?)").bind("ada", true).run();
      await this.env.DB.batch([
        this.env.DB.prepare("INSERT INTO t (name, flag) VALUES (?1, ?2)").bind("bob", false),
        this.env.DB.prepare("INSERT INTO t (name, flag) VALUES (?1, ?2)").bind("cy", true),
      ]);
      const first = await this.env.DB.prepare("SELECT name FROM t WHERE flag = ? ORDER BY id").bind(1).first("name");
      const all = await this.env.DB.prepare("SELECT name, flag FROM t ORDER BY id").all();
      const raw = await this.env.DB.prepare("SELECT count(*) AS n FROM t").raw({ columnNames: true });
      let d1Error = "";
      try {
        await this.env.DB.prepare("SELECT nope FROM t").all();
      } catch (e) {
        d1Error = (e as Error).message;
      }

      const raw822 = "From: shop@example.com\r\nTo: ada@example.com\r\nSubject: hi\r\n\r\nhello";
      await this.env.MAIL.send(new EmailMessage("shop@example.com", "ada@example.com", raw822));
      let refused = "";
      try {
        await this.env.MAIL.send(new EmailMessage("shop@example.com", "eve@example.com", raw822));
      } catch (e) {
        refused = (e as Error).message;
      }
      return {
        putSize: put.size, uploadedIsDate: put.uploaded instanceof Date,
        text: await got!.text(), contentType: got!.httpMetadata.contentType, by: got!.customMetadata.by,
        listed: listed.objects.map((o: any) => o.key), missing, afterDelete,
        lastRowId: ins.meta.last_row_id, first, all: all.results, raw, d1Error, refused,
      };
    });
  }
}

// `sensitive: "output"`: the run gets the value, the status document shows "[REDACTED]".
export class Sensitive extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<unknown>, step: WorkflowStep) {
    const secret = await step.do("token", { sensitive: "output" }, async () => "s3cr3t");
    return secret.length;
  }
}

// Restart through the binding: the sleeper starts over, with the same params.
export class Restarter extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<unknown>, step: WorkflowStep) {
    return await step.do("restart", async () => {
      const s = await this.env.SLEEPER.create({ id: "r-sleeper", params: { n: 1 } });
      for (let i = 0; i < 500 && (await s.status()).status !== "waiting"; i++) {
        await new Promise((r) => setTimeout(r, 5));
      }
      await s.terminate();
      const before = (await s.status()).status;
      await s.restart();
      let after = (await s.status()).status;
      for (let i = 0; i < 500 && after !== "waiting"; i++) {
        await new Promise((r) => setTimeout(r, 5));
        after = (await s.status()).status;
      }
      return { before, after };
    });
  }
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext) {
    const url = new URL(request.url);
    if (url.pathname === "/later") {
      // Work after the response, kept alive by waitUntil.
      ctx.waitUntil(
        new Promise((r) => setTimeout(r, 50)).then(() => env.SLEEPER.create({ id: "later" })),
      );
      return new Response("accepted", { status: 202 });
    }
    return new Response("semantics");
  },
};

// `retries.delay` as a function: asked after each failed attempt (its answer goes through the
// back-off formula); if it throws or answers nonsense the step fails for good.
export class DynamicDelay extends WorkflowEntrypoint<Env, { mode: string }> {
  async run(event: WorkflowEvent<{ mode: string }>, step: WorkflowStep) {
    const mode = event.payload.mode;
    try {
      await step.do(
        "flaky",
        {
          retries: {
            limit: 2,
            backoff: "constant",
            delay: async ({ ctx, error }: any) => {
              if (mode === "throw") throw new Error("no delay for you");
              if (mode === "bad") return -5;
              return `${ctx.attempt} seconds (${error.message})`.startsWith(`${ctx.attempt} seconds`)
                ? `${ctx.attempt} seconds`
                : 0;
            },
          },
        } as any,
        async (c) => {
          throw new Error(`fail ${c.attempt}`);
        },
      );
    } catch (e) {
      return describeError(e);
    }
  }
}

// `retries.limit: Infinity` means unlimited retries (DECISIONS.md); the callback's context shows
// the limit as Infinity.
export class Unlimited extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<unknown>, step: WorkflowStep) {
    let limit: unknown = "unset";
    const attempts = await step.do("flaky", { retries: { limit: Infinity, delay: 10, backoff: "constant" } }, async (ctx) => {
      limit = ctx.config.retries?.limit;
      if (ctx.attempt < 9) throw new Error(`attempt ${ctx.attempt}`);
      return ctx.attempt;
    });
    return { attempts, limitIsInfinity: limit === Infinity };
  }
}

// Two steps with fresh values, then a long sleep: the target of restarts from a step.
export class Restartable extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<unknown>, step: WorkflowStep) {
    const a = await step.do("a", async () => crypto.randomUUID());
    const b = await step.do("b", async () => crypto.randomUUID());
    await step.sleep("wait", "1 day");
    return { a, b };
  }
}

// Calls `restart({from})` on another instance through the binding and reports the outcome.
export class RestartFrom extends WorkflowEntrypoint<Env, { target: string; from: unknown }> {
  async run(event: WorkflowEvent<{ target: string; from: unknown }>, step: WorkflowStep) {
    return await step.do("restart", async () => {
      const h = await this.env.RESTARTABLE.get(event.payload.target);
      try {
        await h.restart({ from: event.payload.from });
        return "restarted";
      } catch (e) {
        return describeError(e);
      }
    });
  }
}

// Counts retries in a variable of `run()` (as the workers-sdk workflow fixture does): short
// back-offs keep the run live, so the count is the real one.
export class CountsRetries extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<unknown>, step: WorkflowStep) {
    let retries = 0;
    await step.do("flaky", { retries: { limit: 3, delay: 100, backoff: "constant" } }, async () => {
      if (retries < 3) {
        retries++;
        throw new Error("not yet");
      }
      return "done";
    });
    return `The step was retried ${retries} times`;
  }
}

// An attempt that times out is retried after its delay, counted from the time-out.
export class TimeoutRetry extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<unknown>, step: WorkflowStep) {
    try {
      await step.do("hang", { timeout: 300, retries: { limit: 1, delay: 50, backoff: "constant" } }, () => new Promise(() => {}));
    } catch (e) {
      return describeError(e);
    }
  }
}

// Bindings Endure does not serve are on env, and using one throws an error naming it.
export class Unserved extends WorkflowEntrypoint<Env, unknown> {
  async run(event: WorkflowEvent<unknown>, step: WorkflowStep) {
    const out: Record<string, unknown> = {};
    for (const [label, use] of [
      ["ai", () => this.env.AI.run("@cf/meta/llama", { prompt: "hi" })],
      ["vectors", () => this.env.VECTORS.query([0.1])],
      ["counter", () => this.env.COUNTER.idFromName("x")],
      ["other", () => this.env.OTHER.fetch("https://x/")],
    ] as const) {
      try {
        await use();
        out[label] = "no error";
      } catch (e) {
        out[label] = describeError(e);
      }
    }
    out.present = ["AI", "VECTORS", "COUNTER", "OTHER"].every((b) => b in this.env && this.env[b] !== undefined);
    out.printable = String(this.env.AI);
    return out;
  }
}

// Workers KV: values of every type, metadata, a time to live, and listing with a cursor.
export class KvWrite extends WorkflowEntrypoint<Env, unknown> {
  async run(event: WorkflowEvent<unknown>, step: WorkflowStep) {
    return await step.do("write", async () => {
      const kv = this.env.KV;
      await kv.put("user:1", JSON.stringify({ name: "ada" }), { metadata: { role: "admin" } });
      await kv.put("user:2", new Uint8Array([1, 2, 3]));
      await kv.put("session:x", "short-lived", { expirationTtl: 60 });
      const errors: string[] = [];
      for (const bad of [() => kv.put("k", "v", { expirationTtl: 10 }), () => kv.put("", "v"), () => kv.put("k", 42 as any)]) {
        try {
          await bad();
          errors.push("none");
        } catch (e) {
          errors.push((e as Error).message);
        }
      }
      const first = await kv.list({ prefix: "user:", limit: 1 });
      const second = await kv.list({ prefix: "user:", cursor: first.cursor });
      const withMeta = await kv.getWithMetadata("user:1", "json");
      const bytes = new Uint8Array((await kv.get("user:2", "arrayBuffer")) as ArrayBuffer);
      const many = await kv.get(["user:1", "nope"]);
      return {
        json: await kv.get("user:1", { type: "json" }),
        text: await kv.get("session:x"),
        missing: await kv.get("nope"),
        bytes: Array.from(bytes),
        withMeta,
        pages: [first.keys.map((k: any) => k.name), first.list_complete, second.keys.map((k: any) => k.name), second.list_complete],
        many: [...many.entries()],
        errors,
      };
    });
  }
}

export class KvRead extends WorkflowEntrypoint<Env, unknown> {
  async run(event: WorkflowEvent<unknown>, step: WorkflowStep) {
    return await step.do("read", async () => {
      await this.env.KV.delete("user:2");
      const keys = (await this.env.KV.list()).keys.map((k: any) => k.name);
      return { session: await this.env.KV.get("session:x"), keys };
    });
  }
}

// A step, an event, a step: what `status()` reports of it, read through the binding.
export class WithEvent extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<unknown>, step: WorkflowStep) {
    await step.do("first", async () => ({ output: "First step result" }));
    await step.waitForEvent("approval", { type: "event-1" });
    await step.do("second", async () => ({ output: "Second step result" }));
    return {};
  }
}

export class StatusReader extends WorkflowEntrypoint<Env, { id: string }> {
  async run(event: WorkflowEvent<{ id: string }>, step: WorkflowStep) {
    return await step.do("read", async () => (await this.env.WITH_EVENT.get(event.payload.id)).status());
  }
}

// A named entrypoint of this project, reached through a service binding (fetch and RPC).
export class Api extends WorkerEntrypoint<Env> {
  async add(a: number, b: number) { return a + b; }
  async greet(name: string) { return { hi: name, at: new Date(0), tags: new Set(["a"]) }; }
  async fail() { throw new TypeError("nope"); }
  async fetch(request: Request) { return new Response(`api ${new URL(request.url).pathname}`); }
}

export class ServiceCaller extends WorkflowEntrypoint<Env, unknown> {
  async run(event: WorkflowEvent<unknown>, step: WorkflowStep) {
    return await step.do("call", async () => {
      const api = this.env.SELF_API;
      const greeting = await api.greet("ada");
      let failed: unknown = "none";
      try { await api.fail(); } catch (e) { failed = describeError(e); }
      let missing: unknown = "none";
      try { await api.nothing(); } catch (e) { missing = describeError(e); }
      return {
        sum: await api.add(2, 3),
        greeting: [greeting.hi, greeting.at instanceof Date, greeting.tags instanceof Set],
        failed, missing,
        viaFetch: await (await api.fetch("http://internal/hello")).text(),
        defaultFetch: await (await this.env.SELF.fetch("http://internal/")).text(),
      };
    });
  }
}
