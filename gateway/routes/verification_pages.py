"""The public verification page (ISS-9, ISS-14; API.md "Verification"): `/verify`, in
Japanese and English, without a login. Empty, it is the form for the three values printed
beside the QR code; filled (the QR code opens it so), it shows what issuance's `verify`
answers: valid, revoked or replaced, the chamber, the issue date, exporter, consignee,
origin, destination and goods. A wrong value is answered plainly, the same whichever it is."""
from gateway.auth import public
from gateway.http import client_address, http
from gateway.pages import errors_of, render, too_many
from tradecert.errors import NotFound, TooManyAttempts, ValidationFailed

FIELDS = ("certificate_no", "access_code", "issued_on")


class VerificationPages:
    @http("GET", "/verify", page=True)
    @public
    def verify_page(self, request):
        values = {name: request.args.get(name, "").strip() for name in FIELDS}
        if not any(values.values()):
            return render(request, "verify.html", values=values)
        try:
            answer = self.issuance.verify(values["certificate_no"], values["access_code"],
                                          values["issued_on"], client_address(request))
        except ValidationFailed as exc:
            alert, errors = errors_of(request, exc)
            return render(request, "verify.html", status=exc.status, values=values,
                          alert=alert, errors=errors)
        except NotFound as exc:
            alert, _ = errors_of(request, exc)
            return render(request, "verify.html", status=exc.status, values=values,
                          alert=alert, not_found=True)
        except TooManyAttempts as exc:
            alert, headers = too_many(request, exc)
            return render(request, "verify.html", status=exc.status, headers=headers,
                          values=values, alert=alert)
        return render(request, "verify.html", values=values, answer=answer)
