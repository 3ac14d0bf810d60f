"""The raw material of the demo's sales side: sources, destinations, add-ons and reasons.

Plain data, no Django imports. Weights are relative; prices are whole euros.
"""

from dataclasses import dataclass

CURRENCY = "EUR"


@dataclass(frozen=True)
class Source:
    """A lead source of the demo agency and how it behaves."""

    key: str
    name: str
    kind: str  # LeadSource.Kind value
    first_weight: float  # share of first enquiries
    repeat_weight: float  # share of returning customers' enquiries
    cost_per_lead: float  # EUR of marketing spend per expected lead (0: no spend)
    interaction_channel: str  # the timeline channel of an enquiry from it
    order_channel: str  # how its bookings are usually made
    # the return on marketing its budget is sized for, over the whole history: (revenue −
    # spend) / spend × 100 of the revenue its customers brought (first touch)
    romi_pct: float = 0.0


SOURCES: tuple[Source, ...] = (
    Source("website", "Website", "website", 24, 20, 6.0, "web", "website", 700),
    Source("google", "Google Ads", "google_ads", 16, 10, 28.0, "web", "website", 350),
    Source("instagram", "Instagram", "instagram", 15, 20, 15.0, "social", "messenger", 450),
    Source("facebook", "Facebook", "facebook", 9, 10, 18.0, "social", "messenger", 250),
    Source("phone", "Phone", "phone", 8, 25, 1.5, "phone", "phone", 750),
    Source("walk_in", "Walk-in", "walk_in", 7, 10, 1.0, "visit", "office", 650),
    Source("referral", "Referral", "referral", 14, 5, 5.0, "phone", "office", 600),
    Source("partner", "Partner", "partner", 4, 0, 20.0, "email", "partner", 150),
    Source("exhibition", "Exhibition", "exhibition", 3, 0, 45.0, "meeting", "office", -20),
)

# (number, source key, where it is published)
TRACKING_NUMBERS = (
    ("+380443330100", "phone", "Main office line on the website and signs"),
    ("+380443330111", "google", "Google Ads call extension"),
    ("+380443330122", "facebook", "Facebook ads"),
    ("+380443330133", "instagram", "Instagram profile and stories"),
    ("+380443330144", "exhibition", "Tourism fair stand and flyers"),
    ("+37052330155", "partner", "Partner hotels' brochures"),
    ("+37052330166", "website", "Vilnius office, website contact page"),
)

# Which team takes new leads of which source (None: any source), in rule order.
ASSIGNMENT = (
    ("google", "Kyiv office"),
    ("website", "Kyiv office"),
    ("phone", "Kyiv office"),
    ("instagram", "Vilnius office"),
    ("facebook", "Vilnius office"),
    ("partner", "Vilnius office"),
    ("exhibition", "Vilnius office"),
    (None, "Kyiv office"),
)

CATEGORIES = (
    ("beach", "Beach holidays"),
    ("ski", "Ski"),
    ("excursions", "Excursion tours"),
    ("cruises", "Cruises"),
    ("city", "City breaks"),
)
ADDON_CATEGORY = "Add-ons"


@dataclass(frozen=True)
class Destination:
    code: str
    name: str
    category: str
    months: tuple[int, ...]  # departure months
    per_night: int  # EUR per person per night in a standard hotel, off-peak
    nights: int
    weight: float  # popularity


ALL_YEAR = tuple(range(1, 13))
SUMMER = (5, 6, 7, 8, 9, 10)
WINTER = (11, 12, 1, 2, 3, 4)
SKI = (12, 1, 2, 3)

DESTINATIONS: tuple[Destination, ...] = (
    Destination("ayt", "Antalya", "beach", SUMMER, 70, 7, 10),
    Destination("hrg", "Hurghada", "beach", ALL_YEAR, 60, 7, 8),
    Destination("ssh", "Sharm el-Sheikh", "beach", ALL_YEAR, 65, 7, 5),
    Destination("her", "Crete", "beach", SUMMER, 85, 7, 6),
    Destination("rho", "Rhodes", "beach", SUMMER, 80, 7, 4),
    Destination("tfs", "Tenerife", "beach", ALL_YEAR, 95, 7, 4),
    Destination("pmi", "Mallorca", "beach", SUMMER, 95, 7, 4),
    Destination("lca", "Cyprus", "beach", SUMMER, 85, 7, 4),
    Destination("tiv", "Montenegro", "beach", (6, 7, 8, 9), 75, 10, 3),
    Destination("plq", "Palanga", "beach", (6, 7, 8), 60, 5, 3),
    Destination("dxb", "Dubai", "beach", WINTER, 120, 7, 6),
    Destination("hkt", "Phuket", "beach", WINTER, 90, 10, 4),
    Destination("mle", "the Maldives", "beach", WINTER, 260, 10, 2),
    Destination("znz", "Zanzibar", "beach", (6, 7, 8, 9, 12, 1, 2), 110, 10, 2),
    Destination("dps", "Bali", "beach", (4, 5, 6, 7, 8, 9, 10), 100, 14, 2),
    Destination("cmb", "Sri Lanka", "beach", (12, 1, 2, 3, 4), 85, 10, 2),
    Destination("buk", "Bukovel", "ski", SKI, 70, 7, 6),
    Destination("dol", "the Dolomites", "ski", SKI, 150, 7, 3),
    Destination("inn", "Innsbruck", "ski", SKI, 140, 7, 3),
    Destination("lap", "Lapland", "ski", (12, 1, 2, 3), 180, 5, 2),
    Destination("kef", "Iceland", "excursions", ALL_YEAR, 170, 6, 2),
    Destination("rak", "Morocco", "excursions", (3, 4, 5, 9, 10, 11), 80, 8, 2),
    Destination("amm", "Jordan", "excursions", (3, 4, 5, 10, 11), 95, 7, 1),
    Destination("tbs", "Georgia", "excursions", (5, 6, 7, 8, 9, 10), 60, 8, 3),
    Destination("fjo", "the Norwegian fjords", "cruises", (5, 6, 7, 8, 9), 190, 7, 2),
    Destination("med", "the Mediterranean", "cruises", (4, 5, 6, 7, 8, 9, 10), 150, 10, 2),
    Destination("car", "the Caribbean", "cruises", (11, 12, 1, 2, 3, 4), 200, 10, 1),
    Destination("par", "Paris", "city", ALL_YEAR, 130, 4, 4),
    Destination("rom", "Rome", "city", ALL_YEAR, 120, 4, 4),
    Destination("bcn", "Barcelona", "city", ALL_YEAR, 115, 4, 4),
    Destination("prg", "Prague", "city", ALL_YEAR, 80, 3, 4),
    Destination("vie", "Vienna", "city", ALL_YEAR, 110, 3, 3),
    Destination("dbv", "Dubrovnik", "city", (4, 5, 6, 7, 8, 9, 10), 110, 4, 2),
)

# Price factor by departure month: summer holidays and the New Year cost more.
SEASON_PRICE = (1.25, 1.0, 1.0, 1.05, 1.05, 1.15, 1.3, 1.3, 1.1, 1.0, 0.95, 1.4)
# How many bookings are made in each calendar month (the agency's seasonality): people book
# summer holidays in late spring and early summer and the winter ones in November-December.
SEASON_ORDERS = (0.9, 0.8, 0.85, 0.95, 1.15, 1.4, 1.45, 1.2, 0.8, 0.7, 0.95, 1.35)

# (sku, name, price, per traveller?)
INSURANCE = ("demo-addon-insurance", "Travel insurance", 25, True)
INSURANCE_PLUS = ("demo-addon-insurance-plus", "Travel insurance with cancellation cover", 45, True)
TRANSFER = ("demo-addon-transfer", "Airport transfer, both ways", 40, False)
CHILD_SEAT = ("demo-addon-child-seat", "Child seat in the transfer", 15, False)
EXCURSIONS = (
    ("demo-addon-excursion-city", "Excursion: guided old town walk", 25, True),
    ("demo-addon-excursion-boat", "Excursion: boat trip", 60, True),
    ("demo-addon-excursion-jeep", "Excursion: jeep safari", 55, True),
    ("demo-addon-excursion-museum", "Excursion: museum pass", 30, True),
    ("demo-addon-excursion-dinner", "Excursion: dinner show", 70, True),
    ("demo-addon-excursion-spa", "Excursion: spa day", 90, True),
)

# (BuiltinStage key, probability %, Stage.Kind): the demo's stages are built-in ones, so each
# reader sees their names in their own language.
LEISURE_STAGES = (
    ("enquiry", 10, "open"),
    ("offer_sent", 40, "open"),
    ("booking", 80, "open"),
    ("won", 100, "won"),
    ("lost", 0, "lost"),
)
CORPORATE_STAGES = (
    ("request", 10, "open"),
    ("proposal", 30, "open"),
    ("negotiation", 60, "open"),
    ("contract_signed", 100, "won"),
    ("lost", 0, "lost"),
)
LOST_REASONS = (
    "Too expensive",
    "Chose a competitor",
    "Dates did not suit",
    "No longer travelling",
    "No answer",
    "Visa refused",
)
DISQUALIFY_REASONS = (
    "Spam",
    "Duplicate enquiry",
    "Wrong phone number",
    "Destination we do not sell",
    "Just browsing, no trip planned",
)
PROMO_CODES = ("SUMMER10", "WINTER5", "EARLY7", "FRIEND5")
PARTIES = ((1, 25), (2, 45), (3, 15), (4, 15))  # travellers per booking, weight
ENQUIRIES = (
    "Looking for {dest} in {month}, {people} travelling",
    "How much is {dest} for {people}?",
    "Is there anything left for {dest} in {month}?",
    "We want {dest}, {nights} nights, {people}",
)
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
PARTNER_SITES = ("https://hotels-partner.example.net/", "https://travel-blog.example.org/")
