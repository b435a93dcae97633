"""A company as REG-4 wants it, and helpers for the registration tests."""
import copy
import re

COMPANY = {
    "registration_type": "applicant", "membership": "member", "business_form": "corporation",
    "legal_entity_type": "kabushiki_kaisha", "legal_entity_type_other": None,
    "legal_entity_position": "after", "name_ja": "さくら貿易", "name_en": "Sakura Trading",
    "registered_address": {"postal_code": "330-0854",
                           "address_ja": "埼玉県さいたま市大宮区桜木町一丁目2番地3"},
    "current_address": {"same_as_registered": True, "postal_code": None, "address_ja": None},
    "current_address_en": "1-2-3 Sakuragicho,  Omiya-ku, Saitama-shi, Saitama 330-0854, Japan",
    "extra_addresses": [{"address_ja": "群馬県高崎市八幡町100番地",
                         "address_en": "100 Yawatamachi, Takasaki-shi, Gunma, Japan"}],
    "contact": {"same_as_current_address": True, "postal_code": None, "address_ja": None,
                "department": "業務部", "name_ja": "鈴木 一郎", "phone": "048-000-0000",
                "email": "contact@sakura.example.jp", "is_signer": False},
    "second_hand_dealer": False, "industry": "wholesale",
    "main_products": ["general_machinery", "electrical_equipment"],
}

SIGNERS = [
    {"name_ja": "山田 太郎", "name_en": "TARO YAMADA", "title_en": "EXPORT MANAGER",
     "email": "t.yamada@sakura.example.jp"},
    {"name_ja": "佐藤 花子", "name_en": "HANAKO SATO", "title_en": "GENERAL MANAGER",
     "email": "h.sato@sakura.example.jp"},
]


def company(**changes) -> dict:
    data = copy.deepcopy(COMPANY)
    data.update(changes)
    return data


def invitation_token(mail) -> str:
    return re.search(r"/registration/start\?token=(\S+)", mail.get_content()).group(1)
