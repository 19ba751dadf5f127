"""Throttles of the accounts API; rates in settings.THROTTLE_RATES (environment-configurable)."""

from core.throttling import FailureThrottle, IPRateThrottle, UserRateThrottle


class LoginIPThrottle(IPRateThrottle):
    """Generous per address: a campus NAT puts thousands of students behind one IP."""

    scope = "login_ip"


class LoginAccountThrottle(FailureThrottle):
    """Tight per account: a handful of failed logins per window, successes are free."""

    scope = "login_account"
    subject_field = "email"


class RegisterThrottle(IPRateThrottle):
    scope = "register"


class PasswordResetThrottle(IPRateThrottle):
    scope = "password_reset"


class EmailResendThrottle(UserRateThrottle):
    scope = "email_resend"
