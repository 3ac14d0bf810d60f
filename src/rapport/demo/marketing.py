"""The demo's segments and campaigns, so that `make run` shows the marketer's pages filled:
four dynamic segments over the analytics and the customer data, a hand-made VIP list, a draft
campaign with its four languages and a holdout, and a campaign sent three weeks ago whose
report has something to say. Made once: what exists (by name) is left as it is.

The sent campaign's history is written as it would have ended (messages sent on launch day,
the held-out share skipped), not sent again through a provider: the demo never writes to a
mailbox."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, Subquery
from django.utils import translation

from rapport.accounts.models import User
from rapport.campaigns.models import (
    Campaign,
    CampaignStatus,
    Message,
    MessageEvent,
    MessageStatus,
    MessengerAccount,
)
from rapport.campaigns.targeting import campaign_launch, campaign_save
from rapport.campaigns.timeline_kinds import MESSAGE_SENT
from rapport.contacts.models import (
    ConsentChannel,
    ConsentPurpose,
    ConsentState,
    ConsentStatus,
    Contact,
    ContactPhone,
)
from rapport.segments.models import Segment
from rapport.segments.services import members_add, segment_create, segment_refresh
from rapport.timeline import services as timeline
from rapport.timeline.models import Channel, Direction

SEGMENTS: list[tuple[str, str, dict[str, Any]]] = [
    (
        "Champions and loyal customers",
        "The best customers by RFM: recent, frequent, high spending.",
        {"field": "metrics.rfm_segment", "op": "in", "value": ["champions", "loyal"]},
    ),
    (
        "At risk, worth keeping",
        "Customers the RFM analysis puts at risk, with revenue above the median.",
        {
            "all": [
                {
                    "field": "metrics.rfm_segment",
                    "op": "in",
                    "value": ["at_risk", "cant_lose_them"],
                },
                {"field": "metrics.m_score", "op": "gte", "value": 3},
            ]
        },
    ),
    (
        "Birthdays in the next 30 days",
        "For a greeting and an offer.",
        {"field": "birthday", "op": "within_next_days", "value": 30},
    ),
    (
        "Lithuanian speakers with e-mail consent",
        "Who can get a marketing e-mail in Lithuanian.",
        {
            "all": [
                {"field": "language", "op": "eq", "value": "lt"},
                {"field": "consent.email.marketing", "op": "eq", "value": "granted"},
            ]
        },
    ),
]
VIP_LIST = "VIP guests (hand-picked)"

WINTER = {
    "name": "Winter sun 2027",
    "goal": "Fill the January flights to the Canaries and Egypt",
    "channel": "email",
    "purpose": "marketing",
    "holdout_percent": 10,
    "quiet_hours": {"from": "21:00", "to": "09:00"},
    "templates": [
        {
            "language": "en",
            "subject": "{{ first_name }}, winter sun is closer than you think",
            "body_text": "Dear {{ first_name }},\n\nJanuary in the Canaries is 22 °C. "
            "Our early-booking prices hold until 15 December.\n\nYour travel team",
        },
        {
            "language": "uk",
            "subject": "{{ first_name }}, зимове сонце ближче, ніж здається",
            "body_text": "Шановний(а) {{ first_name }},\n\nУ січні на Канарах +22 °C. "
            "Ціни раннього бронювання діють до 15 грудня.\n\nВаша команда подорожей",
        },
        {
            "language": "ru",
            "subject": "{{ first_name }}, зимнее солнце ближе, чем кажется",
            "body_text": "Уважаемый(ая) {{ first_name }},\n\nВ январе на Канарах +22 °C. "
            "Цены раннего бронирования действуют до 15 декабря.\n\nВаша команда путешествий",
        },
        {
            "language": "lt",
            "subject": "{{ first_name }}, žiemos saulė arčiau, nei atrodo",
            "body_text": "Mielas(-a) {{ first_name }},\n\nSausį Kanaruose +22 °C. "
            "Ankstyvojo užsakymo kainos galioja iki gruodžio 15 d.\n\nJūsų kelionių komanda",
        },
    ],
}
CITY_BREAKS = "https://travel.example/city-breaks"
AUTUMN = {
    **WINTER,
    "name": "Autumn city breaks",
    "goal": "Weekend trips for the Champions before the winter season",
    "holdout_percent": 20,
    "quiet_hours": None,
    "cost": Decimal("2500.00"),  # the report's ROMI
    # with an HTML part and a link, so the report has opens and clicks to show
    "templates": [
        {
            "language": language,
            "subject": subject,
            "body_text": f"{greeting}\n\n{offer}\n{CITY_BREAKS}\n\n{team}",
            "body_html": f"<p>{greeting}</p><p>{offer}</p>"
            f'<p><a href="{CITY_BREAKS}">{link}</a></p><p>{team}</p>',
        }
        for language, subject, greeting, offer, link, team in (
            (
                "en",
                "{{ first_name }}, a weekend in Lisbon or Kraków?",
                "Dear {{ first_name }},",
                "Three nights in a city you love, flights and a central hotel included.",
                "See the city breaks",
                "Your travel team",
            ),
            (
                "uk",
                "{{ first_name }}, вихідні в Лісабоні чи Кракові?",
                "Шановний(а) {{ first_name }},",
                "Три ночі в місті, яке ви любите: переліт і готель у центрі включено.",
                "Переглянути міські тури",
                "Ваша команда подорожей",
            ),
            (
                "ru",
                "{{ first_name }}, выходные в Лиссабоне или Кракове?",
                "Уважаемый(ая) {{ first_name }},",
                "Три ночи в городе, который вы любите: перелёт и отель в центре включены.",
                "Посмотреть городские туры",
                "Ваша команда путешествий",
            ),
            (
                "lt",
                "{{ first_name }}, savaitgalis Lisabonoje ar Krokuvoje?",
                "Mielas(-a) {{ first_name }},",
                "Trys naktys mėgstamame mieste: skrydis ir viešbutis centre įskaičiuoti.",
                "Žiūrėti miestų keliones",
                "Jūsų kelionių komanda",
            ),
        )
    ],
}


def ensure_segments(*, marketer: User, now: dt.datetime) -> dict[str, Segment]:
    """The demo segments by name (made and refreshed once)."""
    made: dict[str, Segment] = {}
    existing = {s.name: s for s in Segment.objects.filter(owner=marketer)}
    for name, description, rule in SEGMENTS:
        segment = existing.get(name)
        if segment is None:
            segment = segment_create(
                actor=marketer, data={"name": name, "description": description, "rule": rule}
            )
            segment_refresh(segment=segment, now=now)
        made[name] = segment
    vip = existing.get(VIP_LIST)
    if vip is None:
        vip = segment_create(actor=marketer, data={"name": VIP_LIST, "kind": "static"})
        best = list(
            Contact.objects.filter(metrics__rfm_segment="champions")
            .order_by("-metrics__monetary", "pk")
            .values_list("pk", flat=True)[:25]
        )
        if best:
            members_add(actor=marketer, segment=vip, contact_ids=best)
        segment_refresh(segment=vip, now=now)
    made[VIP_LIST] = vip
    return made


def ensure_campaigns(*, marketer: User, segments: dict[str, Segment], now: dt.datetime) -> None:
    """A draft campaign and one sent three weeks ago (its outbox history written as it ended)."""
    names = set(Campaign.objects.values_list("name", flat=True))
    champions = segments[SEGMENTS[0][0]]
    with translation.override("en"):
        if WINTER["name"] not in names:
            campaign_save(actor=marketer, campaign=None, data={**WINTER, "segment": champions.pk})
        if AUTUMN["name"] in names:
            return
        autumn = campaign_save(
            actor=marketer, campaign=None, data={**AUTUMN, "segment": champions.pk}
        )
        campaign_launch(actor=marketer, campaign=autumn)
    sent_at = now - dt.timedelta(days=21)
    email = Contact.objects.filter(pk=OuterRef("contact_id")).values("email")[:1]
    Message.objects.filter(campaign=autumn, status=MessageStatus.QUEUED).update(
        status=MessageStatus.SENT,
        sent_at=sent_at,
        handed_at=sent_at,
        available_at=sent_at,
        address=Subquery(email),
        attempts=1,
    )
    Message.objects.filter(campaign=autumn).update(created_at=sent_at)
    Campaign.objects.filter(pk=autumn.pk).update(status=CampaignStatus.DONE)
    sent = Message.objects.filter(campaign=autumn, status=MessageStatus.SENT).values_list(
        "pk", "contact_id", "subject"
    )
    timeline.record_many(
        [
            timeline.Entry(
                contact=contact,
                channel=Channel.CAMPAIGN,
                direction=Direction.OUTBOUND,
                occurred_at=sent_at,
                kind=MESSAGE_SENT,
                params={
                    "message": pk,
                    "campaign": autumn.pk,
                    "campaign_name": autumn.name,
                    "channel": "email",
                    "subject": subject,
                },
            )
            for pk, contact, subject in sent
        ]
    )
    _responses(autumn, sent_at)


def _responses(campaign: Campaign, sent_at: dt.datetime) -> None:
    """What the recipients did, as the receipts and the tracking would have recorded it:
    most messages delivered, about half opened, one in seven clicked through (a fixed share
    by each message's place in the campaign, so the demo is the same every time, whatever ids
    the database hands out: by id, a small campaign on PostgreSQL after other work could
    happen to have no click at all)."""
    sent = list(
        Message.objects.filter(campaign=campaign, status=MessageStatus.SENT)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # 37 and 100 share no factor: every run of a hundred places takes each share once
    shares = {pk: (place * 37) % 100 for place, pk in enumerate(sent, 1)}
    bounced = [pk for pk in sent if shares[pk] < 3]
    Message.objects.filter(pk__in=set(sent) - set(bounced)).update(status=MessageStatus.DELIVERED)
    events = []
    for pk in sent:
        share = shares[pk]
        if pk in bounced or share >= 48:
            continue
        opened = sent_at + dt.timedelta(hours=1 + share % 30)
        events.append(MessageEvent(message_id=pk, kind="open", first_at=opened, last_at=opened))
        if share < 17:
            clicked = opened + dt.timedelta(minutes=2)
            events.append(
                MessageEvent(
                    message_id=pk,
                    kind="click",
                    link=0,
                    url=CITY_BREAKS,
                    first_at=clicked,
                    last_at=clicked,
                )
            )
    MessageEvent.objects.bulk_create(events, ignore_conflicts=True)


# A customer who agreed to messenger marketing talks to the agency on one messenger, in turn:
# WhatsApp, Telegram or Viber; every 17th also had WhatsApp and asked it to stop
# (so the contact page shows a stopped account beside the one still used).
PROVIDERS = (
    MessengerAccount.Provider.WHATSAPP,
    MessengerAccount.Provider.TELEGRAM,
    MessengerAccount.Provider.VIBER,
)
STOPPED_EVERY = 17


def ensure_messenger_accounts(*, now: dt.datetime) -> int:
    """Messenger accounts for the customers with messenger marketing consent and a phone, made
    once (none exist yet): WhatsApp ids are the number's digits, Telegram and Viber ids are
    made up from the contact's id (the demo never talks to a provider)."""
    if MessengerAccount.objects.exists():
        return 0
    willing = ConsentState.objects.filter(
        channel=ConsentChannel.MESSENGER,
        purpose=ConsentPurpose.MARKETING,
        status=ConsentStatus.GRANTED,
    ).values("contact_id")
    phones = (
        ContactPhone.objects.filter(is_primary=True, contact_id__in=willing)
        .order_by("contact_id")
        .values_list("contact_id", "number")
    )
    accounts = []
    # by position, not id: ids depend on the database's sequences (PostgreSQL's are not reset)
    for n, (contact_id, number) in enumerate(phones.iterator(chunk_size=10_000)):
        digits = number.removeprefix("+")
        provider = PROVIDERS[n % len(PROVIDERS)]
        if provider == MessengerAccount.Provider.WHATSAPP:
            external_id = digits
        elif provider == MessengerAccount.Provider.TELEGRAM:
            external_id = str(700_000_000 + contact_id)
        else:
            external_id = f"demo{contact_id:09d}=="
        accounts.append(
            MessengerAccount(contact_id=contact_id, provider=provider, external_id=external_id)
        )
        if n % STOPPED_EVERY == 1 and provider != MessengerAccount.Provider.WHATSAPP:
            accounts.append(
                MessengerAccount(
                    contact_id=contact_id,
                    provider=MessengerAccount.Provider.WHATSAPP,
                    external_id=digits,
                    opted_out_at=now - dt.timedelta(days=40),
                )
            )
    # two demo customers sharing a number: the second gets no WhatsApp account (a real
    # WhatsApp id is one person)
    MessengerAccount.objects.bulk_create(accounts, batch_size=5_000, ignore_conflicts=True)
    return len(accounts)


def ensure_marketing(*, marketer: User, now: dt.datetime) -> None:
    ensure_messenger_accounts(now=now)
    ensure_campaigns(
        marketer=marketer, segments=ensure_segments(marketer=marketer, now=now), now=now
    )
