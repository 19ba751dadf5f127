from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "users"
    verbose_name = "Users"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from users import schema  # noqa: F401  (registers the OpenAPI auth extension)
        from users.models import User

        # Every request's account row is cached (users.selectors.user_by_id): any change replaces it.
        post_save.connect(account_changed, sender=User, dispatch_uid="users-account-save")
        post_delete.connect(account_changed, sender=User, dispatch_uid="users-account-delete")


def account_changed(sender, instance, **kwargs) -> None:
    from users.selectors import accounts

    accounts.changed(instance.pk)
