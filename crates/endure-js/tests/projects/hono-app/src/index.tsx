import { Hono } from "hono";
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

const app = new Hono();
app.get("/", (c) => c.html(<Page title="Shop" items={["tea", "cake"]} />));
app.route("/orders", orders);

export default app;
