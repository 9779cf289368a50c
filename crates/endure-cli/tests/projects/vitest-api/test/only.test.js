import { describe, expect, it } from "vitest";

it.only("runs, being the only one", () => {
	expect(1).toBe(1);
});

it("does not run beside an .only", () => {
	throw new Error("ran beside .only");
});

describe("a suite without .only", () => {
	it("does not run either", () => {
		throw new Error("ran beside .only");
	});
});
