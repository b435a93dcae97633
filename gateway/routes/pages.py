"""The web pages (Japanese first, English): the shell, the chamber home page."""
import mimetypes
from pathlib import Path

from werkzeug.exceptions import NotFound
from werkzeug.utils import redirect, safe_join
from werkzeug.wrappers import Response

from gateway import i18n, web
from gateway.auth import public
from gateway.http import http
from gateway.pages import render, safe_next

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


class PageRoutes:
    @http("GET", "/", page=True)
    @public
    def home(self, request):
        return render(request, "home.html", chambers=self.identity.list_chambers())

    @http("GET", "/c/<cci_code>", page=True)
    @public
    def chamber_home(self, request, cci_code):
        return render(request, "chamber.html", chamber=self.identity.get_chamber(cci_code),
                      fees=self.payment.fees(cci_code))

    @http("GET", "/lang/<lang>", page=True)
    @public
    def switch_language(self, request, lang):
        """The language switch: remember the choice, go back where the visitor was."""
        response = redirect(safe_next(request.args.get("next")) or "/")  # never off-site
        if lang in i18n.LANGUAGES:
            response.set_cookie(i18n.LANG_COOKIE, lang, samesite="Lax", path="/",
                                max_age=365 * 24 * 3600, secure=web.cookie_secure())
        return response

    @http("GET", "/favicon.ico")
    @public
    def favicon(self, request):
        """Browsers ask for it where a document names no icon (a PDF shown in the tab)."""
        return redirect("/static/favicon.svg", code=301)

    @http("GET", "/static/<path:filename>")
    @public
    def static(self, request, filename):
        path = safe_join(str(STATIC_DIR), filename)
        if path is None or not Path(path).is_file():
            raise NotFound()
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return Response(Path(path).read_bytes(), content_type=content_type,
                        headers={"Cache-Control": "public, max-age=3600"})
