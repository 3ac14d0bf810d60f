"""Open and click tracking of campaign e-mail, through the real SMTP server: which links are
rewritten and which are not, the pixel, redirects that only lead where the message itself
pointed, forged tokens, counting each person once, and the figures in the reports."""

import re

import pytest
from django.core import signing
from django.test import Client

from rapport.campaigns import tracking
from rapport.campaigns.models import CampaignVariant, Message, MessageEvent
from rapport.campaigns.outbox import deliver_due
from rapport.campaigns.report import campaign_report
from rapport.campaigns.services import campaign_enqueue
from rapport.campaigns.unsubscribe import token_for as unsubscribe_token
from rapport.timeline.models import Interaction
from tests.campaigns.conftest import campaign, person

pytestmark = pytest.mark.django_db

SITE = "https://crm.travel.example"
HTML = (
    "<html><body><p>Dear {{ first_name }},</p>"
    '<a href="https://travel.example/crete?from=mail&amp;n=2">Crete</a> '
    '<a href="mailto:desk@travel.example">write</a> <a href="tel:+37060000000">call</a> '
    '<a href="#prices">prices</a> '
    "<a class='x' HREF='http://travel.example/rhodes'>Rhodes</a> "
    '<a href="{{ unsubscribe_url }}">leave</a></body></html>'
)
TEXT = "Dear {{ first_name }}, see https://travel.example/crete"


def _send(*people, templates=None, **options):
    winter = campaign(templates=templates or (("en", "Sun", TEXT, HTML),))
    for name, value in options.items():
        setattr(winter, name, value)
    winter.save()
    campaign_enqueue(campaign=winter, contact_ids=[p.pk for p in people])
    assert deliver_due().sent == len(people)
    return winter


def _click(message_id: int, link: int) -> str:
    return f"/t/c/{tracking.token_for(message_id, link)}/"


def _open(message_id: int) -> str:
    return f"/t/o/{tracking.token_for(message_id)}.gif"


def test_links_of_the_html_part_go_through_signed_redirects_and_a_pixel_is_added(smtp):
    olena = person("olena@example.com")
    _send(olena)

    message = Message.objects.get()
    mail = smtp.messages[0]
    html = mail.get_body(("html",)).get_content()
    unsubscribe = f"{SITE}/u/{unsubscribe_token(message.pk)}/"
    assert re.findall(r"""href=["']([^"']*)["']""", html, re.IGNORECASE) == [
        f"{SITE}/t/c/{tracking.token_for(message.pk, 0)}/",
        "mailto:desk@travel.example",
        "tel:+37060000000",
        "#prices",
        f"{SITE}/t/c/{tracking.token_for(message.pk, 1)}/",
        unsubscribe,
    ]
    pixel = f'<img src="{SITE}/t/o/{tracking.token_for(message.pk)}.gif" width="1" height="1"'
    assert pixel in html
    assert html.index(pixel) < html.index("</body>")
    # the plain-text part keeps its links as written: clicks in text are not tracked
    text = mail.get_body(("plain",)).get_content()
    assert text.splitlines()[0] == "Dear Olena, see https://travel.example/crete"
    # the stored message is as rendered: tracking is applied only to what goes out
    assert "/t/c/" not in message.body_html


def test_a_click_redirects_to_the_stored_url_and_counts_once_per_person(smtp):
    olena = person("olena@example.com")
    _send(olena)
    message = Message.objects.get()
    client = Client()

    first = client.get(_click(message.pk, 0))
    again = client.get(_click(message.pk, 0))
    other = client.get(_click(message.pk, 1))

    assert (first.status_code, first["Location"]) == (
        302,
        "https://travel.example/crete?from=mail&n=2",
    )
    assert (again.status_code, again["Location"]) == (302, first["Location"])
    assert (other.status_code, other["Location"]) == (302, "http://travel.example/rhodes")
    events = {(e.kind, e.link): (e.count, e.url) for e in MessageEvent.objects.all()}
    assert events == {
        ("open", -1): (3, ""),  # a click implies an open
        ("click", 0): (2, "https://travel.example/crete?from=mail&n=2"),
        ("click", 1): (1, "http://travel.example/rhodes"),
    }
    # one timeline entry per link clicked, none for opens
    clicks = Interaction.objects.filter(contact=olena, kind="campaign.link_clicked")
    assert sorted(i.text for i in clicks) == [
        "Clicked http://travel.example/rhodes in an e-mail from campaign “Winter sun”",
        "Clicked https://travel.example/crete?from=mail&n=2 in an e-mail from campaign "
        "“Winter sun”",
    ]
    report = campaign_report(message.campaign)
    assert (report["opened"], report["clicked"]) == (1, 1)


def test_forged_and_foreign_tokens_get_a_404_page_and_write_nothing(smtp):
    _send(person("olena@example.com"))
    message = Message.objects.get()
    valid = tracking.token_for(message.pk, 0)
    forged = [
        valid[:-2] + ("AA" if not valid.endswith("AA") else "BB"),  # signature tampered
        signing.Signer(salt="other").sign(f"{message.pk}.0"),
        unsubscribe_token(message.pk),  # a real token of another kind
        tracking.token_for(message.pk),  # the open token is not a link
        tracking.token_for(message.pk, 2),  # signed, but the message has two links only
        tracking.token_for(message.pk + 1, 0),  # no such message
        signing.Signer(salt=tracking.SALT).sign(f"{message.pk}.-1"),
        signing.Signer(salt=tracking.SALT).sign(f"{message.pk}.0.1"),
        signing.Signer(salt=tracking.SALT).sign("x"),
        "garbage",
    ]

    for token in forged:
        response = Client().get(f"/t/c/{token}/")
        assert response.status_code == 404, token
        assert "This link is not valid" in response.content.decode()
        assert not response.has_header("Location")
    assert MessageEvent.objects.count() == 0


def test_the_redirect_target_comes_from_the_message_not_the_token(smtp):
    _send(person("olena@example.com"))
    message = Message.objects.get()
    # A token that carries a URL of its own is refused: only (message, link) is signed.
    claiming = signing.Signer(salt=tracking.SALT).sign(f"{message.pk}.0@evil.example")
    refused = Client().get(f"/t/c/{claiming}/")
    assert refused.status_code == 404
    assert not refused.has_header("Location")
    # the query string of the request is no parameter either
    response = Client().get(_click(message.pk, 1), {"next": "https://evil.example/"})
    assert response["Location"] == "http://travel.example/rhodes"


def test_the_pixel_always_answers_a_gif_and_records_valid_opens_once_per_person(smtp):
    olena = person("olena@example.com")
    _send(olena)
    message = Message.objects.get()

    answers = [
        Client().get(_open(message.pk)),
        Client().get(_open(message.pk)),
        Client().get("/t/o/forged-token.gif"),
        Client().get(f"/t/o/{tracking.token_for(message.pk, 0)}.gif"),  # a click token
        Client().head(_open(message.pk)),  # a link checker: not an open
    ]

    for response in answers:
        assert response.status_code == 200
        assert response["Content-Type"] == "image/gif"
        assert "no-store" in response["Cache-Control"]
    assert answers[0].content == tracking.PIXEL
    assert answers[0].content[:6] == b"GIF89a"
    assert [(e.kind, e.count) for e in MessageEvent.objects.all()] == [("open", 2)]
    assert not Interaction.objects.filter(contact=olena, kind="campaign.link_clicked").exists()
    report = campaign_report(message.campaign)
    assert (report["opened"], report["clicked"]) == (1, 0)


def test_the_report_counts_people_exactly(smtp):
    people = [person(f"p{i}@example.com") for i in range(4)]
    winter = _send(*people)
    by_contact = {m.contact_id: m for m in Message.objects.all()}
    a, b, c, _d = (by_contact[p.pk] for p in people)
    for _ in range(3):
        Client().get(_open(a.pk))  # a opens three times
    Client().get(_click(b.pk, 0))  # b clicks without loading images: opened all the same
    Client().get(_click(b.pk, 1))
    Client().get(_open(c.pk))
    Client().get(_click(c.pk, 0))

    report = campaign_report(winter)

    assert (report["sent"], report["opened"], report["clicked"]) == (4, 3, 2)


def test_each_variant_reports_its_opens_and_clicks(smtp):
    people = [person(f"v{i}@example.com") for i in range(3)]
    spring = campaign("Spring")
    sun = CampaignVariant.objects.create(campaign=spring, name="Sun", share=50, position=0)
    sea = CampaignVariant.objects.create(campaign=spring, name="Sea", share=50, position=1)
    for contact, variant in zip(people, (sun, sea, sea), strict=True):
        Message.objects.create(
            campaign=spring,
            contact=contact,
            variant=variant,
            channel="email",
            purpose="marketing",
            body_text="Hi",
            body_html='<a href="https://travel.example/">go</a>',
            status="sent",
            sent_at="2026-03-02T10:00:00Z",
            available_at="2026-03-02T09:00:00Z",
        )
    first, second, third = Message.objects.order_by("pk")
    Client().get(_open(first.pk))
    Client().get(_click(second.pk, 0))
    Client().get(_open(third.pk))

    report = campaign_report(spring)

    assert [(v["name"], v["opened"], v["clicked"]) for v in report["variants"]] == [
        ("Sun", 1, 0),
        ("Sea", 2, 1),
    ]
    assert (report["opened"], report["clicked"]) == (3, 1)


def test_tracking_is_off_by_setting_by_campaign_and_for_text_only_mail(smtp, settings):
    settings.RAPPORT_TRACKING = False
    _send(person("off@example.com"))
    settings.RAPPORT_TRACKING = True
    _send(person("opted-out@example.com"), track=False)
    _send(person("text@example.com"), templates=(("en", "Sun", TEXT, ""),))

    assert len(smtp.messages) == 3
    for mail in smtp.messages:
        whole = mail.as_string()
        assert "/t/c/" not in whole
        assert "/t/o/" not in whole
    html = smtp.messages[0].get_body(("html",)).get_content()
    assert 'href="https://travel.example/crete?from=mail&amp;n=2"' in html
