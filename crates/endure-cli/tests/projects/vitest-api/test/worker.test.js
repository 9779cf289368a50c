import {
	createExecutionContext,
	createScheduledController,
	env,
	introspectWorkflowInstance,
	SELF,
	waitOnExecutionContext,
} from "cloudflare:test";
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

it("keeps the instances a test leaves for the file's later tests", async () => {
	const first = await env.COUNTER.create({ id: "left-behind", params: { times: 2 } });
	expect(first.id).toBe("left-behind");
});

it("so a later test finds it, as on Cloudflare's pool", async () => {
	await using counter = await introspectWorkflowInstance(env.COUNTER, "left-behind");
	await counter.waitForStatus("complete");
	expect(await counter.getOutput()).toBe(2);
	expect(await counter.waitForStepResult({ name: "add", index: 2 })).toBe(2);
});

it("and once disposed, the id is free again", async () => {
	await using counter = await introspectWorkflowInstance(env.COUNTER, "left-behind");
	await env.COUNTER.create({ id: "left-behind", params: { times: 3 } });
	await counter.waitForStatus("complete");
	expect(await counter.getOutput()).toBe(3);
});

it("mocks a step's result with a stream", async () => {
	await using counter = await introspectWorkflowInstance(env.COUNTER, "streamed");
	await counter.modify(async (m) => {
		const body = new Response("streamed bytes").body;
		await m.mockStepResult({ name: "add" }, body);
	});
	await env.COUNTER.create({ id: "streamed", params: { times: 1 } });
	const result = await counter.waitForStepResult({ name: "add" });
	expect(result).toBeInstanceOf(ReadableStream);
	expect(await new Response(result).text()).toBe("streamed bytes");
});

it("runs the scheduled handler when a test asks (crons do not fire by themselves)", async () => {
	expect(await env.NOTES.get("last-cron")).toBeNull();
	const ctx = createExecutionContext();
	await worker.scheduled(createScheduledController({ cron: "*/5 * * * *" }), env, ctx);
	await waitOnExecutionContext(ctx);
	expect(await env.NOTES.get("last-cron")).toBe("*/5 * * * *");
});
