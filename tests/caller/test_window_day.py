"""A full day at window 1, driven through the clerk's keys and the citizen's touches."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from caller.desk import Action
from caller.rating import Stage
from tests.caller.conftest import WindowTerminal
from tests.support.server import CLERK_PIN, HallServerProcess


def issue(server: HallServerProcess, service: str, name: str = "") -> dict[str, Any]:
    body: dict[str, Any] = {"service": service}
    if name:
        body.update(name=name, id_number="11010519491231002X")
    status, answer = server.request("POST", "/tickets", body, device="kiosk-1")
    assert status == 201, answer
    return answer["ticket"]


def window(server: HallServerProcess) -> dict[str, Any]:
    _, body = server.request("GET", "/windows", device="manager-1")
    return next(w for w in body["windows"] if w["id"] == "1")


def press(qtbot: Any, term: WindowTerminal, key: Qt.Key, *, expect: str | None = None) -> None:
    """Press a key on the desk and wait for the server's answer to be on screen."""
    page = term.view.desk_page
    if expect is None:
        QTest.keyClick(page, key)
        return
    with qtbot.waitSignal(term.model.answered, timeout=5000) as answer:
        QTest.keyClick(page, key)
    assert answer.args == [expect, True]


def sign_in(qtbot: Any, term: WindowTerminal, pin: str) -> bool:
    page = term.view.sign_in_page
    page.clerk.setText("clerk-1")
    page.pin.setText(pin)
    with qtbot.waitSignal(term.model.answered, timeout=5000) as answer:
        QTest.keyClick(page.pin, Qt.Key.Key_Return)
    return bool(answer.args[1])


def test_sign_in_rejects_a_wrong_pin_then_opens_the_window(qtbot, window_one) -> None:
    term = window_one
    assert term.view.pages.currentWidget() is term.view.sign_in_page
    assert not sign_in(qtbot, term, "0000")
    assert "工号或密码错误" in term.view.message.text()
    assert term.view.pages.currentWidget() is term.view.sign_in_page
    assert sign_in(qtbot, term, CLERK_PIN)
    assert term.view.pages.currentWidget() is term.view.desk_page
    assert term.view.clerk.text() == "窗口1办事员（clerk-1）"
    qtbot.waitUntil(lambda: term.citizen.flow.clerk == "clerk-1")
    assert "工号 No. clerk-1" in term.citizen_view.clerk.text()


def test_a_held_or_double_pressed_key_acts_once(qtbot, window_one, hall_server) -> None:
    term = window_one
    first, second = issue(hall_server, "A"), issue(hall_server, "B")
    assert sign_in(qtbot, term, CLERK_PIN)
    page = term.view.desk_page
    with qtbot.waitSignal(term.model.answered, timeout=5000):
        QTest.keyClick(page, Qt.Key.Key_F1)
        QTest.keyClick(page, Qt.Key.Key_F1)  # the second press lands while the first is in flight
    assert page.card.number.text() == first["number"]
    # F4 held down after the answer: the auto-repeated presses are not presses.
    for _ in range(5):
        held = QKeyEvent(
            QEvent.Type.KeyPress, Qt.Key.Key_F4, Qt.KeyboardModifier.NoModifier, "", True
        )
        QApplication.sendEvent(page, held)
    assert term.model.in_flight is None
    qtbot.waitUntil(lambda: term.model.figures().issued == 1)
    # A second call would have been refused as busy; the next ticket is still waiting.
    _, body = hall_server.request("GET", f"/tickets/{second['id']}", device="kiosk-1")
    assert body["ticket"]["status"] == "waiting"
    assert window(hall_server)["current"]["status"] == "called"
    assert window(hall_server)["current"]["id"] == first["id"]
    assert term.view.message.text() == ""


def test_a_full_day_at_the_window(qtbot, window_one, hall_server) -> None:
    term = window_one
    model, view, citizen = term.model, term.view, term.citizen
    card = view.desk_page.card
    tickets = [issue(hall_server, "A", "张三"), issue(hall_server, "B"), issue(hall_server, "F"),
               issue(hall_server, "G"), issue(hall_server, "A")]  # fmt: skip
    assert sign_in(qtbot, term, CLERK_PIN)
    qtbot.waitUntil(lambda: sum(q["waiting"] for q in model.window_queues()) == 5)
    assert "<b>2</b> 人" in view.desk_page.figures.queues.text()  # two A tickets

    # 1. Call: the server's ticket, masked holder, on both screens.
    press(qtbot, term, Qt.Key.Key_F1, expect="call-next")
    assert card.number.text() == tickets[0]["number"]
    assert card.holder.text() == "申请人 张*"
    assert "已等候" in card.waited.text()
    qtbot.waitUntil(lambda: citizen.stage is Stage.SERVING)
    assert term.citizen_view.message_page.big.text() == tickets[0]["number"]

    # 2. Recall twice, then a third recall passes max_recalls: the server marks it 过号.
    press(qtbot, term, Qt.Key.Key_F2, expect="recall")
    assert "重呼 1 次" in card.status.text()
    press(qtbot, term, Qt.Key.Key_F2, expect="recall")
    press(qtbot, term, Qt.Key.Key_F2, expect="recall")
    assert model.desk.current is None
    assert card.number.text() == "—"
    qtbot.waitUntil(lambda: model.figures().no_show == 1)

    # 3. Call, start, finish; the citizen rates ★2 and says why (差评).
    press(qtbot, term, Qt.Key.Key_F1, expect="call-next")
    served = model.desk.current
    assert served is not None and served["id"] == tickets[1]["id"]
    assert not view.desk_page.buttons[Action.CALL_NEXT].isEnabled()
    press(qtbot, term, Qt.Key.Key_F3, expect="start")
    assert card.status.text().startswith("办理中")
    assert not view.desk_page.buttons[Action.NO_SHOW].isEnabled()
    press(qtbot, term, Qt.Key.Key_F4, expect="finish")
    qtbot.waitUntil(lambda: citizen.stage is Stage.RATING)
    cv = term.citizen_view
    assert cv.pages.currentWidget() is cv.rating_page
    assert served["number"] in cv.rating_page.title.text()
    qtbot.mouseClick(cv.rating_page.buttons[2], Qt.MouseButton.LeftButton)
    assert citizen.stage is Stage.REASONS
    assert not cv.reasons_page.send.isEnabled()  # 差评 needs a reason
    qtbot.mouseClick(cv.reasons_page.buttons["efficiency"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(cv.reasons_page.buttons["one_time_notice"], Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(citizen.rated, timeout=5000):
        qtbot.mouseClick(cv.reasons_page.send, Qt.MouseButton.LeftButton)
    assert cv.message_page.primary.text() == "感谢您的评价！"
    _, body = hall_server.request("GET", f"/tickets/{served['id']}", device="kiosk-1")
    assert body["ticket"]["score"] == 2
    qtbot.waitUntil(lambda: model.figures().bad == 1)
    assert "差评 1" in view.desk_page.figures.today.text()
    qtbot.waitUntil(lambda: citizen.stage is Stage.WELCOME)  # thanks return by themselves

    # 4. Call and transfer to 公安服务 (C), found by pinyin initials.
    press(qtbot, term, Qt.Key.Key_F1, expect="call-next")
    moved = model.desk.current
    assert moved is not None
    press(qtbot, term, Qt.Key.Key_F6)
    assert view.pages.currentWidget() is view.transfer_page
    QTest.keyClicks(view.transfer_page.query, "gafw")
    target = view.transfer_page.selected()
    assert target is not None and target.body == {"service": "C"}
    with qtbot.waitSignal(model.answered, timeout=5000):
        QTest.keyClick(view.transfer_page.query, Qt.Key.Key_Return)
    assert view.pages.currentWidget() is view.desk_page
    assert model.desk.current is None
    _, body = hall_server.request("GET", f"/tickets/{moved['id']}", device="kiosk-1")
    assert (body["ticket"]["status"], body["ticket"]["service"]) == ("waiting", "C")

    # 5. Pause with a reason (key 2 = 午间休息) and how long (key 3 = 20 minutes; Esc goes
    #    back a step); call-next is refused on screen; resume.
    press(qtbot, term, Qt.Key.Key_F7)
    assert view.pages.currentWidget() is view.pause_page
    QTest.keyClick(view.pause_page, Qt.Key.Key_1)
    QTest.keyClick(view.pause_page, Qt.Key.Key_Escape)  # not 临时离开 after all
    assert view.pages.currentWidget() is view.pause_page and view.pause_page.reason is None
    QTest.keyClick(view.pause_page, Qt.Key.Key_2)
    assert "午间休息" in view.pause_page.title.text()
    with qtbot.waitSignal(model.answered, timeout=5000):
        QTest.keyClick(view.pause_page, Qt.Key.Key_3)
    assert model.desk.status == "paused"
    paused = window(hall_server)
    assert paused["pause_reason"] == "午间休息"
    back_at = dt.datetime.fromisoformat(paused["back_at"])
    assert back_at - dt.datetime.fromisoformat(paused["paused_at"]) == dt.timedelta(minutes=20)
    back = f"预计 {back_at:%H:%M} 恢复"
    assert "午间休息" in card.status.text() and back in card.status.text()
    qtbot.waitUntil(lambda: citizen.stage is Stage.PAUSED)
    assert back in term.citizen_view.message_page.primary.text()
    press(qtbot, term, Qt.Key.Key_F1)
    assert "现在不能叫号" in view.message.text()
    press(qtbot, term, Qt.Key.Key_F8, expect="resume")
    assert model.desk.status == "open"

    # 6. Call, then the server dies (kill -9) and comes back; meanwhile the manager finishes
    #    the ticket. The caller says it is offline, then re-syncs from the event stream.
    press(qtbot, term, Qt.Key.Key_F1, expect="call-next")
    assert model.desk.current is not None
    with qtbot.waitSignal(term.link.online_changed, timeout=10_000):
        hall_server.kill()
    assert view.link.text().startswith("● 服务器连接中断")
    assert not view.desk_page.buttons[Action.FINISH].isEnabled()
    hall_server.restart(hard=True)
    status, _ = hall_server.request("POST", "/windows/1/finish", {}, device="manager-1")
    assert status == 200
    qtbot.waitUntil(lambda: model.usable and model.desk.current is None, timeout=15_000)
    assert view.link.text() == "● 在线 Online"
    qtbot.waitUntil(lambda: model.figures().served == 2)

    # 7. Last citizen, then sign out.
    press(qtbot, term, Qt.Key.Key_F1, expect="call-next")
    press(qtbot, term, Qt.Key.Key_F4, expect="finish")
    with qtbot.waitSignal(model.answered, timeout=5000):
        qtbot.mouseClick(view.sign_out, Qt.MouseButton.LeftButton)
    assert view.pages.currentWidget() is view.sign_in_page
    assert window(hall_server)["status"] == "closed"
    c = model.figures()
    assert (c.issued, c.served, c.no_show, c.evaluations, c.bad) == (4, 3, 1, 1, 1)
    assert model.transferred_out() == 1
    _, stats = hall_server.request("GET", f"/stats?date={model.today()}", device="manager-1")
    assert c.agrees_with(stats["by_window"]["1"])  # the server's own figures for this window
