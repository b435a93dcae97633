"""The Japanese labels the forms print for API.md's codes (REG-4, REG-5). The codes a form
accepts are these tables' keys (services/documents/schemas.py): a code without a label cannot
be printed, so it is refused before rendering."""

REGISTRATION_TYPES = {"applicant": "申請者", "agent": "代行業者",
                      "applicant_and_agent": "申請者かつ代行業者"}
MEMBERSHIPS = {"member": "会員", "non_member_joining": "非会員（入会手続中）",
               "non_member_considering": "非会員（入会検討中）",
               "non_member_no_plan": "非会員（入会予定なし）"}
BUSINESS_FORMS = {"corporation": "法人・団体", "individual": "個人"}
LEGAL_ENTITY_TYPES = {
    "kabushiki_kaisha": "株式会社", "yugen_kaisha": "有限会社", "godo_kaisha": "合同会社",
    "gomei_kaisha": "合名会社", "goshi_kaisha": "合資会社", "ippan_shadan_hojin": "一般社団法人",
    "ippan_zaidan_hojin": "一般財団法人", "koeki_shadan_hojin": "公益社団法人",
    "koeki_zaidan_hojin": "公益財団法人", "tokutei_hieiri_katsudo_hojin": "特定非営利活動法人",
    "kyodo_kumiai": "協同組合", "other": "その他"}
LEGAL_ENTITY_POSITIONS = {"before": "前", "after": "後"}
INDUSTRIES = {"manufacturing": "製造業", "wholesale": "卸売業", "retail": "小売業",
              "construction": "建設業", "transport": "運輸業", "finance": "金融業",
              "association": "団体", "forwarder": "フォワーダー", "other": "その他"}
MAIN_PRODUCTS = {"general_machinery": "一般機械", "electrical_equipment": "電気機器",
                 "transport_equipment": "輸送用機器", "precision_instruments": "精密機器",
                 "metals": "金属・金属製品", "chemicals": "化学製品", "textiles": "紡績・繊維製品",
                 "foodstuffs": "食料品", "miscellaneous": "雑貨", "other": "その他"}

#: ISS-1, ISS-10: what a certificate is, as a receipt and a statement name it (ja, en).
CERTIFICATE_TYPES = {
    "co_japan": ("原産地証明書（日本産）", "Certificate of Origin (Japanese origin)"),
    "co_foreign": ("原産地証明書（外国産）", "Certificate of Origin (foreign origin)"),
    "signature": ("サイン証明", "Signature certification"),
}
#: ISS-8: how a payment was made (ja, en).
PAYMENT_METHODS = {"card": ("クレジットカード", "Credit card"), "cash": ("現金", "Cash")}
