import { defineWorkersConfig } from "@cloudflare/vitest-pool-workers/config";

export default defineWorkersConfig({
	test: {
		globals: true,
		setupFiles: ["./test/setup.js"],
		poolOptions: {
			workers: {
				wrangler: { configPath: "./wrangler.jsonc" },
				miniflare: { bindings: { TEST_TOKEN: "t0k3n", LIMITS: { max: 3 } } },
			},
		},
	},
});
