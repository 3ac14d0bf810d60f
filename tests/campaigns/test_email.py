"""Campaign e-mail through a real SMTP server: one connection per batch, plain text and HTML
parts, a Message-ID made from the outbox id, List-Unsubscribe with RFC 8058 one-click, and
each kind of SMTP failure handled as what it means for exactly-once."""

import datetime as dt
import socket
from email.errors import HeaderParseError

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from rapport.campaigns.channels.smtp import DOT_ATOM
from rapport.campaigns.models import Message, MessageStatus, SkipReason, Suppression
from rapport.campaigns.outbox import deliver_due
from rapport.campaigns.services import campaign_enqueue
from rapport.campaigns.unsubscribe import token_for
from rapport.timeline.models import Interaction
from tests.campaigns.conftest import campaign, free_port, person

pytestmark = pytest.mark.django_db

TEMPLATES = (
    ("en", "Sun for {{ first_name }}", "Dear {{ first_name }}, see you in Crete.", ""),
    (
        "uk",
        "Сонце для {{ first_name }}",
        "Шановна {{ first_name }}, до зустрічі на Криті. {{ unsubscribe_url }}",
        "<p>Шановна {{ first_name }} &amp; Крит</p>",
    ),
)


def test_a_batch_goes_over_one_connection_with_both_parts_and_its_headers(smtp):
    olena = person("olena@example.com", language="uk")
    john = person("john@example.com", first_name="John<b>")
    winter = campaign(templates=TEMPLATES)
    assert campaign_enqueue(campaign=winter, contact_ids=[olena.pk, john.pk]) == 2

    result = deliver_due()

    assert (result.sent, result.skipped, result.retried) == (2, 0, 0)
    assert smtp.connections == 1
    by_to = {m["To"]: m for m in smtp.messages}
    assert sorted(by_to) == ["john@example.com", "olena@example.com"]
    sent = {m.contact_id: m for m in Message.objects.all()}
    uk = by_to["olena@example.com"]
    olena_message = sent[olena.pk]
    assert uk["Subject"] == "Сонце для Olena"
    assert uk["From"] == "offers@travel.example"
    assert uk["Message-ID"] == f"<outbox.{olena_message.pk}@travel.example>"
    assert olena_message.provider_id == uk["Message-ID"]
    url = f"https://crm.travel.example/u/{token_for(olena_message.pk)}/"
    assert uk["List-Unsubscribe"] == (
        f"<{url}>, <mailto:offers@travel.example?subject=unsubscribe%20"
        f"{token_for(olena_message.pk)}>"
    )
    assert uk["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert uk.get_content_type() == "multipart/alternative"
    text = uk.get_body(("plain",)).get_content()
    html = uk.get_body(("html",)).get_content()
    assert text.strip() == f"Шановна Olena, до зустрічі на Криті. {url}"
    assert html.startswith("<p>Шановна Olena &amp; Крит</p>")
    assert f'<a href="{url}">' in html  # the HTML had no link of its own: the footer gives it
    # English has no HTML part; its text gets the unsubscribe line, and a name is not markup
    en = by_to["john@example.com"]
    assert en.get_content_type() == "text/plain"
    assert en["Subject"] == "Sun for John<b>"
    assert en.get_content().splitlines()[0] == "Dear John<b>, see you in Crete."
    assert (
        en.get_content()
        .strip()
        .endswith(
            f"To stop receiving these messages: https://crm.travel.example/u/"
            f"{token_for(sent[john.pk].pk)}/"
        )
    )
    assert {m.status for m in sent.values()} == {MessageStatus.SENT}
    assert [i.text for i in Interaction.objects.filter(contact=olena)] == [
        "E-mail from campaign “Winter sun”: Сонце для Olena"
    ]


def test_service_mail_carries_no_list_unsubscribe(smtp):
    olena = person("olena@example.com", consents=("email:service",))
    notice = campaign("Visa reminder", purpose="service")
    campaign_enqueue(campaign=notice, contact_ids=[olena.pk])

    deliver_due()

    [received] = smtp.messages
    assert received["List-Unsubscribe"] is None
    assert "To stop receiving" not in received.get_content()


def test_a_refused_recipient_fails_with_the_servers_words(smtp):
    olena = person("olena@example.com")
    campaign_enqueue(campaign=campaign(), contact_ids=[olena.pk])
    smtp.refuse_rcpt = "550 5.1.1 No such mailbox"

    result = deliver_due()

    message = Message.objects.get()
    assert (result.failed, message.status, message.reason) == (
        1,
        MessageStatus.FAILED,
        SkipReason.REJECTED,
    )
    assert message.error == "RCPT TO: 550 5.1.1 No such mailbox"
    assert smtp.messages == []
    # a hard bounce: the address gets nothing more, from any campaign
    assert list(Suppression.objects.values_list("channel", "address", "reason")) == [
        ("email", "olena@example.com", f"hard bounce, message #{message.pk}")
    ]
    smtp.refuse_rcpt = ""
    campaign_enqueue(campaign=campaign("Spring"), contact_ids=[olena.pk])
    assert dict(deliver_due().reasons) == {"suppressed": 1}


def test_a_full_mailbox_fails_without_suppressing_the_address(smtp):
    olena = person("olena@example.com")
    campaign_enqueue(campaign=campaign(), contact_ids=[olena.pk])
    smtp.refuse_rcpt = "552 5.2.2 Mailbox full"

    assert deliver_due().failed == 1
    assert Suppression.objects.count() == 0


def test_try_later_requeues_with_backoff_and_the_next_attempt_sends(smtp, clock):
    olena = person("olena@example.com")
    campaign_enqueue(campaign=campaign(), contact_ids=[olena.pk])
    smtp.refuse_data = "451 4.3.0 Try again later"

    first = deliver_due()

    message = Message.objects.get()
    assert (first.retried, message.status, message.attempts) == (1, MessageStatus.QUEUED, 1)
    assert message.handed_at is None  # not counted against the cap: it never went out
    assert message.available_at == clock.now + dt.timedelta(seconds=30)
    assert message.error == "content: 451 4.3.0 Try again later"
    smtp.refuse_data = ""
    assert deliver_due().sent == 0  # not due yet
    clock.now += dt.timedelta(seconds=31)

    assert deliver_due().sent == 1
    assert len(smtp.messages) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error) == (MessageStatus.SENT, 2, "")


def test_an_unreachable_server_requeues_every_message_untouched(settings):
    settings.RAPPORT_EMAIL_URL = f"smtp://127.0.0.1:{free_port()}"  # nobody listens
    olena, john = person("olena@example.com"), person("john@example.com")
    campaign_enqueue(campaign=campaign(), contact_ids=[olena.pk, john.pk])

    result = deliver_due()

    assert result.retried == 2
    assert list(Message.objects.values_list("status", "handed_at", "attempts")) == [
        (MessageStatus.QUEUED, None, 1),
        (MessageStatus.QUEUED, None, 1),
    ]
    assert all(m.available_at > timezone.now() for m in Message.objects.all())


def test_the_mime_message_round_trips_names_subjects_and_long_lines():
    from email import message_from_bytes
    from email.policy import default as modern

    from rapport.campaigns.channels.base import Outgoing
    from rapport.campaigns.channels.smtp import as_bytes, build

    long_html = "<p>" + "Крит " * 300 + "</p>"
    ascii_wide = "<p>" + "x" * 1200 + "</p>"
    sent = Outgoing(
        key=7,
        to="olena@example.com",
        subject="Зимове сонце: −15 % для вас, Олено, до кінця тижня, на всі тури до Криту",
        text="Dear Olena,\n.a line that starts with a dot\n",
        html=long_html,
        headers={"List-Unsubscribe": "<https://crm.example/u/abc/>"},
    )
    raw = as_bytes(build(sent, "Подорожі Travel <offers@travel.example>"))
    wide = as_bytes(
        build(
            Outgoing(key=8, to="a@example.com", subject="Hi", text=ascii_wide),
            "offers@travel.example",
        )
    )

    mail = message_from_bytes(raw, policy=modern)
    assert mail["From"] == "Подорожі Travel <offers@travel.example>"
    assert mail["Subject"] == sent.subject
    assert mail["Message-ID"] == "<outbox.7@travel.example>"
    assert mail.get_body(("plain",)).get_content().replace("\r\n", "\n") == sent.text
    assert mail.get_body(("html",)).get_content() == long_html
    assert raw.count(b"MIME-Version") == 1
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF line ends only
    assert b"Content-Transfer-Encoding: 7bit" in raw  # the ASCII text part stays readable
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    assert message_from_bytes(wide, policy=modern).get_content() == ascii_wide
    assert max(len(line) for line in wide.split(b"\r\n")) <= 998


@hypothesis_settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=120))
def test_the_header_shortcut_writes_what_compat32_writes(value):
    from email.policy import compat32

    from rapport.campaigns.channels.smtp import POLICY

    unfolded = compat32.clone(linesep="\r\n", max_line_length=0)

    try:
        expected = unfolded.fold_binary("List-Unsubscribe", value)
    except HeaderParseError:  # a value that reads as a second header: refused either way
        with pytest.raises(HeaderParseError):
            POLICY.fold_binary("List-Unsubscribe", value)
        return
    assert POLICY.fold_binary("List-Unsubscribe", value) == expected


@hypothesis_settings(max_examples=1000, deadline=None)
@given(st.from_regex(DOT_ATOM, fullmatch=True))
def test_a_dot_atom_address_is_written_as_parsing_would_write_it(address):
    from email.utils import parseaddr
    from smtplib import quoteaddr

    from rapport.campaigns.channels.smtp import _address, _envelope

    assert parseaddr(address) == ("", address)
    assert _address(address) == address
    assert _envelope(address) == quoteaddr(address)


def _outgoing(to: str, key: int = 1):
    from rapport.campaigns.channels.base import Outgoing

    return Outgoing(key=key, to=to, subject="Winter sun", text="Dear Olena", html="")


def test_a_released_message_is_taken_by_the_server_and_send_reads_its_answer(smtp, settings):
    from rapport.campaigns.channels.smtp import SmtpProvider

    with SmtpProvider(settings.RAPPORT_EMAIL_URL, "offers@travel.example") as provider:
        provider.stage(_outgoing("olena@example.com"))
        provider.release()  # the dot is out: the answer is read by send, not here
        provider.release()  # twice is once
        message_id = provider.send(_outgoing("olena@example.com"))

    assert [m["To"] for m in smtp.messages] == ["olena@example.com"]
    assert smtp.message_ids() == [message_id]


def test_a_dot_that_could_not_be_written_on_release_is_an_unknown_outcome_on_send(smtp, settings):
    from rapport.campaigns.channels.base import OutcomeUnknown
    from rapport.campaigns.channels.smtp import SmtpProvider

    with SmtpProvider(settings.RAPPORT_EMAIL_URL, "offers@travel.example") as provider:
        staged = provider.stage(_outgoing("olena@example.com"))
        staged.connection.sock.shutdown(socket.SHUT_RDWR)  # broken under the staged message
        provider.release()  # never raises
        with pytest.raises(OutcomeUnknown, match="after the content"):
            provider.send(_outgoing("olena@example.com"))

    assert smtp.messages == []
