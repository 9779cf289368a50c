import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../src/index.js";

describe("inline snapshots", () => {
	it("match a handler's text (unit style)", async () => {
		const ctx = createExecutionContext();
		const res = await worker.fetch(new Request("https://example.com/hello"), env, ctx);
		await waitOnExecutionContext(ctx);
		expect(await res.text()).toMatchInlineSnapshot(`"Hello World!"`);
	});

	it("match a handler's JSON (integration style)", async () => {
		const res = await SELF.fetch("https://example.com/");
		expect(await res.json()).toMatchInlineSnapshot(`
			{
			  "greeting": "hello",
			}
		`);
	});

	it("take property matchers", () => {
		expect({ id: crypto.randomUUID(), n: 1 }).toMatchInlineSnapshot(
			{ id: expect.any(String) },
			`
			{
			  "id": Any<String>,
			  "n": 1,
			}
		`,
		);
	});
});

describe("snapshot files", () => {
	it("match values kept in __snapshots__", () => {
		expect({ list: [1, "two", null], nested: { map: new Map([["k", true]]) } }).toMatchSnapshot();
		expect("a `quoted` ${text}\nover two lines").toMatchSnapshot("text");
	});

	it("match thrown errors", () => {
		expect(() => {
			throw new TypeError("bad input");
		}).toThrowErrorMatchingInlineSnapshot(`[TypeError: bad input]`);
	});
});
