"""The texts the display's screens show, written in Chinese (English: the catalogue).

Both modes show Chinese first with English beside or beneath it; the hall's own names (the
hall, its services) come from the hall config in both languages.
"""

from __future__ import annotations

from terminal.i18n import Text, in_context

# Hall mode.
NOW_CALLING = Text("正在呼叫")
WAITING = Text("排队等候")
RECENT = Text("最近呼叫")
# Supervision mode.
SUPERVISION = Text("电子监察")
WINDOW_STATUS = {
    "open": Text("开放"),
    "paused": in_context("state", "暂停"),
    "closed": Text("关闭"),
}
IDLE = Text("空闲")
ACKNOWLEDGE = Text("确认")
ISSUED = Text("今日取号")
SERVED = Text("已办结")
NO_SHOWS = in_context("figure", "过号")
AVERAGE_WAIT = Text("平均等待")
SATISFACTION = Text("满意率")
QUEUE = Text("队列")
QUEUE_WAITING = Text("等候")
QUEUE_LONGEST = Text("最长等待")
COUNTED_SINCE = Text("统计自 {since} 起（本屏开机后）")
WHOLE_DAY = Text("全天")
ALERTS = Text("告警")
