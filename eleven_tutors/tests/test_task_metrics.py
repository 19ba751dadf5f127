"""Celery task outcomes in the Prometheus metrics (core.observability, connected in each worker by
eleven_tutors/celery.py), counted on a real task run the way a worker runs it."""

from prometheus_client import REGISTRY

from core import observability


def test_celery_task_outcomes_are_counted():
    from users.tasks import send_email

    def count(outcome: str) -> float:
        return REGISTRY.get_sample_value("celery_tasks_total", {"task": send_email.name, "outcome": outcome}) or 0.0

    before = count("success"), count("failure")
    observability.count_celery_tasks()
    try:
        ok = send_email.apply(kwargs={"to": "a@example.com", "subject": "s", "text": "t", "html": "<p>t</p>"})
        bad = send_email.apply(
            kwargs={"to": "a@example.com", "subject": "s\nBcc: x", "text": "t", "html": "h"}, throw=False
        )
    finally:
        observability.count_celery_tasks(stop=True)
    assert ok.successful() and bad.failed(), (ok.result, bad.result)
    assert (count("success"), count("failure")) == (before[0] + 1, before[1] + 1)
