"""The strict email pattern is only a shortcut: it must never accept what email-validator rejects."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from csvprep.rules import EmailJudge
from csvprep.rules.emails import SPECIAL_USE_DOMAINS, email_ok
from csvprep.rules.emailworker import judge as email_verdict

_email_ok = email_ok(EmailJudge(worker=False))

local_chars = st.sampled_from([*"abcxyzABC0189.-_+!#$%&'*/=?^`{|}~", "..", "é", " ", "@"])
domain_chars = st.sampled_from([*"abcxyz019-.", "xn--", "XN--", "--", "é", "_", "a" * 30, "b" * 63, "c" * 64])
tlds = st.sampled_from(
    [
        "com",
        "io",
        "co.uk",
        "test",
        "TEST",
        "local",
        "Localhost",
        "c",
        "c1",
        "museum",
        "onion",
        "x" * 24,
        "x" * 30,
    ]
)


@st.composite
def addresses(draw: st.DrawFn) -> str:
    local = "".join(draw(st.lists(local_chars, min_size=0, max_size=70)))
    domain = "".join(draw(st.lists(domain_chars, min_size=0, max_size=20)))
    return f"{local}@{domain}.{draw(tlds)}"


@settings(max_examples=600, deadline=None)
@given(st.lists(addresses(), min_size=1, max_size=20))
def test_prefilter_agrees_with_email_validator(values: list[str]) -> None:
    got = _email_ok(pa.array(values, pa.string())).tolist()
    assert got == [email_verdict(v) is None for v in values]


def test_lengths_around_the_sure_limit() -> None:
    """Addresses just under and over SURE_EMAIL_BYTES, local parts of 64 and 65, labels of 63 and 64."""
    values = [
        "a" * 64 + "@b.co",
        "a" * 65 + "@b.co",
        "a@" + "b" * 63 + ".co",
        "a@" + "b" * 64 + ".co",
        "a@" + "b" * 61 + ".com",
        "a" * 60 + "@bb.com",
        "a" * 61 + "@bb.com",
        "a@b-c.com",
        "a@b--c.com",
        "a@-bc.com",
        "a@bc-.com",
        "xn--a@example.com",
    ]
    got = _email_ok(pa.array(values, pa.string())).tolist()
    assert got == [email_verdict(v) is None for v in values]


def test_special_use_domains_are_email_validators() -> None:
    import email_validator

    assert set(SPECIAL_USE_DOMAINS) == set(email_validator.SPECIAL_USE_DOMAIN_NAMES)
