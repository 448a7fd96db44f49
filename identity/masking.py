"""What may be shown of a person: 110105********002X, 张*, 欧阳**."""

from __future__ import annotations

# 复姓: a masked name keeps the whole surname, so 欧阳娜娜 reads 欧阳** and not 欧***.
_COMPOUND_SURNAMES_TEXT = """
欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒
夏侯 轩辕 令狐 钟离 端木 独孤 南宫 西门 百里 呼延 万俟 澹台
公冶 太史 申屠 闻人 赫连 第五 司空 濮阳 淳于 单于 拓跋 公羊
鲜于 闾丘 东郭 梁丘 左丘 谷梁 宰父 巫马 羊舌 微生 公良 乐正
壤驷 亓官 仲孙 叔孙 漆雕 颛孙 段干 司寇 子车 南门 东门 公西
呼衍
"""
COMPOUND_SURNAMES = frozenset(_COMPOUND_SURNAMES_TEXT.split())


def mask_id_number(id_number: str) -> str:
    """Keep the region (6) and the last 4 characters: 110105********002X.

    Nothing that dates the person stays; a string too short to keep both is starred whole.
    """
    if len(id_number) <= 10:
        return "*" * len(id_number)
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


def mask_name(name: str) -> str:
    """The surname kept, every other character starred: 张*, 李**, 欧阳**, Z***.

    A compound surname (复姓) keeps both characters when a given name follows it; a name of
    one character is starred whole, so nothing of a given name is ever shown.
    """
    name = name.strip()
    if not name:
        return ""
    keep = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
    if len(name) <= keep:
        return "*" * len(name)
    return name[:keep] + "*" * (len(name) - keep)
