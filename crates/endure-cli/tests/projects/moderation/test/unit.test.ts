// One instance at a time, introspected before it is created (introspectWorkflowInstance).
import { env, introspectWorkflowInstance } from "cloudflare:test";
import { expect, it } from "vitest";

const ID = "review-0001";
const SCAN = "AI content scan";

it("approves clean content", async () => {
	await using instance = await introspectWorkflowInstance(env.MODERATOR, ID);
	await instance.modify(async (m) => {
		await m.disableSleeps();
		await m.mockStepResult({ name: SCAN }, { violationScore: 0 });
	});

	await env.MODERATOR.create({ id: ID });

	expect(await instance.waitForStepResult({ name: SCAN })).toEqual({ violationScore: 0 });
	expect(await instance.waitForStepResult({ name: "auto approve content" })).toEqual({
		status: "auto_approved",
	});
	await expect(instance.waitForStatus("complete")).resolves.not.toThrow();
});

it("retries a scan that fails twice, then approves", async () => {
	const instance = await introspectWorkflowInstance(env.MODERATOR, ID);
	try {
		await instance.modify(async (m) => {
			await m.disableSleeps();
			await m.disableRetryDelays();
			await m.mockStepError({ name: SCAN }, new Error("model unavailable"), 2);
			await m.mockStepResult({ name: SCAN }, { violationScore: 0 });
		});

		await env.MODERATOR.create({ id: ID });

		expect(await instance.waitForStepResult({ name: SCAN })).toEqual({ violationScore: 0 });
		await expect(instance.waitForStatus("complete")).resolves.not.toThrow();
		expect(await instance.getOutput()).toEqual({ status: "auto_approved" });
	} finally {
		await instance.dispose();
	}
});

it("rejects content with a high score", async () => {
	await using instance = await introspectWorkflowInstance(env.MODERATOR, ID);
	await instance.modify(async (m) => {
		await m.disableSleeps();
		await m.mockStepResult({ name: SCAN }, { violationScore: 99 });
	});

	await env.MODERATOR.create({ id: ID });

	expect(await instance.waitForStepResult({ name: "auto reject content" })).toEqual({
		status: "auto_rejected",
	});
	await expect(instance.waitForStatus("complete")).resolves.not.toThrow();
});

it("waits for a moderator, who approves", async () => {
	await using instance = await introspectWorkflowInstance(env.MODERATOR, ID);
	await instance.modify(async (m) => {
		await m.disableSleeps();
		await m.mockStepResult({ name: SCAN }, { violationScore: 50 });
		await m.mockEvent({ type: "moderation-decision", payload: { moderatorAction: "approve" } });
	});

	await env.MODERATOR.create({ id: ID });

	expect(await instance.waitForStepResult({ name: "apply moderator decision" })).toEqual({
		status: "moderated",
		decision: "approve",
	});
	await expect(instance.waitForStatus("complete")).resolves.not.toThrow();
});

it("errors when the moderator never answers", async () => {
	await using instance = await introspectWorkflowInstance(env.MODERATOR, ID);
	await instance.modify(async (m) => {
		await m.disableSleeps();
		await m.mockStepResult({ name: SCAN }, { violationScore: 50 });
		await m.forceEventTimeout({ name: "human review" });
	});

	await env.MODERATOR.create({ id: ID });

	await expect(instance.waitForStatus("errored")).resolves.not.toThrow();
	const error = await instance.getError();
	expect(error.message).toContain("timed out");
});
