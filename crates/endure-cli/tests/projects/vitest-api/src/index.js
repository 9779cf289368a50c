import { WorkflowEntrypoint } from "cloudflare:workers";
import { now } from "./clock.js";

export class Counter extends WorkflowEntrypoint {
	async run(event, step) {
		let total = 0;
		for (let i = 0; i < event.payload.times; i++) {
			total = await step.do("add", async () => total + 1);
		}
		return total;
	}
}

export function slugify(text) {
	return text.trim().toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

export default {
	async scheduled(controller, env) {
		await env.NOTES.put("last-cron", controller.cron);
	},
	async fetch(request, env, ctx) {
		const url = new URL(request.url);
		if (url.pathname === "/note") {
			const text = await request.text();
			// Stored after the response, as a Worker defers work it need not wait for.
			ctx.waitUntil(env.NOTES.put(slugify(text), text));
			return new Response(`${env.GREETING}, noted`, { status: 202 });
		}
		if (url.pathname.startsWith("/note/")) {
			const text = await env.NOTES.get(url.pathname.slice("/note/".length));
			return text === null ? new Response("none", { status: 404 }) : new Response(text);
		}
		if (url.pathname === "/hello") {
			return new Response("Hello World!");
		}
		if (url.pathname === "/time") {
			return Response.json({ now: now() });
		}
		return Response.json({ greeting: env.GREETING });
	},
};
