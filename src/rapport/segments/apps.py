from django.apps import AppConfig


class SegmentsConfig(AppConfig):
    """Segments: a rule language over contacts, orders, metrics and the timeline, compiled to
    one SQL statement; static lists; membership snapshots (who entered and who left)."""

    name = "rapport.segments"
    label = "segments"
