"""Pairing without copying tokens, in Debian's headless Chromium against a real hall server and
a real kiosk process: the kiosk shows a code, the manager approves it in the console, the kiosk
gets its token and issues a ticket; revoked, it is back on the pairing screen by itself."""

from __future__ import annotations

import re
import stat
from pathlib import Path

from pytestqt.qtbot import QtBot

from hallq.processes import wait_for
from hallq.terminals import RemoteError, RemoteTerminal
from terminal.link import ServerLink
from terminal.pairing import TerminalPairing, TokenFile
from terminal.pinning import CertificatePin
from terminal.screens import FullScreenWindow
from tests.manage.conftest import ADMIN, Console
from tests.support.server import run_command
from tests.support.terminals import start_terminal

CODE = re.compile(r"^(\d{3}) (\d{3})$")


def _labels(remote: RemoteTerminal) -> list[str]:
    if not remote.ready():
        return []
    try:
        return [label for w in remote.windows() for label in w["labels"]]
    except RemoteError:
        return []


def shown_code(remote: RemoteTerminal) -> str | None:
    """The pairing code on the kiosk's screen (its label "123 456"), None when none is shown."""
    for label in _labels(remote):
        match = CODE.match(label)
        if match:
            return match.group(1) + match.group(2)
    return None


def _windows(remote: RemoteTerminal) -> list[dict[str, object]]:
    if not remote.ready():
        return []
    try:
        return remote.windows()
    except RemoteError:
        return []


def _has_button(remote: RemoteTerminal, name: str) -> bool:
    try:
        return any(b["name"] == name for b in remote.buttons())
    except RemoteError:
        return False


def test_a_kiosk_without_a_token_is_paired_in_the_console_and_revoked_back_to_pairing(
    admin, console: Console, tmp_path: Path
) -> None:
    child, kiosk = start_terminal("kiosk", tmp_path, "--server", console.server.url)
    try:
        wait_for(lambda: shown_code(kiosk), 60, "for the pairing code", child=child)
        code = shown_code(kiosk)
        assert code is not None
        screen = " ".join(_labels(kiosk))
        assert "请管理员在管理台输入配对码" in screen
        assert "Ask a manager to enter this code in the console" in screen
        assert console.server.url in screen and "示例市政务服务中心" in screen

        # The console lists the waiting terminal (kind, host, age), never its code.
        admin.goto(console.url + "/devices")
        pending = admin.locator("tr[data-pending=kiosk]")
        assert pending.count() == 1 and "刚刚" in pending.inner_text()
        assert code not in admin.content()

        # Step 1: the code; step 2: which kiosk it is. Only kiosks are offered.
        admin.fill("#pairing input[name=code]", f"{code[:3]} {code[3:]}")
        admin.click("#pairing button.primary")
        found = admin.locator("#pairing .found")
        assert found.get_attribute("data-kind") == "kiosk"
        options = admin.locator("#pairing select[name=device] option").all_inner_texts()
        assert any(o.startswith("kiosk-1") for o in options)
        assert not any(o.startswith(("caller-", "display-")) for o in options)
        admin.select_option("#pairing select[name=device]", "kiosk-1")
        admin.click("#pairing button.primary")
        admin.wait_for_url("**/devices?done=paired")
        assert "已配对" in admin.content()

        # The kiosk collects its token by itself, keeps it (0600) and is ready: a ticket.
        wait_for(lambda: _has_button(kiosk, "area-F"), 30, "for the kiosk's start screen",
                 child=child)  # fmt: skip
        token_file = tmp_path / "state" / "hallq" / "kiosk.token"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        assert kiosk.click(name="area-F")
        wait_for(lambda: any(b["name"].startswith("matter-") for b in kiosk.buttons()), 10,
                 "for the matters of area F")  # fmt: skip
        matter = next(b["name"] for b in kiosk.buttons() if b["name"].startswith("matter-"))
        assert kiosk.click(name=matter)
        wait_for(lambda: _has_button(kiosk, "take"), 10, "for the confirm screen")
        assert kiosk.click(name="take")
        wait_for(lambda: "F001" in kiosk.text(), 15, "for the ticket on the kiosk's screen")

        # Restarted, the kiosk uses the kept token: no code this time.
        child.stop()
        child, kiosk = start_terminal("kiosk", tmp_path, "--server", console.server.url)
        wait_for(lambda: _has_button(kiosk, "area-F"), 60, "for the restarted kiosk",
                 child=child)  # fmt: skip
        assert shown_code(kiosk) is None

        # The audit says who paired which device from which terminal.
        admin.goto(console.url + "/audit?action=terminal_paired")
        row = admin.locator("table tbody tr").first.inner_text()
        assert ADMIN in row and "kiosk-1" in row

        # Revoked in the console: the kiosk drops its token and shows a new code by itself.
        admin.goto(console.url + "/devices")
        admin.once("dialog", lambda dialog: dialog.accept())
        admin.click("tr[data-device=kiosk-1] button.danger")
        admin.wait_for_url("**/devices?done=revoked")
        wait_for(lambda: shown_code(kiosk) not in (None, code), 30, "for a new pairing code",
                 child=child)  # fmt: skip
        assert not token_file.exists()
        assert "本终端未获大厅服务器授权" in " ".join(_labels(kiosk))
        assert child.running()
    finally:
        child.stop()


def _waiting(console: Console, kind: str) -> str:
    """A terminal of `kind` asks for pairing (through the API, as a terminal does); its code."""
    status, body = console.server.request("POST", "/pairings", {"kind": kind, "host": "pc-7"})
    assert status == 201, body
    return str(body["pairing"]["code"])


def test_a_wrong_code_is_a_field_error_in_both_languages_and_guessing_is_limited(
    admin, console: Console
) -> None:
    code = _waiting(console, "caller")
    wrong = next(c for c in ("000000", "000001") if c != code)
    admin.goto(console.url + "/devices")
    admin.fill("#pairing input[name=code]", "12 34")
    admin.click("#pairing button.primary")
    error = admin.locator("#pairing .error")
    assert error.inner_text() == "配对码为 6 位数字 · The code has 6 digits"
    assert admin.input_value("#pairing input[name=code]") == "12 34"  # nothing lost
    for _ in range(5):
        admin.fill("#pairing input[name=code]", wrong)
        admin.click("#pairing button.primary")
        assert "没有终端显示该配对码" in error.inner_text()
        assert "No terminal shows this code" in error.inner_text()
    admin.fill("#pairing input[name=code]", code)  # the right code, but too many wrong ones
    admin.click("#pairing button.primary")
    assert (
        "配对码输错次数过多" in error.inner_text() and "Too many wrong codes" in error.inner_text()
    )
    assert admin.locator("#pairing .found").count() == 0


def test_the_device_must_be_one_of_the_terminals_kind(admin, console: Console) -> None:
    code = _waiting(console, "caller")
    admin.goto(console.url + "/devices")
    admin.fill("#pairing input[name=code]", code)
    admin.click("#pairing button.primary")
    options = admin.locator("#pairing select[name=device] option").all_inner_texts()
    offered = options[1:]  # after "— 请选择 Choose —"
    assert len(offered) >= 10 and all(o.startswith("caller-") for o in offered)
    assert "已配对，将换新令牌" in offered[0]  # caller-1 holds a token: it will be replaced
    # A form sent with a kiosk for a caller (not offered, but sent by hand) is refused.
    csrf = admin.locator("#pairing input[name=csrf]").input_value()
    answer = admin.request.post(
        console.url + "/devices/pairing/approve",
        form={"csrf": csrf, "code": code, "device": "kiosk-1"},
    )
    assert answer.status == 422 and "请选择该终端对应的设备" in answer.text()
    admin.click("#pairing button.primary")  # nothing chosen: the browser asks first
    assert admin.locator("#pairing select[name=device]:invalid").count() == 1
    admin.select_option("#pairing select[name=device]", "caller-2")
    admin.click("#pairing button.primary")
    admin.wait_for_url("**/devices?done=paired")
    assert admin.locator("tr[data-pending]").count() == 0
    s = console.server  # caller-2's old token was replaced, as `hallq-server token` does
    assert s.request("GET", "/devices/me", device="caller-2")[0] == 401


def test_a_caller_revoked_by_the_command_line_shows_the_code_over_its_screens(
    console: Console, tmp_path: Path
) -> None:
    s = console.server
    token = s.tokens["caller-3"]
    child, caller = start_terminal("caller", tmp_path, "--server", s.url, "--token", token)
    try:
        online = "INFO hallq.link: online"
        wait_for(lambda: online in child.log_path.read_text(encoding="utf-8"), 60,
                 "for the caller to be online", child=child)  # fmt: skip
        wait_for(lambda: len(_windows(caller)) >= 2, 30, "for the clerk's and citizen's screens")
        assert shown_code(caller) is None
        revoked = run_command("hallserver.cli", "token", "revoke", "--db", str(s.db),
                              "--device", "caller-3")  # fmt: skip
        assert revoked.returncode == 0, revoked.stderr
        wait_for(lambda: shown_code(caller), 30, "for the pairing code", child=child)
        showing = [w["title"] for w in caller.windows() if any(CODE.match(x) for x in w["labels"])]
        assert len(showing) >= 2, showing  # the clerk's screen and the citizen's both say so
    finally:
        child.stop()


def test_a_caller_paired_again_as_another_window_starts_again_as_that_one(
    admin, console: Console, qtbot: QtBot, tmp_path: Path
) -> None:
    """In-process: the caller's pairing, a revoke and an approval as caller-2 in the browser."""
    s = console.server
    window = FullScreenWindow("caller", windowed=True, screen_size=(800, 480))
    qtbot.addWidget(window)
    restarts: list[str] = []
    pairing = TerminalPairing(
        "caller",
        "desk-pc",
        TokenFile(tmp_path / "caller.token"),
        CertificatePin(),
        configured=s.tokens["caller-1"],
        restart=lambda: restarts.append(pairing.device),
        parent=window,
    )
    pairing.cover(window)
    link = ServerLink(s.url, s.tokens["caller-1"], window, reconnect_max_s=0.5)
    pairing.watch(link)
    link.start()
    qtbot.waitUntil(lambda: pairing.device == "caller-1", timeout=20000)  # it asked who it is

    admin.goto(console.url + "/devices")
    admin.once("dialog", lambda dialog: dialog.accept())
    admin.click("tr[data-device=caller-1] button.danger")
    admin.wait_for_url("**/devices?done=revoked")
    qtbot.waitUntil(lambda: pairing.code is not None, timeout=20000)

    admin.goto(console.url + "/devices")
    admin.fill("#pairing input[name=code]", pairing.code or "")
    admin.click("#pairing button.primary")
    assert admin.input_value("#pairing select[name=device]") == "caller-1"  # named: preselected
    admin.select_option("#pairing select[name=device]", "caller-2")
    admin.click("#pairing button.primary")
    admin.wait_for_url("**/devices?done=paired")
    qtbot.waitUntil(lambda: restarts == ["caller-2"], timeout=30000)
    kept = (tmp_path / "caller.token").read_text().strip()
    assert (
        s.request("GET", "/devices/me", headers={"Authorization": f"Bearer {kept}"})[1]["id"]
        == "caller-2"
    )
    link.stop()
