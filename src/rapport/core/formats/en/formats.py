"""English, day first: 1 Dec 2026 and 01.12.2026, with a 24-hour clock and Monday first.

Only what differs from django.conf.locale.en is here; number formats stay Django's.
"""

DATE_FORMAT = "j M Y"  # 1 Dec 2026
TIME_FORMAT = "H:i"  # 14:30
DATETIME_FORMAT = "j M Y, H:i"  # 1 Dec 2026, 14:30
YEAR_MONTH_FORMAT = "F Y"  # December 2026
MONTH_DAY_FORMAT = "j F"  # 1 December
SHORT_DATE_FORMAT = "d.m.Y"  # 01.12.2026 (dots: never read as the US 12/01)
SHORT_DATETIME_FORMAT = "d.m.Y H:i"  # 01.12.2026 14:30
FIRST_DAY_OF_WEEK = 1  # Monday

# What a typed date means: ISO first (the browser's date input sends it), then day first.
DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # 2026-12-01
    "%d.%m.%Y",  # 01.12.2026
    "%d/%m/%Y",  # 01/12/2026
    "%d.%m.%y",  # 01.12.26
    "%d/%m/%y",  # 01/12/26
    "%d %b %Y",  # 1 Dec 2026
    "%d %B %Y",  # 1 December 2026
]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
]
