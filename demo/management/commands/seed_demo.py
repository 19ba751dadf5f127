"""Demo data for the embedded default: categories, tutors, courses with parts and lessons (the
first lesson of each course with a short sample video of the ``local`` provider), students with
onboarding answers (all but one, who still sees onboarding), enrolments and comments, purchases
(completed payments over the last months, a refund, a two-course order), lesson progress and
views, reviews, course community threads (questions with answers, one accepted, one still
unanswered, a discussion) and an announcement, an upcoming live session with registered
students, and an admin. Idempotent: run it as often as
you like."""

# Courses and categories in Russian and Uzbek on purpose: their letters are no look-alikes.
# ruff: noqa: RUF001

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Avg, Count
from django.utils import timezone

from community import services as community_services
from community.models import Announcement, Thread, ThreadKind
from community.rendering import markdown_to_html
from core.models import University
from core.progress import progress
from courses import services
from courses.models import Category, Comment, Course, Enrollment, EnrollmentSource, Lesson, VideoStatus
from demo import sample_video
from learning.models import LessonProgress, LessonView, Review
from live import services as live_services
from live.models import LiveSession
from notifications import kinds as notification_kinds
from notifications.services import notify
from payments import ledger
from payments.models import (
    Coupon,
    CouponScope,
    Order,
    OrderItem,
    Payment,
    PaymentMethod,
    PaymentReason,
    PaymentStatus,
)
from users import services as user_services
from users.models import OnboardingAnswer, Role, User

DEFAULT_PASSWORD = "demo-pass-11tutors"

CATEGORIES = [
    ("Programming", "Write software, from first scripts to production systems."),
    ("Mathematics", "Calculus, algebra and the maths behind data and engineering."),
    ("Data Science", "Statistics, machine learning and data analysis."),
    ("Languages", "English and other languages for study and work."),
    ("Business", "Entrepreneurship, marketing and finance."),
]

# The categories' names and descriptions in the other languages (issue 17), per language.
CATEGORY_TRANSLATIONS = {
    "Programming": {
        "ru": ("Программирование", "Пишите программы: от первых скриптов до промышленных систем."),
        "es": ("Programación", "Escribe software, desde los primeros scripts hasta sistemas en producción."),
        "uz": ("Dasturlash", "Dasturlar yozing: birinchi skriptlardan tortib ishlab chiqarish tizimlarigacha."),
    },
    "Mathematics": {
        "ru": ("Математика", "Анализ, алгебра и математика, на которой стоят данные и инженерия."),
        "es": ("Matemáticas", "Cálculo, álgebra y las matemáticas detrás de los datos y la ingeniería."),
        "uz": ("Matematika", "Matematik tahlil, algebra va ma’lumotlar hamda muhandislik asosidagi matematika."),
    },
    "Data Science": {
        "ru": ("Наука о данных", "Статистика, машинное обучение и анализ данных."),
        "es": ("Ciencia de datos", "Estadística, aprendizaje automático y análisis de datos."),
        "uz": ("Ma’lumotlar fani", "Statistika, mashinali oʻqitish va ma’lumotlar tahlili."),
    },
    "Languages": {
        "ru": ("Языки", "Английский и другие языки для учёбы и работы."),
        "es": ("Idiomas", "Inglés y otros idiomas para estudiar y trabajar."),
        "uz": ("Tillar", "Oʻqish va ish uchun ingliz va boshqa tillar."),
    },
    "Business": {
        "ru": ("Бизнес", "Предпринимательство, маркетинг и финансы."),
        "es": ("Negocios", "Emprendimiento, marketing y finanzas."),
        "uz": ("Biznes", "Tadbirkorlik, marketing va moliya."),
    },
}

TUTORS = [
    ("tutor1@example.com", "Aziza", "Karimova", "Software engineer and Python teacher"),
    ("tutor2@example.com", "Daniel", "Brooks", "Mathematician, 12 years of teaching"),
    ("tutor3@example.com", "Elena", "Petrova", "Data scientist and IELTS examiner"),
]

# Course levels (courses/search.py's facets and filters); the others are "all".
LEVELS = {
    "Python for Absolute Beginners": "beginner",
    "Django REST APIs in Practice": "intermediate",
    "Calculus I: Limits and Derivatives": "beginner",
    "Linear Algebra for Machine Learning": "intermediate",
    "Machine Learning Foundations": "intermediate",
    "IELTS Academic Writing": "advanced",
    "Algorithms and Data Structures": "advanced",
}

# title, category, tutor index, price, currency, description
COURSES = [
    (
        "Python for Absolute Beginners",
        "Programming",
        0,
        "0",
        "USD",
        "Variables, loops, functions and your first programs.",
    ),
    ("Django REST APIs in Practice", "Programming", 0, "49.99", "USD", "Build and ship a production-grade REST API."),
    (
        "Calculus I: Limits and Derivatives",
        "Mathematics",
        1,
        "29.99",
        "USD",
        "The foundations of calculus with worked examples.",
    ),
    (
        "Linear Algebra for Machine Learning",
        "Mathematics",
        1,
        "39.00",
        "EUR",
        "Vectors, matrices and decompositions used in ML.",
    ),
    (
        "Statistics with Python",
        "Data Science",
        2,
        "34.50",
        "USD",
        "Descriptive statistics, tests and regression in Python.",
    ),
    (
        "Machine Learning Foundations",
        "Data Science",
        2,
        "59.00",
        "USD",
        "Supervised learning from linear models to trees.",
    ),
    ("IELTS Academic Writing", "Languages", 2, "250000", "UZS", "Task 1 and Task 2 strategies with graded samples."),
    ("Startup Finance Basics", "Business", 1, "1990", "RUB", "Unit economics, cash flow and fundraising for founders."),
    (
        "Algorithms and Data Structures",
        "Programming",
        0,
        "44.00",
        "USD",
        "Complexity, sorting, graphs and dynamic programming.",
    ),
    # One course taught in each of the other languages (the ones above are in English).
    ("Python с нуля", "Programming", 2, "1490", "RUB", "Переменные, циклы и функции: ваши первые программы на Python."),
    (
        "Cálculo diferencial desde cero",
        "Mathematics",
        1,
        "24.00",
        "EUR",
        "Límites, derivadas y sus aplicaciones, con ejemplos resueltos.",
    ),
    (
        "Ma’lumotlar tahlili asoslari",
        "Data Science",
        2,
        "300000",
        "UZS",
        "Python yordamida ma’lumotlarni tahlil qilish va statistika asoslari.",
    ),
]
# The language each course is taught in, when not the default (English).
COURSE_LANGUAGES = {
    "Python с нуля": "ru",
    "Cálculo diferencial desde cero": "es",
    "Ma’lumotlar tahlili asoslari": "uz",
}
# The demo accounts' own languages (the others have none: requests follow Accept-Language and
# their e-mails are in English).
ACCOUNT_LANGUAGES = {
    "tutor1@example.com": "uz",
    "tutor3@example.com": "ru",
    "student1@example.com": "uz",
    "student2@example.com": "es",
    "student3@example.com": "ru",
}

PARTS = ["Getting started", "Core ideas", "Putting it into practice"]
LESSONS = ["Introduction", "Key concepts", "Worked example", "Exercises and review"]

STUDENTS = [
    ("student1@example.com", "Jasur", "Aliyev"),
    ("student2@example.com", "Maria", "Garcia"),
    ("student3@example.com", "Timur", "Sadykov"),
    ("student4@example.com", "Lena", "Fischer"),
    ("student5@example.com", "Omar", "Haddad"),
]

# Onboarding answers: (student index, university name (when the starter set is loaded), degree,
# graduation year, interests). Logging in lands them on the dashboard. NOT_ONBOARDED has none:
# that account still shows onboarding.
ONBOARDING = [
    (0, "National University of Singapore", "BSc Computer Science", 2027, "Python, web development"),
    (1, "University College London", "BSc Software Engineering", 2026, "APIs, algorithms, startups"),
    (2, "ETH Zurich", "BSc Computer Science", 2028, "algorithms, competitive programming"),
    (3, "Imperial College London", "MSc Machine Learning", 2026, "linear algebra, statistics"),
]
NOT_ONBOARDED = "student5@example.com"

# Purchases: (key, student index, course titles, days ago, refunded days ago or None). Each is one
# order and one payment at the courses' prices; ``key`` (the payment's transaction id) makes
# the command idempotent. Dates are relative to the first run.
PURCHASES = [
    ("demo-payment-1", 1, ["Algorithms and Data Structures"], 120, None),
    ("demo-payment-2", 2, ["Django REST APIs in Practice", "Algorithms and Data Structures"], 45, None),
    ("demo-payment-3", 3, ["Django REST APIs in Practice"], 75, 70),  # refunded: the access is revoked
    ("demo-payment-4", 4, ["Django REST APIs in Practice"], 10, None),
    ("demo-payment-5", 4, ["Algorithms and Data Structures"], 2, None),
    ("demo-payment-6", 0, ["Machine Learning Foundations"], 20, None),
    ("demo-payment-7", 1, ["Startup Finance Basics"], 100, None),
]

# Lesson progress: (student index, course title, lessons completed, position in the next one).
PROGRESS = [
    (0, "Python for Absolute Beginners", 5, 90),
    (1, "Django REST APIs in Practice", 3, 40),
    (2, "Algorithms and Data Structures", 2, 0),
    (3, "Linear Algebra for Machine Learning", 2, 120),
    (4, "Machine Learning Foundations", 1, 30),
]

# Reviews: (student index, course title, rating, text), by actively enrolled students.
REVIEWS = [
    (0, "Python for Absolute Beginners", 5, "Clear, friendly and well paced."),
    (1, "Django REST APIs in Practice", 4, "Practical; I shipped my first API with it."),
    (2, "Algorithms and Data Structures", 5, "The best explanation of dynamic programming I have seen."),
    (3, "Statistics with Python", 4, "Good examples, a few more exercises would help."),
    (4, "IELTS Academic Writing", 3, "Useful samples."),
]

# Community threads: (course title, author student index, kind, title, body, replies). A reply is
# (author: a student index or "tutor", body, accepted). Authors are active students of the course.
THREADS = [
    (
        "Calculus I: Limits and Derivatives",
        1,
        ThreadKind.QUESTION,
        "Why is the derivative of sin x equal to cos x?",
        "I follow the limit definition up to `sin(x + h)`, then I get lost. Which identity is used?",
        [
            (
                "tutor",
                "Expand with **sin(a + b) = sin a cos b + cos a sin b**, then use the two limits from "
                "lesson 2: `sin h / h → 1` and `(cos h - 1) / h → 0`.",
                True,
            ),
            (2, "The squeeze theorem part of lesson 2 made this click for me.", False),
        ],
    ),
    (
        "Django REST APIs in Practice",
        0,
        ThreadKind.QUESTION,
        "How do I paginate a custom action?",
        "My `@action(detail=False)` returns every row. How do I use the viewset's pagination there?",
        [("tutor", "Call `self.paginate_queryset(queryset)` and return `self.get_paginated_response(data)`.", True)],
    ),
    (
        "Django REST APIs in Practice",
        1,
        ThreadKind.DISCUSSION,
        "Share what you are building",
        "I am writing an API for my university's room bookings. What about you?",
        [(0, "A small API for a book club: members, books and reading lists.", False)],
    ),
    (
        "Python for Absolute Beginners",
        0,
        ThreadKind.QUESTION,
        "Is Python 3.13 fine for this course?",
        "The videos use an older version. Will everything still work?",
        [],
    ),
]

# Announcements: (course title, title, body), by the course's first tutor. Not e-mailed.
# (course, title, description, weekday (Monday 0), hour UTC, minutes, capacity, registered student indices)
LIVE_SESSIONS = [
    (
        "Calculus I: Limits and Derivatives",
        "Live office hours: limits",
        "Bring your questions on limits and the first derivatives; we work through them together.",
        3,
        18,
        60,
        30,
        [0, 1],
    ),
]

ANNOUNCEMENTS = [
    (
        "Calculus I: Limits and Derivatives",
        "Office hours on Thursday",
        "Bring your questions on limits: I will answer them live on **Thursday at 18:00 UTC**.",
    ),
]


class Command(BaseCommand):
    help = "Create (or complete) the demo catalog. Prints the demo accounts and their password."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="password of every demo account")
        parser.add_argument("--force", action="store_true", help="run even when DJANGO_DEBUG=false")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError("Refusing to load demo data with DJANGO_DEBUG=false (use --force).")
        password = options["password"]
        with transaction.atomic():
            admin = self.account(
                "admin@example.com", "Ada", "Admin", Role.ADMIN, password, is_staff=True, is_superuser=True
            )
            tutors = [self.account(e, f, last, Role.TUTOR, password, headline=h) for e, f, last, h in TUTORS]
            students = [self.account(e, f, last, Role.STUDENT, password) for e, f, last in STUDENTS]
            categories = {name: self.category(name, description) for name, description in CATEGORIES}
            courses = [
                self.course(spec, categories, tutors)
                for spec in progress(COURSES, total=len(COURSES), label="Courses", stream=self.stdout)
            ]
            self.sample_videos(courses)
            self.onboarding(students)
            self.enrol_and_comment(courses, students)
            by_title = {course.title: course for course in courses}
            self.purchases(by_title, students)
            self.coupons(admin, tutors, by_title)
            self.learning(by_title, students)
            self.community(by_title, students)
            self.live_sessions(by_title, students)
            self.notifications(courses)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {len(courses)} courses, {len(students)} students."))
        self.stdout.write(f"Admin:    {admin.email} / {password}   (also /admin/)")
        self.stdout.write(f"Tutors:   {', '.join(t.email for t in tutors)} / {password}")
        self.stdout.write(f"Students: {', '.join(s.email for s in students)} / {password}")
        self.stdout.write(f"          all onboarded except {NOT_ONBOARDED}, who still sees onboarding")
        self.stdout.write(
            f"Videos:   the first lesson of each course plays a sample video ({sample_video.SECONDS} s, local provider)"
        )

    def account(self, email, first, last, role, password, **extra) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email,
                password,
                first_name=first,
                last_name=last,
                role=role,
                is_email_verified=True,
                language=ACCOUNT_LANGUAGES.get(email, ""),
                **extra,
            )
        elif not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        return user

    def category(self, name: str, description: str) -> Category:
        category = Category.objects.filter(name=name).first() or services.category_create(
            name=name, description=description
        )
        if not category.translations and name in CATEGORY_TRANSLATIONS:
            category.translations = {
                language: {"name": translated, "description": text}
                for language, (translated, text) in CATEGORY_TRANSLATIONS[name].items()
            }
            category.save(update_fields=["translations", "updated_at"])
        return category

    def course(self, spec, categories, tutors) -> Course:
        title, category, tutor_index, price, currency, description = spec
        course = Course.objects.filter(title=title).first()
        if course is not None:
            return course
        course = services.course_create(
            creator=tutors[tutor_index],
            title=title,
            description=description,
            category=categories[category],
            price=Decimal(price),
            currency=currency,
            language=COURSE_LANGUAGES.get(title),
            is_published=True,
            level=LEVELS.get(title, "all"),
        )
        for part_order, part_title in enumerate(PARTS):
            part = services.part_create(course=course, title=part_title, order=part_order)
            for lesson_order, lesson_title in enumerate(LESSONS):
                services.lesson_create(
                    part=part,
                    title=lesson_title,
                    order=lesson_order,
                    duration=timedelta(minutes=4 + 3 * lesson_order, seconds=17 * part_order),
                    is_free_preview=part_order == 0 and lesson_order == 0,
                    description=f"{lesson_title} of “{part_title}”.",
                )
        return course

    def onboarding(self, students: list[User]) -> None:
        """Onboarding answers for every demo student but ``NOT_ONBOARDED`` (who keeps none)."""
        for index, university, degree, year, interests in ONBOARDING:
            student = students[index]
            assert student.email != NOT_ONBOARDED
            if OnboardingAnswer.objects.filter(user=student).exists():
                continue
            user_services.onboarding_answer_create(
                user=student,
                university=University.objects.filter(name=university).first(),
                degree=degree,
                graduation_year=year,
                interests=interests,
            )

    def sample_videos(self, courses: list[Course]) -> None:
        """The first lesson of each course plays the sample clip: a ``local`` upload by the
        course's tutor, its file in the private video storage, the lesson READY. A lesson that
        has another video already keeps it."""
        # Imported here: the video app's modules (videos/) are the provider's internals.
        from videos.models import ProviderName, VideoUpload
        from videos.providers.local import object_key
        from videos.storage import video_storage

        content = sample_video.sample_video()
        duration = timedelta(seconds=sample_video.SECONDS)
        storage = video_storage()
        for course in courses:
            lesson = Lesson.objects.filter(part__course=course).order_by("part__order", "order").first()
            video_id = f"demo-{course.slug}"[:100]
            if lesson is None or lesson.video_service_id not in (None, "", video_id):
                continue
            upload, _ = VideoUpload.objects.get_or_create(
                video_id=video_id,
                defaults={
                    "uploader": course.tutors.order_by("created_at").first(),
                    "title": f"{course.title}: sample video",
                    "provider": ProviderName.LOCAL,
                },
            )
            key = upload.file_key or object_key(video_id)
            if not storage.exists(key) or storage.size(key) != len(content):
                if storage.exists(key):
                    storage.delete(key)
                key = storage.save(key, ContentFile(content))
            fields = {
                "file_key": key,
                "content_type": sample_video.CONTENT_TYPE,
                "size": len(content),
            }
            if upload.uploaded_at is None or any(getattr(upload, k) != v for k, v in fields.items()):
                for name, value in fields.items():
                    setattr(upload, name, value)
                upload.uploaded_at = upload.uploaded_at or timezone.now()
                upload.save(update_fields=[*fields, "uploaded_at"])
            wanted = {"video_service_id": video_id, "video_status": VideoStatus.READY, "duration": duration}
            if any(getattr(lesson, k) != v for k, v in wanted.items()):
                for name, value in wanted.items():
                    setattr(lesson, name, value)
                lesson.save(update_fields=[*wanted, "updated_at"])

    def enrol_and_comment(self, courses: list[Course], students: list[User]) -> None:
        for index, student in enumerate(students):
            for course in courses[index : index + 3]:
                source = EnrollmentSource.FREE if course.is_free else EnrollmentSource.ADMIN
                Enrollment.objects.get_or_create(student=student, course=course, defaults={"source": source})
        for course in courses[:4]:
            lesson = Lesson.objects.filter(part__course=course).order_by("part__order", "order").first()
            enrolled = [e.student for e in Enrollment.objects.filter(course=course).select_related("student")[:2]]
            if lesson is None or not enrolled or Comment.objects.filter(lesson=lesson).exists():
                continue
            question = Comment.objects.create(
                lesson=lesson, user=enrolled[0], text="Is there a workbook with exercises for this lesson?"
            )
            Comment.objects.create(
                lesson=lesson,
                user=course.tutors.first(),
                parent=question,
                text="Yes: it is attached to the last lesson of the first part.",
            )
            if len(enrolled) > 1:
                Comment.objects.create(lesson=lesson, user=enrolled[1], text="Clear explanation, thank you!")

    def purchases(self, courses: dict[str, Course], students: list[User]) -> None:
        """Orders with a completed (or refunded) payment each, and the enrolments they bought."""
        now = timezone.now()
        for key, student_index, titles, days_ago, refunded_days_ago in PURCHASES:
            if Payment.objects.filter(transaction_id=key).exists():
                continue
            student, bought = students[student_index], [courses[title] for title in titles]
            paid_at = now - timedelta(days=days_ago)
            total = sum((course.price for course in bought), Decimal("0"))
            order = Order.objects.create(user=student, total=total, currency=bought[0].currency)
            OrderItem.objects.bulk_create(
                [OrderItem(order=order, course=c, price=c.price, amount=c.price) for c in bought]
            )
            refunded = refunded_days_ago is not None
            payment = Payment.objects.create(
                user=student,
                order=order,
                amount=total,
                currency=order.currency,
                method=PaymentMethod.CARD,
                status=PaymentStatus.REFUNDED if refunded else PaymentStatus.COMPLETED,
                reason=PaymentReason.REFUNDED if refunded else None,
                transaction_id=key,
                completed_at=paid_at,
                refunded_at=now - timedelta(days=refunded_days_ago) if refunded else None,
            )
            Order.objects.filter(pk=order.pk).update(created_at=paid_at)
            Payment.objects.filter(pk=payment.pk).update(created_at=paid_at)
            # The tutors' earnings ledger, as the webhook writes it (payments/ledger.py).
            items = list(order.items.all())
            tutors_by_course: dict = {}
            for course_id, tutor_id in Course.tutors.through.objects.filter(course__in=bought).values_list(
                "course_id", "user_id"
            ):
                tutors_by_course.setdefault(course_id, []).append(tutor_id)
            ledger.credit_payment(payment=payment, items=items, tutors_by_course=tutors_by_course)
            if refunded:
                OrderItem.objects.filter(order=order).update(refunded_at=payment.refunded_at)
                ledger.debit_items(payment=payment, items=items)
            for course in bought:
                enrollment, created = Enrollment.objects.get_or_create(
                    student=student,
                    course=course,
                    defaults={"source": EnrollmentSource.PAYMENT, "is_active": not refunded},
                )
                if created:
                    Enrollment.objects.filter(pk=enrollment.pk).update(enrolled_at=paid_at)

    def coupons(self, admin: User, tutors: list[User], courses: dict[str, Course]) -> None:
        """A site-wide coupon (admin) and a tutor-wide one, for trying the cart and quotes."""
        Coupon.objects.get_or_create(
            code="WELCOME10",
            defaults={"percent_off": Decimal("10"), "scope": CouponScope.SITE, "created_by": admin},
        )
        Coupon.objects.get_or_create(
            code="TUTOR1-5OFF",
            defaults={
                "amount_off": Decimal("5.00"),
                "currency": next(iter(courses.values())).currency,
                "scope": CouponScope.TUTOR,
                "tutor": tutors[0],
                "created_by": tutors[0],
                "max_redemptions": 100,
                "per_user_limit": 1,
            },
        )

    def learning(self, courses: dict[str, Course], students: list[User]) -> None:
        """Some progress (and the views that came with it) and reviews, by enrolled students."""
        now = timezone.now()
        for student_index, title, completed, position in PROGRESS:
            student, course = students[student_index], courses[title]
            if not Enrollment.objects.filter(student=student, course=course, is_active=True).exists():
                continue
            lessons = list(Lesson.objects.filter(part__course=course).order_by("part__order", "order")[: completed + 1])
            for index, lesson in enumerate(lessons):
                done = index < completed
                LessonProgress.objects.get_or_create(
                    student=student,
                    lesson=lesson,
                    defaults={
                        "position_seconds": int(lesson.duration.total_seconds()) if done else position,
                        "completed": done,
                        "completed_at": now - timedelta(days=completed - index) if done else None,
                    },
                )
                if not LessonView.objects.filter(lesson=lesson, viewer=student).exists():
                    view = LessonView.objects.create(lesson=lesson, viewer=student)
                    LessonView.objects.filter(pk=view.pk).update(viewed_at=now - timedelta(days=completed - index))
        reviewed = set()
        for student_index, title, rating, text in REVIEWS:
            student, course = students[student_index], courses[title]
            if not Enrollment.objects.filter(student=student, course=course, is_active=True).exists():
                continue
            _, created = Review.objects.get_or_create(
                user=student, course=course, defaults={"rating": rating, "text": text}
            )
            if created:
                reviewed.add(course.pk)
        for course_id in reviewed:  # the course's stored rating, as the reviews feature keeps it
            figures = Review.objects.filter(course_id=course_id).aggregate(average=Avg("rating"), count=Count("pk"))
            Course.objects.filter(pk=course_id).update(
                rating=round(Decimal(figures["average"] or 0), 2), reviews_count=figures["count"]
            )

    def live_sessions(self, courses: dict[str, Course], students: list[User]) -> None:
        """An upcoming live session (the next such weekday and hour, at least a day ahead) with a
        few of the course's active students registered. Kept while it has not ended; a run after
        it has ended schedules the next one."""
        now = timezone.now()
        for title, session_title, description, weekday, hour, minutes, capacity, registered in LIVE_SESSIONS:
            course = courses[title]
            upcoming = LiveSession.objects.filter(
                course=course, title=session_title, cancelled_at__isnull=True, ends_at__gt=now
            )
            if upcoming.exists():
                continue
            start = (now + timedelta(days=1)).replace(hour=hour, minute=0, second=0, microsecond=0)
            start += timedelta(days=(weekday - start.weekday()) % 7)
            if start <= now + timedelta(days=1):
                start += timedelta(days=7)
            session = live_services.session_create(
                by=course.tutors.order_by("created_at").first(),
                course=course,
                title=session_title,
                description=description,
                starts_at=start,
                duration_minutes=minutes,
                capacity=capacity,
            )
            for index in registered:
                student = students[index]
                if Enrollment.objects.filter(student=student, course=course, is_active=True).exists():
                    live_services.registration_create(session=session, student=student)

    def community(self, courses: dict[str, Course], students: list[User]) -> None:
        """Threads with replies (an accepted answer, a vote or two) and an announcement, by the
        courses' active students and tutors. A course that has threads (or the announcement) keeps them."""
        for title, author_index, kind, thread_title, body, replies in THREADS:
            course, author = courses[title], students[author_index]
            tutor = course.tutors.order_by("created_at").first()
            if Thread.objects.filter(course=course, title=thread_title).exists():
                continue
            if not Enrollment.objects.filter(student=author, course=course, is_active=True).exists():
                continue
            thread = community_services.thread_create(
                author=author, course=course, kind=kind, title=thread_title, body=body
            )
            for replier, text, accepted in replies:
                reply = community_services.reply_create(
                    author=tutor if replier == "tutor" else students[replier], thread=thread, body=text
                )
                community_services.vote_cast(user=author, post=reply, value=1)
                if accepted:
                    community_services.thread_accept(thread=thread, reply=reply)
        for title, announcement_title, body in ANNOUNCEMENTS:
            course = courses[title]
            if not Announcement.objects.filter(course=course, title=announcement_title).exists():
                Announcement.objects.create(
                    course=course,
                    author=course.tutors.order_by("created_at").first(),
                    title=announcement_title,
                    body=body,
                    body_html=markdown_to_html(body),
                )

    def notifications(self, courses: list[Course]) -> None:
        """Inboxes with something in them (the threads, replies and accepted answers above
        notified their people already): each announcement for the course's active students, each
        review for the course's tutors. Keyed by the event, as the apps key them: a rerun adds none."""
        for announcement in Announcement.objects.select_related("course").order_by("pk"):
            course = announcement.course
            notify(
                recipients=Enrollment.objects.filter(course=course, is_active=True).values_list(
                    "student_id", flat=True
                ),
                kind=notification_kinds.COURSE_ANNOUNCEMENT,
                title=f"[{course.title}] {announcement.title}",
                body=announcement.body[:300],
                url=f"/courses/{course.slug}/announcements/{announcement.pk}",
                data={"course_title": course.title, "announcement_id": announcement.pk},
                dedupe_key=f"announcement:{announcement.pk}",
            )
        for review in Review.objects.filter(course__in=courses).select_related("course").order_by("pk"):
            course = review.course
            notify(
                recipients=course.tutors.values_list("pk", flat=True),
                kind=notification_kinds.NEW_REVIEW,
                title=f"New {review.rating}-star review of “{course.title}”",
                body=review.text[:300],
                url=f"/courses/{course.slug}/reviews",
                data={"review_id": str(review.pk), "course_title": course.title, "rating": review.rating},
                dedupe_key=f"review:{review.pk}",
            )
