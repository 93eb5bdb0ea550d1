"""`fangkong demo_accounts`: the demo district's accounts, as `make run` prints them.

The list of demo accounts lives here, under `accounts`, because `accounts` may not
import the registry (import-linter), while `fangkong demo` (registry) may import this:
it calls `demo_accounts_ensure()` after loading the district.

District-level accounts must use TOTP two-factor authentication. A demo has to be
usable without a phone, so they get a fixed secret derived from a constant and
`fangkong totp_code USERNAME` prints the current code. That is a demo convenience and
the reason these accounts must never exist on a production system.
"""

from __future__ import annotations

import base64
import hashlib
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.management.base import BaseCommand
from django.db import transaction

from fangkong.accounts.models import User
from fangkong.accounts.scopes import scope_for_user
from fangkong.core.codes import Level
from fangkong.core.models import Jurisdiction
from fangkong.core.scope import Scope

_TOTP_SALT = b"fangkong-demo-totp:"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    place: str  # which demo jurisdiction: see demo_places()
    full_name: str


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("district_admin", "district_admin", "district", "郑志远"),
    DemoAccount("district_viewer", "district_viewer", "district", "李文静"),
    DemoAccount("subdistrict_officer", "subdistrict_officer", "subdistrict", "王建华"),
    DemoAccount("subdistrict_viewer", "subdistrict_viewer", "subdistrict", "赵丽娟"),
    DemoAccount("community_worker", "community_worker", "community", "张晓燕"),
    DemoAccount("community_worker2", "community_worker", "town_community", "刘振国"),
    DemoAccount("community_head", "community_head", "community", "马秀兰"),
    DemoAccount("community_viewer", "community_viewer", "community", "陈红梅"),
    DemoAccount("grid_worker", "grid_worker", "grid", "杨磊"),
    DemoAccount("data_entry", "data_entry", "community", "孙佳怡"),
    DemoAccount("care_member", "care_member", "community", "周玉兰"),
)


def demo_password() -> str:
    return str(settings.FANGKONG_DEMO_PASSWORD)


def demo_totp_secret(username: str) -> str:
    """A fixed base32 TOTP secret per demo account, the same on every machine."""
    digest = hashlib.sha256(_TOTP_SALT + username.encode()).digest()
    return base64.b32encode(digest[:20]).decode()


def demo_scope(username: str) -> Scope | None:
    """The scope of a demo account, for the modules' demos to act as that person (None
    when the account is missing)."""
    user = User.objects.select_related("role").filter(username=username).first()
    return scope_for_user(user) if user is not None else None


def demo_places(district: str) -> dict[str, str]:
    """The jurisdiction code of each demo place of a loaded district.

    For 上街区 (410106): 济源路街道 410106001, 中安街社区 410106001001, its first grid, and
    金昌社区 410106100003 (峡窝镇): the first subdistrict and its first community, and the
    third community of the first town, so that the two community workers are far apart.
    """
    scope = Scope.system(reason="demo accounts", code=district)
    nodes = list(
        Jurisdiction.objects.within(scope)
        .filter(is_active=True)
        .order_by("code")
        .values_list("code", "kind", "parent_id")
    )
    places = {"district": district}
    kinds = {code: kind for code, kind, _ in nodes}
    children: dict[str, list[str]] = {}
    for code, _, parent in nodes:
        if parent:
            children.setdefault(parent, []).append(code)
    towns = [c for c in children.get(district, []) if kinds[c] == Jurisdiction.Kind.TOWN]
    subdistricts = [c for c in children.get(district, []) if kinds[c] != Jurisdiction.Kind.TOWN]
    first = (subdistricts or towns)[0] if (subdistricts or towns) else None
    if first:
        places["subdistrict"] = first
        communities = children.get(first, [])
        if communities:
            places["community"] = communities[0]
            grids = children.get(communities[0], [])
            if grids:
                places["grid"] = grids[0]
    other = towns[0] if towns else (subdistricts[-1] if subdistricts else None)
    if other:
        communities = children.get(other, [])
        if communities:
            places["town_community"] = communities[2 if len(communities) > 2 else 0]
    return places


def demo_accounts_ensure(*, district: str, password: str | None = None) -> list[str]:
    """Create the demo accounts that are missing; returns the usernames created.

    Existing accounts are left as they are (someone may have changed a password or a
    role on purpose). Passwords are set without the validators so that
    FANGKONG_DEMO_PASSWORD may be anything, and hashed once for all of them: Argon2 takes
    a third of a second a hash, and these accounts share one published password anyway.
    The caller records the audit entry.
    """
    encoded = make_password(password or demo_password())
    places = demo_places(district)
    scope = Scope.system(reason="demo accounts")
    created: list[str] = []
    with transaction.atomic():
        existing = set(
            User.objects.within(scope)
            .filter(username__in=[a.username for a in DEMO_ACCOUNTS])
            .values_list("username", flat=True)
        )
        jurisdictions = Jurisdiction.objects.within(scope).in_bulk(list(places.values()))
        for account in DEMO_ACCOUNTS:
            code = places.get(account.place)
            if account.username in existing or code is None:
                continue
            user = User(
                username=account.username,
                full_name=account.full_name,
                jurisdiction=jurisdictions[code],
                jurisdiction_code=code,
                role_id=account.role,
            )
            if account.place == "district":
                user.totp_secret = demo_totp_secret(account.username)
                user.totp_confirmed = True
            user.password = encoded
            user.save()
            created.append(account.username)
    return created


def _place_name(node: Jurisdiction | None) -> str:
    """中安街社区第一网格 rather than a bare 第一网格, which every community has."""
    if node is None:
        return "-"
    if node.level == Level.GRID and node.parent is not None:
        return f"{node.parent.name}{node.name}"
    return node.name


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = "Print the demo accounts that exist, with their role, jurisdiction and password."

    def handle(self, *args: Any, **options: Any) -> None:
        scope = Scope.system(reason="demo accounts")
        users = {
            u.username: u
            for u in User.objects.within(scope)
            .select_related("jurisdiction__parent", "role")
            .filter(username__in=[a.username for a in DEMO_ACCOUNTS])
        }
        if not users:
            self.stdout.write("No demo accounts yet: run `.venv/bin/fangkong demo` first.")
            return
        password = demo_password()
        header = ("username", "role", "jurisdiction", "password", "two-factor")
        rows = []
        for account in DEMO_ACCOUNTS:
            user = users.get(account.username)
            if user is None:
                continue
            place = f"{_place_name(user.jurisdiction)} ({user.jurisdiction_code})"
            if not user.is_active:
                shown_password = "(account disabled)"
            elif check_password(password, user.password):
                shown_password = password
            else:
                shown_password = "(changed)"
            if user.totp_confirmed and user.totp_secret:
                totp = f"TOTP: run `.venv/bin/fangkong totp_code {user.username}`"
            else:
                totp = ""
            role = user.role.code if user.role else "-"
            rows.append((user.username, role, place, shown_password, totp))
        widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
        for row in [header, tuple("-" * w for w in widths), *rows]:
            self.stdout.write(
                "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
        missing = [a.username for a in DEMO_ACCOUNTS if a.username not in users]
        if missing:
            self.stdout.write(f"Not present: {', '.join(missing)}")
