"""Live sessions speak the user's language: e-mails in the recipient's language and time zone,
refusals in the caller's."""

# Texts in Russian, Spanish and Uzbek on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from live import services, tasks
from live.tests.conftest import enrolled, session_url

pytestmark = pytest.mark.django_db


def test_a_reminder_to_a_spanish_user_in_madrid_is_spanish_with_madrid_time(
    people, make_session, clock, django_capture_on_commit_callbacks
):
    clock.set(datetime(2027, 1, 10, 12, 0, tzinfo=UTC))
    session = make_session(starts_in=timedelta(days=5, hours=6, minutes=30), title="Repaso del examen")
    assert session.starts_at == datetime(2027, 1, 15, 18, 30, tzinfo=UTC)
    madrid = enrolled(people.course, language="es", timezone="Europe/Madrid", first_name="Lucía")
    services.registration_create(session=session, student=madrid)
    services.registration_create(session=session, student=people.student)  # English, UTC

    clock.set(session.starts_at - timedelta(hours=24))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_reminders.delay().get() == 2
    by_address = {m.to[0]: m for m in mail.outbox}
    spanish, english = by_address[madrid.email], by_address[people.student.email]
    assert spanish.subject == "Mañana: Repaso del examen"
    assert english.subject == "Tomorrow: Repaso del examen", "each recipient in their own language"
    # 18:30 UTC is 19:30 in Madrid in winter, written the Spanish way (Babel, CLDR).
    assert "Inicio: viernes, 15 de enero de 2027, 19:30 (Europe/Madrid)" in spanish.body
    assert "Fin: viernes, 15 de enero de 2027, 20:30 (Europe/Madrid) (60 minutos)" in spanish.body
    assert spanish.body.startswith("Hola, Lucía:")
    assert "empieza dentro de unas 24 horas" in spanish.body
    html = spanish.alternatives[0][0]
    assert "viernes, 15 de enero de 2027, 19:30 (Europe/Madrid)" in html
    assert "Starts:" not in spanish.body and "Tomorrow" not in spanish.subject
    assert "Friday, January 15, 2027, 6:30\u202fPM (UTC)" in english.body


def test_session_full_is_a_russian_409_for_a_russian_student(people, make_session, client_for):
    session = make_session(capacity=1)
    assert client_for(people.student).post(session_url(session, "register/")).status_code == 201
    russian = enrolled(people.course, language="ru")
    response = client_for(russian).post(session_url(session, "register/"))
    assert response.status_code == 409
    assert response.json() == {"detail": "На это занятие больше нет мест."}
    assert response["Content-Language"] == "ru"


def test_the_join_window_refusal_is_in_the_callers_language(people, make_session, client_for, settings):
    settings.LIVE_JOIN_EARLY_MINUTES = 10
    session = make_session(starts_in=timedelta(days=1))
    people.student.language = "uz"
    people.student.save(update_fields=["language"])
    services.registration_create(session=session, student=people.student)
    response = client_for(people.student).get(session_url(session, "join/"))
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert detail.startswith("Qoʻshilish ") and "(boshlanishidan 10 daqiqa oldin)" in detail, detail
