"""JWT signing-key rotation without signing everyone out.

simplejwt verifies tokens with one key. During a rotation, tokens signed with the previous key
must keep working until they expire: this backend signs with ``SIMPLE_JWT["SIGNING_KEY"]`` and
verifies with it first, then with each of ``JWT_SIGNING_KEY_FALLBACKS``. Installed as simplejwt's
token backend by ``users.apps`` (every token class, the refresh and verify views included, asks it).
"""

from __future__ import annotations

from django.conf import settings
from rest_framework_simplejwt import settings as jwt_settings
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenBackendExpiredToken


class RotatingTokenBackend(TokenBackend):
    def __init__(self, *args, fallback_keys: list[str] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fallbacks = [TokenBackend(self.algorithm, key, *args[2:], **kwargs) for key in fallback_keys]

    def decode(self, token, verify: bool = True):
        try:
            return super().decode(token, verify=verify)
        except TokenBackendExpiredToken:
            raise
        except TokenBackendError:
            for fallback in self.fallbacks:
                try:
                    return fallback.decode(token, verify=verify)
                except TokenBackendExpiredToken:
                    raise
                except TokenBackendError:
                    continue
            raise


def token_backend() -> RotatingTokenBackend:
    """simplejwt's backend, as its ``state.token_backend`` builds it, plus the fallback keys."""
    api_settings = jwt_settings.api_settings  # simplejwt replaces it when SIMPLE_JWT changes
    return RotatingTokenBackend(
        api_settings.ALGORITHM,
        api_settings.SIGNING_KEY,
        api_settings.VERIFYING_KEY,
        api_settings.AUDIENCE,
        api_settings.ISSUER,
        api_settings.JWK_URL,
        api_settings.LEEWAY,
        api_settings.JSON_ENCODER,
        fallback_keys=list(settings.JWT_SIGNING_KEY_FALLBACKS),
    )
