// The Worker alone, through SELF, with no mocks: the workflow really runs.
import { SELF } from "cloudflare:test";
import { expect, it, vi } from "vitest";

it("starts a workflow", async () => {
	const res = await SELF.fetch("https://example.com/moderate");
	expect(res.status).toBe(200);
});

it("runs a workflow to the end", async () => {
	const res = await SELF.fetch("https://example.com/moderate");
	const { id } = await res.json<{ id: string }>();

	await vi.waitUntil(async () => {
		const status = await SELF.fetch(`https://example.com/?id=${id}`);
		const json = await status.json<{ status: string; output?: unknown }>();
		return json.status === "complete";
	}, 2000);
});
