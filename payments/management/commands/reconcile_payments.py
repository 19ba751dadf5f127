from django.conf import settings
from django.core.management.base import BaseCommand

from payments import services


class Command(BaseCommand):
    help = "Ask Stripe about PENDING payments older than N minutes and apply the same transitions as the webhook."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=settings.PAYMENT_RECONCILE_AFTER_MINUTES,
            metavar="MINUTES",
            help="only payments created more than this many minutes ago",
        )

    def handle(self, *args, **options):
        outcomes = services.payments_reconcile(older_than_minutes=options["older_than"])
        for outcome in outcomes:
            self.stdout.write(outcome)
        self.stdout.write(self.style.SUCCESS(f"Reconciled {len(outcomes)} pending payment(s)."))
