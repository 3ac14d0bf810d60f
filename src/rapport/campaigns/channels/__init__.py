"""Channel providers, chosen by configuration: e-mail goes through the SMTP provider when
RAPPORT_EMAIL_URL is set, SMS through RAPPORT_SMS_URL, messenger messages through the
provider of each contact's messenger (RAPPORT_TELEGRAM_URL, RAPPORT_VIBER_URL,
RAPPORT_WHATSAPP_URL); a channel or messenger without one prints its messages (the console
provider)."""

from django.conf import settings

from rapport.campaigns import config
from rapport.campaigns.channels.base import Provider
from rapport.campaigns.channels.console import ConsoleProvider
from rapport.campaigns.channels.messenger import MessengerRouter
from rapport.campaigns.channels.sms import TwilioProvider
from rapport.campaigns.channels.smtp import SmtpProvider
from rapport.campaigns.channels.telegram import TelegramProvider
from rapport.campaigns.channels.viber import ViberProvider
from rapport.campaigns.channels.whatsapp import WhatsAppProvider
from rapport.campaigns.hooks import hook_url, whatsapp_window_open


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
        return MessengerRouter(messenger_provider)
    return ConsoleProvider(channel)


def messenger_provider(messenger: str) -> Provider:
    """The provider of one messenger ("telegram", "viber", "whatsapp")."""
    if messenger == "telegram":
        url = getattr(settings, "RAPPORT_TELEGRAM_URL", "")
        if url.startswith("telegram"):
            return TelegramProvider(url)
    if messenger == "viber" and (viber := config.viber()) is not None:
        return ViberProvider(viber)
    if messenger == "whatsapp" and (whatsapp := config.whatsapp()) is not None:
        return WhatsAppProvider(whatsapp, window_open=whatsapp_window_open)
    return ConsoleProvider(f"messenger ({messenger})" if messenger != "telegram" else "messenger")
