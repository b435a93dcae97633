import pytest


@pytest.fixture(autouse=True)
def documents_as_make_run_starts_them(monkeypatch):
    """`tradecert run` as a chamber runs it: two documents processes (the browser tests start
    one, which is enough for one test)."""
    monkeypatch.setenv("TRADECERT_DOCUMENTS_PROCESSES", "2")
