# The two commands of the README. Both set up a fresh machine first (scripts/setup.sh).
.PHONY: run test lint setup clean

run:
	@scripts/setup.sh run
	@.venv/bin/tradecert run

test:
	@scripts/setup.sh test
	@scripts/test.sh

lint:
	@.venv/bin/ruff check tradecert services gateway tests

clean:
	rm -rf var .pytest_cache .ruff_cache
