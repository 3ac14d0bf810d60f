from django.apps import AppConfig


class TimelineConfig(AppConfig):
    name = "rapport.timeline"
    label = "timeline"
