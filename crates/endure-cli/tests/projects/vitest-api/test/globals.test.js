// No imports of vitest: `globals: true` in vitest.config.mjs.
import { env } from "cloudflare:test";

describe("the configuration", () => {
	it("makes Vitest's API global", () => {
		expect(typeof vi.fn).toBe("function");
	});

	it("runs setup files first, once per file", (ctx) => {
		expect(globalThis.setupRuns).toBe(1);
		expect(ctx.fromSetup).toBe("setup's beforeEach");
	});

	it("adds the pool's miniflare bindings to env", () => {
		expect(env.TEST_TOKEN).toBe("t0k3n");
		expect(env.LIMITS).toEqual({ max: 3 });
		expect(env.GREETING).toBe("hello");
	});
});
