from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "users"
    verbose_name = "Users"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save
        from rest_framework_simplejwt import state

        from users import schema  # noqa: F401  (registers the OpenAPI auth extension)
        from users.jwt import token_backend
        from users.models import User

        # Tokens signed with a previous key keep working during a key rotation (users/jwt.py).
        state.token_backend = token_backend()

        # Every request's account row is cached (users.selectors.user_by_id): any change replaces it.
        post_save.connect(account_changed, sender=User, dispatch_uid="users-account-save")
        post_delete.connect(account_changed, sender=User, dispatch_uid="users-account-delete")


def account_changed(sender, instance, **kwargs) -> None:
    from users.selectors import accounts

    accounts.changed(instance.pk)
