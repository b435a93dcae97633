"""Operations and chambers: /healthz, /metrics, the echo, the OpenAPI document and its page,
chambers."""
from werkzeug.wrappers import Response

from gateway import health
from gateway.auth import public
from gateway.http import http, json_response
from gateway.openapi import doc
from gateway.pages import render
from gateway.schemas import ChamberSchema, EchoSchema, HealthSchema
from tradecert import metrics


class PlatformRoutes:
    # --- operations -------------------------------------------------------------------

    @http("GET", "/healthz")
    @doc("Every service answers over RPC", response=HealthSchema, errors=[503], tags=["ops"])
    @public
    def healthz(self, request):
        result = health.check(self.cluster)
        return json_response(result, status=200 if result["status"] == "ok" else 503)

    @http("GET", "/api/v1/echo")
    @doc("One trivial RPC to identity and back, nothing else: what a request through the "
         "gateway costs at the least (`make load` measures the others against it)",
         response=EchoSchema, errors=[503], tags=["ops"])
    @public
    def echo(self, request):
        return json_response(EchoSchema().dump(self.identity.echo()))

    @http("GET", "/metrics")
    @public
    def prometheus_metrics(self, request):
        """Issue 12: this process's metrics for Prometheus (README "Metrics"). Not part of the
        API (no @doc: not in /openapi.json), no session, no limit; GET changes nothing, so
        CSRF does not apply."""
        body, content_type = metrics.exposition(request.headers.get("Accept"))
        return Response(body, content_type=content_type,
                        headers={"Cache-Control": "no-store"})

    @http("GET", "/openapi.json")
    @public
    def openapi(self, request):
        return json_response(self.openapi_document())

    @http("GET", "/docs", page=True)
    @public
    def docs(self, request):
        return render(request, "docs.html", spec=self.openapi_document())

    # --- chambers ---------------------------------------------------------------------

    @http("GET", "/api/v1/chambers/<cci_code>")
    @doc("A chamber: names, registration fee, validity, rules, certificate fees",
         response=ChamberSchema, errors=[404], tags=["chambers"])
    @public
    def get_chamber(self, request, cci_code):
        chamber = self.identity.get_chamber(cci_code)  # an unknown chamber: 404 here
        return json_response(ChamberSchema().dump(
            {**chamber, "fees_jpy": self.payment.fees(cci_code)}))
