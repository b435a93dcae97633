# The two commands of the README. Both set up a fresh machine first (scripts/setup.sh).
.PHONY: run test bench lint setup clean

run:
	@scripts/setup.sh run
	@.venv/bin/tradecert run

test:
	@scripts/setup.sh test
	@scripts/test.sh

bench:
	@scripts/setup.sh test
	@PYTHONWARNINGS=ignore .venv/bin/python -m benchmarks.documents

lint:
	@.venv/bin/ruff check tradecert operations services gateway tests benchmarks

clean:
	rm -rf var .pytest_cache .ruff_cache
