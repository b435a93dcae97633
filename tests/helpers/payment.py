"""payment's fees as tests expect them."""

#: config.yaml's PAYMENT.default_fees_jpy (issue 11: Chiba CCI's published online fees for
#: a CO and a signature certification; the copy fee is a placeholder chambers set).
DEFAULT_FEES = {"co": {"member": 1260, "non_member": 3460},
                "signature": {"member": 1260, "non_member": 3460},
                "copy": {"member": 200, "non_member": 400}}
