"""documents: every PDF of the system (Jinja2 + WeasyPrint), QR codes, PAdES signatures, file
storage and signature images.
"""
