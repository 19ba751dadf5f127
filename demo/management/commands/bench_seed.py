"""The benchmark data set (``make bench``): a large, reproducible catalog built with bulk inserts.

Everything derives from ``--seed`` (ids, slugs, prices, who enrols where, ratings), so two runs
build the same rows; only the timestamps are relative to the moment of seeding (the tutor
dashboard's "last 30 days" figures need recent data). Meant for an empty, freshly migrated
database: it refuses to run when courses already exist.

Bulk users share one password hash computed once (``--password``); one login account
(``bench-login@example.com``) gets its own hash, made with the configured hasher, for the login
benchmark. ``--manifest`` writes the slugs and accounts the driver (bench/run.py) needs.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Avg, Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from courses import services
from courses.models import (
    Category,
    Course,
    CoursePart,
    Enrollment,
    EnrollmentSource,
    Lesson,
    VideoStatus,
)
from learning.models import LessonProgress, LessonView, Review
from payments.models import Order, OrderItem, Payment, PaymentMethod, PaymentReason, PaymentStatus
from users.models import Role, User
from videos.models import ProviderName, VideoUpload
from videos.providers.local import object_key

BULK_PASSWORD = "bench-pass-11tutors"
LOGIN_EMAIL = "bench-login@example.com"
LOGIN_PASSWORD = "bench-login-11tutors"
SEARCH_WORD = "python"
TYPO_WORD = "pyton"  # issue 19: typo-tolerant search finds the Python courses
SUGGEST_PREFIX = "pyt"
# Course levels go round by index (no draw from the generator: every other row stays as it was).
COURSE_LEVELS = ["beginner", "intermediate", "advanced", "all"]
BATCH = 2000

CATEGORIES = ["Programming", "Mathematics", "Data Science", "Languages", "Business", "Design", "Physics", "Music"]
ADJECTIVES = ["Practical", "Modern", "Complete", "Applied", "Essential", "Advanced", "Hands-on", "Intensive"]
TOPICS = [
    "Python",
    "Django",
    "Calculus",
    "Linear Algebra",
    "Statistics",
    "Machine Learning",
    "IELTS Writing",
    "Startup Finance",
    "Algorithms",
    "Physics",
    "Guitar",
    "UX Design",
    "SQL",
    "Probability",
    "Marketing",
]
LEVELS = ["for Beginners", "in Practice", "Masterclass", "Bootcamp", "from Scratch", "for Engineers"]
FIRST = ["Aziza", "Daniel", "Elena", "Jasur", "Maria", "Timur", "Lena", "Omar", "Nodira", "Sam", "Ivan", "Li"]
LAST = ["Karimova", "Brooks", "Petrova", "Aliyev", "Garcia", "Sadykov", "Fischer", "Haddad", "Chen", "Novak"]
# Fields filled automatically with "now": switched off while seeding so the rows get spread dates.
AUTO_DATES = [
    (Enrollment, "enrolled_at"),
    (Enrollment, "updated_at"),
    (Order, "created_at"),
    (Order, "updated_at"),
    (Payment, "created_at"),
    (Payment, "updated_at"),
    (Review, "created_at"),
    (Review, "updated_at"),
    (LessonProgress, "created_at"),
    (LessonProgress, "updated_at"),
    (LessonView, "viewed_at"),
]


@contextmanager
def explicit_dates():
    saved = []
    for model, name in AUTO_DATES:
        field = model._meta.get_field(name)
        saved.append((field, field.auto_now, field.auto_now_add))
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


class Command(BaseCommand):
    help = "Create the (large, reproducible) benchmark data set in an empty database."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=11)
        parser.add_argument("--courses", type=int, default=300)
        parser.add_argument("--parts", type=int, default=5)
        parser.add_argument("--lessons", type=int, default=8, help="lessons per part")
        parser.add_argument("--tutors", type=int, default=20)
        parser.add_argument("--students", type=int, default=10_000)
        parser.add_argument("--enrolments", type=int, default=5, help="enrolments per student")
        parser.add_argument("--manifest", help="write the slugs and accounts the driver needs (JSON) here")

    def handle(self, *args, **o):
        if Course.objects.exists():
            raise CommandError("bench_seed needs an empty database (courses exist already).")
        if o["courses"] < 1 or o["tutors"] < 1 or o["students"] < 1:
            raise CommandError("--courses, --tutors and --students must be positive.")
        self.rng = random.Random(o["seed"])  # noqa: S311 (reproducible data, not secrets)
        self.now = timezone.now()
        started = time.monotonic()
        with transaction.atomic(), explicit_dates():
            manifest = self.build(o)
        with connection.cursor() as cursor:  # planner statistics, as autovacuum would eventually gather
            cursor.execute("ANALYZE")
        elapsed = time.monotonic() - started
        counts = {
            "courses": Course.objects.count(),
            "lessons": Lesson.objects.count(),
            "students": User.objects.filter(role=Role.STUDENT).count(),
            "enrolments": Enrollment.objects.count(),
            "reviews": Review.objects.count(),
            "payments": Payment.objects.count(),
            "lesson_progress": LessonProgress.objects.count(),
        }
        manifest["counts"] = counts
        manifest["seed_seconds"] = round(elapsed, 1)
        if o["manifest"]:
            Path(o["manifest"]).write_text(json.dumps(manifest, indent=2))
        self.stdout.write(f"Bench data ready in {elapsed:.1f}s: " + ", ".join(f"{v} {k}" for k, v in counts.items()))

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def ago(self, max_days: int) -> timezone.datetime:
        return self.now - timedelta(seconds=self.rng.randint(60, max_days * 86400))

    def build(self, o) -> dict:
        rng = self.rng
        bulk_hash = make_password(BULK_PASSWORD)
        categories = [Category(name=name, slug=name.lower().replace(" ", "-")) for name in CATEGORIES]
        Category.objects.bulk_create(categories)

        tutors = [
            User(
                id=str(200_000_000_000 + i),
                email=f"bench-tutor-{i:02d}@example.com",
                password=bulk_hash,
                first_name=rng.choice(FIRST),
                last_name=rng.choice(LAST),
                role=Role.TUTOR,
                is_email_verified=True,
                headline="Benchmark tutor",
            )
            for i in range(o["tutors"])
        ]
        students = [
            User(
                id=str(300_000_000_000 + i),
                email=f"bench-student-{i:05d}@example.com",
                password=bulk_hash,
                first_name=rng.choice(FIRST),
                last_name=rng.choice(LAST),
                role=Role.STUDENT,
                is_email_verified=True,
            )
            for i in range(o["students"])
        ]
        login = User(
            id="400000000000",
            email=LOGIN_EMAIL,
            password=make_password(LOGIN_PASSWORD),
            first_name="Login",
            last_name="Bench",
            role=Role.STUDENT,
            is_email_verified=True,
        )
        User.objects.bulk_create([*tutors, *students, login], batch_size=BATCH)

        # Courses: every 5th belongs to tutor 0 (the busiest); the rest go round the others.
        courses, tutor_links, busiest = [], [], []
        through = Course.tutors.through
        for i in range(o["courses"]):
            title = f"{rng.choice(ADJECTIVES)} {TOPICS[i % len(TOPICS)]} {rng.choice(LEVELS)}"
            free = rng.random() < 0.2
            course = Course(
                id=self.uuid(),
                title=title,
                slug=f"bench-{i:04d}-{title.lower().replace(' ', '-').replace('-for-', '-')}"[:200],
                description=f"{title}: a benchmark course with worked examples, exercises and quizzes. " * 3,
                category=categories[i % len(categories)],
                price=Decimal("0.00") if free else Decimal(rng.choice([9, 19, 29, 49, 79, 99])) - Decimal("0.01"),
                currency="USD",
                is_published=True,
                level=COURSE_LEVELS[i % len(COURSE_LEVELS)],
            )
            courses.append(course)
            owner = tutors[0] if i % 5 == 0 or len(tutors) == 1 else tutors[1 + i % (len(tutors) - 1)]
            tutor_links.append(through(course_id=course.id, user_id=owner.id))
            if owner is tutors[0]:
                busiest.append(i)
            elif i % 7 == 0:  # some co-taught courses
                tutor_links.append(through(course_id=course.id, user_id=tutors[0].id))
                busiest.append(i)
        Course.objects.bulk_create(courses, batch_size=BATCH)
        through.objects.bulk_create(tutor_links, batch_size=BATCH)
        services.course_search_refresh(courses=Course.objects.all())

        parts, lessons, uploads, lessons_of = [], [], [], {}
        for course in courses:
            lessons_of[course.id] = []
            for p in range(o["parts"]):
                part = CoursePart(
                    id=self.uuid(), course=course, title=f"Part {p + 1}", slug=f"{course.slug}-p{p}", order=p
                )
                parts.append(part)
                for n in range(o["lessons"]):
                    video_id = f"bench{len(lessons):06d}"
                    lesson = Lesson(
                        id=self.uuid(),
                        part=part,
                        title=f"Lesson {p + 1}.{n + 1}",
                        slug=f"{course.slug}-p{p}-l{n}",
                        description="What this lesson covers, and the exercise that goes with it.",
                        order=n,
                        duration=timedelta(minutes=rng.randint(3, 20)),
                        is_free_preview=p == 0 and n == 0,
                        video_service_id=video_id,
                        video_status=VideoStatus.READY,
                    )
                    lessons.append(lesson)
                    lessons_of[course.id].append(lesson)
                    uploads.append(
                        VideoUpload(
                            video_id=video_id,
                            uploader_id=tutors[0].id,
                            title=lesson.title,
                            provider=ProviderName.LOCAL,
                            file_key=object_key(video_id),
                            content_type="video/mp4",
                            size=1_000_000,
                            uploaded_at=self.now,
                        )
                    )
        CoursePart.objects.bulk_create(parts, batch_size=BATCH)
        Lesson.objects.bulk_create(lessons, batch_size=BATCH)
        VideoUpload.objects.bulk_create(uploads, batch_size=BATCH)

        # Enrolments: each student's first course is one of the busiest tutor's, so they teach everyone.
        per_student = min(o["enrolments"], len(courses))
        enrolments, orders, items, payments, reviews, progress, views = [], [], [], [], [], [], []
        for s_index, student in enumerate([*students, login]):
            first = busiest[s_index % len(busiest)] if busiest else 0
            others = [c for c in rng.sample(range(len(courses)), per_student) if c != first]
            for c_index in [first, *others][:per_student]:
                course = courses[c_index]
                enrolled_at = self.ago(365)
                source, active = EnrollmentSource.FREE, True
                if course.price > 0:
                    source = EnrollmentSource.PAYMENT
                    refunded = rng.random() < 0.02 and s_index > 0
                    active = not refunded
                    order = Order(
                        id=self.uuid(),
                        user=student,
                        total=course.price,
                        currency="USD",
                        created_at=enrolled_at,
                        updated_at=enrolled_at,
                    )
                    orders.append(order)
                    items.append(OrderItem(order=order, course=course, price=course.price, amount=course.price))
                    payments.append(
                        Payment(
                            id=self.uuid(),
                            user=student,
                            order=order,
                            amount=course.price,
                            currency="USD",
                            method=PaymentMethod.STRIPE,
                            status=PaymentStatus.REFUNDED if refunded else PaymentStatus.COMPLETED,
                            reason=PaymentReason.REFUNDED if refunded else None,
                            checkout_session_id=f"cs_bench_{len(payments)}",
                            transaction_id=f"cs_bench_{len(payments)}",
                            stripe_payment_intent=f"pi_bench_{len(payments)}",
                            completed_at=enrolled_at,
                            refunded_at=enrolled_at + timedelta(days=1) if refunded else None,
                            created_at=enrolled_at,
                            updated_at=enrolled_at,
                        )
                    )
                enrolments.append(
                    Enrollment(
                        id=self.uuid(),
                        student=student,
                        course=course,
                        source=source,
                        is_active=active,
                        enrolled_at=enrolled_at,
                        updated_at=enrolled_at,
                    )
                )
                if not active:
                    continue
                if rng.random() < 0.2:
                    at = self.ago(180)
                    reviews.append(
                        Review(
                            id=self.uuid(),
                            course=course,
                            user=student,
                            rating=rng.choice([3, 4, 4, 5, 5, 5]),
                            text="Clear and well paced.",
                            created_at=at,
                            updated_at=at,
                        )
                    )
                if rng.random() < 0.1 or s_index == 0:
                    watched = lessons_of[course.id][: rng.randint(1, 6)]
                    for position, lesson in enumerate(watched):
                        at = self.ago(60)
                        done = position < len(watched) - 1
                        seconds = int(lesson.duration.total_seconds())
                        progress.append(
                            LessonProgress(
                                id=self.uuid(),
                                student=student,
                                lesson=lesson,
                                position_seconds=seconds if done else seconds // 3,
                                completed=done,
                                completed_at=at if done else None,
                                created_at=at,
                                updated_at=at,
                            )
                        )
                        views.append(LessonView(lesson=lesson, viewer=student, viewed_at=at))
        Enrollment.objects.bulk_create(enrolments, batch_size=BATCH)
        Order.objects.bulk_create(orders, batch_size=BATCH)
        OrderItem.objects.bulk_create(items, batch_size=BATCH)
        Payment.objects.bulk_create(payments, batch_size=BATCH)
        Review.objects.bulk_create(reviews, batch_size=BATCH)
        LessonProgress.objects.bulk_create(progress, batch_size=BATCH)
        LessonView.objects.bulk_create(views, batch_size=BATCH)

        # The stored rating and review count of every course, in one UPDATE.
        of_course = Review.objects.filter(course=OuterRef("pk")).order_by().values("course")
        Course.objects.update(
            rating=Coalesce(Subquery(of_course.annotate(a=Avg("rating")).values("a")[:1]), Value(Decimal("0"))),
            reviews_count=Coalesce(
                Subquery(of_course.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), Value(0)
            ),
        )

        # A PENDING checkout for the webhook benchmark: the first signed delivery completes it.
        student = students[0]
        enrolled_ids = {e.course_id for e in enrolments if e.student_id == student.id}
        target = next((c for c in courses if c.price > 0 and c.id not in enrolled_ids), None)
        pending = None
        if target is not None:
            stamps = {"created_at": self.now, "updated_at": self.now}
            order = Order.objects.create(id=self.uuid(), user=student, total=target.price, currency="USD", **stamps)
            OrderItem.objects.create(order=order, course=target, price=target.price)
            pending = Payment.objects.create(
                id=self.uuid(),
                user=student,
                order=order,
                amount=target.price,
                currency="USD",
                status=PaymentStatus.PENDING,
                checkout_session_id="cs_bench_pending",
                **stamps,
            )
        enrolled = next(e for e in enrolments if e.student_id == student.id and e.is_active)
        enrolled_course = next(c for c in courses if c.id == enrolled.course_id)
        anonymous_course = next((c for c in courses if c.id not in enrolled_ids), courses[-1])
        return {
            "seed": o["seed"],
            "bulk_password": BULK_PASSWORD,
            "student_email": student.email,
            "student_id": student.id,
            "tutor_email": tutors[0].email,
            "tutor_id": tutors[0].id,
            "tutor_courses": len(busiest),
            "login_email": LOGIN_EMAIL,
            "login_password": LOGIN_PASSWORD,
            "search_word": SEARCH_WORD,
            "typo_word": TYPO_WORD,
            "suggest_prefix": SUGGEST_PREFIX,
            "enrolled_course_slug": enrolled_course.slug,
            "anonymous_course_slug": anonymous_course.slug,
            "lesson_slug": lessons_of[enrolled_course.id][min(3, len(lessons_of[enrolled_course.id]) - 1)].slug,
            "pending_payment": None
            if pending is None
            else {
                "id": str(pending.pk),
                "order_id": str(pending.order_id),
                "user_id": student.id,
                "amount_cents": int(pending.amount * 100),
                "currency": "usd",
                "session_id": "cs_bench_pending",
            },
        }
