"""The gateway's routes: thin — parse, ask a service over RPC, answer (API.md)."""
import mimetypes
from pathlib import Path

from werkzeug.exceptions import NotFound
from werkzeug.utils import redirect, safe_join
from werkzeug.wrappers import Response

from gateway import health, i18n, web
from gateway.dependencies import HealthRpc, LogContext, ServiceRpc
from gateway.http import http, json_response
from gateway.openapi import build_spec, doc
from gateway.schemas import ChamberSchema, HealthSchema
from tradecert import config

STATIC_DIR = Path(__file__).parent / "static"


class GatewayService:
    name = "gateway"

    identity = ServiceRpc("identity")
    cluster = HealthRpc()
    log_context = LogContext()

    # --- operations -------------------------------------------------------------------

    @http("GET", "/healthz")
    @doc("Every service answers over RPC", response=HealthSchema, errors=[503], tags=["ops"])
    def healthz(self, request):
        result = health.check(self.cluster, GatewayService.cluster.timeout)
        return json_response(result, status=200 if result["status"] == "ok" else 503)

    @http("GET", "/openapi.json")
    def openapi(self, request):
        return json_response(openapi_document())

    @http("GET", "/docs", page=True)
    def docs(self, request):
        return web.render(request, "docs.html", spec=openapi_document())

    # --- chambers ---------------------------------------------------------------------

    @http("GET", "/api/v1/chambers/<cci_code>")
    @doc("A chamber: names, registration fee, validity, rules", response=ChamberSchema,
         errors=[404], tags=["chambers"])
    def get_chamber(self, request, cci_code):
        return json_response(ChamberSchema().dump(self.identity.get_chamber(cci_code)))

    # --- pages ------------------------------------------------------------------------

    @http("GET", "/", page=True)
    def home(self, request):
        return web.render(request, "home.html", chambers=self.identity.list_chambers())

    @http("GET", "/c/<cci_code>", page=True)
    def chamber_home(self, request, cci_code):
        return web.render(request, "chamber.html", chamber=self.identity.get_chamber(cci_code))

    @http("GET", "/lang/<lang>", page=True)
    def switch_language(self, request, lang):
        """The language switch: remember the choice, go back where the visitor was."""
        target = request.args.get("next", "/")
        if not target.startswith("/") or target.startswith("//"):
            target = "/"  # never redirect off-site
        response = redirect(target)
        if lang in i18n.LANGUAGES:
            response.set_cookie(i18n.LANG_COOKIE, lang, samesite="Lax", path="/",
                                max_age=365 * 24 * 3600)
        return response

    @http("GET", "/static/<path:filename>")
    def static(self, request, filename):
        path = safe_join(str(STATIC_DIR), filename)
        if path is None or not Path(path).is_file():
            raise NotFound()
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return Response(Path(path).read_bytes(), content_type=content_type,
                        headers={"Cache-Control": "public, max-age=3600"})


_spec_cache: dict = {}


def openapi_document() -> dict:
    """Built once per process: the routes do not change while it runs."""
    if not _spec_cache:
        _spec_cache.update(build_spec(
            GatewayService, title="tradecert API", version="1",
            server_url=config.section("GATEWAY").get("public_url", "/")))
    return _spec_cache

