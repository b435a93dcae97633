"""docker-compose.yml stays consistent with the code: every process it starts names a module
and class that exist, and the file is valid for `docker compose` (and the legacy
docker-compose 1.29). deploy/k8s has its own checks (test_k8s.py)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.deploy.processes import (
    APP_SERVICES,
    OTHER_SERVICES,
    argv_of,
    assert_class_exists,
    nameko_target,
)

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"


def _compose() -> dict:
    with open(COMPOSE_FILE, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


# --- docker-compose.yml ---------------------------------------------------------------


def test_compose_declares_every_process():
    services = _compose()["services"]
    missing = [name for name in [*APP_SERVICES, *OTHER_SERVICES] if name not in services]
    assert not missing, f"docker-compose.yml lacks {missing}"


def test_compose_has_no_version_key():
    assert "version" not in _compose()  # Compose spec: the key is obsolete


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_compose_service_command_names_existing_class(name):
    service = _compose()["services"][name]
    target = nameko_target(argv_of(service["command"]))
    assert target == f"services.{name}.service:{APP_SERVICES[name]}"
    assert (ROOT / "services" / name / "service.py").is_file()
    assert_class_exists(target)


def test_compose_gateway_command_names_existing_class():
    target = nameko_target(argv_of(_compose()["services"]["gateway"]["command"]))
    assert_class_exists(target)


def test_compose_app_services_wait_for_backends_and_migrations():
    services = _compose()["services"]
    assert "migrate" in services
    assert argv_of(services["migrate"]["command"]) == ["tradecert", "db", "upgrade"]
    for name in [*APP_SERVICES, "gateway"]:
        depends_on = services[name]["depends_on"]
        assert depends_on["rabbitmq"]["condition"] == "service_healthy", name
        assert depends_on["postgres"]["condition"] == "service_healthy", name
        assert depends_on["migrate"]["condition"] == "service_completed_successfully", name


def test_compose_builds_the_image_once():
    services = _compose()["services"]
    built = [name for name, svc in services.items() if "build" in svc]
    assert len(built) == 1, built
    assert services[built[0]]["build"]["dockerfile"] == "deploy/Dockerfile"
    assert (ROOT / "deploy" / "Dockerfile").is_file()
    for name in [*APP_SERVICES, "gateway", "mailsink", "migrate"]:
        assert services[name]["image"] == "tradecert:0.1.0", name  # pinned, never latest


def test_docker_compose_config_is_valid():
    """`docker compose config` (the Compose v2 plugin) needs no Docker engine."""
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("the docker client is not installed")
    plugin = subprocess.run([docker, "compose", "version"], capture_output=True, text=True,
                            timeout=60, check=False)
    if plugin.returncode != 0:
        pytest.skip("the `docker compose` plugin is not installed (it comes from Docker's own "
                    "apt repository, which this machine cannot reach; no registry it reaches "
                    "packages it): test_compose_config_is_valid checks the file with "
                    "docker-compose 1.29 instead")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMPOSE_", "TRADECERT_"))}
    result = subprocess.run([docker, "compose", "-f", str(COMPOSE_FILE), "config", "-q"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr or result.stdout


def test_compose_config_is_valid():
    tool = shutil.which("docker-compose")
    if tool is None:
        pytest.skip("docker-compose is not installed (apt-get install docker-compose)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
    result = subprocess.run(
        [tool, "-f", str(COMPOSE_FILE), "config", "-q"],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr or result.stdout


def test_compose_production_profile_serves_https_behind_its_proxy():
    """Issue 9: in production the public URL is https (Secure session cookie, HSTS) and the
    gateway believes X-Forwarded-For from the TLS proxy in front of it, no one else."""
    tool = shutil.which("docker-compose")
    if tool is None:
        pytest.skip("docker-compose is not installed (apt-get install docker-compose)")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("COMPOSE_", "TRADECERT_"))}
    result = subprocess.run(
        [tool, "-f", str(COMPOSE_FILE), "--env-file", str(ROOT / "deploy" / "production.env"),
         "--profile", "production", "config"],
        check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr or result.stdout
    services = yaml.safe_load(result.stdout)["services"]
    gateway = services["gateway"]["environment"]
    assert gateway["TRADECERT_PUBLIC_URL"].startswith("https://")
    assert "172.16.0.0/12" in gateway["TRADECERT_TRUSTED_PROXIES"]
    assert "gateway:8000" in services["proxy"]["command"]
    assert "proxy" not in _compose()["services"] or \
        _compose()["services"]["proxy"]["profiles"] == ["production"]
