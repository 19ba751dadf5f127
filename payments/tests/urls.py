"""The payments API paths, for the tests of every app (constants, not a URLconf)."""

PAYMENTS = "/api/payments/payments/"
