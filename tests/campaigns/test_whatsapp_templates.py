"""WhatsApp templates outside the 24-hour window: the subject names the approved template and
fills its body parameters from the message's context (`template:NAME[:LANG] {{ … }} …`); a
parameter the context lacks, or one that may be empty, is refused when the content is saved,
previewed or launched, never at send time; the fake Cloud API refuses what Meta refuses."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from rapport.automation.actions import template_context
from rapport.automation.validation import SCENARIO_VARIABLES, _templates
from rapport.campaigns import content, editing, outbox
from rapport.campaigns.channels.base import Outgoing, Rejected
from rapport.campaigns.channels.whatsapp import WhatsAppProvider
from rapport.campaigns.models import CampaignTemplate, Message, MessageStatus, MessengerAccount
from rapport.campaigns.services import campaign_enqueue
from rapport.campaigns.template_subject import SubjectError, TemplateSubject, parse
from tests.campaigns.conftest import campaign, person
from tests.campaigns.test_viber_whatsapp import whatsapp  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
REMINDER = 'template:trip_reminder {{ first_name|default:"traveller" }} {{ last_name|default:"-" }}'


def _to_whatsapp(*people_args, subject: str = REMINDER) -> list[Message]:
    people = []
    for index, (language, first_name) in enumerate(people_args):
        someone = person(
            consents=("messenger:marketing",), language=language, first_name=first_name
        )
        MessengerAccount.objects.create(
            contact=someone, provider="whatsapp", external_id=f"38050000000{index}"
        )
        people.append(someone)
    templates = (("en", subject, "Your trip is soon, {{ first_name }}.", ""),)
    campaign_enqueue(
        campaign=campaign(channel="messenger", templates=templates),
        contact_ids=[p.pk for p in people],
    )
    return list(Message.objects.order_by("pk"))


def test_the_subject_is_parsed_into_name_language_and_parameters():
    assert parse("Hello {{ first_name }}") is None
    assert parse("template:spring_offer") == TemplateSubject("spring_offer", "", ())
    assert parse("template:trip_reminder:pt_BR {{ first_name }}{{ promo_code }}") == (
        TemplateSubject("trip_reminder", "pt_BR", ("{{ first_name }}", "{{ promo_code }}"))
    )
    assert parse("template:trip_reminder:uk {{ a }} {{ b }}").head == "template:trip_reminder:uk"


@pytest.mark.parametrize(
    ("subject", "error"),
    [
        ("template:",
         "Write the template's name after “template:” (letters, digits and underscores)."),
        ("template:spring-offer",
         "“template:spring-offer” is not a template name with an optional language "
         "(e.g. en, pt_BR)."),
        ("template:trip_reminder Dear {{ first_name }}",
         "After the template's name give only its parameters, each as {{ variable }}; "
         "“Dear” is neither."),
    ],
)  # fmt: skip
def test_a_malformed_template_subject_says_what_is_wrong(subject, error):
    with pytest.raises(SubjectError) as caught:
        parse(subject)

    assert str(caught.value) == error


def test_the_parameters_are_filled_from_each_contacts_context_in_their_language(whatsapp):  # noqa: F811
    olena, nameless = _to_whatsapp(("uk", "Olena"), ("lt", ""))

    assert (olena.subject, olena.template_params) == (
        "template:trip_reminder",
        ["Olena", "Kovalenko"],
    )
    assert nameless.template_params == ["traveller", "Kovalenko"]
    assert outbox.deliver_due().sent == 2
    bodies = [request["body"] for request in whatsapp.requests]
    assert bodies == [
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "template",
            "template": {
                "name": "trip_reminder",
                "language": {"code": language},
                "components": [
                    {
                        "type": "body",
                        "parameters": [
                            {"type": "text", "text": first},
                            {"type": "text", "text": "Kovalenko"},
                        ],
                    }
                ],
            },
        }
        for to, language, first in (
            ("380500000000", "uk", "Olena"),
            ("380500000001", "lt", "traveller"),
        )
    ]


def test_a_language_in_the_subject_wins_over_the_contacts(whatsapp):  # noqa: F811
    subject = 'template:trip_reminder:en {{ first_name|default:"x" }} {{ last_name|default:"-" }}'
    _to_whatsapp(("uk", "Olena"), subject=subject)

    assert outbox.deliver_due().sent == 1
    assert whatsapp.requests[0]["body"]["template"]["language"] == {"code": "en"}


def test_the_fake_refuses_a_wrong_parameter_count_and_an_unknown_template_as_meta_does(whatsapp):  # noqa: F811
    short, unknown = _to_whatsapp(("en", "Olena"), ("en", "Ieva"))
    Message.objects.filter(pk=short.pk).update(template_params=["Olena"])
    Message.objects.filter(pk=unknown.pk).update(subject="template:autumn_offer")

    assert outbox.deliver_due().failed == 2

    short.refresh_from_db()
    unknown.refresh_from_db()
    assert (short.status, short.error) == (
        MessageStatus.FAILED,
        "400 132000 (#132000) Number of parameters does not match the expected number of params",
    )
    assert (unknown.status, unknown.error) == (
        MessageStatus.FAILED,
        "404 132001 (#132001) Template name does not exist in the translation",
    )


def test_an_empty_parameter_is_refused_before_any_request(whatsapp):  # noqa: F811
    provider = WhatsAppProvider(config=_config(), window_open=lambda wa_id: False)
    message = Outgoing(
        key=7, to="380500000000", subject="template:trip_reminder", text="", params=("Olena", " ")
    )

    with pytest.raises(Rejected) as caught:
        provider.send(message)

    assert (
        caught.value.detail
        == "WhatsApp template trip_reminder: parameter 2 is empty for this contact"
    )
    assert whatsapp.requests == []


def _config():
    from rapport.campaigns import config

    whatsapp_config = config.whatsapp()
    assert whatsapp_config is not None
    return whatsapp_config


# --- caught before sending ---------------------------------------------------------------------


def _templates_with(subject: str) -> list[CampaignTemplate]:
    return [CampaignTemplate(language="en", subject=subject, body_text="Hello")]


def test_an_unknown_variable_is_refused_when_the_campaign_is_saved():
    with pytest.raises(ValidationError) as caught:
        editing.check_templates(
            _templates_with("template:trip_reminder {{ promo_code }} {{ firstname }}")
        )

    assert caught.value.message_dict == {
        "templates": [
            "en: Template parameter 1: no variable “promo_code”; use one of first_name, "
            "last_name, full_name, unsubscribe_url.",
            "en: Template parameter 2: no variable “firstname”; use one of first_name, "
            "last_name, full_name, unsubscribe_url.",
        ]
    }


def test_a_parameter_that_may_be_empty_needs_a_default():
    problems = content.template_parameter_errors(
        "template:trip_reminder {{ first_name }} {{ last_name|default:'-' }}",
        content.PERSON_VARIABLES,
    )

    assert problems == [
        "Template parameter 1 ({{ first_name }}) is empty for a person without that value, and "
        "WhatsApp refuses an empty parameter: give it a default, e.g. "
        '{{ first_name|default:"friend" }}.'
    ]


def test_a_launch_refuses_a_campaign_whose_template_lacks_a_variable_and_queues_nothing():
    olena = person(consents=("messenger:marketing",))
    made = campaign(
        channel="messenger", templates=(("en", "template:trip_reminder {{ promo }}", "Hi", ""),)
    )

    with pytest.raises(ValidationError) as caught:
        campaign_enqueue(campaign=made, contact_ids=[olena.pk])

    assert list(caught.value.message_dict) == ["templates"]
    assert Message.objects.count() == 0


def test_the_preview_shows_the_parameters_and_refuses_an_unknown_variable(client, users):
    client.force_login(users["marketer"])
    data = {"preview_language": "en", "text_en": "Hello", "purpose": "service"}

    good = client.post("/campaigns/content-preview/", {**data, "subject_en": REMINDER})
    bad = client.post(
        "/campaigns/content-preview/", {**data, "subject_en": "template:trip_reminder {{ promo }}"}
    )

    assert good.context["rendered"]["params"] == ("Olena", "Kovalenko")
    assert "<li><code>Olena</code></li><li><code>Kovalenko</code></li>" in good.content.decode()
    assert bad.context["error"] == (
        "Template parameter 1: no variable “promo”; use one of first_name, last_name, full_name, "
        "unsubscribe_url."
    )


def test_a_scenario_may_use_its_own_variables_and_they_match_what_a_run_gives():
    from rapport.automation.validation import Errors

    errors = Errors()
    _templates(
        errors,
        "steps[0].templates",
        [
            {
                "language": "en",
                "subject": "template:trip_reminder "
                '{{ promo_code|default:"-" }} {{ manager|default:"-" }}',
                "body_text": "Hi",
            }
        ],
    )

    assert errors.by_path == {
        "steps[0].templates[0].subject": [
            "Template parameter 2: no variable “manager”; use one of "
            + ", ".join(SCENARIO_VARIABLES)
            + "."
        ]
    }


def test_the_scenario_variables_checked_are_exactly_those_a_run_fills_in():
    run = SimpleNamespace(contact=person(), context={})

    assert sorted(template_context(run)) == sorted(SCENARIO_VARIABLES)  # type: ignore[arg-type]
