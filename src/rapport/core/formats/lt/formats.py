"""Lithuanian: thousands grouped with a (non-breaking) space, 1 010,00 EUR, as the State
Commission of the Lithuanian Language and CLDR write them; Django's own lt formats group with
a full stop (1.010,00), which reads as a decimal point next to English and a German style to
a Lithuanian reader.

Only what differs from django.conf.locale.lt is here.
"""

THOUSAND_SEPARATOR = "\xa0"
