"""factory_boy factories shared by every app's tests."""

import factory
from django.utils import timezone

from rapport.accounts.models import Role, Team, User
from rapport.contacts.models import Company, Contact
from rapport.timeline.models import Interaction


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = Role.SALES_MANAGER
    password = factory.PostGenerationMethodCall("set_password", "pass-W0rd-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Faker("company")
    owner = factory.SubFactory(UserFactory)


class ContactFactory(factory.django.DjangoModelFactory):
    """A bare contact row; use the contact_create service when a test needs e-mails,
    phones, search terms and the audit trail."""

    class Meta:
        model = Contact

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    owner = factory.SubFactory(UserFactory)


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    contact = factory.SubFactory(ContactFactory)
    channel = "phone"
    direction = "outbound"
    summary = factory.Faker("sentence")
    occurred_at = factory.LazyFunction(timezone.now)


def make_pipeline(name: str = "Leisure tours", *, default: bool = True):
    """A pipeline with three open stages, a won and a lost stage."""
    from rapport.sales.models import Pipeline, Stage

    pipeline = Pipeline.objects.create(name=name, is_default=default)
    for position, (stage, probability, kind) in enumerate(
        [
            ("Enquiry", 10, "open"),
            ("Offer sent", 40, "open"),
            ("Booking", 80, "open"),
            ("Won", 100, "won"),
            ("Lost", 0, "lost"),
        ]
    ):
        Stage.objects.create(
            pipeline=pipeline, name=stage, position=position, probability=probability, kind=kind
        )
    return pipeline
