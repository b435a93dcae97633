"""The OpenAPI document, generated from the routes and their marshmallow schemas.

A route is described where it is declared: `@doc(...)` beside `@http(...)` on the gateway's
methods. `build_spec` reads both, so the document cannot drift from what is served.
"""
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from gateway.http import HttpEntrypoint
from gateway.schemas import ErrorSchema

ERROR_STATUSES = {400: "Malformed request", 401: "Not logged in", 403: "Not allowed",
                  404: "Not found, or not yours", 409: "Wrong state", 410: "Expired",
                  413: "The body is larger than the gateway reads",
                  422: "Validation failed", 429: "Too many attempts",
                  503: "A service does not answer"}


def doc(summary: str, *, response=None, request=None, status: int = 200, errors=(),
        tags=(), description: str = ""):
    """Describe an API route for the OpenAPI document."""

    def decorate(fn):
        fn.openapi = {"summary": summary, "response": response, "request": request,
                      "status": status, "errors": errors, "tags": list(tags),
                      "description": description or (fn.__doc__ or "").strip()}
        return fn

    return decorate


def _path(url_rule: str) -> tuple[str, list[str]]:
    """Werkzeug's `/a/<cci_code>` as OpenAPI's `/a/{cci_code}`, with the parameter names."""
    names = re.findall(r"<(?:[^:>]+:)?([^>]+)>", url_rule)
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", url_rule), names


def build_spec(service_cls, *, title: str, version: str, server_url: str) -> dict:
    spec = APISpec(title=title, version=version, openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()], servers=[{"url": server_url}],
                   info={"description": "HTTP API of tradecert (see API.md)."})
    spec.components.schema("Error", schema=ErrorSchema)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for name in sorted(dir(service_cls)):
        fn = getattr(service_cls, name)
        meta = getattr(fn, "openapi", None)
        if meta is None:
            continue
        for entrypoint in getattr(fn, "nameko_entrypoints", ()):
            if isinstance(entrypoint, HttpEntrypoint):
                _add_operation(spec, entrypoint, meta, name, getattr(fn, "action", None))
    return spec.to_dict()


def _add_operation(spec: APISpec, entrypoint: HttpEntrypoint, meta: dict, name: str,
                   action: str | None) -> None:
    path, params = _path(entrypoint.url)
    responses = {str(meta["status"]): {"description": "OK"}}
    if meta["response"] is not None:
        responses[str(meta["status"])]["content"] = {
            "application/json": {"schema": meta["response"]}}
    for status in meta["errors"]:
        responses[str(status)] = {
            "description": ERROR_STATUSES.get(status, "Error"),
            "content": {"application/json": {"schema": "Error"}}}
    operation = {
        "operationId": name, "summary": meta["summary"], "tags": meta["tags"],
        "description": meta["description"],
        "parameters": [{"name": p, "in": "path", "required": True,
                        "schema": {"type": "string"}} for p in params],
        "responses": responses,
    }
    if action and action != "public":
        # Bearer token, or the web session's cookie with its CSRF token (API.md: Auth).
        operation["security"] = [{"bearer": []}]
        operation["x-permission"] = action  # the ID-7 action (services/identity/permissions.py)
    if meta["request"] is not None:
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": meta["request"]}}}
    for method in entrypoint.method.split(","):
        spec.path(path=path, operations={method.lower(): operation})
