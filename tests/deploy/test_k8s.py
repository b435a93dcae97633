"""Issue 13: deploy/k8s's overlays render, every document they render is valid against the
Kubernetes schemas (offline) or its CRD's schema, the deployment policy holds, and what the
manifests start exists in the code. Each check is also shown to fail on a bad manifest."""
import copy
import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from nameko.cli.utils.config import load_config
from nameko.rpc import RPC_QUEUE_TEMPLATE

from services.documents.service import DocumentsService
from tests.deploy import k8s
from tests.deploy.processes import APP_SERVICES, assert_class_exists, nameko_target
from tradecert import SERVICES

CONFIG_YAML = k8s.ROOT / "config.yaml"


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    return k8s.copy_with_example_secrets(tmp_path_factory.mktemp("deploy"))


@pytest.fixture(scope="module")
def rendered(tree) -> dict[str, list[dict]]:
    return {overlay: k8s.render(tree / "overlays" / overlay) for overlay in k8s.OVERLAYS}


def _of(docs: list[dict], kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def _container(deployment: dict) -> dict:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container


def _configmap(docs: list[dict]) -> dict:
    (configmap,) = _of(docs, "ConfigMap").values()
    return configmap["data"]


# --- schemas and policy ---------------------------------------------------------------------

@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
def test_every_rendered_document_is_valid_against_its_schema(rendered, overlay):
    errors = [error for doc in rendered[overlay] for error in k8s.schema_errors(doc)]
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
def test_the_policy_holds(rendered, overlay):
    assert k8s.violations(rendered[overlay]) == []


def test_the_schemas_refuse_a_misspelt_or_mistyped_field(rendered):
    docs = rendered["production"]
    deployment = copy.deepcopy(_of(docs, "Deployment")["identity"])
    deployment["spec"]["replcias"] = 2
    scaled = copy.deepcopy(_of(docs, "ScaledObject")["documents"])
    scaled["spec"]["minReplicas"] = 2           # KEDA's is minReplicaCount
    rabbit = copy.deepcopy(_of(docs, "RabbitmqCluster")["rabbitmq"])
    rabbit["spec"]["replicas"] = "three"
    unknown = {"apiVersion": "example.org/v1", "kind": "Gadget", "metadata": {"name": "g"}}

    assert any("replcias" in e for e in k8s.schema_errors(deployment))
    assert any("minReplicas" in e for e in k8s.schema_errors(scaled))
    assert any("spec.replicas" in e for e in k8s.schema_errors(rabbit))
    assert k8s.schema_errors(unknown) == ["Gadget/g: no schema for example.org/v1 Gadget"]


def test_the_policy_flags_a_deliberately_bad_overlay(tree):
    """An overlay on top of production that undoes what the policy asks for: rendered by
    kustomize like the real ones, every breach named."""
    bad = tree / "overlays" / "bad"
    bad.mkdir()
    (bad / "hpa.yaml").write_text(yaml.safe_dump({
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "documents-cpu"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                    "name": "documents"},
                 "minReplicas": 2, "maxReplicas": 4}}))
    (bad / "kustomization.yaml").write_text(yaml.safe_dump({
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
        "resources": ["../production", "hpa.yaml"],
        "images": [{"name": "registry.example.org/tradecert/tradecert", "newTag": "latest"}],
        "patches": [
            {"target": {"kind": "Deployment", "name": "gateway"}, "patch": json.dumps([
                {"op": "remove", "path": "/spec/template/spec/containers/0/readinessProbe"},
                {"op": "remove", "path": "/spec/template/spec/containers/0/resources/limits"},
                {"op": "replace", "path": "/spec/template/spec/securityContext/runAsUser",
                 "value": 0},
                {"op": "replace", "path": "/spec/template/spec/containers/0/securityContext",
                 "value": {"allowPrivilegeEscalation": True}},
            ])},
            {"target": {"kind": "PodDisruptionBudget", "name": "documents"},
             "patch": json.dumps([{"op": "replace", "path": "/spec/selector/matchLabels",
                                   "value": {"app.kubernetes.io/name": "nobody"}}])},
        ],
    }))

    found = k8s.violations(k8s.render(bad))

    assert "Deployment/identity: image 'registry.example.org/tradecert/tradecert:latest' " \
           "is not pinned (the latest tag)" in found
    assert "Deployment/gateway container gateway: no readinessProbe" in found
    assert "Deployment/gateway container gateway: no cpu limit" in found
    assert "Deployment/gateway container gateway: no memory limit" in found
    assert "Deployment/gateway container gateway: no non-root runAsUser" in found
    assert "Deployment/gateway container gateway: allowPrivilegeEscalation is not false" \
        in found
    assert "Deployment/gateway container gateway: readOnlyRootFilesystem is not true" in found
    assert "Deployment/documents: more than one replica and no PodDisruptionBudget" in found
    assert "HorizontalPodAutoscaler/documents-cpu: a second autoscaler on a Deployment " \
           "KEDA scales" in found


def test_an_image_is_pinned_by_tag_or_digest():
    assert k8s.image_problem("registry.example.org:5000/tradecert") == "no tag"
    assert k8s.image_problem("tradecert:latest") == "the latest tag"
    assert k8s.image_problem("registry.example.org:5000/tradecert:0.1.0") is None
    assert k8s.image_problem("tradecert@sha256:" + "0" * 64) is None


def test_no_secret_is_committed():
    """Secrets come from secretGenerator over files in each overlay's secrets/, which git
    ignores (secrets.example/ shows them); no manifest in git is a Secret, and no generator
    takes literals."""
    tracked = subprocess.run(["git", "ls-files", "deploy/k8s"], cwd=k8s.ROOT, check=True,
                             capture_output=True, text=True).stdout.split()
    for path in tracked:
        if path.endswith((".yaml", ".yml")):
            for doc in yaml.safe_load_all((k8s.ROOT / path).read_text()):
                assert (doc or {}).get("kind") != "Secret", path
                for generator in (doc or {}).get("secretGenerator", []):
                    assert "literals" not in generator, path
                    sources = [*generator.get("envs", []), *generator.get("files", [])]
                    assert sources, path
                    for source in sources:
                        assert source.startswith("secrets/"), (path, source)
                        ignored = subprocess.run(
                            ["git", "check-ignore", "-q", str(Path(path).parent / source)],
                            cwd=k8s.ROOT, check=False)
                        assert ignored.returncode == 0, f"{path}: {source} is not git-ignored"
    assert not any("/secrets/" in path for path in tracked), "a secrets/ file is in git"


# --- what the manifests start exists ---------------------------------------------------------

@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
def test_a_deployment_per_service_and_the_gateway_running_existing_classes(rendered, overlay):
    deployments = _of(rendered[overlay], "Deployment")
    for name in [*APP_SERVICES, "gateway"]:
        container = _container(deployments[name])
        target = nameko_target(container["command"])
        assert_class_exists(target)
        if name != "gateway":
            assert target == f"services.{name}.service:{APP_SERVICES[name]}"


@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
def test_a_migration_job_per_service(rendered, overlay):
    jobs = _of(rendered[overlay], "Job")
    commands = sorted(_container(job)["command"] for job in jobs.values())
    assert commands == sorted(["tradecert", "db", "upgrade", "--service", service]
                              for service in SERVICES)
    for job in jobs.values():
        assert job["metadata"]["labels"]["app.kubernetes.io/component"] == "migrate"
    # Applied first with the migrations (deploy/README.md, "Upgrade"): the configuration too.
    for kind in ("ConfigMap", "Secret"):
        for doc in _of(rendered[overlay], kind).values():
            assert doc["metadata"]["labels"]["app.kubernetes.io/component"] == "config"


@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
def test_each_service_is_probed_through_its_own_health_and_echo_rpc(rendered, overlay):
    deployments = _of(rendered[overlay], "Deployment")
    for name in SERVICES:
        container = _container(deployments[name])
        readiness = container["readinessProbe"]["exec"]["command"]
        assert readiness[:4] == ["python", "-m", "operations.probe", name]
        timeout = float(readiness[readiness.index("--timeout") + 1])
        assert timeout < container["readinessProbe"]["timeoutSeconds"]
        if name == "documents":   # a backlog in its queue must not restart its pods
            assert container["livenessProbe"]["tcpSocket"]["port"] == "metrics"
            assert timeout >= 10   # value / R of queueing (keda.yaml)
            continue
        liveness = container["livenessProbe"]["exec"]["command"]
        assert liveness[:5] == ["python", "-m", "operations.probe", name, "--echo"]
    gateway = _container(deployments["gateway"])
    # The gateway's liveness asks no service: a service that is down must not restart it.
    assert gateway["livenessProbe"]["httpGet"]["path"] == "/openapi.json"
    assert gateway["readinessProbe"]["httpGet"]["path"] != "/healthz"


def test_every_pod_is_scraped_where_it_serves_its_metrics(rendered):
    """Issue 12: each service pod serves METRICS.port (the ConfigMap's) on all addresses and
    says so in its annotations; the gateway's /metrics is on its HTTP port."""
    for docs in rendered.values():
        data = _configmap(docs)
        assert data["TRADECERT_METRICS_ADDRESS"] == "0.0.0.0"
        deployments = _of(docs, "Deployment")
        for name in [*APP_SERVICES, "gateway"]:
            template = deployments[name]["spec"]["template"]
            annotations = template["metadata"]["annotations"]
            ports = {p["name"]: str(p["containerPort"]) for p in _container(
                deployments[name])["ports"]}
            assert annotations["prometheus.io/scrape"] == "true", name
            assert annotations["prometheus.io/path"] == "/metrics", name
            assert annotations["prometheus.io/port"] == ports[
                "http" if name == "gateway" else "metrics"], name
            assert name == "gateway" or ports["metrics"] == data["TRADECERT_METRICS_PORT"]


# --- documents scaled by KEDA ----------------------------------------------------------------

@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
def test_keda_scales_documents_on_its_rpc_queue(rendered, overlay):
    docs = rendered[overlay]
    (scaled,) = _of(docs, "ScaledObject").values()
    assert scaled["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                                "name": "documents"}
    (trigger,) = scaled["spec"]["triggers"]
    assert trigger["type"] == "rabbitmq"
    assert trigger["metadata"]["queueName"] == RPC_QUEUE_TEMPLATE.format(DocumentsService.name)
    assert trigger["metadata"]["queueName"] == "rpc-documents"
    assert trigger["metadata"]["mode"] == "QueueLength" and int(trigger["metadata"]["value"]) > 0
    assert scaled["spec"]["minReplicaCount"] >= 1   # deploy/README.md: why not 0
    assert scaled["spec"]["maxReplicaCount"] > scaled["spec"]["minReplicaCount"]
    # The backlog stays in the queue, where KEDA sees it: few workers per pod.
    env = {e["name"]: e["value"] for e in _container(_of(docs, "Deployment")["documents"])[
        "env"]}
    assert int(env["TRADECERT_MAX_WORKERS"]) <= 2
    # KEDA owns the count: no replicas in the Deployment, no other autoscaler.
    assert "replicas" not in _of(docs, "Deployment")["documents"]["spec"]
    assert not _of(docs, "HorizontalPodAutoscaler")
    # Its credentials: a Secret this overlay generates, with the key KEDA reads.
    (auth,) = _of(docs, "TriggerAuthentication").values()
    assert trigger["authenticationRef"]["name"] == auth["metadata"]["name"]
    (ref,) = auth["spec"]["secretTargetRef"]
    secrets = _of(docs, "Secret")
    assert ref["name"] in secrets and ref["parameter"] == "host"
    assert ref["key"] in secrets[ref["name"]]["data"]


# --- configuration ---------------------------------------------------------------------------

def _names_config_yaml_reads() -> set[str]:
    return set(re.findall(r"\$\{(TRADECERT_[A-Z0-9_]+)", CONFIG_YAML.read_text()))


@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
def test_every_setting_given_is_one_config_yaml_reads(rendered, overlay):
    """A misspelt TRADECERT_ name would be silently ignored by the processes."""
    known = _names_config_yaml_reads()
    given = set(_configmap(rendered[overlay]))
    for secret in _of(rendered[overlay], "Secret").values():
        given |= set(secret.get("data", {}))
    for doc in rendered[overlay]:
        spec = k8s.pod_spec(doc)
        given |= {env["name"] for c in (k8s.containers(spec) if spec else [])
                  for env in c.get("env", [])}
    unknown = {name for name in given if name.startswith("TRADECERT_")} - known
    assert not unknown, f"config.yaml reads no {sorted(unknown)}"


def test_production_keeps_files_in_s3_and_signs_with_the_chambers_keys(rendered):
    docs = rendered["production"]
    data = _configmap(docs)
    assert data["TRADECERT_FILES_BACKEND"] == "s3" and data["TRADECERT_FILES_BUCKET"]
    assert data["TRADECERT_DEVELOPMENT_KEYS"] == "false"
    assert not _of(docs, "PersistentVolumeClaim"), "production keeps no files on a volume"
    documents = _container(_of(docs, "Deployment")["documents"])
    secrets = {ref["secretRef"]["name"] for ref in documents["envFrom"] if "secretRef" in ref}
    s3 = [name for name in secrets if name.startswith("tradecert-files-s3")]
    assert s3 and {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} <= set(
        _of(docs, "Secret")[s3[0]]["data"])
    for name, deployment in _of(docs, "Deployment").items():   # the keys to documents only
        refs = {ref.get("secretRef", {}).get("name", "")
                for ref in _container(deployment).get("envFrom", [])}
        assert name == "documents" or not any(r.startswith("tradecert-files-s3") for r in refs)
    # The chambers' keyring (`tradecert keys`): a Secret mounted read-only where
    # TRADECERT_KEYS_DIR says, under a fixed name so that a rotation updates it in place.
    mount = next(m for m in documents["volumeMounts"] if m["name"] == "signing-keys")
    assert mount["mountPath"] == data["TRADECERT_KEYS_DIR"] and mount["readOnly"]
    volume = next(v for v in _of(docs, "Deployment")["documents"]["spec"]["template"]["spec"][
        "volumes"] if v["name"] == "signing-keys")
    assert volume["secret"]["secretName"] == "tradecert-signing-keys"
    assert "subPath" not in mount   # a subPath mount would never see a rotation


def test_the_stripe_keys_go_to_payment_only(rendered):
    for docs in rendered.values():
        for name, deployment in _of(docs, "Deployment").items():
            refs = {ref.get("secretRef", {}).get("name", "")
                    for ref in _container(deployment).get("envFrom", [])}
            assert any(r.startswith("tradecert-stripe") for r in refs) == (name == "payment")


def test_the_ingress_serves_the_site_and_the_webhook_over_tls(rendered):
    for docs in rendered.values():
        ingress = _of(docs, "Ingress")["tradecert"]
        (rule,) = ingress["spec"]["rules"]
        (tls,) = ingress["spec"]["tls"]
        assert rule["host"] in tls["hosts"] and tls["secretName"]
        (path,) = rule["http"]["paths"]
        assert (path["path"], path["pathType"]) == ("/", "Prefix")  # the webhook is under it
        assert path["backend"]["service"]["name"] == "gateway"
        assert "cert-manager.io/cluster-issuer" in ingress["metadata"]["annotations"]
        blocked = _of(docs, "Ingress")["tradecert-metrics-blocked"]
        assert blocked["spec"]["rules"][0]["http"]["paths"][0]["path"] == "/metrics"


def test_production_settings_make_the_s3_store(monkeypatch, rendered):
    """The production ConfigMap's and Secret's names are the ones config.yaml and boto3 read:
    with them in the environment, the documents' file store is the S3 bucket."""
    from services.documents.storage import S3Store, store_from_config

    data = _configmap(rendered["production"])
    for name, value in data.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "example")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example")
    with open(CONFIG_YAML, encoding="utf-8") as fh:
        settings = load_config(fh)["DOCUMENTS"]["storage"]
    store = store_from_config(settings, Path("/nonexistent"))
    assert isinstance(store, S3Store) and store.bucket == data["TRADECERT_FILES_BUCKET"]
    assert store.client.meta.region_name == data["TRADECERT_FILES_REGION"]


@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
def test_every_python_module_a_pod_runs_exists(rendered, overlay):
    """Commands and exec probes of the form `python -m package.module ...`."""
    for doc in rendered[overlay]:
        spec = k8s.pod_spec(doc)
        for container in k8s.containers(spec) if spec else []:
            commands = [container.get("command", []),
                        *(container.get(p, {}).get("exec", {}).get("command", [])
                          for p in ("readinessProbe", "livenessProbe"))]
            for command in commands:
                if command[:2] == ["python", "-m"]:
                    module = k8s.ROOT / Path(*command[2].split(".")).with_suffix(".py")
                    assert module.is_file(), (doc["metadata"]["name"], command)
