#!/usr/bin/env bash
# Runs the moderation project's tests (crates/endure-cli/tests/projects/moderation) twice, in
# one sitting: with Cloudflare's own tooling (Vitest 4 and @cloudflare/vitest-pool-workers,
# which runs them in workerd; pinned below, installed from npm into a temporary copy) and with
# `endure test`. Prints each run's summary, wall time and peak memory. Build first
# (`cargo build --release -p endure-cli`, or set ENDURE=path/to/endure).
set -euo pipefail
cd "$(dirname "$0")/.."
ENDURE=${ENDURE:-target/release/endure}
[ -x "$ENDURE" ] || { echo "no $ENDURE: build it first" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r crates/endure-cli/tests/projects/moderation "$work/proj"
cd "$work/proj"
cat > package.json <<'JSON'
{ "name": "moderation-vitest", "private": true, "type": "module",
  "devDependencies": { "vitest": "4.1.12", "@cloudflare/vitest-pool-workers": "0.23.0", "wrangler": "4.124.0" } }
JSON
# The same tests; the pool's own configuration form.
cat > vitest.config.ts <<'TS'
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig({
	plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.jsonc" } })],
	test: { include: ["test/**/*.test.ts"] },
});
TS
echo "== npm install (Vitest, vitest-pool-workers, wrangler)"
/usr/bin/time -f "install: %e s" npm install --no-audit --no-fund --silent
echo "node_modules: $(du -sh node_modules | cut -f1)"
for i in 1 2 3; do
  echo "== Vitest + vitest-pool-workers (workerd), run $i"
  /usr/bin/time -f "wall %e s, peak RSS %M KB" npx vitest run 2>&1 \
    | sed 's/\x1b\[[0-9;]*m//g' | grep -E "Tests |Test Files|wall"
done
cd - >/dev/null
for i in 1 2 3; do
  echo "== endure test, run $i"
  /usr/bin/time -f "wall %e s, peak RSS %M KB" "$ENDURE" test "$work/proj" 2>&1 \
    | grep -E "Tests |Test Files|wall"
done
