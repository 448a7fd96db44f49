"""The texts the caller's screens show, written in Chinese (English: the catalogue).

The clerk's screen and the window-facing screen show Chinese first with English beside or
beneath it. Texts the view model says (errors, the keys, pause reasons, rating levels) live
beside their logic in clerk.py, desk.py, targets.py and rating.py.
"""

from __future__ import annotations

from terminal.i18n import Text, in_context

# Window titles (hallq's screenshots are named after their English).
CALLER_TITLE = in_context("title", "叫号")
EVALUATION_TITLE = in_context("title", "评价")
# The clerk's screen.
CHANNELS = {"normal": Text("普通"), "appointment": Text("预约"), "green": Text("绿色通道")}
TICKET_STATUS = {"called": Text("已呼叫"), "serving": Text("办理中")}
WINDOW_STATUS = {
    "open": Text("服务中"),
    "paused": in_context("state", "暂停"),
    "closed": Text("未登录"),
}
SIGN_IN_HINT = Text("请输入工号和密码登录")
CLERK_ID = Text("工号")
PIN = Text("密码")
SIGN_IN = Text("登录")
WINDOW_SIGN_IN = Text("窗口登录")
PAUSED = Text("暂停中")
IDLE = Text("空闲 · 按 F1 叫号")
WAITED = Text("已等候")
HANDLING = Text("办理")
PAUSED_FOR = Text("已暂停")
WAITING = Text("等候人数")
TODAY = Text("今日本窗口")
TRANSFERRED_IN = Text("转入本窗口")
CALLED = in_context("figure", "叫号")
SERVED = in_context("figure", "办结")
NO_SHOW = Text("过号")
TRANSFERRED_OUT = Text("转出")
RATED = in_context("figure", "评价")
WHY_PAUSE = Text("暂停原因")
HOW_LONG = Text("预计多久？")
MINUTES = Text("{n} 分钟")
NOT_SURE = Text("不确定")
BACK = Text("返回")
CONFIRM_TRANSFER = Text("确认转移")
TRANSFER_KEYS = Text("↑↓ 选择 · Enter 确认 · Esc 返回")
TRANSFER_TO = Text("转移{number} 到")
TRANSFER_SEARCH = Text("搜索：窗口号、业务字母、名称或拼音首字母")
SIGN_OUT = Text("签退")
OFFLINE_DETAIL = Text("服务器连接中断，正在重连…  画面为断线前状态，按键暂停使用")
ONLINE = Text("在线")
NO_NUMBER_CALLS = Text("本系统不支持按号呼叫，请用叫号键")
# The window-facing screen.
SUBMIT = Text("提交评价")
BADGE = in_context("badge", "工号")
RECONNECTING = in_context("short", "服务器连接中断，正在重连…")
PLEASE_RATE = Text("{number} 请对本次服务进行评价")
WHAT_WENT_WRONG = Text("请告诉我们哪里不满意（可多选）")
SENDING = Text("正在提交评价…")
THANKS = Text("感谢您的评价！")
NOW_SERVING = Text("正在为您办理")
SERVICE_PAUSED = Text("暂停服务{reason}，请稍候")
WINDOW_CLOSED = Text("本窗口暂未开放")
WELCOME = Text("欢迎光临，请留意叫号")
SEND_FAILED = Text("提交失败，请再试一次")
