import { WorkflowEntrypoint, WorkflowEvent, WorkflowStep } from "cloudflare:workers";

type Scan = { violationScore: number };
type Decision = { moderatorAction: "approve" | "reject" };

// A stand-in for a moderation model: 30 points per flagged word, at most 100.
const FLAGGED = ["spam", "scam", "phishing", "malware"];
function score(text: string): number {
	const words = text.toLowerCase().split(/\W+/);
	return Math.min(100, 30 * words.filter((w) => FLAGGED.includes(w)).length);
}

// Scores a piece of content, then approves or rejects it outright, or waits for a moderator.
export class ContentModerator extends WorkflowEntrypoint<Env, { text?: string }> {
	async run(event: WorkflowEvent<{ text?: string }>, step: WorkflowStep) {
		const scan = await step.do(
			"AI content scan",
			{ retries: { limit: 3, delay: "30 seconds", backoff: "exponential" }, timeout: "2 minutes" },
			async (): Promise<Scan> => ({ violationScore: score(event.payload?.text ?? "") }),
		);
		if (scan.violationScore < 10) {
			return await step.do("auto approve content", async () => ({ status: "auto_approved" }));
		}
		if (scan.violationScore > 90) {
			return await step.do("auto reject content", async () => ({ status: "auto_rejected" }));
		}
		await step.sleep("let the author edit", "1 hour");
		const decision = await step.waitForEvent<Decision>("human review", {
			type: "moderation-decision",
			timeout: "1 day",
		});
		return await step.do("apply moderator decision", async () => ({
			status: "moderated",
			decision: decision.payload.moderatorAction,
		}));
	}
}

// The skill guide's example workflow: fetch data, wait for an approval, report.
export class ApprovalFlow extends WorkflowEntrypoint<Env, { userId: string }> {
	async run(event: WorkflowEvent<{ userId: string }>, step: WorkflowStep) {
		const data = await step.do("fetch-data", async () => {
			const res = await fetch(`https://users.invalid/${event.payload.userId}`);
			return (await res.json()) as { value: string };
		});
		await step.sleep("wait a week", "7 days");
		const approval = await step.waitForEvent<{ approved: boolean }>("await approval", {
			type: "approval",
			timeout: "30 days",
		});
		return { success: approval.payload.approved && data.value === "mocked", userId: event.payload.userId };
	}
}

export default {
	async fetch(request: Request, env: Env): Promise<Response> {
		const url = new URL(request.url);
		const id = url.searchParams.get("id");
		if (id !== null) {
			const instance = await env.MODERATOR.get(id);
			return Response.json(await instance.status());
		}
		if (url.pathname === "/moderate") {
			const instance = await env.MODERATOR.create();
			return Response.json({ id: instance.id, details: await instance.status() });
		}
		if (url.pathname === "/moderate-batch") {
			const batch = await env.MODERATOR.createBatch([{}, { id: "batch-second" }, {}]);
			return Response.json({ ids: batch.map((i) => i.id) });
		}
		return new Response("Not found", { status: 404 });
	},
};
