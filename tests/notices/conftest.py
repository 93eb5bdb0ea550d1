"""Fixtures of the notices: the base tree and staff of every kind at every level.

district admin (上街区) · officer (济源路街道) · town officer (峡窝镇)
worker, viewer, head (中安街社区) · grid worker (its first grid)
sibling worker (安阳路社区) · town worker (金昌社区)
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fangkong.accounts.models import User
from fangkong.core.scope import Scope
from fangkong.notices import selectors
from tests.conftest import COMMUNITY, DISTRICT, GRID, SIBLING, SUBDISTRICT, TOWN, TOWN_COMMUNITY

STAFF = {
    "admin": ("district_admin", DISTRICT, "郑区长"),
    "officer": ("subdistrict_officer", SUBDISTRICT, "王街道"),
    "town": ("subdistrict_officer", TOWN, "峡窝干部"),
    "worker": ("community_worker", COMMUNITY, "张社工"),
    "viewer": ("community_viewer", COMMUNITY, "陈查看"),
    "head": ("community_head", COMMUNITY, "马书记"),
    "grid": ("grid_worker", GRID, "杨网格"),
    "sibling": ("community_worker", SIBLING, "隔壁社工"),
    "town_worker": ("community_worker", TOWN_COMMUNITY, "金昌社工"),
}


@pytest.fixture(autouse=True)
def _settings(settings: Any, tmp_path: Any) -> None:
    settings.FANGKONG_TOTP_REQUIRED_LEVELS = set()
    settings.VAR_DIR = tmp_path


@pytest.fixture
def staff(tree: Any, make_user: Callable[..., User]) -> dict[str, User]:
    return {
        key: make_user(role, code, username=key, full_name=name)
        for key, (role, code, name) in STAFF.items()
    }


@pytest.fixture
def scopes(staff: dict[str, User], scope_of: Callable[[User], Scope]) -> dict[str, Scope]:
    return {key: scope_of(user) for key, user in staff.items()}


def reader(user: User) -> selectors.Reader:
    found = selectors.reader_of(User.objects.get(pk=user.pk))
    assert found is not None
    return found


def client_for(user: User, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def pdf(name: str = "方案.pdf", extra: bytes = b"") -> SimpleUploadedFile:
    content = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + extra + b"%%EOF\n"
    return SimpleUploadedFile(name, content, "application/pdf")


def docx(name: str = "通知.docx") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return SimpleUploadedFile(name, buffer.getvalue(), "application/octet-stream")


def txt(name: str = "名单.txt", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, "第一行\r\n第二行：核酸检测\n".encode(encoding), "text/plain")
