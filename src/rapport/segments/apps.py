from django.apps import AppConfig


class SegmentsConfig(AppConfig):
    """Segments: a rule language over contacts, orders, metrics and the timeline, compiled to
    one SQL statement; static lists; membership snapshots (who entered and who left)."""

    name = "rapport.segments"
    label = "segments"

    def ready(self) -> None:
        from rapport.contacts.views.contacts import register_list_action
        from rapport.core.imports import register
        from rapport.segments import jobs  # noqa: F401 (declares the refresh job)
        from rapport.segments.imports import SegmentMemberImporter

        register_list_action("segments/save_from_contacts.html")
        register(SegmentMemberImporter())
