"""Every sentence the kiosk shows or speaks, in Chinese and English.

Kept in one table so the zh-CN / English switch changes the whole screen at once and a
translator finds everything in one place.  Chinese is the hall's language: a label shows
Chinese first with English beneath it; in English mode English leads.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Text:
    """One sentence in both languages; ``format`` fills placeholders in both."""

    zh: str
    en: str

    def format(self, **values: object) -> Text:
        """The same sentence with ``{name}`` placeholders filled."""
        return Text(self.zh.format(**values), self.en.format(**values))

    def primary(self, lang: str) -> str:
        """The sentence in the chosen language."""
        return self.en if lang == "en" else self.zh

    def secondary(self, lang: str) -> str:
        """The other language, shown smaller (Chinese stays visible in English mode)."""
        return self.zh if lang == "en" else self.en


WELCOME = Text("欢迎使用自助取号机", "Welcome — take a ticket here")
START_HINT = Text(
    "请刷身份证、扫描预约码，或直接选择要办理的事项",
    "Swipe your ID card, scan your appointment code, or choose a matter",
)
HELLO_HOLDER = Text("{name} 您好，请选择要办理的事项", "Hello {name}, please choose a matter")
SEARCH = Text("搜索事项", "Search")
SEARCH_HINT = Text(
    "输入事项名称或拼音首字母，如 qykb = 企业开办",
    "Type a matter or its pinyin initials, e.g. qykb = 企业开办",
)
SEARCH_NONE = Text("没有找到，请换个词，或点“我不知道办什么”", "Nothing found — try another word")
HELP_ME = Text("我不知道办什么 · 请帮我", "I don't know — help me")
BACK = Text("返回", "Back")
HOME = Text("首页", "Home")
CLEAR = Text("清除", "Clear")
CHOOSE_MATTER = Text("请选择具体事项", "Choose your matter")
CONFIRM_TITLE = Text("确认取号", "Confirm your ticket")
CONFIRM_SWIPE = Text(
    "刷身份证可将号码绑定本人（可选）",
    "Swipe your ID card to put the ticket in your name (optional)",
)
HOLDER = Text("取号人：{name}  {id}", "Ticket holder: {name}  {id}")
TAKE_TICKET = Text("取号", "Take a ticket")
TAKE_NORMAL = Text("普通取号", "Normal ticket")
TAKE_GREEN = Text("绿色通道取号", "Green channel ticket")
GREEN_OFFER = Text(
    "您年满{age}周岁，可走绿色通道优先办理", "You are {age} or older: you may use the green channel"
)
ISSUING = Text("正在取号，请稍候…", "Issuing your ticket…")
YOUR_NUMBER = Text("您的号码", "Your number")
AHEAD = Text("前面还有 {n} 人", "{n} people ahead of you")
WAIT = Text("预计等候约 {m} 分钟", "Estimated wait about {m} min")
NO_WAIT = Text("无需等候，请留意叫号", "No wait — please watch for your number")
PRINTED = Text("请取走号票，留意大屏叫号", "Please take your ticket and watch the screens")
PRINTING = Text("正在打印号票…", "Printing your ticket…")
PRINTER_OUT = Text(
    "打印机暂时无法出票，请用手机拍下此页面或二维码",
    "The printer cannot print right now: please photograph this screen or the QR code",
)
TAKE_CARD = Text("请取回您的身份证", "Please take back your ID card")
DONE = Text("完成", "Done")
SPEAK_TICKET = Text(
    "您的号码是 {spoken}，前面还有 {n} 人，请留意叫号。",
    "Your number is {spoken}. {n} people are ahead of you.",
)
ALREADY_WAITING = Text(
    "您已有 {number} 号正在等候（{service}）", "You already hold ticket {number} ({service})"
)
REPRINT_HINT = Text("无需重新取号，可补打号票", "No need for a new ticket: reprint it")
REPRINT = Text("补打号票", "Reprint ticket")
APPOINTMENT = Text("预约取号", "Appointment")
APPOINTMENT_USED = Text("此预约已取过号：{number}", "This appointment already has ticket {number}")
TICKET_STATUS = Text("号票状态", "Ticket status")
STATUS_WAITING = Text("等候中", "Waiting")
STATUS_CALLED = Text("已叫号，请到 {window} 办理", "Called — please go to {window}")
STATUS_SERVING = Text("正在 {window} 办理", "Being served at {window}")
STATUS_DONE = Text("已办结，感谢您的耐心", "Finished — thank you")
STATUS_NO_SHOW = Text("已过号", "Missed (过号)")
STATUS_TRANSFERRED = Text("已转办", "Transferred")
STATUS_CANCELLED = Text("已作废（非当日号票）", "Cancelled (not today's ticket)")
CHECK_IN = Text("重新签到排队", "Check in again")
CHECK_IN_HINT = Text(
    "过号后可重新签到一次，将排在队伍前部", "After missing your call you may check in once"
)
CHECKED_IN = Text("已重新签到", "Checked in again")
PHOTO_OFFER = Text(
    "此事项需要证件照，可在本机免费自助拍照", "This matter needs an ID photo: take one here, free"
)
PHOTO_TAKE = Text("自助拍照", "Take ID photo")
PHOTO_TITLE = Text("自助拍照：请正对镜头", "ID photo: look straight at the camera")
PHOTO_SHOOT = Text("开始拍照", "Take photo")
PHOTO_RETAKE = Text("重拍", "Retake")
PHOTO_USE = Text("使用这张照片", "Use this photo")
PHOTO_SAVED = Text("照片已保存，窗口办理时直接使用", "Photo saved for your matter")
PHOTO_SAVING = Text("正在保存照片…", "Saving the photo…")
PHOTO_PROCESSING = Text("正在生成证件照…", "Making your ID photo…")
PHOTO_FAILED = Text("没有拍到清晰的正脸，请重拍", "No clear face in the photo — please retake")
PHOTO_CAMERA_DOWN = Text(
    "摄像头暂不可用，请到窗口拍照", "The camera is unavailable: photos can be taken at the window"
)
FRAMING = {
    "no_face": Text("请把脸放在框内", "Put your face inside the frame"),
    "several_faces": Text("请一个人拍照", "One person at a time, please"),
    "come_closer": Text("请靠近一些", "Come a little closer"),
    "move_back": Text("请稍微后退", "Move back a little"),
    "face_too_left": Text("请向右移一点", "Move a little to your left"),
    "face_too_right": Text("请向左移一点", "Move a little to your right"),
    "face_too_high": Text("请稍微低一点", "A little lower, please"),
    "face_too_low": Text("请稍微高一点", "A little higher, please"),
    "good": Text("很好，保持不动", "Good — hold still"),
}
ELDER_ON = Text("长辈模式", "Large text")
ELDER_OFF = Text("标准模式", "Standard")
LANGUAGE = Text("English", "中文")
ERROR_TITLE = Text("暂时无法完成", "Something went wrong")
RETRY = Text("重试", "Try again")
NETWORK_ERROR = Text(
    "网络不稳定，号票尚未确认。请点“重试”，不会重复取号。",
    "The network is unstable and the ticket is not confirmed yet. Try again: you will not get two.",
)
QUOTA_FULL = Text(
    "今日该业务号源已取完，请咨询工作人员", "Today's tickets for this service are gone"
)
HALL_CLOSED = Text(
    "现在不是取号时间，请在办公时间内取号", "Tickets are issued in opening hours only"
)
RATE_LIMITED = Text("取号过于频繁，请稍后再试", "Too many tickets just now — please wait a moment")
GREEN_REFUSED = Text(
    "绿色通道需满足年龄条件，请普通取号", "The green channel needs the age condition"
)
INVALID_ID = Text("身份证号码无效，请重新刷卡或联系工作人员", "The ID number is not valid")
UNKNOWN_APPOINTMENT = Text("没有找到这个预约，请核对预约码", "No such appointment: check the code")
APPOINTMENT_NOT_TODAY = Text(
    "此预约不是今天的，请按预约日期前来", "This appointment is for another day"
)
APPOINTMENT_MISMATCH = Text(
    "预约人与身份证不一致，请核对", "The appointment belongs to another ID card"
)
UNKNOWN_CODE = Text(
    "无法识别此二维码，请扫描预约码或号票二维码",
    "This code is not an appointment or a ticket of this hall",
)
OTHER_HALL = Text("这是其他大厅的号票", "This ticket belongs to another hall")
UNKNOWN_TICKET = Text("查不到这张号票", "This ticket cannot be found")
CHECKIN_REFUSED = Text(
    "这张号票不能重新签到（只有过号的号票可签到一次）",
    "This ticket cannot check in (only a missed ticket, once)",
)
CARD_UNREADABLE = Text(
    "身份证读取失败，请重新放置证件", "The ID card could not be read: place it again"
)
CARD_INVALID = Text("无法使用此证件，请联系工作人员", "This card cannot be used here")
SERVER_ERROR = Text(
    "服务暂时不可用，请稍后再试或联系工作人员", "Service unavailable, please ask staff"
)
READER_DOWN = Text(
    "身份证读卡器暂不可用，仍可直接选择事项取号",
    "The ID card reader is unavailable; you can still choose a matter",
)
SCANNER_DOWN = Text("扫码器暂不可用", "The code scanner is unavailable")
PRINTER_DOWN = Text(
    "打印机暂不可用，取号后请用手机拍下屏幕上的号码和二维码",
    "The printer is unavailable: photograph your number and QR code on screen",
)
CAMERA_DOWN = Text("自助拍照暂不可用", "Self-service photos are unavailable")
GUIDE_START = Text(
    "您好，请刷身份证，或在屏幕上选择要办理的业务。",
    "Hello. Swipe your ID card or choose a matter.",
)
GUIDE_MATTER = Text("请点击您要办理的具体事项。", "Tap your matter.")
GUIDE_CONFIRM = Text("请点击取号按钮。", "Tap the ticket button.")
SIM_PANEL = Text("模拟设备", "Simulated devices")
