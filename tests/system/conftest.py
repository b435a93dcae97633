import pytest


@pytest.fixture(autouse=True)
def documents_as_make_run_starts_them(monkeypatch):
    """`tradecert run` as a chamber runs it: two documents processes (the browser tests start
    one, which is enough for one test)."""
    monkeypatch.setenv("TRADECERT_DOCUMENTS_PROCESSES", "2")


@pytest.fixture(autouse=True)
def restarts_after_a_visible_pause(monkeypatch):
    """Issue 12: a killed service is restarted after 3 s, not 0.5: a service that starts
    again in under 2 s would answer /healthz's question before it expires, and the test could
    not see /healthz name it."""
    monkeypatch.setenv("TRADECERT_RESTART_FIRST_S", "3")
