"""Channel providers, chosen by configuration: `provider_for("email")` gives the SMTP
provider when RAPPORT_EMAIL_URL is set and the console provider otherwise."""

from django.conf import settings

from rapport.campaigns.channels.base import Provider
from rapport.campaigns.channels.console import ConsoleProvider
from rapport.campaigns.channels.smtp import SmtpProvider


def provider_for(channel: str) -> Provider:
    if channel == "email":
        url = getattr(settings, "RAPPORT_EMAIL_URL", "")
        if url and not url.startswith("console:"):
            return SmtpProvider(url, sender=settings.DEFAULT_FROM_EMAIL)
    # SMS and messenger providers come with their configuration (RAPPORT_SMS_URL, …).
    return ConsoleProvider(channel)
