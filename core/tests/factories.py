import factory

from core.models import University


class UniversityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = University

    name = factory.Sequence(lambda n: f"University {n}")
    country = "Uzbekistan"
    city = "Tashkent"
    website = factory.Sequence(lambda n: f"https://uni{n}.example.edu")
    global_rank = factory.Sequence(lambda n: n + 1)
