import { beforeAll, describe, expect, it, vi } from "vitest";

it("passes", () => {
	expect(1).toBe(1);
});

it("compares with toBe", () => {
	expect(1).toBe(2);
});

it("shows a diff for toEqual", () => {
	expect({ status: "auto_approved", score: 3 }).toEqual({ status: "auto_rejected", score: 3 });
});

it("throws", () => {
	throw new Error("plain failure");
});

it("counts its assertions", () => {
	expect.assertions(2);
	expect(true).toBe(true);
});

it("expected a promise to resolve", async () => {
	await expect(Promise.reject(new Error("went wrong"))).resolves.toBe(1);
});

describe("with a failing beforeAll", () => {
	beforeAll(() => {
		throw new Error("setup failed");
	});
	it("does not run", () => {});
});

it("mocks a module inside a test", () => {
	vi.mock("../../moderation/src/index.ts");
});
