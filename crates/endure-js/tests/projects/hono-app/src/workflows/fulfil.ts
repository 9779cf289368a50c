import { WorkflowEntrypoint, WorkflowStep, WorkflowEvent } from "cloudflare:workers";

export type Order = { item: string; quantity: number };

export class Fulfil extends WorkflowEntrypoint<unknown, Order> {
  async run(event: WorkflowEvent<Order>, step: WorkflowStep) {
    const reserved = await step.do("reserve", async () => ({ item: event.payload.item, held: event.payload.quantity }));
    const shipped = await step.do("ship", async () => `shipped ${reserved.held} × ${reserved.item}`);
    return { reserved, shipped };
  }
}
