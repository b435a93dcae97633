"""issuance's contract: the RPC methods others may call (`ServiceRpc("issuance")`) and the events
it publishes (ARCHITECTURE: services/issuance/; API.md "Issuance").

Applicant calls take `caller`, the context identity's `authorize` gave the gateway for a user or
sub ID (ISS-3: a sub ID sees only its own applications; a user ID its company's). Staff calls
take a staff caller and see their own chamber only (ID-9). Bodies: services/issuance/schemas.py;
errors: services/issuance/exceptions.py."""
from typing import Protocol

from marshmallow import Schema, fields

from tradecert import outbox
from tradecert.schemas import CCI_CODE

SERVICE = "issuance"

#: The RPCs that take seconds by design (they render PDFs or check an attachment through
#: documents): callers wait RPC.slow_timeout_s for them (the gateway
#: GATEWAY.rpc_slow_timeout_s), for any other RPC.timeout_s (issue 12).
SLOW_CALLS = frozenset({"add_attachment", "certify", "preview", "print_certificate"})

#: API.md: attachments are PDF, PNG or JPEG by content, at most 10 MB.
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_KINDS = ("commercial_invoice", "foreign_co", "import_permit", "import_invoice",
                    "signed_document", "other")
#: API.md "Statuses".
STATUSES = ("draft", "submitted", "returned", "certified", "paid", "withdrawn", "revoked",
            "replaced")


class IssuanceRpc(Protocol):
    """Every RPC of `issuance` (services/issuance/service.py implements each)."""

    # --- the applicant: a user or sub ID (ISS-1 … ISS-7, ISS-10, ISS-13) ---

    def create_application(self, caller: dict, payload: dict,
                           idempotency_key: str | None = None) -> dict:
        """A draft from a body (ApplicationBodySchema / SignatureBodySchema, every save rule
        checked) or from `{copy_from, certificate_type?}` (an earlier application's data without
        its dates, invoices, attachments or numbers): ApplicationViewSchema. The same
        `idempotency_key` (≤ 255 characters) from the same ID answers the application it
        created, as it is now (issue 12). Raises ValidationFailed, RegistrationExpired (409),
        SignerUnavailable (409), NotPermitted (the admin ID), ApplicationNotFound
        (`copy_from` / `replaces` not the caller's)."""

    def update_application(self, caller: dict, application_id: str, payload: dict) -> dict:
        """The whole body again (draft or returned only): ApplicationViewSchema. Raises
        ApplicationLocked (409), ValidationFailed, ApplicationNotFound."""

    def get_application(self, caller: dict, application_id: str) -> dict:
        """ApplicationViewSchema: the body, status, history, attachments, certificate."""

    def list_applications(self, caller: dict, status: str | None = None,
                          page: int = 1) -> dict:
        """「発給申請状況一覧」 (ISS-2): {trade_registration_number, items, page, pages}, newest
        first (ApplicationListSchema)."""

    def submit(self, caller: dict, application_id: str) -> dict:
        """{status: submitted}; the rules of the day and the attachments (ISS-4, ISS-5, ISS-6)
        checked. Raises ValidationFailed, ApplicationLocked, RegistrationExpired."""

    def withdraw(self, caller: dict, application_id: str) -> dict:
        """{status: withdrawn} before certification. Raises ApplicationLocked."""

    def add_attachment(self, caller: dict, application_id: str, kind: str, filename: str,
                       data_base64: str) -> dict:
        """AttachmentSchema; stored by documents (type by content, ≤ MAX_ATTACHMENT_BYTES).
        The same file (SHA-256) as the same kind again answers the attachment already there
        (issue 12: safe to repeat). Raises ValidationFailed (`kind`, `file`),
        ApplicationLocked."""

    def attachment(self, caller: dict, application_id: str, attachment_id: str) -> dict:
        """AttachmentSchema with `file_id` (the gateway fetches the bytes from documents)."""

    def delete_attachment(self, caller: dict, application_id: str, attachment_id: str) -> None:
        """Draft or returned only. Raises ApplicationLocked, AttachmentNotFound."""

    def preview(self, caller: dict, application_id: str) -> dict:
        """The certificate as it will print, watermarked and unsigned (not valid): {file_id}.
        Raises ValidationFailed (what the preview needs is missing)."""

    def fee_quote(self, caller: dict, certificate_type: str, copies: int) -> dict:
        """The fee the form shows (ISS-6, ISS-11): payment's quote for the registration's
        membership: {fee_jpy, certificate_jpy, copy_jpy, copies, membership}."""

    def certificate(self, caller: dict, application_id: str) -> dict:
        """The certified, signed PDF's {file_id, certificate_no} (printing is issue 11's).
        Raises CertificateNotIssued (409)."""

    def payable(self, caller: dict, application_ids: list) -> list[dict]:
        """For payment (ISS-8, ISS-11): the caller's certified, unpaid applications, in the
        order asked: [{application_id, fee_jpy, certificate_no, certificate_type}] (PayableSchema;
        the fee fixed at certification). A user ID any of its company's, a sub ID only its
        own. Raises ApplicationNotFound (404), ApplicationNotPayable (409), each naming
        `application_ids.N`. payment_succeeded then marks them paid (status `paid`,
        `paid_at`, `print_until` = the paid day in Japan + the chamber's print window)."""

    def print_certificate(self, caller: dict, application_id: str, copy: bool = False) -> dict:
        """ISS-8, ISS-12: PrintedSchema {file_id, certificate_no, copy}: the signed certificate
        marked ORIGINAL (as stored at certification) or, `copy` true, the same marked COPY
        (rendered and signed by documents). The output is counted and the first ORIGINAL's
        time and printer recorded. Raises CertificateNotIssued (409), PaymentRequired (409
        `payment_required`), PrintWindowClosed (410 `print_window_closed`: Japan's today is
        after `print_until`), CertificateNotValid (409: revoked or replaced),
        NoCopiesAppliedFor (409: a COPY of an application with `copies` 0)."""

    # --- anyone (ISS-9, ISS-14) ---

    def verify(self, certificate_no: str, access_code: str, issued_on: str) -> dict:
        """Public verification: VerificationSchema {valid, status (valid | revoked | replaced),
        certificate_no, certificate_type, issued_on, chamber {cci_code, name_en}, exporter
        {name, country}, consignee {name, country}, country_of_origin, destination_country,
        goods [{description, quantity}], replaced_by}, of a paid certificate only; the lookup
        is counted for staff. Raises CertificateNotFound (404, the same whichever part is
        wrong), ValidationFailed (a part missing, or `issued_on` not YYYY-MM-DD). ISS-9's
        limit of tries per address: `count_verification_tries` (the gateway sees the address
        and answers most lookups without asking, issue 12)."""

    def record_lookups(self, lookups: list[dict]) -> int:
        """ISS-14: lookups the gateway answered itself from the answers it keeps (issue 12),
        [{certificate_no, at (ISO date-time)}], counted as `verify` counts its own; a number
        that is no paid certificate is skipped. Returns how many were recorded."""

    def count_verification_tries(self, tries: dict) -> dict:
        """ISS-9: the verification tries the gateway processes saw since they last said,
        {client address: how many}, counted against LIMITS.verifications_per_address for all
        processes together. Returns {address: retry_after_s} for every address over it: each
        gateway process refuses those until then (issue 12: one limit, however many)."""

    # --- chamber staff (ISS-2, ISS-7, ISS-13) ---

    def staff_applications(self, caller: dict, status: str | None = None,
                           page: int = 1) -> dict:
        """The chamber's applications, oldest submission first for `submitted` (the queue),
        newest first otherwise: {items: [StaffQueueItemSchema], page, pages}."""

    def staff_application(self, caller: dict, application_id: str) -> dict:
        """StaffApplicationViewSchema: the application, box 1 as registered, the signer and
        the registered signature's file id, the attachments; `printing` (the first ORIGINAL
        printed, outputs per version) and `verifications` (count, first and last time, the
        latest few)."""

    def staff_attachment(self, caller: dict, application_id: str, attachment_id: str) -> dict:
        """AttachmentSchema with `file_id`."""

    def staff_certificate(self, caller: dict, application_id: str) -> dict:
        """The certified PDF's {file_id, certificate_no}."""

    def certify(self, caller: dict, application_id: str) -> dict:
        """{status: certified, certificate_no, issued_on, fee_jpy}: number (gap-free per
        chamber), access code, rendered, signed and stored in one transaction; mailed.
        Raises ApplicationLocked (not submitted), SignerUnavailable, RegistrationExpired."""

    def return_application(self, caller: dict, application_id: str, payload: dict) -> dict:
        """ReasonSchema → {status: returned}; mailed."""

    def revoke(self, caller: dict, application_id: str, payload: dict) -> dict:
        """ReasonSchema → {status: revoked} (certified or paid only); mailed."""

    def health(self) -> dict:
        """{service, status: ok} when the database answers."""

    def echo(self) -> dict:
        """{service, ok: true} at once, touching nothing: the RPC round trip alone."""


class ApplicationEvent(Schema):
    """Every issuance event: whose application, for notify to ask identity's account_contact
    (`login_id`: the applying user or sub ID) and to describe it in the mail."""

    cci_code = fields.String(required=True, validate=CCI_CODE)
    application_id = fields.String(required=True)
    trade_registration_number = fields.String(required=True)
    login_id = fields.String(required=True)
    certificate_type = fields.String(required=True)
    consignee_name = fields.String(load_default=None, allow_none=True)
    destination_country = fields.String(load_default=None, allow_none=True)


class ApplicationSubmitted(ApplicationEvent):
    """`application_submitted` (ISS-2): in the chamber's queue; `resubmitted` after a return."""

    resubmitted = fields.Boolean(required=True)


class ApplicationReturned(ApplicationEvent):
    """`application_returned` (ISS-7): back to the applicant for `reason`."""

    reason = fields.String(required=True)


class ApplicationWithdrawn(ApplicationEvent):
    """`application_withdrawn`: the applicant withdrew it before certification."""


class CertificateCertified(ApplicationEvent):
    """`certificate_certified` (ISS-2): certified, the fee to pay fixed (ISS-11);
    `replaces_certificate_no` when it replaces an earlier certificate (ISS-13)."""

    certificate_no = fields.String(required=True)
    issued_on = fields.Date(required=True)
    fee_jpy = fields.Integer(required=True)
    replaces_certificate_no = fields.String(load_default=None, allow_none=True)


class CertificateRevoked(ApplicationEvent):
    """`certificate_revoked` (ISS-9, ISS-14): the chamber revoked it for `reason`."""

    certificate_no = fields.String(required=True)
    reason = fields.String(required=True)


class CertificateReplaced(ApplicationEvent):
    """`certificate_replaced` (ISS-13): `certificate_no` is no longer valid; `replaced_by`
    is the new certificate's number."""

    certificate_no = fields.String(required=True)
    replaced_by = fields.String(required=True)


EVENTS = {
    "application_submitted": ApplicationSubmitted,
    "application_returned": ApplicationReturned,
    "application_withdrawn": ApplicationWithdrawn,
    "certificate_certified": CertificateCertified,
    "certificate_revoked": CertificateRevoked,
    "certificate_replaced": CertificateReplaced,
}

outbox.register_events(SERVICE, EVENTS)
