"""Throttles of the accounts API; rates in settings.THROTTLE_RATES (environment-configurable).

A campus NAT puts thousands of students behind one address, so nothing here refuses an
address for its successes at classroom scale; the tight limits count failures, or attempts
on one account.

Cache outage (core.throttling): every throttle here fails open except the two failed-login
throttles, which fail closed (503): they alone bound password guessing.
"""

from core.throttling import FailureThrottle, IPRateThrottle, SubjectRateThrottle, UserRateThrottle


class LoginIPThrottle(IPRateThrottle):
    """Generous per address: every login attempt counts."""

    scope = "login_ip"


class LoginAccountIPThrottle(FailureThrottle):
    """Tight per (account, client address): a handful of failed logins per window; a success resets it.

    Someone guessing from one address is stopped without locking the owner out elsewhere.
    Fails closed: while the cache is down, sign-in answers 503 (guessing must stay bounded)."""

    scope = "login_account_ip"
    fail_open = False
    key_on = ("subject", "ip")


class LoginAccountThrottle(FailureThrottle):
    """Failed logins per account from every address together: a high ceiling against a distributed
    guesser. Fails closed, as LoginAccountIPThrottle."""

    scope = "login_account"
    fail_open = False
    key_on = ("subject",)


class RegisterThrottle(IPRateThrottle):
    """Every registration attempt per address: a ceiling well above a lecture hall signing up together."""

    scope = "register"


class RegisterFailureThrottle(FailureThrottle):
    """Failed registrations (400s: taken address, invalid input) per address."""

    scope = "register_failures"
    key_on = ("ip",)


class RegisterEmailThrottle(SubjectRateThrottle):
    """Registration attempts for one e-mail address, from any address."""

    scope = "register_email"


class PasswordResetThrottle(IPRateThrottle):
    scope = "password_reset"


class EmailResendThrottle(UserRateThrottle):
    scope = "email_resend"
