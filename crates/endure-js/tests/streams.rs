//! Web streams as the WHATWG standard has them, as a Worker meets them: pulling on demand up
//! to the high-water mark, queuing strategies, backpressure on writers, on transforms and
//! through `pipeTo`, cancellation and abort signals travelling upstream, `tee`,
//! `ReadableStream.from`, BYOB reads and errors.

mod common;

use common::{ANSWER_RUN, Js, one_module};
use endure_js::Limits;
use serde_json::json;

const INDEX: &str = r#"
const tick = () => new Promise<void>((r) => setTimeout(r, 1));

async function run(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  // Pulls fill the queue to the high-water mark, then wait for reads.
  let pulls = 0;
  const counted = new ReadableStream({ pull(c) { pulls++; c.enqueue(pulls); } }, new CountQueuingStrategy({ highWaterMark: 3 }));
  await tick();
  out.pullsBeforeRead = pulls;
  const r = counted.getReader();
  const first = await r.read();
  await tick();
  out.pullsAfterRead = [first.value, pulls];
  r.releaseLock();
  // desiredSize with a byte-length strategy.
  let ctl: ReadableStreamDefaultController;
  const sized = new ReadableStream({ start(c) { ctl = c; } }, new ByteLengthQueuingStrategy({ highWaterMark: 10 }));
  ctl!.enqueue(new Uint8Array(4));
  out.desired = [ctl!.desiredSize];
  ctl!.enqueue(new Uint8Array(8));
  (out.desired as number[]).push(ctl!.desiredSize!);
  // Writer backpressure: a slow sink, writes queue, `ready` waits.
  const written: number[] = [];
  const slow = new WritableStream({ async write(chunk: number) { await tick(); written.push(chunk); } }, { highWaterMark: 2 });
  const w = slow.getWriter();
  const sizes = [w.desiredSize];
  const writes = [1, 2, 3].map((n) => { const p = w.write(n); sizes.push(w.desiredSize); return p; });
  let readyEarly = false;
  w.ready.then(() => { readyEarly = written.length === 0; });
  await Promise.all(writes);
  sizes.push(w.desiredSize);
  out.writer = { sizes, written, readyEarly };
  await w.close();
  // A transform does nothing until its readable side is read.
  let transformed = 0;
  const double = new TransformStream({ transform(chunk: number, c) { transformed++; c.enqueue(chunk * 2); } });
  const tw = double.writable.getWriter();
  tw.write(1); tw.write(2); tw.write(3);
  await tick();
  const beforeRead = transformed;
  const tr = double.readable.getReader();
  const got = [(await tr.read()).value, (await tr.read()).value];
  out.transform = { beforeRead, got };
  // pipeTo keeps the source only a little ahead of a slow destination.
  let produced = 0;
  let maxAhead = 0;
  const consumed: number[] = [];
  const source = new ReadableStream({ pull(c) { if (produced === 20) { c.close(); return; } produced++; c.enqueue(produced); } });
  const sink = new WritableStream({ async write(n: number) { maxAhead = Math.max(maxAhead, produced - consumed.length); await tick(); consumed.push(n); } });
  await source.pipeTo(sink);
  out.pipe = { consumed: consumed.length, last: consumed[19], boundedAhead: maxAhead <= 4 };
  // An abort signal stops a pipe: the destination is aborted and the source canceled.
  const ac = new AbortController();
  let canceledWith: unknown = null;
  let abortedWith: unknown = null;
  const endless = new ReadableStream({ pull(c) { c.enqueue('x'); }, cancel(reason) { canceledWith = String(reason); } });
  const dest = new WritableStream({ async write() { await tick(); }, abort(reason) { abortedWith = String(reason); } });
  const piping = endless.pipeTo(dest, { signal: ac.signal });
  await tick();
  ac.abort('stop');
  try { await piping; out.abort = 'not rejected'; } catch (e) { out.abort = [String(e), canceledWith, abortedWith]; }
  // Reader cancel reaches the source; errors reach readers.
  let reason: unknown = null;
  const cancelable = new ReadableStream({ cancel(r) { reason = r; } });
  await cancelable.getReader().cancel('enough');
  const failing = new ReadableStream({ start(c) { c.enqueue('a'); c.error(new Error('broken')); } });
  const fr = failing.getReader();
  const closed = fr.closed.then(() => 'closed', (e: Error) => e.message);
  let readError = '';
  try { await fr.read(); } catch (e) { readError = (e as Error).message; }
  out.cancelAndError = [reason, readError, await closed];
  // tee: both branches get everything; canceling both cancels the source with both reasons.
  let teeCancel: unknown = null;
  const teeSource = new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2); }, cancel(r) { teeCancel = r; } });
  const [ta, tb] = teeSource.tee();
  const ra = ta.getReader();
  const rb = tb.getReader();
  const seen = [(await ra.read()).value, (await rb.read()).value, (await ra.read()).value, (await rb.read()).value];
  await Promise.all([ra.cancel('a'), rb.cancel('b')]);
  out.tee = { seen, teeCancel };
  // ReadableStream.from and breaking out of for-await (the iterator is closed).
  let finalized = false;
  async function* gen() { try { yield 1; yield 2; yield 3; } finally { finalized = true; } }
  const fromGen: number[] = [];
  for await (const v of ReadableStream.from(gen())) { fromGen.push(v as number); if (v === 2) break; }
  out.from = { fromGen, finalized };
  // BYOB: a 10-byte chunk read through a 4-byte buffer.
  const bytes = new ReadableStream({ type: 'bytes', start(c) { c.enqueue(new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])); c.close(); } });
  const br = bytes.getReader({ mode: 'byob' });
  const reads: number[][] = [];
  for (;;) {
    const { value, done } = await br.read(new Uint8Array(4));
    if (done) break;
    reads.push(Array.from(value!));
  }
  out.byob = reads;
  return out;
}

"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_pull_queue_and_push_back() {
    let js = Js::start(
        one_module(&[INDEX, ANSWER_RUN].concat()),
        "p",
        vec![],
        Limits::default(),
    )
    .await;
    let out = js.get_json("/").await;
    let expect = json!({
        "pullsBeforeRead": 3,
        "pullsAfterRead": [1, 4],
        "desired": [6, -2],
        "writer": {"sizes": [2, 1, 0, -1, 2], "written": [1, 2, 3], "readyEarly": false},
        "transform": {"beforeRead": 0, "got": [2, 4]},
        "pipe": {"consumed": 20, "last": 20, "boundedAhead": true},
        "abort": ["stop", "stop", "stop"],
        "cancelAndError": ["enough", "broken", "broken"],
        "tee": {"seen": [1, 1, 2, 2], "teeCancel": ["a", "b"]},
        "from": {"fromGen": [1, 2], "finalized": true},
        "byob": [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]],
    });
    for (k, v) in expect.as_object().unwrap() {
        assert_eq!(&out[k], v, "{k} in {out:#}");
    }
}
