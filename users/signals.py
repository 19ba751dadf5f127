"""Signals of the accounts app, for the apps above it (users imports none of them).

``user_renamed`` (``sender=User``, ``user=``): a user's first or last name changed through
``users.services.user_update``. Sent inside the update's transaction, so a receiver's writes
commit or roll back with the rename and its on-commit work runs only once the rename is saved;
an exception in a receiver undoes the rename. Receivers: the catalog (a tutor's name is part of
their courses' search text) and learning (the name printed on certificates), connected in their
``AppConfig.ready()``.

``user_language_changed`` (``sender=User``, ``user=``): the user chose another ``language`` (or
none) through ``users.services.user_update``; sent inside its transaction as well. Receiver:
learning (certificates are printed in their student's language).
"""

from django.dispatch import Signal

user_renamed = Signal()
user_language_changed = Signal()
