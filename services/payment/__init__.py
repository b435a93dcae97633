"""payment: fee schedules per chamber, card payments through Stripe, webhook events, receipts
and cash receipts (ISS-2, ISS-8).
"""
