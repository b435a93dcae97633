"""How identity hashes passwords: argon2id with config.yaml's PASSWORDS costs."""
import nameko
from argon2 import PasswordHasher
from nameko.cli.utils.config import load_config

from services.identity import domain
from tradecert import config

COSTS = ("TRADECERT_ARGON2_TIME_COST", "TRADECERT_ARGON2_MEMORY_KIB",
         "TRADECERT_ARGON2_PARALLELISM")


def test_the_defaults_are_argon2_cffis_own(monkeypatch):
    """What a chamber runs unless it says otherwise: the library's recommended costs (the
    suite itself runs with the cheapest, tests/conftest.py)."""
    for name in COSTS:
        monkeypatch.delenv(name, raising=False)
    with open(config.config_path(), encoding="utf-8") as fh:
        costs = load_config(fh)["PASSWORDS"]
    library = PasswordHasher()
    assert (costs["time_cost"], costs["memory_cost_kib"], costs["parallelism"]) == (
        library.time_cost, library.memory_cost, library.parallelism) == (3, 65536, 4)


def test_a_hash_carries_its_costs_so_changing_them_locks_no_one_out():
    cheap = domain.hash_password("Signer2026x")
    assert cheap.startswith("$argon2id$") and "m=8,t=1,p=1" in cheap

    with nameko.config.patch({"PASSWORDS": {"time_cost": 2, "memory_cost_kib": 1024,
                                            "parallelism": 2}}):
        dearer = domain.hash_password("Signer2026x")
        assert "m=1024,t=2,p=2" in dearer
        assert domain.verify_password(cheap, "Signer2026x")
        assert not domain.verify_password(cheap, "Signer2026y")
    assert domain.verify_password(dearer, "Signer2026x")
    assert not domain.verify_password(dearer, "wrong")
