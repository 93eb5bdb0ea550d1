"""Name search by pinyin and initials: "zs" and "zhangsan" both find 张三.

Pinyin forms are computed once when a name is written and stored beside it; searching
is then a plain indexed prefix match. Surnames whose reading differs from the common
reading of the character (单 shan, 曾 zeng, 解 xie ...) get their surname reading.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

_ASCII_WORD = re.compile(r"^[a-z]+$")
SURNAME_READINGS = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "朴": "piao",
    "查": "zha",
    "区": "ou",
    "乐": "yue",
    "覃": "qin",
    "翟": "zhai",
    "盖": "ge",
    "尉": "yu",
    "缪": "miao",
    "长": "chang",
    "万": "wan",
    "柏": "bai",
    "秘": "bi",
    "员": "yun",
    "召": "shao",
    "种": "chong",
    "沈": "shen",
    "任": "ren",
    "华": "hua",
    "纪": "ji",
}


@lru_cache(maxsize=65536)
def syllables(name: str) -> tuple[str, ...]:
    if not name:
        return ()
    head = SURNAME_READINGS.get(name[0])
    rest = lazy_pinyin(name[1:] if head else name, style=Style.NORMAL, errors="ignore")
    words = ([head] if head else []) + rest
    return tuple(w.lower() for w in words if w)


def name_pinyin(name: str) -> str:
    return "".join(syllables(name))


def name_initials(name: str) -> str:
    return "".join(s[0] for s in syllables(name))


def is_pinyin_query(query: str) -> bool:
    return bool(_ASCII_WORD.match(query.lower()))
