"""Date formats that replace Django's where its default does not suit Rapport's readers.

Django's English formats are American (12/01/2026 is 1 December), which a European reader
takes for 12 January. English here is day-first; Russian and Ukrainian are day-first
already (01.12.2026) and Lithuanian is year-first (2026-12-01, its national standard and
unambiguous), so those keep Django's own formats. settings.FORMAT_MODULE_PATH points here.
"""
