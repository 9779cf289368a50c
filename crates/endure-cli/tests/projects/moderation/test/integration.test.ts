// Every instance the Worker creates, introspected through a session (introspectWorkflow), with
// the Worker reached through SELF.
import { env, introspectWorkflow, SELF } from "cloudflare:test";
import { describe, it } from "vitest";

const SCAN = "AI content scan";

it("moderates one submission end to end", async ({ expect }) => {
	await using introspector = await introspectWorkflow(env.MODERATOR);
	await introspector.modifyAll(async (m) => {
		await m.disableSleeps();
		await m.mockStepResult({ name: SCAN }, { violationScore: 0 });
	});

	const res = await SELF.fetch("https://example.com/moderate");
	expect(res.status).toBe(200);

	const instances = await introspector.get();
	expect(instances).toHaveLength(1);
	const [instance] = instances;
	expect(await instance.waitForStepResult({ name: SCAN })).toEqual({ violationScore: 0 });
	await expect(instance.waitForStatus("complete")).resolves.not.toThrow();
	expect(await instance.getOutput()).toEqual({ status: "auto_approved" });
});

it("moderates a batch, disposing explicitly", async ({ expect }) => {
	const introspector = await introspectWorkflow(env.MODERATOR);
	try {
		await introspector.modifyAll(async (m) => {
			await m.disableSleeps();
			await m.mockStepResult({ name: SCAN }, { violationScore: 0 });
		});

		const res = await SELF.fetch("https://example.com/moderate-batch");
		const { ids } = await res.json<{ ids: string[] }>();
		expect(ids).toContain("batch-second");

		const instances = await introspector.get();
		expect(instances.length).toBe(3);
		for (const instance of instances) {
			expect(await instance.waitForStepResult({ name: SCAN })).toEqual({ violationScore: 0 });
			await expect(instance.waitForStatus("complete")).resolves.not.toThrow();
			expect(await instance.getOutput()).toEqual({ status: "auto_approved" });
		}
	} finally {
		await introspector.dispose();
	}
});

describe("instance lifecycle", () => {
	it("terminates", async ({ expect }) => {
		await using introspector = await introspectWorkflow(env.MODERATOR);
		await introspector.modifyAll(async (m) => {
			await m.disableSleeps();
			await m.mockStepResult({ name: SCAN }, { violationScore: 50 });
		});

		const res = await SELF.fetch("https://example.com/moderate");
		const data = await res.json<{ id: string }>();
		const [instance] = await introspector.get();
		expect(await instance.waitForStepResult({ name: SCAN })).toEqual({ violationScore: 50 });

		const handle = await env.MODERATOR.get(data.id);
		await handle.terminate();
		await expect(instance.waitForStatus("terminated")).resolves.not.toThrow();
	});

	it("restarts with its mocks kept", async ({ expect }) => {
		await using introspector = await introspectWorkflow(env.MODERATOR);
		await introspector.modifyAll(async (m) => {
			await m.disableSleeps();
			await m.mockStepResult({ name: SCAN }, { violationScore: 50 });
			await m.mockEvent({ type: "moderation-decision", payload: { moderatorAction: "reject" } });
		});

		const res = await SELF.fetch("https://example.com/moderate");
		const data = await res.json<{ id: string }>();
		const [instance] = await introspector.get();
		expect(await instance.waitForStepResult({ name: SCAN })).toEqual({ violationScore: 50 });

		const handle = await env.MODERATOR.get(data.id);
		await handle.restart();
		await expect(instance.waitForStatus("complete")).resolves.not.toThrow();
		expect(await instance.getOutput()).toEqual({ status: "moderated", decision: "reject" });
	});

	it("pauses", async ({ expect }) => {
		await using introspector = await introspectWorkflow(env.MODERATOR);
		await introspector.modifyAll(async (m) => {
			await m.disableSleeps();
			await m.mockStepResult({ name: SCAN }, { violationScore: 50 });
		});

		const res = await SELF.fetch("https://example.com/moderate");
		const data = await res.json<{ id: string }>();
		const [instance] = await introspector.get();
		expect(await instance.waitForStepResult({ name: SCAN })).toEqual({ violationScore: 50 });

		const handle = await env.MODERATOR.get(data.id);
		await handle.pause();
		await handle.sendEvent({ type: "moderation-decision", payload: { moderatorAction: "approve" } });
		await expect(instance.waitForStatus("paused")).resolves.not.toThrow();
	});
});
