"""The resident's pages (/me/) in the scope matrix: public, with the reason. They need
no staff account: a one-time code to the phone of a person file proves who the
resident is (tests/residents/ test every rule of it)."""

from __future__ import annotations

from tests.web.matrix import Route

ROUTES: list[Route] = []

PUBLIC = {
    "residents:sign_in": "a resident asks for a one-time code to their phone; the answer "
    "is the same whether anybody holds the phone or not, rate-limited",
    "residents:code": "the resident types the code; only the (masked) number they typed is "
    "shown, rate-limited, 5 attempts per code",
    "residents:choose": "whose status to see among the person files the code proved "
    "(a family's phone), from the resident's session only",
    "residents:sign_out": "ends the resident's session",
    "residents:status": "the resident's own status page, for the person the code proved",
    "residents:help": "the resident asks their community for help, for the person the code proved",
    "residents:withdraw": "the resident withdraws their own new request (another person's "
    "is not found)",
}
