import { SELF } from "cloudflare:test";
import { expect, it, vi } from "vitest";
import { label, now } from "../src/clock.js";
import * as format from "../src/format.js";

// Hoisted above the imports, as Vitest does.
vi.mock("../src/clock.js", async (importOriginal) => {
	const real = await importOriginal();
	return { ...real, now: vi.fn(() => 1234) };
});
vi.mock("../src/format.js");

it("replaces a module the test imports", () => {
	expect(now()).toBe(1234);
	expect(vi.isMockFunction(now)).toBe(true);
	expect(label).toBe("clock");
});

it("replaces it for the Worker's own imports too", async () => {
	const res = await SELF.fetch("https://example.com/time");
	expect(await res.json()).toEqual({ now: 1234 });
});

it("automocks a module without a factory", () => {
	expect(format.shout("hey")).toBeUndefined();
	expect(format.shout).toHaveBeenCalledWith("hey");
	expect(format.punctuation).toBe("!");
});
