"""issuance: applications for certificates of origin and signature certifications, chamber
review, certificate numbers and public verification (ISS-1 … ISS-10).
"""
