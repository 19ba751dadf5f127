"""Catalog factories. Objects are created through the services where slugs matter."""

from datetime import timedelta
from decimal import Decimal

import factory

from core.slugs import save_with_unique_slug
from courses import services
from courses.models import Category, Comment, Course, CoursePart, Enrollment, Lesson
from users.models import Role
from users.tests.factories import UserFactory


class SluggedFactory(factory.django.DjangoModelFactory):
    """Inserts with a unique slug generated from the title, as the services do."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        obj = model_class(*args, **kwargs)
        source = getattr(obj, "title", None) or getattr(obj, "name", "")
        save_with_unique_slug(obj, source)
        return obj


class CategoryFactory(SluggedFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")


class CourseFactory(SluggedFactory):
    """A published paid course taught by a new tutor (pass ``tutors=[...]`` to choose)."""

    class Meta:
        model = Course
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Course {n}")
    description = "A course."
    price = Decimal("19.99")
    is_published = True

    @factory.post_generation
    def tutors(self, create, extracted, **kwargs):
        if not create:
            return
        self.tutors.set(extracted if extracted is not None else [UserFactory(role=Role.TUTOR)])
        services.course_search_refresh(courses=Course.objects.filter(pk=self.pk))


class PartFactory(SluggedFactory):
    class Meta:
        model = CoursePart

    course = factory.SubFactory(CourseFactory)
    title = factory.Sequence(lambda n: f"Part {n}")
    order = factory.Sequence(lambda n: n)


class LessonFactory(SluggedFactory):
    class Meta:
        model = Lesson

    part = factory.SubFactory(PartFactory)
    title = factory.Sequence(lambda n: f"Lesson {n}")
    order = factory.Sequence(lambda n: n)
    duration = timedelta(minutes=5)
    is_free_preview = False


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    student = factory.SubFactory(UserFactory, role=Role.STUDENT)
    course = factory.SubFactory(CourseFactory)


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    lesson = factory.SubFactory(LessonFactory)
    user = factory.SubFactory(UserFactory, role=Role.STUDENT)
    text = factory.Sequence(lambda n: f"Comment {n}")
