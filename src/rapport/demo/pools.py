"""The raw material of the demo data set: names, places, phones, interests and phrases.

Names come from Faker's locale data, read once into lists, so that generating a million people
is list indexing rather than a Faker call per row. Lithuanian names are listed here because
Faker's lt_LT has neither gendered first names nor female surnames. No Django imports.
"""

import unicodedata
from dataclasses import dataclass, field
from functools import cache

from faker import Faker


@dataclass(frozen=True)
class Culture:
    """People who share a language and naming customs, and where they live."""

    code: str  # also the contact's preferred language
    weight: float
    first_male: tuple[str, ...]
    first_female: tuple[str, ...]
    # Index-aligned: last_female[i] is the feminine form of last_male[i].
    last_male: tuple[str, ...]
    last_female: tuple[str, ...]
    # A daughter's surname (differs from a married woman's in Lithuanian: Kazlauskaitė).
    last_girl: tuple[str, ...] = ()
    middle_male: tuple[str, ...] = ()
    middle_female: tuple[str, ...] = ()
    # (country, weight) pairs: Russian speakers live in Ukraine and Lithuania.
    countries: tuple[tuple[str, float], ...] = field(default=())


def _person_provider(locale: str) -> object:
    faker = Faker(locale)
    return next(p for p in faker.providers if type(p).__module__.endswith(f"person.{locale}"))


LT_FIRST_MALE = (
    "Jonas", "Tomas", "Mantas", "Lukas", "Paulius", "Andrius", "Darius", "Mindaugas", "Vytautas",
    "Giedrius", "Marius", "Justas", "Rokas", "Karolis", "Dovydas", "Matas", "Nojus", "Domantas",
    "Arnas", "Saulius", "Gintaras", "Algirdas", "Rimantas", "Kęstutis", "Žygimantas", "Aurimas",
    "Tadas", "Edvinas", "Laurynas", "Povilas", "Ignas", "Šarūnas",
)  # fmt: skip
LT_FIRST_FEMALE = (
    "Rūta", "Eglė", "Austėja", "Gabija", "Ieva", "Kamilė", "Emilija", "Urtė", "Greta", "Laura",
    "Indrė", "Aistė", "Jurgita", "Vilma", "Rasa", "Daiva", "Lina", "Ona", "Birutė", "Gintarė",
    "Jolanta", "Kristina", "Monika", "Agnė", "Miglė", "Goda", "Rugilė", "Neringa", "Živilė",
    "Sigita", "Dalia", "Žaneta",
)  # fmt: skip
LT_LAST_MALE = (
    "Kazlauskas", "Jankauskas", "Petrauskas", "Stankevičius", "Vasiliauskas", "Žukauskas",
    "Butkus", "Paulauskas", "Urbonas", "Kavaliauskas", "Baranauskas", "Pocius", "Sakalauskas",
    "Navickas", "Rimkus", "Adomaitis", "Jonaitis", "Petraitis", "Kairys", "Mockus", "Vaitkus",
    "Žemaitis", "Lukoševičius", "Savickas", "Budrys", "Katinas", "Ramanauskas", "Valančius",
    "Bieliauskas", "Šimkus", "Kučinskas", "Dambrauskas", "Grigas", "Balčiūnas", "Černiauskas",
    "Gudaitis", "Mikalauskas", "Norkus", "Račkauskas", "Stonys", "Tamošiūnas", "Zabielskas",
)  # fmt: skip


def lithuanian_maiden_surname(male: str) -> str:
    """An unmarried woman's form of a Lithuanian surname (Kazlauskas → Kazlauskaitė)."""
    for ending, replacement in (("ius", "iūtė"), ("as", "aitė"), ("is", "ytė"), ("ys", "ytė"),
                                ("us", "ūtė")):  # fmt: skip
        if male.endswith(ending):
            return male[: -len(ending)] + replacement
    return male


def lithuanian_married_surname(male: str) -> str:
    """A married woman's form of a Lithuanian surname (Kazlauskas → Kazlauskienė)."""
    for ending in ("ius", "as", "is", "ys", "us", "a", "ė"):
        if male.endswith(ending):
            return male[: -len(ending)] + "ienė"
    return male


@cache
def cultures() -> tuple[Culture, ...]:
    uk = _person_provider("uk_UA")
    ru = _person_provider("ru_RU")
    en = _person_provider("en_GB")
    # Ukrainian: the common surnames are the same for men and women (Коваленко, Шевчук).
    uk_last = tuple(sorted(uk.last_names_common))  # type: ignore[attr-defined]
    en_last = tuple(sorted(en.last_names))  # type: ignore[attr-defined]
    return (
        Culture(
            code="uk",
            weight=0.40,
            first_male=tuple(uk.first_names_male),  # type: ignore[attr-defined]
            first_female=tuple(uk.first_names_female),  # type: ignore[attr-defined]
            last_male=uk_last,
            last_female=uk_last,
            last_girl=uk_last,
            middle_male=tuple(uk.middle_names_male),  # type: ignore[attr-defined]
            middle_female=tuple(uk.middle_names_female),  # type: ignore[attr-defined]
            countries=(("UA", 1.0),),
        ),
        Culture(
            code="ru",
            weight=0.20,
            first_male=tuple(ru.first_names_male),  # type: ignore[attr-defined]
            first_female=tuple(ru.first_names_female),  # type: ignore[attr-defined]
            # Faker lists them pairwise: Смирнов / Смирнова.
            last_male=tuple(ru.last_names_male),  # type: ignore[attr-defined]
            last_female=tuple(ru.last_names_female),  # type: ignore[attr-defined]
            last_girl=tuple(ru.last_names_female),  # type: ignore[attr-defined]
            middle_male=tuple(ru.middle_names_male),  # type: ignore[attr-defined]
            middle_female=tuple(ru.middle_names_female),  # type: ignore[attr-defined]
            countries=(("UA", 0.6), ("LT", 0.4)),
        ),
        Culture(
            code="lt",
            weight=0.25,
            first_male=LT_FIRST_MALE,
            first_female=LT_FIRST_FEMALE,
            last_male=LT_LAST_MALE,
            last_female=tuple(lithuanian_married_surname(n) for n in LT_LAST_MALE),
            last_girl=tuple(lithuanian_maiden_surname(n) for n in LT_LAST_MALE),
            countries=(("LT", 1.0),),
        ),
        Culture(
            code="en",
            weight=0.15,
            first_male=tuple(en.first_names_male),  # type: ignore[attr-defined]
            first_female=tuple(en.first_names_female),  # type: ignore[attr-defined]
            last_male=en_last,
            last_female=en_last,
            last_girl=en_last,
            countries=(("GB", 1.0),),
        ),
    )


# City, weight, street names for addresses; written as the people who live there write them.
CITIES: dict[str, tuple[tuple[str, float], ...]] = {
    "UA": (
        ("Київ", 35), ("Львів", 15), ("Одеса", 12), ("Харків", 10), ("Дніпро", 10),
        ("Вінниця", 5), ("Запоріжжя", 5), ("Івано-Франківськ", 4), ("Ужгород", 4),
    ),
    "LT": (("Vilnius", 40), ("Kaunas", 25), ("Klaipėda", 15), ("Šiauliai", 10), ("Panevėžys", 10)),
    "GB": (
        ("London", 50), ("Manchester", 15), ("Birmingham", 10), ("Edinburgh", 10), ("Leeds", 8),
        ("Bristol", 7),
    ),
}  # fmt: skip
STREETS: dict[str, tuple[str, ...]] = {
    "UA": ("вул. Шевченка", "вул. Франка", "просп. Перемоги", "вул. Січових Стрільців",
           "вул. Грушевського", "бульв. Лесі Українки", "вул. Садова", "вул. Соборна"),
    "LT": ("Gedimino pr.", "Laisvės al.", "Vilniaus g.", "Pylimo g.", "Savanorių pr.",
           "Taikos pr.", "Žalgirio g.", "Ukmergės g."),
    "GB": ("High Street", "Station Road", "Church Lane", "Victoria Road", "Park Avenue",
           "Mill Lane", "King Street", "Queen's Road"),
}  # fmt: skip


def address(country: str, street: str, house: int, flat: int) -> str:
    if country == "UA":
        return f"{street}, {house}, кв. {flat}"
    if country == "LT":
        return f"{street} {house}-{flat}"
    return f"Flat {flat}, {house} {street}"


@dataclass(frozen=True)
class PhonePlan:
    """Mobile numbers of one country: country code, operator prefixes, subscriber digits."""

    country_code: str
    prefixes: tuple[str, ...]
    digits: int


PHONE_PLANS = {
    "UA": PhonePlan("380", ("50", "63", "66", "67", "68", "73", "93", "95", "96", "97", "98"), 7),
    "LT": PhonePlan("370", ("60", "61", "62", "65", "67", "68", "69"), 6),
    "GB": PhonePlan("44", ("740", "741", "750", "771", "780", "790", "795"), 7),
}


def phone_number(country: str, n: int, variant: int) -> str:
    """A valid E.164 mobile number, distinct for every (n, variant) within a country.

    Multiplying by a number coprime with 10 permutes the residues, so numbers look random but
    never repeat (up to 10**digits people per prefix).
    """
    plan = PHONE_PLANS[country]
    prefix = plan.prefixes[(n + variant) % len(plan.prefixes)]
    modulus = 10**plan.digits
    subscriber = ((n * 2 + variant) * 7_919 + 104_729) % modulus
    return f"+{plan.country_code}{prefix}{subscriber:0{plan.digits}d}"


def phone_terms(e164: str, country: str) -> list[str]:
    """What `normalize.phone_search_digits` returns, without parsing (the demo knows the plan)."""
    digits = e164[1:]
    national = digits[len(PHONE_PLANS[country].country_code) :]
    return [digits, national, "0" + national]


# Reserved example domains (RFC 2606): demo addresses must never reach a real mailbox.
EMAIL_DOMAINS = (
    "example.com", "example.net", "example.org", "mail.example.com", "post.example.net",
    "inbox.example.org",
)  # fmt: skip
WORK_EMAIL_DOMAINS = ("corp.example.com", "office.example.net", "team.example.org")

_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ye", "ж": "zh",
    "з": "z", "и": "y", "і": "i", "ї": "yi", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n",
    "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "yu", "я": "ya", "ё": "yo", "ъ": "",
    "ы": "y", "э": "e", "'": "", "’": "", "-": "", " ": "",
}  # fmt: skip


@cache
def ascii_name(name: str) -> str:
    """A name as people spell it in an e-mail address: Олена → olena, Žukauskas → zukauskas."""
    text = "".join(_TRANSLIT.get(ch, ch) for ch in name.lower())
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if "a" <= ch <= "z")


def email_local(first: str, last: str, pattern: int, n: int) -> str:
    """A name-based local part; the trailing number `n` makes it unique across the data set."""
    f, la = ascii_name(first) or "client", ascii_name(last) or "travel"
    if pattern == 0:
        return f"{f}.{la}{n}"
    if pattern == 1:
        return f"{f[0]}{la}{n}"
    if pattern == 2:
        return f"{la}.{f}{n}"
    return f"{f}_{la[:4]}{n}"


TAGS: tuple[tuple[str, float], ...] = (
    ("beach", 30), ("all-inclusive", 22), ("family", 18), ("excursions", 16), ("ski", 12),
    ("city-breaks", 12), ("cruises", 6), ("honeymoon", 5), ("wellness", 7), ("diving", 4),
    ("safari", 2), ("luxury", 5), ("budget", 10), ("last-minute", 9), ("pets", 3),
    ("business-travel", 4),
)  # fmt: skip

SOURCES: tuple[tuple[str, float], ...] = (
    ("website", 28), ("referral", 18), ("instagram", 14), ("facebook", 8), ("google-ads", 10),
    ("walk-in", 8), ("phone", 6), ("partner", 3), ("exhibition", 2), ("repeat", 3),
)  # fmt: skip

LIFECYCLE: tuple[tuple[str, float], ...] = (
    ("prospect", 15),
    ("lead", 20),
    ("customer", 55),
    ("lost", 10),
)

# Average interactions over three years by lifecycle stage.
INTERACTIONS_PER_STAGE = {"prospect": 1.0, "lead": 2.0, "customer": 4.5, "lost": 3.0}

DESTINATIONS = (
    "Antalya", "Hurghada", "Sharm el-Sheikh", "Crete", "Rhodes", "Tenerife", "Mallorca",
    "Bukovel", "Dubai", "Phuket", "the Maldives", "Zanzibar", "Montenegro", "Dubrovnik",
    "Paris", "Rome", "Barcelona", "Prague", "Vienna", "the Dolomites", "Innsbruck", "Palanga",
    "Nida", "Lapland", "the Norwegian fjords", "Madeira", "Sri Lanka", "Bali", "Cyprus",
)  # fmt: skip

# channel, direction, summary template, has duration, weight
INTERACTION_TEMPLATES: tuple[tuple[str, str, str, bool, float], ...] = (
    ("phone", "inbound", "Asked about prices for {dest}, {nights} nights for {people}", True, 10),
    ("phone", "outbound", "Called back with hotel options in {dest}", True, 8),
    ("phone", "outbound", "Confirmed flight times for {dest}", True, 5),
    ("phone", "inbound", "Asked which documents are needed for {dest}", True, 4),
    ("phone", "outbound", "Welcome-back call after the trip to {dest}", True, 3),
    ("email", "outbound", "Sent the offer: {dest}, {nights} nights", False, 9),
    ("email", "outbound", "Sent the booking confirmation and vouchers for {dest}", False, 6),
    ("email", "inbound", "Asked to move the dates of the trip to {dest}", False, 3),
    ("email", "outbound", "Sent the invoice for {dest}", False, 4),
    ("messenger", "inbound", "Viber: sent passport photos for the {dest} booking", False, 5),
    ("messenger", "outbound", "Telegram: shared three hotels in {dest} to choose from", False, 6),
    ("messenger", "outbound", "WhatsApp: reminded about online check-in for {dest}", False, 4),
    ("sms", "outbound", "Payment reminder for {dest}", False, 3),
    ("sms", "outbound", "Flight to {dest} rescheduled, new time sent", False, 2),
    ("meeting", "inbound", "Planned a {people} trip to {dest} at the office", True, 3),
    ("meeting", "outbound", "Corporate travel plan for the year discussed", True, 1),
    ("visit", "inbound", "Signed the contract and paid a deposit for {dest}", False, 4),
    ("visit", "inbound", "Picked up documents and insurance for {dest}", False, 3),
    ("note", "internal", "Prefers early flights and a sea-view room", False, 2),
    ("social", "inbound", "Instagram: asked about last-minute deals to {dest}", False, 2),
)  # fmt: skip
PARTY = ("one person", "two adults", "two adults and a child", "a family of four", "a group of six")

CONSENT_SOURCES = (
    ("booking form", "Checkbox on the booking form, IP 192.0.2.{n}"),
    ("office", "Signed paper form No. {n}"),
    ("website", "Newsletter sign-up, double opt-in confirmed, IP 198.51.100.{n}"),
    ("phone", "Recorded call No. {n}"),
)
WITHDRAW_SOURCES = (
    ("unsubscribe link", "Clicked unsubscribe in a campaign e-mail"),
    ("phone", "Asked by phone to stop marketing messages"),
    ("email", "Wrote asking not to be contacted"),
)

COMPANY_NAMES: dict[str, tuple[str, ...]] = {
    "UA": ("ТОВ «Агроінвест»", "ТОВ «Київбуд-Сервіс»", "ПП «Дніпро-Логістик»",
           "ТОВ «Софтсерв Плюс»",
           "ТОВ «Карпати Енерго»", "ТОВ «Одеса Порт Сервіс»", "ПАТ «Львівська кераміка»",
           "ТОВ «Фармак-Трейд»", "ТОВ «Смарт Медіа»", "ТОВ «Зелена Долина»"),
    "LT": ("UAB „Baltijos logistika“", "UAB „Vilniaus programinė įranga“", "UAB „Kauno baldai“",
           "UAB „Klaipėdos jūra“", "UAB „Žalias miestas“", "AB „Nemuno energija“",
           "UAB „Gintaro prekyba“", "UAB „Šiaurės medis“"),
    "GB": ("Northbridge Consulting Ltd", "Harper & Finch LLP", "Albion Software Ltd",
           "Thames Valley Engineering plc", "Redbrick Analytics Ltd", "Pennine Foods Ltd"),
}  # fmt: skip
INDUSTRIES = ("IT", "Logistics", "Manufacturing", "Pharmaceuticals", "Retail", "Energy", "Media")
