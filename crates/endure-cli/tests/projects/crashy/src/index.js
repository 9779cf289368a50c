import { WorkflowEntrypoint } from "cloudflare:workers";

// Every attempt is first recorded in the side log (the crash child serves http://side-log and
// appends before it answers); the test compares that log with what the engine persisted.
export class Crashy extends WorkflowEntrypoint {
  async run(event, step) {
    const n = event.payload.steps ?? 10;
    for (let k = 1; k <= n; k++) {
      await step.do(`step-${k}`, { retries: { limit: 30, delay: 20, backoff: "constant" } }, async (ctx) => {
        const r = await fetch(`http://side-log/${event.instanceId}/${k}/${ctx.attempt}`, { method: "POST" });
        if (!r.ok) throw new Error(`side log failed: ${r.status}`);
        await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 3)));
        if (k === 3 && ctx.attempt === 1) throw new Error("deliberate first-attempt failure");
        return { i: k };
      });
      if (k === 5) await step.sleep("nap", 30);
    }
    return { steps: n };
  }
}
