"""Signals other apps listen to (upper apps connect in their ``AppConfig.ready()``)."""

from django.dispatch import Signal

# Ledger entries were written for these tutors (``tutor_ids``), once the write has committed.
ledger_changed = Signal()
