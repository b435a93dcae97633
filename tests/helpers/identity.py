"""identity's domain objects for unit tests: a chamber, an approved registration's IDs."""
from services.identity.accounts import create_registration_accounts, unseal
from services.identity.domain import add_chamber, find_account
from services.identity.schemas import ChamberSchema
from services.identity.sessions import caller_context


def add_test_chamber(session, cci_code: str = "1504", name_en: str = "Saitama CCI"):
    return add_chamber(session, ChamberSchema().load({
        "cci_code": cci_code, "name_ja": f"{name_en}（和）", "name_en": name_en,
        "registration_fee_jpy": {"member": 5500, "non_member": 11000}}))


class Registered:
    """An approved registration's IDs (REG-8): the admin, two signers' user IDs, their
    passwords, and each one's caller context as `authorize` gives it to the services."""

    def __init__(self, session, cci_code: str = "1504", number: str = "1504-000001"):
        self.session, self.cci_code = session, cci_code
        self.created = create_registration_accounts(session, {
            "cci_code": cci_code, "trade_registration_number": number,
            "company": {"name_ja": "さくら貿易", "name_en": "SAKURA TRADING CO., LTD."},
            "contact": {"name": "鈴木 一郎", "email": "i.suzuki@sakura.example.jp"},
            "signers": [{"signer_id": f"signer-{n}", "name_ja": f"署名者 {n}",
                         "name_en": f"SIGNER {n}", "title_en": "EXPORT MANAGER",
                         "email": f"signer{n}@sakura.example.jp",
                         "signature_file_id": f"{n:064x}"} for n in (1, 2)]})
        self.admin = find_account(session, cci_code, self.created["admin"]["login_id"])
        self.admin_password = self.created["admin"]["initial_password"]
        self.users = [find_account(session, cci_code, u["login_id"])
                      for u in self.created["users"]]
        self.user_passwords = [unseal(u.initial_password_sealed) for u in self.users]

    def caller(self, account) -> dict:
        return caller_context(self.session, account)
