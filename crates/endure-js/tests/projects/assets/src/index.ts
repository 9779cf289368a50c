import { WorkflowEntrypoint, WorkflowStep, WorkflowEvent } from "cloudflare:workers";

type Env = { ASSETS: Fetcher; PUBLISH: Workflow };

// A workflow that reads a static asset through the binding.
export class Publish extends WorkflowEntrypoint<Env, {}> {
  async run(event: WorkflowEvent<{}>, step: WorkflowStep) {
    return await step.do("read css", async () => {
      const r = await this.env.ASSETS.fetch("http://assets.local/style.css");
      return { status: r.status, type: r.headers.get("content-type"), text: await r.text() };
    });
  }
}

export default {
  async fetch(request: Request, env: Env) {
    const url = new URL(request.url);
    if (url.pathname === "/api/hello") return Response.json({ hello: "worker" });
    if (url.pathname === "/api/asset") return env.ASSETS.fetch(new Request(new URL("/docs/", url)));
    return new Response("worker fallback", { status: 418 });
  },
};
