"""notify() writes each row in its recipient's language, whoever caused it: one batch, one more
query (the recipients' languages), each text rendered once per language."""

# Texts in Russian and Uzbek on purpose.

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.i18n import format_money_lazy
from notifications import kinds, services
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_one_batch_renders_each_recipients_language_at_one_more_query(
    make_user, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_BATCH_SIZE = 200
    people = [make_user(language=code) for code in ("ru", "es", "uz", "", "en", "ru")]

    def run(title, key, **fields) -> int:
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
            services.notify(recipients=people, kind=kinds.COURSE_ANNOUNCEMENT, title=title, dedupe_key=key, **fields)
        return len(queries)

    plain = run("Exam", "plain")
    translated = run(_("New question in “%(course)s”"), "translated", params={"course": "Álgebra"})
    assert translated == plain + 1, "the recipients' languages: one query for the batch"
    titles = dict(Notification.objects.filter(dedupe_key="translated").values_list("recipient_id", "title"))
    assert [titles[person.pk] for person in people] == [
        "Новый вопрос в курсе «Álgebra»",
        "Nueva pregunta en «Álgebra»",
        "“Álgebra” kursida yangi savol",
        "New question in “Álgebra”",  # no choice: the default
        "New question in “Álgebra”",
        "Новый вопрос в курсе «Álgebra»",
    ]
    assert set(Notification.objects.filter(dedupe_key="plain").values_list("title", flat=True)) == {"Exam"}


def test_a_lazy_parameter_is_written_in_the_recipients_language(make_user, django_capture_on_commit_callbacks):
    russian, spanish = make_user(language="ru"), make_user(language="es")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.notify(
            recipients=[russian, spanish],
            kind=kinds.REFUND_PROCESSED,
            title=_("Your refund was processed"),
            body=_("%(amount)s will be back on your card within a few days."),
            params={"amount": format_money_lazy("1200", "RUB")},
            dedupe_key="refund:1",
        )
    by_recipient = {n.recipient_id: n for n in Notification.objects.filter(dedupe_key="refund:1")}
    assert by_recipient[russian.pk].title == "Возврат средств выполнен"
    assert (
        by_recipient[russian.pk].body.replace("\xa0", " ")
        == "1 200,00 ₽ вернутся на вашу карту в течение нескольких дней."
    )
    assert by_recipient[spanish.pk].body.replace("\xa0", " ") == "1.200,00 RUB volverán a tu tarjeta en unos días."


def test_preference_labels_and_refusals_in_the_callers_language(client_for, make_user):
    client = client_for(make_user(language="ru"))
    table = client.get("/api/notifications/preferences/").json()
    assert table[kinds.REFUND_PROCESSED]["label"] == "Возврат средств выполнен"
    response = client.patch(
        "/api/notifications/preferences/", {kinds.REFUND_PROCESSED: {"email": False}}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        kinds.REFUND_PROCESSED: ["Письма типа «refund_processed» нельзя отключить (платежи и безопасность аккаунта)."]
    }
