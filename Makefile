# The two commands of the README. Both set up a fresh machine first (scripts/setup.sh).
.PHONY: run test fuzz bench load bench-scale chaos lint setup clean

run:
	@scripts/setup.sh run
	@.venv/bin/tradecert run

test:
	@scripts/setup.sh test
	@scripts/test.sh

# The API fuzzed harder than `make test` does (defect 10): TRADECERT_FUZZ_CASES requests in all.
fuzz:
	@scripts/setup.sh test
	@TRADECERT_FUZZ_CASES=$${TRADECERT_FUZZ_CASES:-20000} scripts/test.sh tests/api/test_fuzz.py -s

bench:
	@scripts/setup.sh test
	@PYTHONWARNINGS=ignore .venv/bin/python -m benchmarks.documents
	@PYTHONWARNINGS=ignore .venv/bin/python -m benchmarks.issuance

# Issue 12: the whole system under load through HTTP (locust, headless, bounded in time, on
# loopback): a table and var/bench/load.json.
load:
	@scripts/setup.sh test
	@PYTHONWARNINGS=ignore .venv/bin/python -m benchmarks.load

# Issue 13: the same requests on empty databases and after 265 chambers and 500,000 IDs are
# loaded in bulk (TRADECERT_SCALE_ACCOUNTS, _CHAMBERS, _REQUESTS scale it), and the
# cross-chamber reads of two loaded chambers: a table and var/bench/scale.json.
bench-scale:
	@scripts/setup.sh test
	@PYTHONWARNINGS=ignore .venv/bin/python -m benchmarks.scale

# Issue 12: N journeys (TRADECERT_CHAOS_JOURNEYS, 50) while every process is killed in turn and
# RabbitMQ restarts once; writes var/bench/chaos.json. It restarts this machine's RabbitMQ.
chaos:
	@scripts/setup.sh test
	@PYTHONWARNINGS=ignore .venv/bin/python -m benchmarks.chaos

lint:
	@.venv/bin/ruff check tradecert operations services gateway tests benchmarks

clean:
	rm -rf var .pytest_cache .ruff_cache
