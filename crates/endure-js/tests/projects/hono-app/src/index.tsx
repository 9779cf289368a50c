import { Hono } from "hono";
import { contextStorage, getContext } from "hono/context-storage";
import { orders } from "@/routes/orders";

export { Fulfil } from "@/workflows/fulfil";

const Page = (props: { title: string; items: string[] }) => (
  <html>
    <body>
      <h1>{props.title}</h1>
      <ul>{props.items.map((i) => <li>{i}</li>)}</ul>
    </body>
  </html>
);

// A helper far from the handler reads the request through AsyncLocalStorage, after awaits.
async function requestPath(): Promise<string> {
  await new Promise((r) => setTimeout(r, 1));
  await Promise.resolve();
  return new URL(getContext().req.url).pathname;
}

const app = new Hono();
app.use(contextStorage());
app.get("/who/:name", async (c) => c.text(`${c.req.param("name")} at ${await requestPath()}`));
app.get("/", (c) => c.html(<Page title="Shop" items={["tea", "cake"]} />));
app.route("/orders", orders);

export default app;
