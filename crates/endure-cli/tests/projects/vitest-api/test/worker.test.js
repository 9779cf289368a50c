import { createExecutionContext, env, introspectWorkflow, introspectWorkflowInstance, SELF, waitOnExecutionContext } from "cloudflare:test";
import { env as workersEnv } from "cloudflare:workers";
import { expect, it } from "vitest";
import worker from "../src/index.js";

it("gives the project's bindings and vars", () => {
	expect(env.GREETING).toBe("hello");
	expect(workersEnv).toBe(env);
	expect(typeof env.NOTES.get).toBe("function");
});

it("calls the handler with an execution context", async () => {
	const ctx = createExecutionContext();
	const res = await worker.fetch(new Request("https://example.com/note", { method: "POST", body: "Buy milk" }), env, ctx);
	expect(res.status).toBe(202);
	expect(await res.text()).toBe("hello, noted");
	await waitOnExecutionContext(ctx);
	expect(await env.NOTES.get("buy-milk")).toBe("Buy milk");
});

it("reaches the Worker through SELF", async () => {
	const res = await SELF.fetch("https://example.com/");
	expect(await res.json()).toEqual({ greeting: "hello" });
	expect((await SELF.fetch("https://example.com/note/nothing")).status).toBe(404);
});

it("starts each file's tests on fresh storage", async () => {
	// The note stored two tests ago is still here (storage is per file)...
	expect(await env.NOTES.get("buy-milk")).toBe("Buy milk");
});

it("wipes the instances a test leaves", async () => {
	const first = await env.COUNTER.create({ id: "left-behind", params: { times: 2 } });
	expect(first.id).toBe("left-behind");
});

it("so the next test can use the id again", async () => {
	await using counter = await introspectWorkflowInstance(env.COUNTER, "left-behind");
	await env.COUNTER.create({ id: "left-behind", params: { times: 3 } });
	await counter.waitForStatus("complete");
	expect(await counter.getOutput()).toBe(3);
	expect(await counter.waitForStepResult({ name: "add", index: 3 })).toBe(3);
});

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
