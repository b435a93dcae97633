"""The chamber staff's pages for a company's IDs (issue 9): find a trade registration by its
number, see its admin, user and sub IDs with their locked state, lock a leaked ID (after a
confirmation) and unlock it, and give a company that lost it a new admin password on a new
trade registration certificate (after a confirmation; then the PDF's link).

Every change is a POST with the CSRF token (checked for every cookie request by the
gateway); a confirmation is a page of its own (no script). Each route names its ID-7 action,
`staff.accounts` (looking up is `staff.review`, as the other staff pages)."""
from urllib.parse import quote

from gateway.auth import authorized
from gateway.forms.registration import certificate_url, normalise_number
from gateway.http import http
from gateway.i18n import translate
from gateway.pages import render, required, see_other, staff_page
from tradecert.errors import NotFound

CONFIRMED = "yes"


def ids_path(number: str) -> str:
    return f"/staff/trade-registrations/{quote(number, safe='')}"


class AccountStaffPages:
    @http("GET", "/staff/trade-registrations", page=True)
    @staff_page
    @authorized("staff.review")
    def staff_trade_registrations(self, request, caller):
        """The search by trade registration number."""
        values, errors, alert, code = {}, {}, None, 200
        if "number" in request.args:
            number = values["number"] = normalise_number(request.args["number"])
            if not number:
                errors, code = required(request, values, "number"), 422
            else:
                try:
                    self.identity.staff_registration_accounts(caller, number)
                except NotFound:
                    alert, code = translate(request, "error.registration_not_found"), 404
                else:
                    return see_other(ids_path(number))
        return render(request, "account/staff_search.html", status=code, account=caller,
                      values=values, errors=errors, alert=alert)

    @http("GET", "/staff/trade-registrations/<number>", page=True)
    @staff_page
    @authorized("staff.review")
    def staff_trade_registration_ids(self, request, caller, number):
        ids = self.identity.staff_registration_accounts(caller, number)
        return render(request, "account/staff_ids.html", account=caller, ids=ids,
                      certificate_url=certificate_url(ids["trade_registration_number"]))

    @http("POST", "/staff/trade-registrations/<number>/accounts/<login_id>/lock", page=True)
    @staff_page
    @authorized("staff.accounts")
    def staff_lock_account(self, request, caller, number, login_id):
        """Lock a leaked ID: asked to confirm first."""
        ids = self.identity.staff_registration_accounts(caller, number)
        account = next((a for a in ids["accounts"] if a["login_id"] == login_id), None)
        if account is None:
            raise NotFound(code="account_not_found", message=f"no ID {login_id}")
        if request.form.get("confirmed") != CONFIRMED:
            return render(request, "account/staff_confirm.html", account=caller, ids=ids,
                          target=account, confirm="lock",
                          action=f"{ids_path(number)}/accounts/{quote(login_id)}/lock")
        self.identity.lock_account(caller, login_id)
        return see_other(ids_path(number), "account_locked", login_id=login_id)

    @http("POST", "/staff/trade-registrations/<number>/accounts/<login_id>/unlock", page=True)
    @staff_page
    @authorized("staff.accounts")
    def staff_unlock_account(self, request, caller, number, login_id):
        ids = self.identity.staff_registration_accounts(caller, number)
        if all(a["login_id"] != login_id for a in ids["accounts"]):
            raise NotFound(code="account_not_found", message=f"no ID {login_id}")
        self.identity.unlock_account(caller, login_id)
        return see_other(ids_path(number), "account_unlocked", login_id=login_id)

    @http("POST", "/staff/trade-registrations/<number>/admin-password", page=True)
    @staff_page
    @authorized("staff.accounts")
    def staff_new_admin_password(self, request, caller, number):
        """A new admin password on a new trade registration certificate: asked to confirm
        first; then the page links the certificate to print and hand over."""
        if request.form.get("confirmed") != CONFIRMED:
            ids = self.identity.staff_registration_accounts(caller, number)
            return render(request, "account/staff_confirm.html", account=caller, ids=ids,
                          target=None, confirm="admin_password",
                          action=f"{ids_path(number)}/admin-password")
        self.registration.new_admin_password(caller, number)
        return see_other(ids_path(number), "admin_password_issued", "certificate")
