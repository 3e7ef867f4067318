# ServiceFlow. Without DATABASE_URL every target uses an embedded PostgreSQL (.data/ for
# run, migrate and seed; a throwaway cluster for test).
TSX := node_modules/.bin/tsx

.PHONY: run migrate migrate-status seed issue-key rebuild-tallies test test-ui bench typecheck install

node_modules: package.json package-lock.json
	npm ci
	@touch node_modules

install: node_modules

run: node_modules
	$(TSX) src/main.ts

migrate: node_modules
	$(TSX) src/main.ts migrate $(if $(STATUS),--status)

migrate-status: node_modules
	$(TSX) src/main.ts migrate --status

seed: node_modules
	$(TSX) src/main.ts seed

# A new API key for the user with this email (a lost admin key), printed once and audited.
issue-key: node_modules
	@test -n "$(EMAIL)" || { echo 'usage: make issue-key EMAIL=ada@example.com' >&2; exit 2; }
	$(TSX) src/main.ts issue-key "$(EMAIL)"

# The report's tallies counted afresh from the requests (after a data-only restore; README).
rebuild-tallies: node_modules
	$(TSX) src/main.ts rebuild-tallies

test: node_modules
	$(TSX) test/run.ts $(FILES)

typecheck: node_modules
	node_modules/.bin/tsc --noEmit -p .

# Load test: ServiceFlow beside pgbench's ceiling for the same SQL (BENCH_DURATION seconds a scenario).
bench: node_modules
	$(TSX) test/bench/run.ts

# The web console in headless Chromium (Debian's chromium; apt-get install chromium): every
# test/ui/*.test.ts, with axe-core inside the pages; screenshots in test-output/ui/.
test-ui: node_modules
	$(TSX) test/run.ts $(wildcard test/ui/*.test.ts)
