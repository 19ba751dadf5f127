"""Demo data for the embedded default: categories, tutors, courses with parts and lessons,
students with enrolments and comments, and an admin. Idempotent: run it as often as you like."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.progress import progress
from courses import services
from courses.models import Category, Comment, Course, Enrollment, EnrollmentSource, Lesson
from users.models import Role, User

DEFAULT_PASSWORD = "demo-pass-11tutors"

CATEGORIES = [
    ("Programming", "Write software, from first scripts to production systems."),
    ("Mathematics", "Calculus, algebra and the maths behind data and engineering."),
    ("Data Science", "Statistics, machine learning and data analysis."),
    ("Languages", "English and other languages for study and work."),
    ("Business", "Entrepreneurship, marketing and finance."),
]

TUTORS = [
    ("tutor1@example.com", "Aziza", "Karimova", "Software engineer and Python teacher"),
    ("tutor2@example.com", "Daniel", "Brooks", "Mathematician, 12 years of teaching"),
    ("tutor3@example.com", "Elena", "Petrova", "Data scientist and IELTS examiner"),
]

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
]

PARTS = ["Getting started", "Core ideas", "Putting it into practice"]
LESSONS = ["Introduction", "Key concepts", "Worked example", "Exercises and review"]

STUDENTS = [
    ("student1@example.com", "Jasur", "Aliyev"),
    ("student2@example.com", "Maria", "Garcia"),
    ("student3@example.com", "Timur", "Sadykov"),
    ("student4@example.com", "Lena", "Fischer"),
    ("student5@example.com", "Omar", "Haddad"),
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
            self.enrol_and_comment(courses, students)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {len(courses)} courses, {len(students)} students."))
        self.stdout.write(f"Admin:    {admin.email} / {password}   (http://127.0.0.1:8000/admin/)")
        self.stdout.write(f"Tutors:   {', '.join(t.email for t in tutors)} / {password}")
        self.stdout.write(f"Students: {', '.join(s.email for s in students)} / {password}")

    def account(self, email, first, last, role, password, **extra) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email, password, first_name=first, last_name=last, role=role, is_email_verified=True, **extra
            )
        elif not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        return user

    def category(self, name: str, description: str) -> Category:
        return Category.objects.filter(name=name).first() or services.category_create(
            name=name, description=description
        )

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
            is_published=True,
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
