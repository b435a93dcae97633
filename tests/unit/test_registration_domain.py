"""registration's rules at the domain level (REG-1 … REG-10): services/registration/domain.py
and the schemas it relies on, on a real PostgreSQL session (tests/unit/conftest.py), with no
broker. Other services are the callables the domain is given. Events are checked by type
only: their payloads are the events' contracts, tested where those are written down."""
from datetime import date, timedelta

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from services.registration import domain
from services.registration.exceptions import (
    AgentsHaveNoSigners,
    AgreementRequired,
    ApplicationApproved,
    ApplicationIncomplete,
    ApplicationNotEditable,
    ApplicationNotFound,
    ApplicationTokenInvalid,
    InvitationExpired,
    InvitationNotFound,
    RegistrationNotFound,
    RenewalNotOpen,
)
from services.registration.models import Application, Signer
from services.registration.schemas import SignerSchema
from tests.helpers.registration import (
    CHAMBER,
    TODAY,
    approve,
    company,
    events,
    invite,
    signer,
    start,
    submitted,
)
from tradecert.db import utcnow
from tradecert.errors import ValidationFailed


@pytest.fixture
def session(domain_session):
    return domain_session("registration")


# --- REG-1: the chamber's guidance ----------------------------------------------------------

def test_an_invitation_is_for_the_chamber_whose_guidance_it_came_from(session):
    # REG-1, REG-2: each chamber has its own guidance page; the invitation (and its mail)
    # is that chamber's. (The guidance's fee and rules: test_identity_accounts.)
    invitation, _ = invite(session, "1301")
    assert invitation.cci_code == "1301"
    assert invitation.email == "apply@sakura.example.jp"
    assert len(events(session, "invitation_created")) == 1


# --- REG-2: the invitation --------------------------------------------------------------------

def test_an_invitation_needs_both_rules_agreed(session):
    # REG-2: the button stays disabled until "I have read and agree" is ticked.
    with pytest.raises(AgreementRequired) as caught:
        domain.invite(session, CHAMBER,
                        {"email": "a@b.example.jp", "agree_rules": False})
    assert caught.value.fields == {"agree_rules": ["agreement_required"]}
    assert events(session, "invitation_created") == []


def test_an_invitation_link_is_valid_for_60_days(session):
    # REG-2: the link is valid for 60 days; afterwards the visitor starts again.
    invitation, token = invite(session)
    assert invitation.expires_at - utcnow() == pytest.approx(timedelta(days=60),
                                                            abs=timedelta(minutes=1))
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    with pytest.raises(InvitationExpired):
        domain.start_application(session, {"invitation_token": token, "agree_privacy": True,
                                           "agree_terms": True})


def test_an_unknown_invitation_link_opens_nothing(session):
    # REG-2
    with pytest.raises(InvitationNotFound):
        domain.start_application(session, {"invitation_token": "not-a-token",
                                           "agree_privacy": True, "agree_terms": True})


# --- REG-3: consent -----------------------------------------------------------------------------

@pytest.mark.parametrize(("privacy", "terms", "missing"), [
    (False, True, {"agree_privacy"}), (True, False, {"agree_terms"}),
    (False, False, {"agree_privacy", "agree_terms"})])
def test_the_application_starts_only_with_both_consents(session, privacy, terms, missing):
    # REG-3: personal-information handling and the terms of use, both to be agreed.
    _, token = invite(session)
    with pytest.raises(AgreementRequired) as caught:
        domain.start_application(session, {"invitation_token": token,
                                           "agree_privacy": privacy, "agree_terms": terms})
    assert set(caught.value.fields) == missing


def test_consent_opens_one_draft_per_invitation(session):
    # REG-3: the link opens the same draft again, with a fresh token; the old token still
    # opens it, another application's does not.
    _, token = invite(session)
    consent = {"invitation_token": token, "agree_privacy": True, "agree_terms": True}
    first, first_token, created = domain.start_application(session, consent)
    again, again_token, created_again = domain.start_application(session, consent)
    assert created and not created_again and again.id == first.id
    assert first.status == "draft" and first.application_number.startswith("R1504-")
    assert again_token != first_token
    assert domain.by_token(session, first.application_number, first_token).id == first.id
    assert domain.by_token(session, first.application_number, again_token).id == first.id
    other, other_token = start(session)
    with pytest.raises(ApplicationTokenInvalid):
        domain.by_token(session, first.application_number, other_token)
    with pytest.raises(ApplicationTokenInvalid):
        domain.by_token(session, first.application_number, None)


# --- REG-4: the company ---------------------------------------------------------------------

def test_the_company_is_saved_as_entered_and_moves_the_updated_time(session):
    # REG-4.9: saving keeps what was entered; REG-7: every edit moves the updated date-time.
    application, _ = start(session)
    before = application.updated_at
    typed = "  7F Omiya Bldg.,2-118  Daimoncho , JAPAN. "  # REG-4.5: exactly as typed
    body = company(current_address_en=typed)
    domain.save_company(session, application, body)
    assert application.company == body
    assert application.company["current_address_en"] == typed
    assert application.updated_at > before


@pytest.mark.parametrize(("field", "value"), [
    ("registration_type", "exporter"),      # REG-4.1
    ("membership", "gold"),                 # REG-4.2
    ("business_form", "partnership"),       # REG-4.3
    ("industry", "mining"),                 # REG-4.8
])
def test_the_company_codes_are_the_manuals_lists(field, value):
    # REG-4.1, REG-4.2, REG-4.3, REG-4.8: only the listed values.
    with pytest.raises(ValidationError) as caught:
        company(**{field: value})
    assert field in caught.value.messages


def test_main_products_are_from_the_list_at_least_one_each_once():
    # REG-4.8
    for products, field in [([], "main_products"), (["gold"], "main_products"),
                            (["metals", "metals"], "main_products")]:
        with pytest.raises(ValidationError) as caught:
            company(main_products=products)
        assert field in caught.value.messages


def test_the_legal_entity_type_is_for_corporations_only():
    # REG-4.4: entity type and position for corporations (required there), never for
    # individuals; "other" needs its name.
    with pytest.raises(ValidationError) as caught:
        company(legal_entity_type=None)
    assert caught.value.messages == {"legal_entity_type": ["required_for_corporations"]}
    with pytest.raises(ValidationError) as caught:
        company(business_form="individual")
    assert set(caught.value.messages) == {"legal_entity_type", "legal_entity_position"}
    with pytest.raises(ValidationError) as caught:
        company(legal_entity_type="other")
    assert caught.value.messages == {"legal_entity_type_other": ["required_with_other"]}
    assert company(business_form="individual", legal_entity_type=None,
                   legal_entity_position=None)["business_form"] == "individual"


@pytest.mark.parametrize("entity, position, name_ja", [
    ("kabushiki_kaisha", "after", "さくら貿易株式会社"),
    ("kabushiki_kaisha", "before", "株式会社さくら貿易"),
    ("kabushiki_kaisha", "after", "さくら貿易 株式会社"),
    ("yugen_kaisha", "before", "有限会社さくら"),
    ("godo_kaisha", "after", "さくら合同会社"),
])
def test_the_legal_entity_typed_into_the_name_is_refused(entity, position, name_ja):
    """REG-4.4, issue 9: the chosen type is printed before or after the name; typed into
    the name too, it would print twice."""
    with pytest.raises(ValidationError) as caught:
        company(legal_entity_type=entity, legal_entity_position=position, name_ja=name_ja)
    assert caught.value.messages == {"name_ja": ["legal_entity_in_name"]}


def test_the_other_legal_entity_typed_into_the_name_is_refused():
    with pytest.raises(ValidationError) as caught:
        company(legal_entity_type="other", legal_entity_type_other="医療法人",
                name_ja="医療法人さくら会")
    assert caught.value.messages == {"name_ja": ["legal_entity_in_name"]}
    # another type's word is the company's own name, and printed once
    assert company(legal_entity_type="godo_kaisha", name_ja="さくら株式会社販売")["name_ja"]


def test_the_current_address_is_entered_unless_same_as_registered():
    # REG-4.5
    with pytest.raises(ValidationError) as caught:
        company(current_address={"same_as_registered": False})
    assert set(caught.value.messages["current_address"]) == {"postal_code", "address_ja"}


def test_at_most_two_extra_addresses_and_for_applicants_only():
    # REG-4.6
    extra = {"address_ja": "高崎市八幡原町100", "address_en": "100 Yawatabaramachi, Takasaki"}
    assert len(company(extra_addresses=[extra, extra])["extra_addresses"]) == 2
    with pytest.raises(ValidationError) as caught:
        company(extra_addresses=[extra, extra, extra])
    assert caught.value.messages == {"extra_addresses": ["at_most_two"]}
    with pytest.raises(ValidationError) as caught:
        company("agent", extra_addresses=[extra])
    assert caught.value.messages == {"extra_addresses": ["applicants_only"]}


def test_the_contacts_address_is_entered_unless_same_as_current():
    # REG-4.7: the contact, who receives the admin ID, with "same as current address".
    contact = {"same_as_current_address": False, "name_ja": "鈴木 一郎",
               "phone": "048-641-0000", "email": "i.suzuki@sakura.example.jp"}
    with pytest.raises(ValidationError) as caught:
        company(contact=contact)
    assert set(caught.value.messages["contact"]) == {"postal_code", "address_ja"}


# --- REG-5: signers ------------------------------------------------------------------------

def test_a_signer_needs_all_four_fields():
    # REG-5: name (Japanese), name (English), title (English), e-mail — all required.
    with pytest.raises(ValidationError) as caught:
        SignerSchema().load({})
    assert set(caught.value.messages) == {"name_ja", "name_en", "title_en", "email"}


def test_signers_are_listed_in_the_order_added(session):
    # REG-5: add to a list, repeat, then continue.
    application, _ = start(session)
    domain.save_company(session, application, company())
    for n in (1, 2, 3):
        domain.add_signer(session, application, signer(n))
    assert [s.name_en for s in domain.signers_of(session, application)] == [
        "SIGNER 1", "SIGNER 2", "SIGNER 3"]
    first = domain.signers_of(session, application)[0]
    domain.remove_signer(session, application, first.signer_id)
    assert len(domain.signers_of(session, application)) == 2


@pytest.mark.parametrize("name_ja, email", [
    ("署名者 1", "signer1@sakura.example.jp"),
    ("署名者　1", "Signer1@Sakura.example.JP"),  # full-width space, letter case
])
def test_a_signer_is_entered_once(session, name_ja, email):
    """REG-5, issue 9: the same name and e-mail again is refused, naming both fields."""
    application, _ = start(session)
    domain.save_company(session, application, company())
    domain.add_signer(session, application, signer(1))
    with pytest.raises(ValidationFailed) as refused:
        domain.add_signer(session, application, signer(1, name_ja=name_ja, email=email))
    assert refused.value.code == "duplicate_signer"
    assert refused.value.fields == {"name_ja": ["duplicate_signer"],
                                    "email": ["duplicate_signer"]}
    # the same person's name with another address, or another person at the same address
    domain.add_signer(session, application, signer(1, email="other@sakura.example.jp"))
    domain.add_signer(session, application, signer(2, email="signer1@sakura.example.jp"))
    assert len(domain.signers_of(session, application)) == 3


def test_agents_have_no_signers(session):
    # REG-5: agents skip this step; becoming an agent removes the signers entered before.
    application, _ = start(session)
    domain.save_company(session, application, company("applicant"))
    domain.add_signer(session, application, signer())
    domain.save_company(session, application, company("agent"))
    assert domain.signers_of(session, application) == []
    with pytest.raises(AgentsHaveNoSigners):
        domain.add_signer(session, application, signer())


# --- REG-6: review and submission -----------------------------------------------------------

def test_submission_needs_the_company_and_for_applicants_a_signer(session):
    # REG-6
    application, _ = start(session)
    with pytest.raises(ApplicationIncomplete) as caught:
        domain.submit(session, application)
    assert caught.value.fields == {"company": ["required"]}
    domain.save_company(session, application, company("applicant_and_agent"))
    with pytest.raises(ApplicationIncomplete) as caught:
        domain.submit(session, application)
    assert caught.value.fields == {"signers": ["at_least_one_signer"]}
    domain.add_signer(session, application, signer())
    domain.submit(session, application)
    assert application.status == "submitted" and application.submitted_at is not None


def test_an_agent_submits_without_signers(session):
    # REG-5, REG-6
    application, _ = start(session)
    domain.save_company(session, application, company("agent"))
    domain.submit(session, application)
    assert application.status == "submitted"


# --- REG-7: the forms ---------------------------------------------------------------------

def test_the_forms_print_the_number_the_updated_time_and_the_data(session):
    # REG-7: application number, updated date-time, the data as entered; an edit moves the
    # updated date-time, so the forms must be printed again.
    application, _ = start(session)
    with pytest.raises(ApplicationIncomplete):
        domain.form_payload(session, application, CHAMBER, "pledge")
    domain.save_company(session, application, company())
    domain.add_signer(session, application, signer(1))
    payload = domain.form_payload(session, application, CHAMBER, "signature-registration")
    assert payload["application_number"] == application.application_number
    assert payload["company"] == application.company
    assert [s["name_en"] for s in payload["signers"]] == ["SIGNER 1"]
    domain.add_signer(session, application, signer(2))
    edited = domain.form_payload(session, application, CHAMBER, "signature-registration")
    assert edited["updated_at"] > payload["updated_at"]
    assert len(edited["signers"]) == 2


def test_agents_print_no_signature_form(session):
    # REG-7: agent: the pledge and the business description form only.
    application, _ = start(session)
    domain.save_company(session, application, company("agent"))
    assert set(domain.FORMS) == {"pledge", "business-description", "signature-registration"}
    domain.form_payload(session, application, CHAMBER, "business-description")
    with pytest.raises(AgentsHaveNoSigners):
        domain.form_payload(session, application, CHAMBER, "signature-registration")


def test_edits_are_possible_until_approval(session):
    # REG-7: edits after printing, from the page or the mailed link, until the chamber
    # approves; then nothing changes.
    application = submitted(session)
    domain.add_signer(session, application, signer(2))  # submitted: still editable
    domain.remove_signer(session, application, domain.signers_of(session, application)[1]
                         .signer_id)
    approve(session, application)
    for edit in (lambda: domain.save_company(session, application, company()),
                 lambda: domain.add_signer(session, application, signer(3)),
                 lambda: domain.submit(session, application)):
        with pytest.raises(ApplicationNotEditable):
            edit()


# --- REG-8: chamber review and approval ------------------------------------------------------

def test_approval_gives_the_number_two_years_and_the_status(session):
    # REG-8: the trade registration number (chamber code and 6 digits, counted per chamber);
    # REG-9: valid for 2 years.
    first = approve(session, submitted(session))
    second = approve(session, submitted(session))
    assert first.trade_registration_number.startswith("1504-")
    assert len(first.trade_registration_number) == len("1504-000001")
    assert int(second.trade_registration_number[5:]) == \
        int(first.trade_registration_number[5:]) + 1
    assert first.valid_from == TODAY and first.valid_until == date(2028, 11, 30)
    application = session.get(Application, first.application_id)
    assert application.status == "approved"
    assert domain.view(session, application)["trade_registration_number"] == \
        first.trade_registration_number


def test_approval_needs_every_signature_and_a_submitted_application(session):
    # REG-7, REG-8: the chamber approves what was submitted, every signature scanned.
    unsigned = submitted(session, signers=2, signed=False)
    with pytest.raises(ApplicationIncomplete) as caught:
        approve(session, unsigned)
    assert len(caught.value.fields) == 2
    draft, _ = start(session)
    with pytest.raises(ApplicationNotEditable):
        approve(session, draft)


def test_returning_needs_a_submitted_application_and_reopens_it(session):
    # REG-8: the chamber returns with a reason; the applicant corrects and submits again.
    application = submitted(session)
    domain.return_application(session, application, "押印がありません")
    assert application.status == "returned"
    assert application.returned_reason == "押印がありません"
    assert len(events(session, "registration_returned")) == 1
    with pytest.raises(ApplicationNotEditable):
        domain.return_application(session, application, "again")
    domain.submit(session, application)
    assert application.status == "submitted" and application.returned_reason is None


# --- REG-9: validity and renewal ---------------------------------------------------------

@pytest.mark.parametrize(("today", "until"), [
    (date(2026, 12, 1), date(2028, 11, 30)),
    (date(2028, 2, 29), date(2030, 2, 27)),  # a leap day: to the 28th, less a day
])
def test_a_registration_is_valid_for_two_years(session, today, until):
    # REG-9
    registration = approve(session, submitted(session), today=today)
    assert registration.valid_until == until
    assert domain.is_valid(registration, until)
    assert not domain.is_valid(registration, until + timedelta(days=1))


ADMIN = {"cci_code": "1504", "login_id": "A0000001"}
STAFF = {"cci_code": "1504", "login_id": "staff01"}


def admin_of(registration) -> dict:
    return {**ADMIN, "trade_registration_number": registration.trade_registration_number}


def test_renewal_opens_30_days_before_expiry_and_one_request_stays_open(session):
    # REG-9: requested with the admin ID, from 30 days before expiry; a second request while
    # one is open is the same one.
    registration = approve(session, submitted(session))
    opens = registration.valid_until - timedelta(days=30)
    with pytest.raises(RenewalNotOpen):
        domain.request_renewal(session, admin_of(registration), opens - timedelta(days=1))
    first = domain.request_renewal(session, admin_of(registration), opens)
    again = domain.request_renewal(session, admin_of(registration), opens + timedelta(days=1))
    assert again.id == first.id and first.status == "requested"
    assert first.requested_by == "A0000001"
    assert len(events(session, "renewal_requested")) == 1


def test_an_expired_registration_can_still_ask_for_renewal(session):
    # REG-9: expired cannot start applications, but can be renewed
    registration = approve(session, submitted(session))
    after = registration.valid_until + timedelta(days=40)
    assert domain.validity_status(registration, after) == "expired"
    assert domain.request_renewal(session, admin_of(registration), after).status == "requested"


@pytest.mark.parametrize(("days_left", "status"), [(31, "valid"), (30, "expiring"),
                                                   (0, "expiring"), (-1, "expired")])
def test_expiring_is_the_reminder_window(session, days_left, status):
    # REG-9: the 30 days in which the daily job reminds and renewal is open
    registration = approve(session, submitted(session))
    today = registration.valid_until - timedelta(days=days_left)
    assert domain.validity_status(registration, today) == status


@pytest.mark.parametrize(("valid_until", "today", "renewed"), [
    # from the old valid_until: the new period starts the day after, two years long
    (date(2028, 11, 30), date(2028, 11, 10), date(2030, 11, 30)),
    (date(2028, 11, 30), date(2028, 11, 30), date(2030, 11, 30)),
    # from today when already expired
    (date(2028, 11, 30), date(2029, 1, 15), date(2031, 1, 14)),
    # a leap day: valid until 29 February → until 28 February (the period from 1 March)
    (date(2028, 2, 29), date(2028, 2, 20), date(2030, 2, 28)),
    # and the other way: the period from 1 March 2026 ends on the leap day
    (date(2026, 2, 28), date(2026, 2, 10), date(2028, 2, 29)),
])
def test_the_renewed_period(valid_until, today, renewed):
    # REG-9
    assert domain.renewed_until(valid_until, today, 2) == renewed


def test_the_chamber_renews_a_request_from_the_old_end(session):
    # REG-9: the request is renewed; its history row keeps the receipt, the old and the new
    # end, who and when; the reminders start again for the new period.
    registration = approve(session, submitted(session))
    old = registration.valid_until
    today = old - timedelta(days=10)
    assert domain.send_renewal_reminders(session, old - timedelta(days=30)) == 1
    requested = domain.request_renewal(session, admin_of(registration), today)
    renewal = domain.renew(session, STAFF, registration.trade_registration_number, "R-500", 2,
                           today)
    assert renewal.id == requested.id and renewal.status == "renewed"
    assert (renewal.registration_fee_receipt_no, renewal.renewed_by) == ("R-500", "staff01")
    assert renewal.previous_valid_until == old
    assert registration.valid_until == renewal.valid_until == domain.add_years(old, 2)
    assert registration.reminder_30_sent_at is None and registration.reminder_10_sent_at is None
    [renewed] = events(session, "registration_renewed")
    assert renewed["valid_until"] == renewal.valid_until.isoformat()
    assert renewed["admin_login_id"] == "A0000001"
    # no reminder for the old period; the new one gets its own
    assert domain.send_renewal_reminders(session, old - timedelta(days=10)) == 0
    assert domain.send_renewal_reminders(session, renewal.valid_until
                                         - timedelta(days=30)) == 1


def test_the_chamber_renews_at_the_counter_an_expired_one_from_today(session):
    # REG-9: without a request; from today when the old end has passed
    registration = approve(session, submitted(session))
    today = registration.valid_until + timedelta(days=5)
    renewal = domain.renew(session, STAFF, registration.trade_registration_number, "R-501", 2,
                           today)
    assert renewal.requested_at is None
    assert registration.valid_until == domain.add_years(today, 2) - timedelta(days=1)
    assert domain.is_valid(registration, today)


def test_a_repeated_renewal_answers_the_same_and_another_waits_for_the_window(session):
    # REG-9: a double click does not add two periods
    registration = approve(session, submitted(session))
    today = registration.valid_until
    first = domain.renew(session, STAFF, registration.trade_registration_number, "R-1", 2,
                         today)
    until = registration.valid_until
    assert domain.renew(session, STAFF, registration.trade_registration_number, "R-1", 2,
                        today).id == first.id
    assert registration.valid_until == until
    with pytest.raises(RenewalNotOpen):
        domain.renew(session, STAFF, registration.trade_registration_number, "R-2", 2, today)
    assert len(events(session, "registration_renewed")) == 1


def test_another_chambers_registration_is_not_found_for_renewal(session):
    # ID-9
    registration = approve(session, submitted(session))
    with pytest.raises(RegistrationNotFound):
        domain.renew(session, {**STAFF, "cci_code": "1301"},
                     registration.trade_registration_number, "R-1", 2, registration.valid_until)


def test_the_renewal_queue_is_the_chambers_oldest_request_first(session):
    # REG-9
    first = approve(session, submitted(session))
    second = approve(session, submitted(session))
    for registration in (second, first):
        domain.request_renewal(session, admin_of(registration), registration.valid_until)
    queue = domain.renewal_queue(session, "1504", "requested", first.valid_until)
    assert [q["trade_registration_number"] for q in queue] == [
        second.trade_registration_number, first.trade_registration_number]
    assert queue[0]["validity"] == "expiring"
    assert domain.renewal_queue(session, "1301", None, first.valid_until) == []


def test_renewal_reminders_30_and_10_days_before_each_once(session):
    # REG-9: mailed 30 days before expiry and again 10 days before if still not renewed.
    registration = approve(session, submitted(session))
    until = registration.valid_until
    assert domain.send_renewal_reminders(session, until - timedelta(days=31)) == 0
    assert domain.send_renewal_reminders(session, until - timedelta(days=30)) == 1
    assert domain.send_renewal_reminders(session, until - timedelta(days=29)) == 0
    assert domain.send_renewal_reminders(session, until - timedelta(days=10)) == 1
    assert domain.send_renewal_reminders(session, until - timedelta(days=9)) == 0
    assert len(events(session, "registration_expiring")) == 2


def test_a_requested_renewal_gets_no_reminder(session):
    # REG-9
    registration = approve(session, submitted(session))
    today = registration.valid_until - timedelta(days=30)
    domain.request_renewal(session, admin_of(registration), today)
    assert domain.send_renewal_reminders(session, today) == 0


# --- REG-10: drafts, the 16th signer, one registration per chamber ---------------------------

def test_drafts_are_kept_60_days_with_a_warning_10_days_before(session):
    # REG-10
    application, _ = start(session)
    number = application.application_number
    created = utcnow() - timedelta(days=49)
    application.created_at = created
    session.flush()
    assert domain.purge_old_drafts(session, utcnow()) == (0, 0)
    assert domain.purge_old_drafts(session, created + timedelta(days=50)) == (1, 0)
    assert domain.purge_old_drafts(session, created + timedelta(days=51)) == (0, 0)
    assert domain.purge_old_drafts(session, created + timedelta(days=60)) == (0, 1)
    assert session.scalar(select(Application).where(
        Application.application_number == number)) is None


def test_a_submitted_application_is_not_purged(session):
    # REG-10: only drafts are removed.
    application = submitted(session)
    application.created_at = utcnow() - timedelta(days=90)
    session.flush()
    assert domain.purge_old_drafts(session, utcnow()) == (0, 0)


def test_from_the_16th_signer_a_reason_is_required(session):
    # REG-10
    application, _ = start(session)
    domain.save_company(session, application, company())
    for n in range(1, 16):
        domain.add_signer(session, application, signer(n))
    with pytest.raises(ValidationFailed) as caught:
        domain.add_signer(session, application, signer(16))
    assert caught.value.fields == {"reason": ["reason_required_from_16th_signer"]}
    sixteenth = domain.add_signer(session, application, {**signer(16), "reason": "輸出部門の増員"})
    assert sixteenth.reason == "輸出部門の増員"
    assert session.scalar(select(Signer).where(Signer.signer_id == sixteenth.signer_id))


def test_a_registration_is_per_chamber(session):
    # REG-10, ID-9: numbers are counted per chamber, and staff see only their chamber's.
    saitama, _ = start(session, "1504")
    tokyo, _ = start(session, "1301")
    assert saitama.application_number.startswith("R1504-")
    assert tokyo.application_number.startswith("R1301-")
    assert domain.in_chamber(session, {"cci_code": "1504"}, saitama.application_number)
    with pytest.raises(ApplicationNotFound):
        domain.in_chamber(session, {"cci_code": "1504"}, tokyo.application_number)
    assert [a["application_number"] for a in domain.staff_queue(session, "1301", None)] == [
        tokyo.application_number]


# API.md: an application's token is its credential until approval, not after (issue 9).
def test_the_token_opens_its_application_until_approval_and_not_after(session):
    application, token = start(session)
    number = application.application_number
    domain.save_company(session, application, company())
    added = domain.add_signer(session, application, signer(1))
    added.signature_file_id = "1" * 64
    domain.submit(session, application)
    assert domain.by_token(session, number, token) is application  # submitted: still opens

    approve(session, application)

    with pytest.raises(ApplicationApproved) as refused:
        domain.by_token(session, number, token)
    assert refused.value.status == 401
    assert refused.value.code == "application_approved"
    assert refused.value.params == {"cci_code": "1504"}
    assert isinstance(refused.value, ApplicationTokenInvalid)  # every caller handles it
    with pytest.raises(ApplicationTokenInvalid) as wrong:  # a wrong token says nothing more
        domain.by_token(session, number, "wrong")
    assert wrong.value.code == "application_token_invalid"


def test_staff_find_an_application_or_registration_by_its_last_digits(session):
    """Issue 9: staff type the last digits of an application number or of a trade
    registration number; a whole number finds exactly that one; another chamber's never."""
    first, second = submitted(session), submitted(session)
    registration = approve(session, second)
    other_chamber, _ = start(session, "1301")
    number = first.application_number  # R1504-2026-000NN
    tail = number.rsplit("-", 1)[1].lstrip("0")

    found = domain.staff_search(session, "1504", tail)
    assert number in [f["application_number"] for f in found]
    assert all(f["application_number"].endswith(tail) or
               (f["trade_registration_number"] or "").endswith(tail) for f in found)
    assert [f["application_number"] for f in domain.staff_search(session, "1504", number)] \
        == [number]
    by_registration = domain.staff_search(
        session, "1504", registration.trade_registration_number.rsplit("-", 1)[1])
    assert [f["application_number"] for f in by_registration] == [second.application_number]
    assert by_registration[0]["trade_registration_number"] == \
        registration.trade_registration_number
    assert domain.staff_search(session, "1504", other_chamber.application_number) == []
    assert domain.staff_search(session, "1504", "%") == []  # no wildcard typed through
