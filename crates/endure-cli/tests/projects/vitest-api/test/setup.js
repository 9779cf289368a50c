// Runs before each test file (setupFiles), in the file's isolate.
globalThis.setupRuns = (globalThis.setupRuns ?? 0) + 1;

beforeEach((ctx) => {
	ctx.fromSetup = "setup's beforeEach";
});
