import { afterEach, describe, expect, it, vi } from "vitest";
import { slugify } from "../src/index.js";

afterEach(() => {
	vi.restoreAllMocks();
	vi.useRealTimers();
});

describe("vi.fn", () => {
	it("records calls and results", () => {
		const f = vi.fn((a, b) => a + b);
		expect(f(1, 2)).toBe(3);
		f(3, 4);
		expect(f).toHaveBeenCalled();
		expect(f).toHaveBeenCalledTimes(2);
		expect(f).toHaveBeenCalledWith(1, 2);
		expect(f).toHaveBeenLastCalledWith(3, 4);
		expect(f).toHaveBeenNthCalledWith(1, 1, 2);
		expect(f).toHaveReturnedWith(7);
		expect(f.mock.calls).toEqual([
			[1, 2],
			[3, 4],
		]);
		expect(f.mock.results[0]).toEqual({ type: "return", value: 3 });
	});

	it("answers as told", async () => {
		const f = vi.fn().mockReturnValueOnce("once").mockReturnValue("always");
		expect([f(), f(), f()]).toEqual(["once", "always", "always"]);
		const g = vi.fn().mockResolvedValue({ ok: 1 });
		await expect(g()).resolves.toEqual({ ok: 1 });
		const h = vi.fn().mockRejectedValueOnce(new Error("down"));
		await expect(h()).rejects.toThrow("down");
		const i = vi.fn().mockImplementation((x) => x * 10);
		expect(i(2)).toBe(20);
		i.mockClear();
		expect(i).not.toHaveBeenCalled();
		expect(vi.isMockFunction(i)).toBe(true);
	});
});

describe("vi.spyOn", () => {
	it("wraps and restores a method", () => {
		const clock = { now: () => 1 };
		const spy = vi.spyOn(clock, "now").mockReturnValue(42);
		expect(clock.now()).toBe(42);
		expect(spy).toHaveBeenCalledOnce();
		spy.mockRestore();
		expect(clock.now()).toBe(1);
	});

	it("calls through by default", () => {
		const text = { slugify };
		const spy = vi.spyOn(text, "slugify");
		expect(text.slugify(" Hello World ")).toBe("hello-world");
		expect(spy).toHaveReturnedWith("hello-world");
	});
});

describe("fake timers", () => {
	it("advance timers and Date", () => {
		vi.useFakeTimers();
		vi.setSystemTime(new Date("2030-01-01T00:00:00Z"));
		const seen = [];
		setTimeout(() => seen.push("1s"), 1000);
		const every = setInterval(() => seen.push("tick"), 400);
		vi.advanceTimersByTime(999);
		expect(seen).toEqual(["tick", "tick"]);
		vi.advanceTimersByTime(1);
		expect(seen).toEqual(["tick", "tick", "1s"]);
		clearInterval(every);
		expect(vi.getTimerCount()).toBe(0);
		expect(new Date().toISOString()).toBe("2030-01-01T00:00:01.000Z");
		expect(Date.now()).toBe(Date.parse("2030-01-01T00:00:01Z"));
	});

	it("run every timer", () => {
		vi.useFakeTimers();
		const f = vi.fn();
		setTimeout(f, 10_000);
		setTimeout(() => setTimeout(f, 5), 20_000);
		vi.runAllTimers();
		expect(f).toHaveBeenCalledTimes(2);
	});

	it("are real again after the test", async () => {
		expect(vi.isFakeTimers()).toBe(false);
		const start = Date.now();
		await new Promise((r) => setTimeout(r, 20));
		expect(Date.now() - start).toBeGreaterThanOrEqual(15);
	});
});

describe("waiting", () => {
	it("waitFor retries until the callback stops throwing", async () => {
		let n = 0;
		const v = await vi.waitFor(() => {
			n++;
			if (n < 3) throw new Error("not yet");
			return n;
		}, { interval: 5 });
		expect(v).toBe(3);
	});

	it("waitUntil fails when time runs out", async () => {
		await expect(vi.waitUntil(() => false, { timeout: 30, interval: 5 })).rejects.toThrow("Timed out in waitUntil!");
	});
});
