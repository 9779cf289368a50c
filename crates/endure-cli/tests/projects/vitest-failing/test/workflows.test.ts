import { env, introspectWorkflowInstance } from "cloudflare:test";
import { expect, it } from "vitest";

const SCAN = "AI content scan";

it("mocks the wrong score", async () => {
	await using instance = await introspectWorkflowInstance(env.MODERATOR, "wrong-mock");
	await instance.modify(async (m) => {
		await m.disableSleeps();
		await m.mockStepResult({ name: SCAN }, { violationScore: 99 });
	});
	await env.MODERATOR.create({ id: "wrong-mock" });
	await instance.waitForStatus("complete");
	expect(await instance.getOutput()).toEqual({ status: "auto_approved" });
});

it("waits for a step that never runs", async () => {
	await using instance = await introspectWorkflowInstance(env.MODERATOR, "never-runs");
	await instance.modify(async (m) => {
		await m.disableSleeps();
		await m.mockStepResult({ name: SCAN }, { violationScore: 50 });
	});
	await env.MODERATOR.create({ id: "never-runs" });
	await instance.waitForStepResult({ name: "auto approve content" });
}, 300);

it("expects completion from an event wait that times out", async () => {
	await using instance = await introspectWorkflowInstance(env.MODERATOR, "timed-out");
	await instance.modify(async (m) => {
		await m.disableSleeps();
		await m.mockStepResult({ name: SCAN }, { violationScore: 50 });
		await m.forceEventTimeout({ name: "human review" });
	});
	await env.MODERATOR.create({ id: "timed-out" });
	await instance.waitForStatus("complete");
});

it("waits for the result of a step that fails", async () => {
	await using instance = await introspectWorkflowInstance(env.MODERATOR, "fails");
	await instance.modify(async (m) => {
		await m.disableRetryDelays();
		await m.mockStepError({ name: SCAN }, new Error("model down"));
	});
	await env.MODERATOR.create({ id: "fails" });
	await instance.waitForStepResult({ name: SCAN });
});

it("mocks a step twice", async () => {
	await using instance = await introspectWorkflowInstance(env.MODERATOR, "twice");
	await instance.modify(async (m) => {
		await m.mockStepResult({ name: SCAN }, { violationScore: 1 });
		await m.mockStepResult({ name: SCAN }, { violationScore: 2 });
	});
});

it("reads the output too early", async () => {
	await using instance = await introspectWorkflowInstance(env.MODERATOR, "early");
	await instance.modify(async (m) => {
		await m.mockStepResult({ name: SCAN }, { violationScore: 50 });
	});
	await env.MODERATOR.create({ id: "early" });
	// The hour's sleep (not disabled) holds it.
	await instance.waitForStatus("waiting");
	await instance.getOutput();
});
