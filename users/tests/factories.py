import factory

from users.models import OnboardingAnswer, Role, User

PASSWORD = "Correct-Horse-42"


class UserFactory(factory.django.DjangoModelFactory):
    """Users created through the real manager (hashed password, generated 12-digit id)."""

    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = Role.USER

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        password = kwargs.pop("password", PASSWORD)
        return model_class.objects.create_user(*args, password=password, **kwargs)


def person(role: int, **fields) -> User:
    """A user of ``role`` with no password (no hashing cost), for tests that never log in with one."""
    return UserFactory(role=role, password=None, **fields)


class OnboardingAnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OnboardingAnswer

    user = factory.SubFactory(UserFactory)
    degree = "BSc Computer Science"
    graduation_year = 2027
    interests = "maths, physics"
