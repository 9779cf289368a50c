import { Hono } from "hono";
import type { Order } from "@/workflows/fulfil";

type Env = { FULFIL: Workflow<Order> };

export const orders = new Hono<{ Bindings: Env }>();

orders.post("/", async (c) => {
  const order = await c.req.json<Order>();
  const instance = await c.env.FULFIL.create({ params: order });
  return c.json({ id: instance.id }, 201);
});

orders.get("/:id", async (c) => {
  try {
    const instance = await c.env.FULFIL.get(c.req.param("id"));
    return c.json(await instance.status());
  } catch (e) {
    return c.json({ error: (e as Error).message }, 404);
  }
});
