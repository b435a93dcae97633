import pytest


@pytest.fixture(autouse=True)
def _fresh(fresh_databases, rabbit_config):
    """Service tests start from empty tables on their own vhost."""
