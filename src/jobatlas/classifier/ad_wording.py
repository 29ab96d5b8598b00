"""Remove the recruiting wording of job ads that names no occupation: pay, schedule, hiring calls.

Craigslist titles read "Now Hiring Warehouse Workers $18/hr" or "Experienced Line Cook Wanted -
FT/PT". None of that wording is in an O*NET or Direct Match title (a test checks), so the model
never learned it as noise; it matched what it could instead: "hr" is the abbreviation for human
resources, "hiring" is a human resources word, "PT" is O*NET's short form of physical therapist
("Home Care PT"), and "with valid drivers license" is most of "Driver License Examiner".
Removing it before the words are read leaves the job. It runs on every short text, training
text included, so training and prediction read the same words.

Only texts of up to ``MAX_CHARS`` characters are searched: an ad's title, a resume's job line
(the engine classifies those lines on their own too). The patterns cost about 3 ms on a
600-word resume, as much as the rest of reading it, and in running text the wording is
ordinary language ("as needed").
"""

from __future__ import annotations

import re

MAX_CHARS = 200

# A pay figure and its unit: "$18/hr", "$18-$22 per hour", "$1,500", "$60k+", "18.50/hour",
# "up to $25", "55 cpm" (cents per mile, truck driving pay).
_AMOUNT = r"\$\s?\d[\d,]*(?:\.\d+)?\s?k?\+?"
_PER = r"(?:\s?(?:/|per|an|a)\s?(?:hr|hrs|hour|hours|wk|week|yr|year|mo|month|day|mile|load)\b)"
_PAY = (
    rf"(?:(?:up\s+to|starting\s+at|starting|from)\s+)?{_AMOUNT}"
    rf"(?:\s?(?:-|–|to)\s?(?:{_AMOUNT}|\d[\d,]*(?:\.\d+)?k?))?{_PER}?"
    rf"|\b\d[\d,]*(?:\.\d+)?(?:\s?-\s?\d[\d,]*(?:\.\d+)?)?{_PER}"
    r"|\b\d+(?:\.\d+)?\s?(?:cpm|cents\s+per\s+mile)\b"
)

# Schedules: "full-time", "Part Time", "FT/PT", "F/T". A lone "PT" stays: it is also O*NET's
# physical therapist.
_SCHEDULE = r"\b(?:full|part)[\s-]?time\b|\b(?:FT|PT)\s?/\s?(?:FT|PT)\b|\b[FP]/T\b"

# Calls to apply and their urgency: "Now Hiring", "Wanted", "Immediate Start", "Apply Today".
_HIRING = (
    r"\b(?:now|we\s?are|we're|we\s+re|urgently|immediately)\s+hiring\b"
    r"|\bhiring\s+(?:now|immediately|asap|today)\b"
    r"|\b(?:urgently\s+)?(?:wanted|needed)\b"
    r"|\bimmediate(?:ly)?(?:\s+(?:start|hire|hiring|opening|openings|need|position|positions))?\b"
    r"|\bstart\s+(?:today|tomorrow|asap|now|immediately|right\s+away)\b|\basap\b"
    r"|\bapply\s+(?:now|today|online|in\s+person|within)\b"
    r"|\b(?:sign[\s-]?on|signing|hiring|retention)\s+bonus(?:es)?\b"
    r"|\b(?:weekly|daily|same[\s-]day|great|good|top|competitive)\s+pay\b"
)

# Requirements, which say who is wanted, not what the job is: "with valid drivers license",
# "must have own tools", "no experience needed", "Experienced".
_LICENSE = r"(?:(?:a|valid|clean|current|good)\s+)*(?:driver'?s?|driving)\s+licen[cs]es?"
_REQUIREMENT = (
    rf"\b(?:with|w/|must\s+have)\s+(?:(?:a|your|their|his|her)\s+)?own\s+"
    r"(?:tools|tool|car|vehicle|truck|transportation|transport)\b"
    rf"|\b(?:with|w/|must\s+have|need|needs)\s+{_LICENSE}\b|\b{_LICENSE}\s+required\b"
    r"|\b(?:with|w/)\s+(?:some\s+)?(?:experience|exp)\b"
    r"|\bno\s+(?:experience|exp)(?:\s+(?:needed|necessary|required))?\b"
    r"|\b(?:experience|exp)\s+(?:required|preferred|necessary|needed|a\s+plus)\b"
    r"|\b(?:will|we\s+will)\s+train\b|\btraining\s+provided\b|\bexperienced\b"
    # "CDL license" says license twice ("commercial driver license license").
    r"|(?<=cdl )licen[cs]es?\b"
)

# The same calls in Spanish ads ("Se busca cocinero", "Se solicitan meseras con experiencia",
# "Limpieza - tiempo completo"); accents are already folded when this runs.
_SPANISH = (
    r"\bse\s+(?:busca|buscan|solicita|solicitan|necesita|necesitan|requiere|requieren)\b"
    r"|\b(?:buscamos|solicitamos|necesitamos|contratamos|contratando|urgente)\b"
    r"|\b(?:con|sin)\s+experiencia\b|\b(?:medio\s+tiempo|tiempo\s+completo)\b"
)

# "Hiring" opening a title is a call ("Hiring Cooks"), unless it names the recruiter's own job.
_LEADING_HIRING = re.compile(
    r"^\W*hiring\b(?!\s+(?:manager|specialist|coordinator|assistant|partner|lead|supervisor"
    r"|director|agent|officer|consultant|representative|event)s?\b)\W*", re.I)

_AD_WORDING = re.compile("|".join((_PAY, _SCHEDULE, _HIRING, _REQUIREMENT, _SPANISH)), re.I)

# Every phrase above holds one of these: texts without any skip the patterns. Substring tests
# of the lower-cased text take a third of the time of one regex alternation over it, which
# matters on a batch of titles, where nearly none hold any.
_CUES = ("$", "/", "hir", "want", "need", "immediate", "start", "apply", "bonus", "pay", "time",
         "licen", "own", "exp", "train", "cpm", "cents",
         "busca", "solicita", "necesita", "requiere", "contrata", "urgente", "tiempo")


def strip_ad_wording(text: str) -> str:
    """Return a short ``text`` without pay, schedule, hiring calls and requirements (see the
    module doc); longer texts unchanged.

    The wording is replaced by a space, so the words on either side stay apart; a text that
    is nothing but such wording ("Now Hiring!") is returned unchanged, as there is then no
    job left to name and the caller's empty-text rules should not fire on it.
    """
    if len(text) > MAX_CHARS:
        return text
    lower = text.lower()
    if not any(cue in lower for cue in _CUES):
        return text
    stripped = _LEADING_HIRING.sub("", _AD_WORDING.sub(" ", text))
    return stripped if stripped.strip(" \t\n-–|:;,.!*+/&()[]") else text
