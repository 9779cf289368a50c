import { WorkflowEntrypoint } from "cloudflare:workers";

export class Orders extends WorkflowEntrypoint {
  async run(event, step) {
    const order = await step.do("reserve", async () => ({ item: event.payload.item ?? "book" }));
    const receipt = await step.do(
      "charge",
      { retries: { limit: 2, delay: "1 second", backoff: "constant" } },
      async (ctx) => {
        if (ctx.attempt === 1) throw new Error("card declined");
        return { charged: 42 };
      },
    );
    await step.sleep("cool down", event.payload.coolDown ?? "2 seconds");
    let approval = null;
    if (event.payload.approve) {
      approval = await step.waitForEvent("approval", { type: "approve", timeout: "1 hour" });
    }
    const shipped = await step.do("ship", async () => ({ shipped: order.item }));
    return { ...shipped, ...receipt, approved: approval?.payload ?? null };
  }
}

export default {
  async fetch() {
    return new Response("orders");
  },
};
