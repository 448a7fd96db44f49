"""Every sentence the kiosk shows or speaks, written in Chinese (English: the catalogue).

Kept in one table so the zh-CN / English switch changes the whole screen at once.  Chinese is
the hall's language: a label shows Chinese first with English beneath it; in English mode
English leads.
"""

from __future__ import annotations

from terminal.i18n import Text

WELCOME = Text("欢迎使用自助取号机")
START_HINT = Text("请刷身份证、扫描预约码，或直接选择要办理的事项")
HELLO_HOLDER = Text("{name} 您好，请选择要办理的事项")
SEARCH = Text("搜索事项")
SEARCH_HINT = Text("输入事项名称或拼音首字母，如 qykb = 企业开办")
SEARCH_NONE = Text("没有找到，请换个词，或点“我不知道办什么”")
HELP_ME = Text("我不知道办什么 · 请帮我")
BACK = Text("返回")
HOME = Text("首页")
CLEAR = Text("清除")
CHOOSE_MATTER = Text("请选择具体事项")
CONFIRM_TITLE = Text("确认取号")
CONFIRM_SWIPE = Text("刷身份证可将号码绑定本人（可选）")
HOLDER = Text("取号人：{name}  {id}")
TAKE_TICKET = Text("取号")
TAKE_NORMAL = Text("普通取号")
TAKE_GREEN = Text("绿色通道取号")
GREEN_OFFER = Text("您年满{age}周岁，可走绿色通道优先办理")
ISSUING = Text("正在取号，请稍候…")
YOUR_NUMBER = Text("您的号码")
AHEAD = Text("前面还有 {n} 人")
WAIT = Text("预计等候约 {m} 分钟")
NO_WAIT = Text("无需等候，请留意叫号")
PRINTED = Text("请取走号票，留意大屏叫号")
PRINTING = Text("正在打印号票…")
PRINTER_OUT = Text("打印机暂时无法出票，请用手机拍下此页面或二维码")
TAKE_CARD = Text("请取回您的身份证")
DONE = Text("完成")
SPEAK_TICKET = Text("您的号码是 {spoken}，前面还有 {n} 人，请留意叫号。")
ALREADY_WAITING = Text("您已有 {number} 号正在等候（{service}）")
REPRINT_HINT = Text("无需重新取号，可补打号票")
REPRINT = Text("补打号票")
APPOINTMENT = Text("预约取号")
APPOINTMENT_USED = Text("此预约已取过号：{number}")
TICKET_STATUS = Text("号票状态")
STATUS_WAITING = Text("等候中")
STATUS_CALLED = Text("已叫号，请到 {window} 办理")
STATUS_SERVING = Text("正在 {window} 办理")
STATUS_DONE = Text("已办结，感谢您的耐心")
STATUS_NO_SHOW = Text("已过号")
STATUS_TRANSFERRED = Text("已转办")
STATUS_CANCELLED = Text("已作废（非当日号票）")
CHECK_IN = Text("重新签到排队")
CHECK_IN_HINT = Text("过号后可重新签到一次，将排在队伍前部")
CHECKED_IN = Text("已重新签到")
PHOTO_OFFER = Text("此事项需要证件照，可在本机免费自助拍照")
PHOTO_TAKE = Text("自助拍照")
PHOTO_TITLE = Text("自助拍照：请正对镜头")
PHOTO_SHOOT = Text("开始拍照")
PHOTO_RETAKE = Text("重拍")
PHOTO_USE = Text("使用这张照片")
PHOTO_SAVED = Text("照片已保存，窗口办理时直接使用")
PHOTO_SAVING = Text("正在保存照片…")
PHOTO_PROCESSING = Text("正在生成证件照…")
PHOTO_FAILED = Text("没有拍到清晰的正脸，请重拍")
PHOTO_CAMERA_DOWN = Text("摄像头暂不可用，请到窗口拍照")
FRAMING = {
    "no_face": Text("请把脸放在框内"),
    "several_faces": Text("请一个人拍照"),
    "come_closer": Text("请靠近一些"),
    "move_back": Text("请稍微后退"),
    "face_too_left": Text("请向右移一点"),
    "face_too_right": Text("请向左移一点"),
    "face_too_high": Text("请稍微低一点"),
    "face_too_low": Text("请稍微高一点"),
    "good": Text("很好，保持不动"),
}
ELDER_ON = Text("长辈模式")
ELDER_OFF = Text("标准模式")
LANGUAGE = Text("English")
ERROR_TITLE = Text("暂时无法完成")
RETRY = Text("重试")
NETWORK_ERROR = Text("网络不稳定，号票尚未确认。请点“重试”，不会重复取号。")
QUOTA_FULL = Text("今日该业务号源已取完，请咨询工作人员")
HALL_CLOSED = Text("现在不是取号时间，请在办公时间内取号")
RATE_LIMITED = Text("取号过于频繁，请稍后再试")
GREEN_REFUSED = Text("绿色通道需满足年龄条件，请普通取号")
INVALID_ID = Text("身份证号码无效，请重新刷卡或联系工作人员")
UNKNOWN_APPOINTMENT = Text("没有找到这个预约，请核对预约码")
APPOINTMENT_NOT_TODAY = Text("此预约不是今天的，请按预约日期前来")
APPOINTMENT_MISMATCH = Text("预约人与身份证不一致，请核对")
UNKNOWN_CODE = Text("无法识别此二维码，请扫描预约码或号票二维码")
OTHER_HALL = Text("这是其他大厅的号票")
UNKNOWN_TICKET = Text("查不到这张号票")
CHECKIN_REFUSED = Text("这张号票不能重新签到（只有过号的号票可签到一次）")
CARD_UNREADABLE = Text("身份证读取失败，请重新放置证件")
CARD_INVALID = Text("无法使用此证件，请联系工作人员")
SERVER_ERROR = Text("服务暂时不可用，请稍后再试或联系工作人员")
READER_DOWN = Text("身份证读卡器暂不可用，仍可直接选择事项取号")
SCANNER_DOWN = Text("扫码器暂不可用")
PRINTER_DOWN = Text("打印机暂不可用，取号后请用手机拍下屏幕上的号码和二维码")
CAMERA_DOWN = Text("自助拍照暂不可用")
GUIDE_START = Text("您好，请刷身份证，或在屏幕上选择要办理的业务。")
GUIDE_MATTER = Text("请点击您要办理的具体事项。")
GUIDE_CONFIRM = Text("请点击取号按钮。")
SIM_PANEL = Text("模拟设备")
