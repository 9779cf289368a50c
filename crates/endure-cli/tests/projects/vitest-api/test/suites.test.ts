import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, test } from "vitest";

const calls: string[] = [];

describe("hooks", () => {
	beforeAll(() => {
		calls.push("beforeAll");
	});
	afterAll(() => {
		calls.push("afterAll");
	});
	beforeEach(({ task }) => {
		calls.push(`beforeEach ${task.name}`);
		return () => calls.push(`cleanup ${task.name}`);
	});
	afterEach(() => {
		calls.push("afterEach");
	});

	it("first", () => {
		calls.push("first");
	});

	describe("inner", () => {
		beforeEach(() => {
			calls.push("inner beforeEach");
		});
		it("second", () => {
			calls.push("second");
		});
	});
});

it("runs hooks in Vitest's order", () => {
	expect(calls).toEqual([
		"beforeAll",
		"beforeEach first",
		"first",
		"afterEach",
		"cleanup first",
		"beforeEach second",
		"inner beforeEach",
		"second",
		"afterEach",
		"cleanup second",
		"afterAll",
	]);
});

describe("each", () => {
	test.each([
		[1, 1, 2],
		[2, 3, 5],
	])("add(%i, %i) = %i", (a, b, sum) => {
		expect(a + b).toBe(sum);
	});

	test.each([{ word: "Flow", lower: "flow" }])("lowercases $word", ({ word, lower }) => {
		expect(word.toLowerCase()).toBe(lower);
	});

	test.for([[2, 4]])("double %i is %i", ([n, d], { expect }) => {
		expect(n * 2).toBe(d);
	});

	describe.each([["a"], ["b"]])("suite %s", (letter) => {
		it("has its letter", () => {
			expect(["a", "b"]).toContain(letter);
		});
	});
});

describe("skipping", () => {
	it.skip("is skipped", () => {
		throw new Error("a skipped test ran");
	});
	it.todo("is to do");
	it.skipIf(true)("is skipped by a condition", () => {
		throw new Error("a skipped test ran");
	});
	it.runIf(true)("runs by a condition", () => {
		expect(true).toBe(true);
	});
	it("skips itself", (ctx) => {
		ctx.skip();
		throw new Error("not reached");
	});
	it.fails("is expected to fail", () => {
		expect(1).toBe(2);
	});
});

describe("async suites", async () => {
	await Promise.resolve();
	it("are collected after their awaits", () => {
		expect(1).toBe(1);
	});
});
