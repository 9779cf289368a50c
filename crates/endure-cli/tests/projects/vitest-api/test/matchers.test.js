import { describe, expect, it, test } from "vitest";

class Point {
	constructor(x, y) {
		this.x = x;
		this.y = y;
	}
}

describe("equality", () => {
	it("toBe compares with Object.is", () => {
		expect(1 + 1).toBe(2);
		expect(NaN).toBe(NaN);
		expect(0).not.toBe(-0);
		const o = {};
		expect(o).toBe(o);
		expect({}).not.toBe({});
	});

	it("toEqual ignores undefined properties; toStrictEqual does not", () => {
		expect({ a: 1, b: undefined }).toEqual({ a: 1 });
		expect({ a: 1, b: undefined }).not.toStrictEqual({ a: 1 });
		expect(new Point(1, 2)).toEqual({ x: 1, y: 2 });
		expect(new Point(1, 2)).not.toStrictEqual({ x: 1, y: 2 });
		expect([1, [2, { c: new Date(0) }]]).toEqual([1, [2, { c: new Date(0) }]]);
		expect(new Map([["k", { v: 1 }]])).toEqual(new Map([["k", { v: 1 }]]));
		expect(new Set([1, 2])).toEqual(new Set([2, 1]));
		expect(new Uint8Array([1, 2])).toEqual(new Uint8Array([1, 2]));
		expect([1, 2]).not.toEqual([1, 2, 3]);
	});

	it("toMatchObject matches a subset, recursively", () => {
		expect({ id: 7, user: { name: "ann", age: 3 }, tags: ["a"] }).toMatchObject({ user: { name: "ann" } });
		expect([{ a: 1, b: 2 }]).toMatchObject([{ a: 1 }]);
		expect({ a: 1 }).not.toMatchObject({ a: 2 });
	});

	test("asymmetric matchers", () => {
		expect({ id: "x1", at: 5, list: [3, 2, 1], note: "a long note" }).toEqual({
			id: expect.any(String),
			at: expect.any(Number),
			list: expect.arrayContaining([1, 3]),
			note: expect.stringContaining("long"),
		});
		expect({ a: 1, b: 2 }).toEqual(expect.objectContaining({ b: 2 }));
		expect("abc-123").toEqual(expect.stringMatching(/\d+$/));
		expect(null).not.toEqual(expect.anything());
		expect({ a: 0.1 + 0.2 }).toEqual({ a: expect.closeTo(0.3, 5) });
		expect([1]).toEqual(expect.not.arrayContaining([2]));
	});
});

describe("values", () => {
	it("checks truthiness, types and numbers", () => {
		expect(1).toBeTruthy();
		expect("").toBeFalsy();
		expect(null).toBeNull();
		expect(undefined).toBeUndefined();
		expect(0).toBeDefined();
		expect(0 / 0).toBeNaN();
		expect(new Point(0, 0)).toBeInstanceOf(Point);
		expect("s").toBeTypeOf("string");
		expect(3).toBeGreaterThan(2);
		expect(3).toBeGreaterThanOrEqual(3);
		expect(2).toBeLessThan(3);
		expect(2).toBeLessThanOrEqual(2);
		expect(0.1 + 0.2).toBeCloseTo(0.3);
		expect(2).toBeOneOf([1, 2]);
		expect(4).toSatisfy((n) => n % 2 === 0);
	});

	it("checks strings, collections and properties", () => {
		expect("workflow").toMatch(/flow$/);
		expect("workflow").toMatch("work");
		expect("workflow").toContain("kfl");
		expect([1, 2, 3]).toContain(2);
		expect(new Set(["a"])).toContain("a");
		expect([{ a: 1 }]).toContainEqual({ a: 1 });
		expect([1, 2]).toHaveLength(2);
		expect("abc").toHaveLength(3);
		expect({ a: { b: [10, 20] } }).toHaveProperty("a.b[1]", 20);
		expect({ a: { b: 1 } }).toHaveProperty(["a", "b"]);
		expect({ a: 1 }).not.toHaveProperty("b");
	});
});

describe("errors and promises", () => {
	it("toThrow takes nothing, a string, a pattern, a class or an error", () => {
		const boom = () => {
			throw new TypeError("bad input: 42");
		};
		expect(boom).toThrow();
		expect(boom).toThrow("bad input");
		expect(boom).toThrow(/\d+$/);
		expect(boom).toThrow(TypeError);
		expect(boom).toThrowError(new TypeError("bad input: 42"));
		expect(boom).not.toThrow(new Error("bad input: 42"));
		expect(() => {}).not.toThrow();
	});

	it("resolves and rejects", async () => {
		await expect(Promise.resolve({ ok: true })).resolves.toEqual({ ok: true });
		await expect(Promise.reject(new Error("nope"))).rejects.toThrow("nope");
		await expect(Promise.resolve(1)).resolves.not.toThrow();
		await expect(Promise.reject(new RangeError("r"))).rejects.toBeInstanceOf(RangeError);
	});

	it("counts assertions", async () => {
		expect.assertions(2);
		expect(1).toBe(1);
		await expect(Promise.resolve(2)).resolves.toBe(2);
	});

	it("polls until a value matches", async () => {
		let n = 0;
		await expect.poll(() => ++n, { interval: 5 }).toBeGreaterThan(3);
	});

	it("takes custom matchers", () => {
		expect.extend({
			toBeEven(received) {
				return { pass: received % 2 === 0, message: () => `expected ${received} to be even` };
			},
		});
		expect(4).toBeEven();
		expect(3).not.toBeEven();
	});
});
