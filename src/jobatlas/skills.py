"""Skill vocabulary and extraction: O*NET software, tools, work activities and credentials.

``SkillVocabulary.build`` turns the O*NET Technology Skills, Tools Used and Tasks to DWAs tables
into a phrase index once; ``extract(text)`` then finds the skills a text mentions with dictionary
lookups only (no table scans), so it is cheap per request. Credentials (licenses and
certificates such as a Class A CDL or a CNA certificate) are not in O*NET; ``CREDENTIALS`` lists
the ones that matter to low- and middle-skill work, with the occupations that usually ask for
them.
"""

from __future__ import annotations

import functools
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from jobatlas.soc import parse_soc

__all__ = [
    "CREDENTIALS",
    "Credential",
    "Skill",
    "SkillMention",
    "SkillVocabulary",
    "credentials_for",
    "find_credentials",
    "held_credentials",
    "stems",
]

KINDS = ("credential", "technology", "tool", "work_activity")

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9']*|\d+")


def _words(text: str) -> list[str]:
    return text.split()



# Words that carry no meaning on their own in task, activity and resume text.
STOPWORDS = frozenset(
    _words("""a about above across after again against all also am an and any are as at be been
    before being below between both but by can could did do does doing during each etc few for from
    further had has have having he her here hers him his how i if in into is it its itself just
    me more most my no nor not now of off on once only or other our out over own same she should
    so some such than that the their them then there these they this those through to too under
    until up upon us very was we were what when where which while who whom why will with would
    you your yours year years month months day days using use used related various other others
    ensure ensuring e g eg per including include includes new""")
)
# Vendor-less names that are common English words; the full product name is still matched.
_AMBIGUOUS_PRODUCT_NAMES = frozenset(
    _words("Word Access Project Office Teams Publisher Sheets Docs Drive Forms Calendar Sites Keep "
    "Classroom Photos Pages Numbers Keynote Mail Maps Meet Chat Search Analytics Ads")
)
# One-word tool names that are mostly ordinary words in a resume ("followed the rules").
_AMBIGUOUS_TOOL_NAMES = frozenset(
    _words("Rules Levels Files Squares Planes Floats Picks Jacks Pads Pens Cards Boards Forms "
           "Stands Plates Screens Tables Bars Guides Points Lines Stamps Tapes")
)
_VENDORS = ("Microsoft", "Adobe", "Google", "Intuit", "IBM", "Oracle", "Apple", "Autodesk", "Corel")
_MAX_PHRASE_TOKENS = 6


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Return a light stem of one lower-case word (plural and verb endings removed)."""
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix, replacement in (("ies", "y"), ("sses", "ss"), ("ches", "ch"), ("shes", "sh"),
                                ("xes", "x")):
        if word.endswith(suffix):
            return word[: -len(suffix)] + replacement
    if word.endswith("ing") and len(word) > 5:
        return word[:-3]
    if word.endswith("ed") and len(word) > 4:
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _tokens(text: str) -> list[tuple[str, str]]:
    """Return (original, stem) pairs for the words of ``text``."""
    return [(match.group(), stem(match.group().lower())) for match in _WORD.finditer(text)]


def stems(text: str) -> list[str]:
    """Return the content-word stems of ``text`` in order (stopwords and 1-letter words out)."""
    return [
        s for word, s in _tokens(text) if len(word) > 1 and word.lower() not in STOPWORDS
    ]


@dataclass(frozen=True)
class Skill:
    """One skill a text can mention: software, a tool, a work activity or a credential."""

    id: str
    name: str
    kind: str  # one of KINDS


@dataclass(frozen=True)
class SkillMention:
    """A skill found in a text, with the words that showed it."""

    skill: Skill
    phrase: str


@dataclass(frozen=True)
class Credential:
    """A license or certificate, how resumes write it, and the occupations that usually need it."""

    id: str
    name: str
    pattern: str  # regular expression; flags are inline so acronyms can stay case-sensitive
    socs: tuple[str, ...] = ()
    implies: tuple[str, ...] = ()  # ids of credentials this one includes (Class A covers B)

    @property
    def skill(self) -> Skill:
        """Return the credential as a ``Skill``."""
        return Skill(id=f"credential:{self.id}", name=self.name, kind="credential")


_CDL = r"(?:\bCDL\b|(?i:commercial\s+driver'?s?\s+licen[cs]e))"
_FOOD_SERVICE = _words(
    "35-2011 35-2012 35-2014 35-2015 35-2021 35-3023 35-3031 35-9011 35-9021 35-3041"
)
# The occupation lists name where the credential is a usual hiring requirement (BLS Occupational
# Outlook Handbook "How to become one" pages and state licensing rules), not every place it helps.
CREDENTIALS: tuple[Credential, ...] = (
    Credential("cdl_a", "Commercial driver's license (CDL), Class A",
               rf"(?i:class[\s-]*a\s*{_CDL}|{_CDL}[\s,-]*(?i:\(?class\)?[\s-]*)?A\b)",
               ("53-3032",), implies=("cdl_b", "cdl")),
    Credential("cdl_b", "Commercial driver's license (CDL), Class B",
               rf"(?i:class[\s-]*b\s*{_CDL}|{_CDL}[\s,-]*(?i:\(?class\)?[\s-]*)?B\b)",
               ("53-3051", "53-3052", "53-7081"), implies=("cdl",)),
    Credential("cdl", "Commercial driver's license (CDL)", _CDL,
               ("53-3032", "53-3051", "53-3052", "53-7081")),
    Credential("hazmat", "Hazardous materials (Hazmat) endorsement",
               r"(?i:haz[\s-]?mat|hazardous\s+materials?\s+endorsement)"),
    # "Tanker" alone is often the truck, not the license: the word endorsement must be near.
    Credential("tanker", "Tanker endorsement",
               r"(?i:tanker(?=[^.\n]{0,40}endorsement)|endorsements?\b[^.\n]{0,40}?\btanker)"),
    Credential("twic", "TWIC card (port access)",
               r"\bTWIC\b|(?i:transportation\s+worker\s+identification)"),
    Credential("drivers_license", "Driver's license and clean driving record",
               r"(?i:(?<!commercial\s)driver'?s?\s+licen[cs]e|clean\s+(?:driving\s+record|MVR))",
               ("53-3031", "53-3033", "53-3053")),
    Credential("forklift", "Forklift operator certification",
               r"(?i:fork[\s-]?lifts?|powered\s+industrial\s+trucks?)", ("53-7051",)),
    Credential("food_handler", "Food handler card",
               r"(?i:food\s+handler'?s?(?:\s+(?:card|permit|certificate|certification))?)",
               tuple(_FOOD_SERVICE)),
    Credential("servsafe", "ServSafe food safety certification",
               r"(?i:serv[\s-]?safe|food\s+(?:protection|safety)\s+manager)",
               ("35-1011", "35-1012", "11-9051")),
    Credential("alcohol_server", "Alcohol server certification (TIPS)",
               r"\bTIPS\b|(?i:alcohol\s+server|responsible\s+beverage)", ("35-3011",)),
    Credential("cna", "Certified nursing assistant (CNA) certificate",
               r"\bC\.?N\.?A\.?\b|(?i:certified\s+nurs(?:e|ing)\s+(?:assistant|aide))",
               ("31-1131", "31-1132")),
    Credential("hha", "Home health aide (HHA) certificate",
               r"\bHHA\b|(?i:home\s+health\s+aide)", ("31-1121",)),
    Credential("medication_aide", "Medication aide certification",
               r"\b(?:CMA|QMA|CMT)\b|(?i:medication\s+(?:aide|technician))"),
    Credential("lpn", "Licensed practical / vocational nurse (LPN/LVN) license",
               r"\bL[PV]N\b|(?i:licensed\s+(?:practical|vocational)\s+nurse)", ("29-2061",)),
    Credential("rn", "Registered nurse (RN) license",
               r"\bRN\b|(?i:registered\s+nurse)", ("29-1141",)),
    Credential("cpr", "CPR and First Aid certification",
               r"\bCPR\b|\bBLS\b|(?i:first\s+aid|basic\s+life\s+support)",
               ("31-1131", "31-1121", "31-1122", "33-9092", "39-9011", "29-2042", "31-9092",
                "39-9031", "25-2011")),
    Credential("emt", "Emergency medical technician (EMT) certification",
               r"\bEMT(?:-B)?\b|(?i:emergency\s+medical\s+technician)", ("29-2042", "29-2043")),
    Credential("phlebotomy", "Phlebotomy certification", r"(?i:phlebotom(?:y|ist))",
               ("31-9097",)),
    Credential("medical_assistant", "Medical assistant certification (CMA/CCMA/RMA)",
               r"\b(?:CCMA|RMA)\b|(?i:certified\s+(?:clinical\s+)?medical\s+assistant)",
               ("31-9092",)),
    Credential("pharmacy_technician", "Pharmacy technician certification",
               r"\b(?:CPhT|PTCB|ExCPT)\b|(?i:pharmacy\s+tech(?:nician)?)", ("29-2052",)),
    Credential("osha_10", "OSHA 10-hour safety card", r"(?i:osha[\s-]*10\b)",
               ("47-2061", "47-2031", "47-2111", "47-2152", "47-2073")),
    Credential("osha_30", "OSHA 30-hour safety card", r"(?i:osha[\s-]*30\b)", ("47-1011",)),
    Credential("epa_608", "EPA Section 608 refrigerant certification",
               r"(?i:epa\s*(?:section\s*)?608|608\s+(?:universal|type\s+i+)|universal\s+608)",
               ("49-9021",)),
    Credential("security_guard", "Security guard license (guard card)",
               r"(?i:guard\s+card|security\s+(?:guard|officer)\s+(?:licen[cs]e|card|certificat\w*))",
               ("33-9032",)),
    Credential("welding", "Welding certification (AWS)",
               r"(?i:(?:certified|aws)\s+welder|welding\s+certificat\w*|\bAWS\s+D1\.1)",
               ("51-4121",)),
    Credential("electrician", "Electrician license", r"(?i:(?:journeyman|licensed|master)\s+"
               r"electrician|electrical\s+licen[cs]e)", ("47-2111",)),
    Credential("plumber", "Plumber license", r"(?i:(?:journeyman|licensed|master)\s+plumber|"
               r"plumbing\s+licen[cs]e)", ("47-2152",)),
    Credential("cosmetology", "Cosmetology or barber license",
               r"(?i:cosmetolog(?:y|ist)\s+licen[cs]e|licensed\s+(?:cosmetologist|barber)|"
               r"barber\s+licen[cs]e)", ("39-5011", "39-5012")),
    Credential("ase", "ASE automotive certification",
               r"\bASE\b(?:[\s-]+(?i:certified|certification))?", ("49-3023",)),
    Credential("cda", "Child Development Associate (CDA) credential",
               r"\bCDA\b|(?i:child\s+development\s+associate)", ("39-9011", "25-2011")),
    Credential("crane", "Crane operator certification (NCCCO)",
               r"\bNCCCO\b|(?i:certified\s+crane\s+operator)", ("53-7021",)),
    Credential("pesticide", "Pesticide applicator license",
               r"(?i:pesticide\s+applicator)", ("37-3012",)),
    Credential("lifeguard", "Lifeguard certification", r"(?i:lifeguard\s+certifi\w*)",
               ("33-9092",)),
)
# The only characters ``re.IGNORECASE`` matches to an ASCII letter that ``str.casefold`` does
# not fold to it (dotted and dotless I, long S, Kelvin sign).
_FOLD_FIXES = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


def _folded(text: str) -> str:
    return text.translate(_FOLD_FIXES).casefold()


def required_words(pattern: str) -> frozenset[str] | None:
    """Return words one of which every match of ``pattern`` contains (folded), None if unknown.

    A cheap test before the regular expression: most resumes name few credentials, and a
    substring check is far cheaper than a regex scan of the whole text.
    """
    try:
        from re import _constants as sre  # the regex parser's internals (CPython 3.11+)
        from re import _parser as parser

        return _sequence_words(parser.parse(pattern).data, sre)
    except (ImportError, AttributeError, TypeError, ValueError):
        return None  # another Python's regex internals: always run the expression


def _sequence_words(items, sre) -> frozenset[str] | None:
    options: list[frozenset[str]] = []
    run = ""
    for op, value in [*items, (None, None)]:
        if op is sre.LITERAL:
            run += _folded(chr(value))
            continue
        if run:
            options.append(frozenset([run]))
            run = ""
        words = None
        if op is sre.SUBPATTERN:
            words = _sequence_words(value[3], sre)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and value[0] >= 1:
            words = _sequence_words(value[2], sre)
        elif op is sre.BRANCH:
            branches = [_sequence_words(branch, sre) for branch in value[1]]
            if all(branches):
                words = frozenset().union(*branches)
        elif op is sre.ASSERT:  # a lookahead or lookbehind still reads text that is there
            words = _sequence_words(value[1], sre)
        if words:
            options.append(words)
    # The most selective requirement: the one whose shortest word is longest.
    return max(options, key=lambda words: min(map(len, words)), default=None)


_CREDENTIAL_PATTERNS = tuple(
    (c, re.compile(c.pattern), required_words(c.pattern)) for c in CREDENTIALS
)


def find_credentials(text: str) -> list[SkillMention]:
    """Return the credentials ``text`` mentions, in ``CREDENTIALS`` order, each once."""
    found = []
    folded = _folded(text)
    for credential, pattern, required in _CREDENTIAL_PATTERNS:
        if required is not None and not any(word in folded for word in required):
            continue
        match = pattern.search(text)
        if match:
            found.append(SkillMention(credential.skill, match.group().strip()))
    return found


def held_credentials(mentions: Iterable[SkillMention]) -> set[str]:
    """Return the ids of the credentials mentioned, plus those they include (CDL A -> CDL B)."""
    by_id = {credential.id: credential for credential in CREDENTIALS}
    held: set[str] = set()
    for mention in mentions:
        if mention.skill.kind == "credential":
            credential_id = mention.skill.id.partition(":")[2]
            held.add(credential_id)
            held.update(by_id[credential_id].implies)
    return held


def credentials_for(code: str) -> list[Credential]:
    """Return the credentials usually required for an occupation (SOC or O*NET-SOC code)."""
    soc = parse_soc(code)
    return [credential for credential in CREDENTIALS if soc in credential.socs]


class SkillVocabulary:
    """O*NET software, tools and work activities as a phrase index for fast extraction.

    Build it once per reference data (``from_reference``); it holds no per-request state.
    """

    def __init__(
        self,
        phrases: dict[tuple[str, ...], list[Skill]],
        exact: dict[str, list[Skill]],
        activities: dict[str, tuple[Skill, frozenset[str]]],
    ):
        self._phrases = phrases
        self._exact = exact
        self._activities = activities
        # Longest phrase starting with each word, so most words need a single lookup.
        self._longest: dict[str, int] = {}
        for key in phrases:
            self._longest[key[0]] = max(self._longest.get(key[0], 0), len(key))
        self._activity_index: dict[str, list[str]] = defaultdict(list)
        # Most content words of an activity must appear: one shared word is chance.
        self._activity_needs = {
            skill_id: max(2, math.ceil(0.75 * len(words)))
            for skill_id, (_, words) in activities.items()
        }
        for skill_id, (_, words) in activities.items():
            for word in words:
                self._activity_index[word].append(skill_id)

    @classmethod
    def from_reference(cls, ref) -> SkillVocabulary:
        """Build from a ``ReferenceData`` (its ``technology_skills``, ``tools``, ``task_dwas``)."""
        return cls.build(ref.technology_skills, ref.tools, ref.task_dwas)

    @classmethod
    def build(
        cls, technology: pd.DataFrame, tools: pd.DataFrame, task_dwas: pd.DataFrame
    ) -> SkillVocabulary:
        """Build from the typed O*NET tables (columns ``example``; ``dwa_id``, ``dwa_title``)."""
        phrases: dict[tuple[str, ...], list[Skill]] = defaultdict(list)
        exact: dict[str, list[Skill]] = defaultdict(list)
        for name in sorted(set(technology["example"])):
            skill = Skill(id=f"technology:{name}", name=name, kind="technology")
            for alias in _product_aliases(name):
                _add_phrase(alias, skill, phrases, exact, case_sensitive_single=True)
        for name in sorted(set(tools["example"]) - _AMBIGUOUS_TOOL_NAMES):
            skill = Skill(id=f"tool:{name}", name=name, kind="tool")
            _add_phrase(name, skill, phrases, exact, case_sensitive_single=False)
        activities = {}
        pairs = task_dwas[["dwa_id", "dwa_title"]].drop_duplicates("dwa_id")
        for dwa_id, title in zip(pairs["dwa_id"], pairs["dwa_title"], strict=True):
            words = frozenset(stems(title))
            if len(words) >= 2:
                skill = Skill(id=f"work_activity:{dwa_id}", name=title, kind="work_activity")
                activities[skill.id] = (skill, words)
        return cls(dict(phrases), dict(exact), activities)

    def skill(self, skill_id: str) -> Skill | None:
        """Return the work activity with this id (software and tools are found by name)."""
        entry = self._activities.get(skill_id)
        return None if entry is None else entry[0]

    def extract(self, text: str, kinds: Iterable[str] = KINDS) -> list[SkillMention]:
        """Return the skills ``text`` mentions: each once, credentials first, then by position."""
        wanted = set(kinds)
        unknown = wanted - set(KINDS)
        if unknown:
            raise ValueError(f"unknown skill kind(s) {sorted(unknown)}; expected {KINDS}")
        found: dict[str, SkillMention] = {}
        if "credential" in wanted:
            for mention in find_credentials(text):
                found[mention.skill.id] = mention
        tokens = _tokens(text)
        if wanted & {"technology", "tool"}:
            for mention in self._phrase_mentions(tokens):
                if mention.skill.kind in wanted:
                    found.setdefault(mention.skill.id, mention)
        if "work_activity" in wanted:
            for mention in self._activity_mentions(tokens):
                found.setdefault(mention.skill.id, mention)
        return list(found.values())

    def _phrase_mentions(self, tokens: list[tuple[str, str]]) -> Iterable[SkillMention]:
        # Longest match first, so "pallet jacks" is not also reported as "jacks".
        keys = [s for _, s in tokens]
        start = 0
        while start < len(tokens):
            length, skills = self._longest_at(tokens, keys, start)
            phrase = " ".join(original for original, _ in tokens[start : start + length])
            for skill in skills:
                yield SkillMention(skill, phrase)
            start += length

    def _longest_at(
        self, tokens: list[tuple[str, str]], keys: list[str], start: int
    ) -> tuple[int, list[Skill]]:
        longest = min(self._longest.get(keys[start], 0), len(tokens) - start)
        for length in range(longest, 0, -1):
            skills = self._phrases.get(tuple(keys[start : start + length]))
            if skills:
                return length, skills + self._exact.get(tokens[start][0], []) * (length == 1)
        return 1, self._exact.get(tokens[start][0], [])

    def _activity_mentions(self, tokens: list[tuple[str, str]]) -> Iterable[SkillMention]:
        present = {s for word, s in tokens if word.lower() not in STOPWORDS}
        hits: dict[str, int] = {}
        for word in present:
            for skill_id in self._activity_index.get(word, ()):
                hits[skill_id] = hits.get(skill_id, 0) + 1
        for skill_id, count in hits.items():
            if count >= self._activity_needs[skill_id]:
                skill, words = self._activities[skill_id]
                yield SkillMention(skill, " ".join(sorted(words & present)))


def _product_aliases(name: str) -> list[str]:
    aliases = [name]
    first, _, rest = name.partition(" ")
    if first in _VENDORS and rest and rest not in _AMBIGUOUS_PRODUCT_NAMES:
        aliases.append(rest)
    return aliases


def _add_phrase(
    name: str,
    skill: Skill,
    phrases: dict[tuple[str, ...], list[Skill]],
    exact: dict[str, list[Skill]],
    case_sensitive_single: bool,
) -> None:
    tokens = _tokens(name)
    if not tokens or len(tokens) > _MAX_PHRASE_TOKENS:
        return
    if len(tokens) == 1:
        original, key = tokens[0]
        if len(key) < 3 or original.lower() in STOPWORDS:
            return  # "R", "C" and the like cannot be told apart from ordinary words
        if case_sensitive_single:
            if original != name.strip():
                return  # "C#", "Freight+": the symbol that makes the name is lost in tokens
            if skill not in exact[original]:
                exact[original].append(skill)
            return
    key = tuple(s for _, s in tokens)
    if skill not in phrases[key]:
        phrases[key].append(skill)
