"""The delivery channels the settings turn on, built in one place."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from tuichart.alerts.channel import Channel, ChannelError
from tuichart.alerts.desktop import DesktopChannel
from tuichart.alerts.hook import CommandChannel
from tuichart.alerts.mail import EmailChannel
from tuichart.alerts.notify_settings import NotifySettings
from tuichart.alerts.telegram import TelegramChannel

__all__ = [
    "Channel",
    "ChannelError",
    "CommandChannel",
    "DesktopChannel",
    "EmailChannel",
    "TelegramChannel",
    "channels_from_settings",
]


def channels_from_settings(
    settings: NotifySettings, env: Mapping[str, str] = os.environ, platform: str = sys.platform
) -> list[Channel]:
    """Desktop (when a desktop session exists), command, Telegram and email, as configured."""
    out: list[Channel] = []
    if settings.desktop:
        desktop = DesktopChannel.detect(env, platform, timeout=settings.timeout)
        if desktop is not None:
            out.append(desktop)
    if settings.command:
        out.append(CommandChannel(settings.command, timeout=settings.command_timeout))
    if settings.telegram is not None:
        out.append(TelegramChannel(settings.telegram, timeout=settings.timeout))
    if settings.email is not None:
        out.append(EmailChannel(settings.email, timeout=settings.timeout))
    return out
