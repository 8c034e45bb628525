"""Each delivery channel against a real counterpart: a Bot API and an SMTP server on loopback, real scripts."""

from __future__ import annotations

import json
import logging
import os
import ssl
from collections.abc import AsyncIterator, Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest

from tests.alerts.servers import (
    CHAT,
    TOKEN,
    BotApi,
    LoopbackSMTP,
    Mailbox,
    loopback_certificate,
    password_check,
    refused_port,
    sample_alert,
    wait_until,
)
from tuichart.alerts.channels import (
    ChannelError,
    CommandChannel,
    DesktopChannel,
    EmailChannel,
    TelegramChannel,
    channels_from_settings,
)
from tuichart.alerts.notify_settings import NotifySettings, TelegramSettings

ALERT = sample_alert()


@pytest.fixture()
async def bot() -> AsyncIterator[BotApi]:
    api = await BotApi().start()
    yield api
    await api.stop()


def telegram(url: str, token: str = TOKEN, timeout: float = 5.0) -> TelegramChannel:
    """A Telegram channel on the given Bot API."""
    return TelegramChannel(TelegramSettings(token=token, chat_id=CHAT, api_url=url), timeout=timeout)


async def test_telegram_sends_the_message_to_the_chat(bot: BotApi) -> None:
    ch = telegram(bot.url)
    await ch.send(ALERT)
    await ch.send(sample_alert("eth", symbol="ETHUSDT", condition="price crosses 2300"))
    await ch.aclose()
    assert [b["chat_id"] for b in bot.received] == [CHAT, CHAT]
    assert bot.received[0]["text"] == "tuichart alert: " + ALERT.message
    assert bot.received[1]["text"].startswith("tuichart alert: ETHUSDT 1m: price crosses 2300 (value 71.25")


async def test_telegram_refusal_names_the_reason_and_never_the_token(
    bot: BotApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ch = telegram(bot.url, token="999:wrong-token-abc")
    with pytest.raises(ChannelError) as info:
        await ch.send(ALERT)
    await ch.aclose()
    assert str(info.value) == "Telegram refused the message: 401 Unauthorized"
    assert bot.received == [] and bot.requests == 1
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("aiohttp"))  # not the server's
    assert "wrong-token-abc" not in ours
    assert "/bot***/sendMessage" in ours  # httpx logged the request, with the token masked


async def test_telegram_chat_not_found_is_the_bot_api_description(bot: BotApi) -> None:
    ch = TelegramChannel(TelegramSettings(token=TOKEN, chat_id="12345", api_url=bot.url))
    with pytest.raises(ChannelError, match=r"^Telegram refused the message: 400 Bad Request: chat not found$"):
        await ch.send(ALERT)
    await ch.aclose()


async def test_telegram_waits_out_one_429_when_it_fits_the_timeout(bot: BotApi) -> None:
    bot.rate_limits.extend([0.05])
    ch = telegram(bot.url, timeout=2.0)
    await ch.send(ALERT)
    assert (bot.requests, len(bot.received)) == (2, 1)
    bot.rate_limits.extend([0.05, 0.05])
    with pytest.raises(ChannelError, match=r"rate limited by Telegram again after waiting 0.05 s"):
        await ch.send(ALERT)
    assert (bot.requests, len(bot.received)) == (4, 1)
    bot.rate_limits.extend([30])
    with pytest.raises(ChannelError, match=r"rate limited by Telegram for 30 s \(longer than the 2 s timeout\)"):
        await ch.send(ALERT)
    assert (bot.requests, len(bot.received)) == (5, 1)
    await ch.aclose()


async def test_telegram_connection_refused_is_one_reason_without_the_token(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    url = f"http://127.0.0.1:{refused_port()}"
    ch = telegram(url)
    with pytest.raises(ChannelError) as info:
        await ch.send(ALERT)
    await ch.aclose()
    assert str(info.value) == f"cannot connect to {url}: Connection refused"
    assert TOKEN not in str(info.value) and TOKEN not in caplog.text


@pytest.fixture()
def mailbox() -> Iterator[tuple[Mailbox, LoopbackSMTP]]:
    box = Mailbox()
    server = LoopbackSMTP(box)
    server.start()
    yield box, server
    server.stop()


@pytest.fixture()
def auth_mailbox() -> Iterator[tuple[Mailbox, LoopbackSMTP]]:
    box = Mailbox()
    server = LoopbackSMTP(box, authenticator=password_check("me@example.com", "s3cret pass"), auth_require_tls=False)
    server.start()
    yield box, server
    server.stop()


def email_settings(port: int, env: dict[str, str], username: str | None = None) -> NotifySettings:
    """Email settings parsed the way the config file is."""
    table: dict[str, object] = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "from": "tuichart@example.com",
        "to": ["me@example.com", "desk@example.com"],
    }
    if username:
        table["username"] = username
    return NotifySettings.from_table({"email": table, "desktop": False, "timeout": 5}, env=env)


def parsed(box: Mailbox) -> Message:
    """The one message the server received."""
    assert len(box.envelopes) == 1
    content = box.envelopes[0].original_content
    assert content is not None
    return message_from_bytes(content)


async def test_email_is_mailed_with_subject_and_json_body(mailbox: tuple[Mailbox, LoopbackSMTP]) -> None:
    box, server = mailbox
    [ch] = channels_from_settings(email_settings(server.port, env={}))
    assert isinstance(ch, EmailChannel)
    await ch.send(ALERT)
    msg = parsed(box)
    assert box.envelopes[0].mail_from == "tuichart@example.com"
    assert box.envelopes[0].rcpt_tos == ["me@example.com", "desk@example.com"]
    assert (msg["From"], msg["To"]) == ("tuichart@example.com", "me@example.com, desk@example.com")
    assert msg["Subject"] == "tuichart: BTCUSDT 1m rsi above 70"
    body = msg.get_payload(decode=True)
    assert isinstance(body, bytes)
    first, _, rest = body.decode().replace("\r\n", "\n").partition("\n\n")
    assert first == ALERT.message
    assert json.loads(rest) == ALERT.to_json()


async def test_email_logs_in_with_the_password_from_the_environment(auth_mailbox: tuple[Mailbox, LoopbackSMTP]) -> None:
    box, server = auth_mailbox
    env = {"TUICHART_SMTP_PASSWORD": "s3cret pass"}
    [ch] = channels_from_settings(email_settings(server.port, env, username="me@example.com"))
    await ch.send(ALERT)
    assert parsed(box)["Subject"] == "tuichart: BTCUSDT 1m rsi above 70"


async def test_email_wrong_password_is_the_smtp_reply(auth_mailbox: tuple[Mailbox, LoopbackSMTP]) -> None:
    box, server = auth_mailbox
    env = {"TUICHART_SMTP_PASSWORD": "guess"}
    [ch] = channels_from_settings(email_settings(server.port, env, username="me@example.com"))
    with pytest.raises(ChannelError) as info:
        await ch.send(ALERT)
    assert str(info.value) == f"SMTP server 127.0.0.1:{server.port} said 535 5.7.8 Authentication credentials invalid"
    assert "guess" not in str(info.value) and box.envelopes == []


async def test_email_server_down_is_connection_refused() -> None:
    port = refused_port()
    [ch] = channels_from_settings(email_settings(port, env={}))
    with pytest.raises(ChannelError, match=rf"^cannot connect to SMTP server 127\.0\.0\.1:{port}: Connection refused$"):
        await ch.send(ALERT)


def script(tmp_path: Path, name: str, body: str) -> Path:
    """An executable shell script."""
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


async def test_command_gets_the_alert_as_json_on_stdin_and_in_its_environment(tmp_path: Path) -> None:
    body = f'cat > {tmp_path}/alert.json\necho "$TUICHART_ALERT_SYMBOL" > {tmp_path}/env\n'
    hook = script(tmp_path, "on-alert.sh", body)
    ch = CommandChannel(str(hook), timeout=10)
    await ch.send(ALERT)
    got = json.loads((tmp_path / "alert.json").read_text())
    assert got == ALERT.to_json()
    assert got["message"] == ALERT.message and got["price"] == 42_283.58
    assert (tmp_path / "env").read_text() == "BTCUSDT\n"


async def test_command_home_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    script(tmp_path, "hook.sh", f"wc -c > {tmp_path}/count\n")
    await CommandChannel("~/hook.sh").send(ALERT)
    assert int((tmp_path / "count").read_text()) == len(json.dumps(ALERT.to_json())) + 1


async def test_command_failure_is_its_exit_code_and_first_stderr_line(tmp_path: Path) -> None:
    body = "cat > /dev/null\necho >&2\necho 'no route to pager' >&2\necho more >&2\nexit 3\n"
    hook = script(tmp_path, "fail.sh", body)
    with pytest.raises(ChannelError, match=r"^the alert command exited with 3: no route to pager$"):
        await CommandChannel(str(hook)).send(ALERT)
    with pytest.raises(ChannelError, match=r"^the alert command exited with 127: .*not-a-command"):
        await CommandChannel(f"{tmp_path}/not-a-command").send(ALERT)


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


async def test_command_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    hook = script(tmp_path, "hang.sh", f"echo $$ > {tmp_path}/shell\nsleep 30 &\necho $! > {tmp_path}/sleep\nwait\n")
    with pytest.raises(ChannelError, match=r"^the alert command timed out after 0.3 s and was killed$"):
        await CommandChannel(str(hook), timeout=0.3).send(ALERT)
    pids = [int((tmp_path / name).read_text()) for name in ("shell", "sleep")]
    await wait_until(lambda: not any(alive(p) for p in pids), "the hook's processes to be gone")
    assert not any(alive(p) for p in pids)


def fake_notifier(tmp_path: Path, name: str) -> Path:
    """A notifier on a PATH of its own that records its argv, one argument per line."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    script(bin_dir, name, f'for a in "$@"; do printf "%s\\n" "$a"; done > {tmp_path}/argv\n')
    return bin_dir


async def test_desktop_runs_notify_send_with_title_and_body(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = fake_notifier(tmp_path, "notify-send")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    tricky = sample_alert(condition='price crosses 1 "$(touch pwned)"; rm -rf ~')
    [ch] = channels_from_settings(NotifySettings(), platform="linux")
    assert isinstance(ch, DesktopChannel)
    await ch.send(tricky)
    argv = (tmp_path / "argv").read_text().splitlines()
    assert argv == ["--app-name=tuichart", "--", "tuichart: BTCUSDT 1m", tricky.message]
    assert not (tmp_path / "pwned").exists()


async def test_desktop_on_macos_passes_the_text_as_osascript_arguments(tmp_path: Path) -> None:
    bin_dir = fake_notifier(tmp_path, "osascript")
    ch = DesktopChannel.detect({"PATH": str(bin_dir)}, platform="darwin")
    assert ch is not None
    await ch.send(ALERT)
    argv = (tmp_path / "argv").read_text().splitlines()
    assert argv[-2:] == ["tuichart: BTCUSDT 1m", ALERT.message]
    assert argv[:2] == ["-e", "on run argv"] and argv.count("-e") == 3


def test_no_desktop_session_means_no_desktop_channel(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="tuichart.alerts")
    bin_dir = fake_notifier(tmp_path, "notify-send")
    assert DesktopChannel.detect({"PATH": str(bin_dir)}, platform="linux") is None
    assert "no DISPLAY or WAYLAND_DISPLAY" in caplog.text
    assert DesktopChannel.detect({"PATH": str(tmp_path), "WAYLAND_DISPLAY": "wayland-0"}, platform="linux") is None
    assert "notify-send not found on PATH" in caplog.text
    assert DesktopChannel.detect({"PATH": str(bin_dir), "WAYLAND_DISPLAY": "wayland-0"}, platform="linux") is not None
    off = NotifySettings(desktop=False)
    assert channels_from_settings(off, env={"PATH": str(bin_dir), "DISPLAY": ":0"}, platform="linux") == []


async def test_a_failing_notifier_is_reported(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script(bin_dir, "notify-send", "echo 'Cannot autolaunch D-Bus without X11' >&2\nexit 1\n")
    ch = DesktopChannel.detect({"PATH": str(bin_dir), "DISPLAY": ":0"}, platform="linux")
    assert ch is not None
    with pytest.raises(ChannelError, match=r"^notify-send exited with 1: Cannot autolaunch D-Bus without X11$"):
        await ch.send(ALERT)


def test_settings_build_the_configured_channels_in_order() -> None:
    env = {"TUICHART_TELEGRAM_TOKEN": TOKEN, "TUICHART_TELEGRAM_CHAT_ID": CHAT, "PATH": "/nonexistent"}
    table = {
        "command": "cat",
        "command_timeout": 4,
        "telegram": {},
        "email": {"host": "mx", "from": "a@x", "to": "b@x"},
    }
    chans = channels_from_settings(NotifySettings.from_table(table, env=env), env=env, platform="linux")
    assert [c.name for c in chans] == ["command", "telegram", "email"]
    assert [type(c) for c in chans] == [CommandChannel, TelegramChannel, EmailChannel]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return loopback_certificate(tmp_path_factory.mktemp("tls"))


@pytest.mark.parametrize("security", ["starttls", "tls"])
async def test_email_over_tls_checks_the_server_certificate(
    security: str, certificate: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """STARTTLS and SMTP over TLS to a server whose certificate a private CA signed: trusted through
    SSL_CERT_FILE (as a user with a private CA would), refused without it."""
    ca, cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    box = Mailbox()
    if security == "tls":
        server = LoopbackSMTP(box, ssl_context=context)
    else:
        server = LoopbackSMTP(box, tls_context=context, require_starttls=True)
    server.start()
    try:
        table = {"host": "127.0.0.1", "port": server.port, "security": security, "from": "a@x.org", "to": "b@x.org"}
        settings = NotifySettings.from_table({"email": table, "desktop": False, "timeout": 5}, env={})
        [ch] = channels_from_settings(settings)
        with pytest.raises(ChannelError) as info:  # the system's CAs do not know this server
            await ch.send(ALERT)
        assert str(info.value).startswith(f"TLS with SMTP server 127.0.0.1:{server.port} failed: ")
        assert "CERTIFICATE_VERIFY_FAILED" in str(info.value) and box.envelopes == []
        monkeypatch.setenv("SSL_CERT_FILE", str(ca))
        await ch.send(ALERT)
        assert parsed(box)["Subject"] == "tuichart: BTCUSDT 1m rsi above 70"
    finally:
        server.stop()
