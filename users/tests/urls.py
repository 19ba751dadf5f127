"""The accounts' API paths, for the tests of every app (constants, not a URLconf)."""

TOKEN_URL = "/api/auth/token/"
REFRESH_URL = "/api/auth/token/refresh/"
USERS_URL = "/api/auth/users/"
ME_URL = "/api/auth/users/me/"
TUTORS_URL = "/api/auth/tutors/"
