"""OpenAPI: describe our JWT authentication class as the Bearer scheme."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class JWTScheme(SimpleJWTScheme):
    target_class = "users.authentication.JWTAuthentication"
    name = "jwtAuth"
