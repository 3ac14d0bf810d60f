from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "rapport.contacts"
    label = "contacts"

    def ready(self) -> None:
        from rapport.contacts.imports import ContactImporter
        from rapport.core.imports import register

        register(ContactImporter())
