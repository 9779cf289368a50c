// What Endure answers beyond the current vitest-pool-workers, for tests written against earlier
// versions of it.
import { env, introspectWorkflow, SELF } from "cloudflare:test";
import { expect, it } from "vitest";

it("answers introspector.get() as an array, or a promise of one", async () => {
	await using counters = await introspectWorkflow(env.COUNTER);
	await env.COUNTER.create({ id: "c-1", params: { times: 1 } });
	await env.COUNTER.create({ id: "c-2", params: { times: 2 } });
	// Cloudflare's first examples read it at once; current cloudflare:test returns a promise.
	const now = counters.get();
	expect(now).toHaveLength(2);
	const later = await counters.get();
	expect(Array.isArray(later)).toBe(true);
	expect(later).toHaveLength(2);
	for (const i of later) await i.waitForStatus("complete");
	expect(await later[1].getOutput()).toBe(2);
});

it("runs the scheduled handler through SELF.scheduled", async () => {
	const result = await SELF.scheduled({ cron: "0 * * * *" });
	expect(result.outcome).toBe("ok");
	expect(await env.NOTES.get("last-cron")).toBe("0 * * * *");
});
