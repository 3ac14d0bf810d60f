"""Channel providers, chosen by configuration: e-mail goes through the SMTP provider when
RAPPORT_EMAIL_URL is set, SMS through RAPPORT_SMS_URL, messenger messages through
RAPPORT_TELEGRAM_URL; a channel without one prints its messages (the console provider)."""

from django.conf import settings

from rapport.campaigns.channels.base import Provider
from rapport.campaigns.channels.console import ConsoleProvider
from rapport.campaigns.channels.sms import TwilioProvider
from rapport.campaigns.channels.smtp import SmtpProvider
from rapport.campaigns.channels.telegram import TelegramProvider
from rapport.campaigns.hooks import hook_url


def provider_for(channel: str) -> Provider:
    if channel == "email":
        url = getattr(settings, "RAPPORT_EMAIL_URL", "")
        if url and not url.startswith("console:"):
            return SmtpProvider(url, sender=settings.DEFAULT_FROM_EMAIL)
    if channel == "sms":
        url = getattr(settings, "RAPPORT_SMS_URL", "")
        if url.startswith("twilio"):
            return TwilioProvider(url, status_callback=hook_url("twilio"))
    if channel == "messenger":
        url = getattr(settings, "RAPPORT_TELEGRAM_URL", "")
        if url.startswith("telegram"):
            return TelegramProvider(url)
    return ConsoleProvider(channel)
