import { expect, it } from "vitest";
import { missing } from "./no-such-module.js";

it("never collected", () => {
	expect(missing).toBe(1);
});
