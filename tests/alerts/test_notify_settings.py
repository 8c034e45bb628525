"""The `[notify]` table: defaults, every key, secrets from the environment, and one-line errors naming the key."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from tuichart.alerts.notify_settings import EmailSettings, NotifySettings, TelegramSettings
from tuichart.config import load_settings
from tuichart.errors import BadInput

FULL = """
[notify]
desktop = false
bell = false
command = "~/bin/on-alert.sh"
command_timeout = 3
timeout = 2.5

[notify.telegram]
api_url = "http://127.0.0.1:9/"

[notify.email]
host = "smtp.example.com"
port = 465
security = "tls"
username = "me@example.com"
from = "tuichart@example.com"
to = ["me@example.com", "desk@example.com"]
"""
ENV = {
    "TUICHART_TELEGRAM_TOKEN": "42:tok",
    "TUICHART_TELEGRAM_CHAT_ID": "777",
    "TUICHART_SMTP_PASSWORD": "hunter2",
}


def notify(text: str, env: dict[str, str] | None = None) -> NotifySettings:
    """Parse a config text's `[notify]` table."""
    return NotifySettings.from_table(tomllib.loads(text).get("notify"), env=ENV if env is None else env)


def test_no_table_means_desktop_and_bell_only() -> None:
    s = NotifySettings.from_table(None, env={})
    assert (s.desktop, s.bell, s.command, s.telegram, s.email) == (True, True, None, None, None)
    assert (s.timeout, s.command_timeout) == (10.0, 10.0)
    assert load_settings(None, None, config={}).notify == s


def test_every_key_is_read_and_secrets_come_from_the_environment() -> None:
    s = notify(FULL)
    assert (s.desktop, s.bell, s.command, s.command_timeout, s.timeout) == (False, False, "~/bin/on-alert.sh", 3.0, 2.5)
    assert s.telegram == TelegramSettings(token="42:tok", chat_id="777", api_url="http://127.0.0.1:9")
    assert s.email == EmailSettings(
        host="smtp.example.com",
        sender="tuichart@example.com",
        to=("me@example.com", "desk@example.com"),
        port=465,
        security="tls",
        username="me@example.com",
        password="hunter2",
    )
    assert "42:tok" not in repr(s) and "hunter2" not in repr(s)


def test_email_defaults_follow_security_and_a_single_address_is_a_list() -> None:
    s = notify('[notify.email]\nhost = "mx"\nfrom = "a@x"\nto = "b@x"\nsecurity = "none"\n', env={})
    assert s.email == EmailSettings(host="mx", sender="a@x", to=("b@x",), port=25, security="none")
    starttls = notify('[notify.email]\nhost = "mx"\nfrom = "a@x"\nto = ["b@x"]\n', env={}).email
    assert starttls is not None and (starttls.port, starttls.security, starttls.password) == (587, "starttls", None)


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ("[notify]\nsound = true\n", {}, r'unknown key "notify\.sound" \(known: desktop, bell, command'),
        ("[notify]\ndesktop = 1\n", {}, r"^notify\.desktop = 1: expected true or false$"),
        ('[notify]\ntimeout = "10"\n', {}, r'^notify\.timeout = "10": expected a number$'),
        ("[notify]\ncommand_timeout = 0\n", {}, r"^notify\.command_timeout = 0: expected a number above 0$"),
        ("[notify]\ncommand = 5\n", {}, r"^notify\.command = 5: expected a string$"),
        ("[notify]\ntelegram = 1\n", {}, r"^notify\.telegram = 1: expected a table$"),
        ("[notify.telegram]\n", {}, r"\[notify\.telegram\] is on but TUICHART_TELEGRAM_TOKEN is not set"),
        (
            "[notify.telegram]\n",
            {"TUICHART_TELEGRAM_TOKEN": "1:x"},
            r"\[notify\.telegram\] is on but TUICHART_TELEGRAM_CHAT_ID is not set",
        ),
        (
            '[notify.telegram]\napi_url = "ftp://x"\n',
            ENV,
            r'^notify\.telegram\.api_url = "ftp://x": expected an http:// or https:// URL$',
        ),
        ("[notify.telegram]\ntoken = 'x'\n", ENV, r'^unknown key "notify\.telegram\.token" \(known: api_url\)$'),
        ('[notify.email]\nhost = "mx"\nto = ["b@x"]\n', {}, r"notify\.email\.from is required"),
        ('[notify.email]\nfrom = "a@x"\nto = ["b@x"]\n', {}, r"notify\.email\.host is required"),
        (
            '[notify.email]\nhost = "mx"\nfrom = "a@x"\nto = []\n',
            {},
            r"^notify\.email\.to = \[\]: expected a non-empty list$",
        ),
        (
            '[notify.email]\nhost = "mx"\nfrom = "a@x"\nto = "b@x"\nport = 0\n',
            {},
            r"^notify\.email\.port = 0: expected a port number from 1 to 65535$",
        ),
        (
            '[notify.email]\nhost = "mx"\nfrom = "a@x"\nto = "b@x"\nsecurity = "ssl"\n',
            {},
            r'^notify\.email\.security = "ssl": expected one of none, starttls, tls$',
        ),
        (
            '[notify.email]\nhost = "mx"\nfrom = "a@x"\nto = "b@x"\nusername = "me"\n',
            {},
            r"notify\.email\.username is set but TUICHART_SMTP_PASSWORD is not set",
        ),
    ],
)
def test_mistakes_are_one_line_naming_the_key(text: str, env: dict[str, str], message: str) -> None:
    with pytest.raises(BadInput, match=message) as info:
        notify(text, env)
    assert "\n" not in str(info.value)


def test_load_settings_reads_notify_and_names_the_file_on_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUICHART_CONFIG", "/etc/tuichart-test.toml")
    cfg: dict[str, Any] = {"notify": {"command": "cat > /dev/null", "bell": False}}
    s = load_settings(None, None, config=cfg)
    assert (s.notify.command, s.notify.bell, s.notify.desktop) == ("cat > /dev/null", False, True)
    with pytest.raises(BadInput, match=r'^/etc/tuichart-test\.toml: notify\.bell = "yes": expected true or false$'):
        load_settings(None, None, config={"notify": {"bell": "yes"}})
