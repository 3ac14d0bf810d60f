from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "rapport.api"
    label = "api"

    def ready(self) -> None:
        from rapport.api import jobs  # noqa: F401 (declares the API's periodic jobs)
