"""Parse and normalize SOC 2018 and O*NET-SOC 2019 occupation codes.

Accepted forms (surrounding whitespace ignored):

* SOC: ``53-3032`` or ``533032``.
* O*NET-SOC: ``53-3032.00``, ``53-3032.01`` or the 8-digit ``53303200``.

``parse_soc`` turns any of them into the 6-digit SOC code (an O*NET-SOC code gives its SOC
parent); ``parse_onet_soc`` turns any of them into an O*NET-SOC code (a bare SOC code gets the
``.00`` suffix of the occupation that carries the SOC title). Anything else raises
``InvalidSocCode``.
"""

from __future__ import annotations

import re

__all__ = [
    "MAJOR_GROUPS",
    "InvalidSocCode",
    "is_soc",
    "parse_onet_soc",
    "parse_soc",
    "soc_level",
    "soc_levels",
]

# The 23 SOC 2018 major groups; a code outside them is a typo, not an occupation.
MAJOR_GROUPS = frozenset(str(group) for group in range(11, 56, 2))

# SOC 2018 minor groups whose code is not "XX-Y000" (the 2018 revision renumbered them).
_TWO_DIGIT_MINOR_GROUPS = frozenset({"15-12", "31-11", "51-51"})
# Physicians (broad group 29-1210) outgrew ten codes: 29-1221..29-1229 belong to it too.
_BROAD_GROUP_EXCEPTIONS = {"29-122": "29-1210"}

_CODE = re.compile(
    r"""^(?P<major>\d{2})-?(?P<rest>\d{4})      # SOC: 53-3032 or 533032
        (?:(?P<dot>\.)?(?P<suffix>\d{2}))?$    # O*NET suffix: .00 (or 00 when undashed)
    """,
    re.VERBOSE,
)


class InvalidSocCode(ValueError):
    """A text that is not a SOC 2018 or O*NET-SOC 2019 code."""


def _match(text: object) -> tuple[str, str, str | None]:
    if not isinstance(text, str):
        raise InvalidSocCode(f"SOC code must be text, got {type(text).__name__}: {text!r}")
    value = text.strip()
    match = _CODE.match(value)
    if match is None or _ambiguous_suffix(value, match):
        raise InvalidSocCode(
            f"{text!r} is not a SOC code: expected '53-3032', '533032', '53-3032.00' or '53303200'"
        )
    major, rest, suffix = match["major"], match["rest"], match["suffix"]
    if major not in MAJOR_GROUPS:
        raise InvalidSocCode(f"{text!r} is not a SOC code: major group {major} does not exist")
    return major, rest, suffix


def _ambiguous_suffix(value: str, match: re.Match[str]) -> bool:
    # "53-303200" mixes the dashed and undashed forms; only "53-3032.00" or "53303200" are clear.
    return match["suffix"] is not None and ("-" in value) != bool(match["dot"])


def parse_soc(text: str) -> str:
    """Return the 6-digit SOC code (``"53-3032"``) for any accepted SOC or O*NET-SOC form."""
    major, rest, _ = _match(text)
    return f"{major}-{rest}"


def parse_onet_soc(text: str) -> str:
    """Return the O*NET-SOC code (``"53-3032.00"``); a bare SOC code gets the ``.00`` suffix."""
    major, rest, suffix = _match(text)
    return f"{major}-{rest}.{suffix or '00'}"


def is_soc(text: str) -> bool:
    """Return whether ``text`` parses as a SOC or O*NET-SOC code."""
    try:
        _match(text)
    except InvalidSocCode:
        return False
    return True


def soc_levels(soc: str) -> dict[str, str]:
    """Return the ``major``, ``minor``, ``broad`` and ``detailed`` groups that contain ``soc``.

    ``soc_levels("53-3032")`` is ``{"major": "53-0000", "minor": "53-3000",
    "broad": "53-3030", "detailed": "53-3032"}``. Group codes give their own ancestors and
    themselves (a broad code has no detailed level: ``detailed`` is then the broad code).
    """
    code = parse_soc(soc)
    major, rest = code[:2], code[3:]
    minor_prefix = f"{major}-{rest[:2]}"
    if minor_prefix in _TWO_DIGIT_MINOR_GROUPS:
        minor = f"{minor_prefix}00"
    else:
        minor = f"{major}-{rest[0]}000"
    return {
        "major": f"{major}-0000",
        "minor": minor if rest != "0000" else f"{major}-0000",
        "broad": _broad(code) if rest[1:] != "000" else minor,
        "detailed": code,
    }


def _broad(code: str) -> str:
    if code[-1] != "0" and code[:6] in _BROAD_GROUP_EXCEPTIONS:
        return _BROAD_GROUP_EXCEPTIONS[code[:6]]
    return f"{code[:6]}0"


def soc_level(soc: str) -> str:
    """Return which level a SOC code names: ``major``, ``minor``, ``broad`` or ``detailed``."""
    code = parse_soc(soc)
    rest = code[3:]
    if rest == "0000":
        return "major"
    if rest.endswith("000") or f"{code[:5]}00" == code and code[:5] in _TWO_DIGIT_MINOR_GROUPS:
        return "minor"
    if rest.endswith("0"):
        return "broad"
    return "detailed"
