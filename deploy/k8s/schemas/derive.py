"""Derive the small JSON schemas in this folder from operators' published CRDs (issue 13).

    python deploy/k8s/schemas/derive.py CRD.yaml VERSION SOURCE OUT.json [--depth N]

CRD.yaml is the operator's CustomResourceDefinition at a release (SOURCE says which: the
repository, path and tag); VERSION the served version (v1alpha1, v1beta1, v1). The
openAPIV3Schema is kept with its descriptions and CEL rules dropped, everything deeper than
--depth properties below the root cut to its type, and `additionalProperties: false` on
every object that lists its properties and does not keep unknown fields: kubectl validates
fields strictly by default (a typo is an error, not a silently dropped field), and so do the
checks in tests/deploy. Only this script and the JSON it writes are committed, not the CRDs.
"""
import argparse
import json

import yaml

DROPPED = {"description", "x-kubernetes-validations"}


def prune(node: dict, depth: int) -> dict:
    if depth <= 0:
        kept = {key: node[key] for key in ("type", "x-kubernetes-int-or-string",
                                            "x-kubernetes-preserve-unknown-fields",
                                            "anyOf") if key in node}
        return kept or {}
    out = {}
    for key, value in node.items():
        if key in DROPPED:
            continue
        if key == "properties":
            out[key] = {name: prune(child, depth - 1) for name, child in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = prune(value, depth)
        elif key in ("anyOf", "oneOf", "allOf"):
            out[key] = [prune(child, depth) for child in value]
        else:
            out[key] = value
    if ("properties" in out and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    return out


def derive(crd: dict, version: str, source: str, depth: int) -> dict:
    (served,) = [v for v in crd["spec"]["versions"] if v["name"] == version]
    schema = prune(served["schema"]["openAPIV3Schema"], depth)
    group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
    schema["properties"]["apiVersion"] = {"const": f"{group}/{version}"}
    schema["properties"]["kind"] = {"const": kind}
    schema["properties"]["metadata"] = {"type": "object"}
    schema["required"] = sorted({*schema.get("required", ()), "apiVersion", "kind", "spec"})
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$comment": f"{kind} {group}/{version}, derived by derive.py (depth {depth}) "
                        f"from {source}",
            **schema}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("crd")
    parser.add_argument("version")
    parser.add_argument("source")
    parser.add_argument("out")
    parser.add_argument("--depth", type=int, default=5)
    args = parser.parse_args()
    with open(args.crd, encoding="utf-8") as fh:
        crd = yaml.safe_load(fh)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(derive(crd, args.version, args.source, args.depth), fh, indent=1,
                  sort_keys=True)
        fh.write("\n")


if __name__ == "__main__":
    main()
