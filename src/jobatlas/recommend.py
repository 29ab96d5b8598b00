"""Personalized results for a person's text: their occupations, jobs they could move into, postings.

``RecommenderIndex.build(ref)`` precomputes everything that does not depend on the person (skill
and knowledge vectors, a TF-IDF matrix of each occupation's tasks, activities, tools and
software, related-occupation lists, outlook and national pay), so ``recommend`` does only a
classifier call, a few small vector operations and dictionary lookups per request.

How "jobs you could move into" are ranked: candidates are the O*NET related occupations of the
person's top matches and the occupations whose skill profile is nearest to them. Each is scored
by how close its skills and knowledge are to the person's (the profiles of their matched
occupations, weighted by match score), how much of its work the person's text describes, and
how strongly O*NET relates it to their matches; outlook and pay break near-ties.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from jobatlas.profiles import (
    JobZoneInfo,
    Outlook,
    WageSummary,
    code_rows,
    job_zone_info,
    location_dict,
    onet_url,
    outlook_for,
    per_reference,
    plain,
    wage_summary,
)
from jobatlas.skills import (
    SkillVocabulary,
    credentials_for,
    held_credentials,
    stems,
)

__all__ = [
    "DEFAULT_JOB_ZONES",
    "Recommendation",
    "RecommenderIndex",
    "match_words",
    "recommend",
    "recommender_index",
]

log = logging.getLogger(__name__)

DEFAULT_JOB_ZONES = (1, 2, 3)
# Match-strength words by the classifier's calibrated probability of the occupation.
MATCH_WORDS = ((0.5, "Strong match"), (0.2, "Good match"), (0.05, "Possible match"))
WEAK_MATCH = "Weak match"
TIER_WEIGHTS = {"Primary-Short": 1.0, "Primary-Long": 0.8, "Supplemental": 0.6}
NEIGHBOUR_WEIGHT = 0.5
NEIGHBOURS = 10
SOURCE_MATCHES = 5  # how many of the person's matches shape their profile and candidates
IMPORTANT = 3.0  # O*NET importance (1-5) from which a skill counts as needed
MUCH_LOWER = 1.0  # level points (0-7) a needed skill must exceed the person's by
MAX_GAPS = 6
DEFAULT_RADIUS_KM = 50.0
DEFAULT_POSTINGS = 20
_BAND_KM = 10.0  # postings within the same 10 km band are ordered newest first


@dataclass(frozen=True)
class OccupationFacts:
    """What results show about an occupation, independent of the person."""

    code: str
    soc: str
    title: str
    job_zone: JobZoneInfo | None
    training: str | None
    national_wage: WageSummary | None
    outlook: Outlook | None


@dataclass
class RecommenderIndex:
    """Per-occupation vectors and facts, built once per reference data (see ``build``)."""

    codes: list[str]
    position: dict[str, int]
    facts: dict[str, OccupationFacts]
    element_names: list[str]
    element_kinds: list[str]
    importance: np.ndarray  # occupations x elements, O*NET importance 1-5 (0 = no data)
    level: np.ndarray  # occupations x elements, O*NET level 0-7
    profile: np.ndarray  # centred, unit-length importance vectors (zero rows = no data)
    vectorizer: TfidfVectorizer
    documents: Any  # scipy CSR matrix: occupations x terms, unit rows
    related: dict[str, list[tuple[str, str]]]
    neighbours: dict[str, list[str]]
    tools: dict[str, list[str]]  # recognizable equipment first
    technology: dict[str, list[str]]  # software employers ask for (O*NET "in demand")
    vocabulary: SkillVocabulary
    _word_keys: dict[str, frozenset[str]] = field(repr=False, default_factory=dict)
    # Outlook and pay nudges of each occupation (see ``_tie_breaker``), by code.
    tie_breakers: dict[str, float] = field(repr=False, default_factory=dict)

    def local_wage(self, ref, soc: str, location) -> WageSummary | None:
        """Return pay in the location's metro area or state (memoized per reference data)."""
        return code_rows(ref).local_wage(ref, soc, location)

    @classmethod
    def build(cls, ref) -> RecommenderIndex:
        """Precompute vectors, documents and facts for every occupation in ``ref``."""
        codes = [str(code) for code in ref.occupations.index]
        position = {code: i for i, code in enumerate(codes)}
        names, kinds, importance, level = _rating_matrices(ref, position)
        vectorizer, documents = _document_matrix(ref, codes)
        profile = _centred_profiles(importance)
        tools = _distinctive_tools(ref)
        technology = _key_technology(ref)
        word_keys = {
            name: frozenset(stems(name))
            for names_ in (*tools.values(), *technology.values())
            for name in names_
        }
        facts = {code: _facts(ref, code) for code in codes}
        return cls(
            codes=codes,
            position=position,
            facts=facts,
            element_names=names,
            element_kinds=kinds,
            importance=importance,
            level=level,
            profile=profile,
            vectorizer=vectorizer,
            documents=documents,
            related=_related_lists(ref),
            neighbours=_nearest(profile, codes),
            tools=tools,
            technology=technology,
            vocabulary=SkillVocabulary.from_reference(ref),
            _word_keys=word_keys,
            tie_breakers={code: _tie_breaker(facts[code]) for code in codes},
        )


def recommender_index(ref) -> RecommenderIndex:
    """Return the index of ``ref``, building it on first use (one per live reference data)."""
    return per_reference(ref, "recommend.RecommenderIndex", RecommenderIndex.build)


@dataclass(frozen=True)
class SkillGap:
    """Something a move needs that the person's work or text does not show."""

    name: str
    kind: str  # "skill", "knowledge", "credential", "tool", "technology"
    detail: str


@dataclass(frozen=True)
class OccupationResult:
    """One of the person's own occupations, as the classifier matched it."""

    code: str
    title: str
    score: float
    match: str
    evidence: list[str]
    job_zone: JobZoneInfo | None
    training: str | None
    wage: dict[str, WageSummary | None]
    outlook: Outlook | None
    onet_url: str


@dataclass(frozen=True)
class MoveResult:
    """An occupation the person could move into, with why and what they would need."""

    code: str
    title: str
    score: float
    skill_fit: float
    text_fit: float
    related_to: list[str]  # titles of the person's matches it is related or near to
    job_zone: JobZoneInfo | None
    training: str | None
    wage: dict[str, WageSummary | None]
    outlook: Outlook | None
    onet_url: str
    skill_gaps: list[SkillGap]


@dataclass(frozen=True)
class PostingResult:
    """A stored job posting near the person for one of the recommended occupations."""

    title: str
    employer: str | None
    pay: str | None
    posted_at: str | None
    url: str
    locality: str | None
    distance_km: float | None
    occupation: str | None


@dataclass(frozen=True)
class Recommendation:
    """Everything personalized for one person's text; ``to_dict`` gives JSON-ready data."""

    occupations: list[OccupationResult]
    related: list[MoveResult]
    postings: list[PostingResult]
    postings_status: str  # "ok", "none_stored", "no_location" or "unavailable"
    location: dict[str, Any] | None
    job_zones: list[int]
    skills_found: list[dict[str, str]]

    def to_dict(self) -> dict[str, Any]:
        """Return the recommendation as nested dicts and lists of JSON types."""
        return plain(self)


def match_words(score: float) -> str:
    """Return the match strength in words for a calibrated classifier score."""
    for threshold, words in MATCH_WORDS:
        if score >= threshold:
            return words
    return WEAK_MATCH


def recommend(
    text: str,
    engine,
    ref,
    location=None,
    job_zones: Iterable[int] = DEFAULT_JOB_ZONES,
    repository=None,
    top_k: int = 10,
    *,
    index: RecommenderIndex | None = None,
    related_k: int = 8,
    radius_km: float = DEFAULT_RADIUS_KM,
    posting_limit: int = DEFAULT_POSTINGS,
) -> Recommendation:
    """Return occupations, moves and nearby postings personalized to ``text``.

    ``engine`` classifies the text (``classify(text, top_k)``); ``ref`` is the reference data;
    ``location`` a ``geo.Location``; ``job_zones`` the preparation levels to show (1-5);
    ``repository`` a ``PostingRepository`` (None: no postings). ``index`` defaults to the cached
    index of ``ref``.
    """
    zones = _checked_zones(job_zones)
    if top_k < 1:
        raise ValueError(f"top_k must be at least 1, got {top_k}")
    index = index or recommender_index(ref)
    matches = engine.classify(text, top_k=max(top_k, 10))
    return recommend_for_matches(
        text,
        matches,
        ref,
        index,
        location=location,
        job_zones=zones,
        repository=repository,
        top_k=top_k,
        related_k=related_k,
        radius_km=radius_km,
        posting_limit=posting_limit,
    )


def recommend_for_matches(
    text: str,
    matches: Sequence,
    ref,
    index: RecommenderIndex,
    *,
    location=None,
    job_zones: Iterable[int] = DEFAULT_JOB_ZONES,
    repository=None,
    top_k: int = 10,
    related_k: int = 8,
    radius_km: float = DEFAULT_RADIUS_KM,
    posting_limit: int = DEFAULT_POSTINGS,
) -> Recommendation:
    """Build the recommendation from classifier matches (``code``, ``score``, ``evidence``)."""
    zones = _checked_zones(job_zones)
    # A model trained on another O*NET release may know codes this reference data lacks.
    matches = [m for m in matches if m.code in index.position]
    mentions = index.vocabulary.extract(text)
    shown = [m for m in matches if _zone_ok(index, m.code, zones)][:top_k]
    occupations = [_occupation_result(ref, index, m, location) for m in shown]
    moves = _moves(stems(text), matches, mentions, ref, index, zones, location, related_k)
    codes = [o.code for o in occupations] + [m.code for m in moves]
    status, postings = _postings(repository, codes, location, radius_km, posting_limit, index)
    return Recommendation(
        occupations=occupations,
        related=moves,
        postings=postings,
        postings_status=status,
        location=location_dict(location),
        job_zones=sorted(zones),
        skills_found=[
            {"name": m.skill.name, "kind": m.skill.kind, "phrase": m.phrase}
            for m in mentions
            if m.skill.kind != "work_activity"
        ],
    )


def _checked_zones(job_zones: Iterable[int]) -> frozenset[int]:
    zones = frozenset(int(zone) for zone in job_zones)
    if not zones or not zones <= {1, 2, 3, 4, 5}:
        raise ValueError(f"job_zones must be a non-empty set of 1-5, got {sorted(zones)}")
    return zones


def _zone_ok(index: RecommenderIndex, code: str, zones: frozenset[int]) -> bool:
    info = index.facts[code].job_zone
    # Occupations without a Job Zone (SOC residual codes) are shown only with all zones allowed.
    return info.zone in zones if info is not None else len(zones) == 5


def _occupation_result(ref, index: RecommenderIndex, match, location) -> OccupationResult:
    facts = index.facts[match.code]
    return OccupationResult(
        code=match.code,
        title=facts.title,
        score=round(float(match.score), 4),
        match=match_words(float(match.score)),
        evidence=list(match.evidence),
        job_zone=facts.job_zone,
        training=facts.training,
        wage={"national": facts.national_wage, "local": index.local_wage(ref, facts.soc, location)},
        outlook=facts.outlook,
        onet_url=onet_url(match.code),
    )


# --- jobs you could move into ---------------------------------------------------------------


def _moves(words, matches, mentions, ref, index, zones, location, related_k) -> list[MoveResult]:
    sources = matches[:SOURCE_MATCHES]
    if not sources:
        return []
    weights = np.array([max(float(m.score), 1e-6) for m in sources])
    weights = weights / weights.max()
    person = _person(index, [m.code for m in sources], weights)
    candidates = _candidates(index, sources, weights, zones)
    if not candidates:
        return []
    rows = [index.position[code] for code in candidates]
    skill_fit = (index.profile[rows] @ person["profile"] + 1.0) / 2.0
    text_fit = _text_fit(index, words, rows)
    ranked = []
    for i, (code, (relation, via)) in enumerate(candidates.items()):
        fit = 0.5 * skill_fit[i] + 0.2 * min(1.0, text_fit[i] / 0.3) + 0.3 * relation
        ranked.append((fit + index.tie_breakers[code], code, via, i))
    ranked.sort(key=lambda item: (-item[0], item[1]))
    held = held_credentials(mentions)
    mentioned = frozenset(words)
    # What the person's own occupations use: the same for every move.
    have = {
        kind: {name for m in sources for name in items.get(m.code, ())}
        for kind, items in (("tool", index.tools), ("technology", index.technology))
    }
    return [
        _move_result(
            ref,
            index,
            code,
            score,
            float(skill_fit[i]),
            float(text_fit[i]),
            via,
            _gaps(index, code, person, have, held, mentioned),
            location,
        )
        for score, code, via, i in ranked[:related_k]
    ]


def _text_fit(index: RecommenderIndex, words: list[str], rows: list[int]) -> np.ndarray:
    """Return the TF-IDF cosine of the text with each candidate's O*NET document."""
    # The same weighting as ``vectorizer.transform`` (sublinear tf, idf, l2), without its
    # per-call validation overhead.
    vocabulary = index.vectorizer.vocabulary_
    counts: dict[int, int] = {}
    for word in words:
        column = vocabulary.get(word)
        if column is not None:
            counts[column] = counts.get(column, 0) + 1
    if not counts:
        return np.zeros(len(rows))
    columns = np.fromiter(counts, dtype=np.int64, count=len(counts))
    weights = 1.0 + np.log(np.fromiter(counts.values(), dtype=float, count=len(counts)))
    weights *= index.vectorizer.idf_[columns]
    weights /= np.linalg.norm(weights)
    # A dense query vector: selecting the columns of a sparse matrix costs more than the product.
    query = np.zeros(index.documents.shape[1])
    query[columns] = weights
    return np.asarray(index.documents[rows] @ query).ravel()


def _person(index: RecommenderIndex, codes: list[str], weights: np.ndarray) -> dict:
    rows = [index.position[code] for code in codes]
    has = index.importance[rows].any(axis=1)
    if not has.any():
        size = index.importance.shape[1]
        return {"profile": np.zeros(size), "level": np.zeros(size), "codes": codes}
    w = weights[has] / weights[has].sum()
    chosen = np.array(rows)[has]
    profile = w @ index.profile[chosen]
    norm = np.linalg.norm(profile)
    return {
        "profile": profile / norm if norm else profile,
        "level": w @ index.level[chosen],
        "codes": codes,
    }


def _candidates(index, sources, weights, zones) -> dict[str, tuple[float, list[str]]]:
    own = {m.code for m in sources}
    found: dict[str, tuple[float, list[str]]] = {}

    def add(code: str, strength: float, via: str) -> None:
        if code in own or code not in index.position or not _zone_ok(index, code, zones):
            return
        best, titles = found.get(code, (0.0, []))
        if via not in titles:
            titles = [*titles, via]
        found[code] = (max(best, strength), titles)

    for match, weight in zip(sources, weights, strict=True):
        title = index.facts[match.code].title
        for related, tier in index.related.get(match.code, ()):
            add(related, weight * TIER_WEIGHTS.get(tier, 0.5), title)
        for near in index.neighbours.get(match.code, ()):
            add(near, weight * NEIGHBOUR_WEIGHT, title)
    return found


def _tie_breaker(facts: OccupationFacts) -> float:
    growth = facts.outlook.change_pct if facts.outlook and facts.outlook.change_pct else 0.0
    pay = facts.national_wage.annual_median if facts.national_wage else None
    growth_part = (min(max(growth, -10.0), 20.0) + 10.0) / 30.0
    pay_part = min((pay or 0.0) / 100_000.0, 1.0)
    return 0.03 * growth_part + 0.02 * pay_part


def _gaps(index, code, person, have, held, mentioned) -> list[SkillGap]:
    gaps = _rating_gaps(index, code, person)
    gaps += _credential_gaps(code, held)
    gaps += _item_gaps(index, index.tools, code, have["tool"], mentioned, "tool", 3)
    gaps += _item_gaps(
        index, index.technology, code, have["technology"], mentioned, "technology", 2
    )
    return gaps[:MAX_GAPS]


def _rating_gaps(index, code, person) -> list[SkillGap]:
    row = index.position[code]
    importance, level = index.importance[row], index.level[row]
    shortfall = np.where(importance >= IMPORTANT, level - person["level"], 0.0)
    order = np.argsort(-shortfall)
    gaps = []
    for j in order[:3]:
        if shortfall[j] < MUCH_LOWER:
            break
        kind = index.element_kinds[j]
        gaps.append(
            SkillGap(
                name=index.element_names[j],
                kind=kind,
                detail=f"Needed at a higher level than in your current work ({kind}).",
            )
        )
    return gaps


def _credential_gaps(code: str, held: set[str]) -> list[SkillGap]:
    required = credentials_for(code)
    # "CDL" listed beside "CDL Class A" would say the same thing twice: keep the specific one.
    covered = {implied for credential in required for implied in credential.implies}
    return [
        SkillGap(
            name=c.name,
            kind="credential",
            detail="Usually required to be hired; your text does not mention it.",
        )
        for c in required
        if c.id not in held and c.id not in covered
    ]


def _item_gaps(index, items, code, have, mentioned, kind, limit) -> list[SkillGap]:
    gaps = []
    for name in items.get(code, ()):
        if name in have or index._word_keys.get(name, frozenset()) <= mentioned:
            continue
        what = "Tool or equipment" if kind == "tool" else "Software"
        gaps.append(
            SkillGap(
                name=name,
                kind=kind,
                detail=f"{what} used in this work that your text does not mention.",
            )
        )
        if len(gaps) == limit:
            break
    return gaps


def _move_result(ref, index, code, score, skill_fit, text_fit, via, gaps, location) -> MoveResult:
    facts = index.facts[code]
    return MoveResult(
        code=code,
        title=facts.title,
        score=round(float(score), 4),
        skill_fit=round(skill_fit, 4),
        text_fit=round(text_fit, 4),
        related_to=via,
        job_zone=facts.job_zone,
        training=facts.training,
        wage={"national": facts.national_wage, "local": index.local_wage(ref, facts.soc, location)},
        outlook=facts.outlook,
        onet_url=onet_url(code),
        skill_gaps=gaps,
    )


# --- postings ---------------------------------------------------------------------------------


def _postings(repository, codes, location, radius_km, limit, index):
    if repository is None:
        return "unavailable", []
    lat, lon = getattr(location, "lat", None), getattr(location, "lon", None)
    if location is None or lat is None or lon is None:
        return "no_location", []
    found = repository.search(
        codes=list(dict.fromkeys(codes)), near=(lat, lon, radius_km), limit=limit
    )
    if not found:
        return "none_stored", []
    results = [_posting_result(stored, index) for stored in found]
    results.sort(key=_nearest_then_newest)
    return "ok", results


def _nearest_then_newest(posting: PostingResult) -> tuple:
    # Distance alone would put a stale ad 1 km closer above yesterday's; bands let date count.
    band = math.floor(posting.distance_km / _BAND_KM) if posting.distance_km is not None else 1e9
    return (band, _negated_date(posting.posted_at), posting.url)


def _negated_date(posted_at: str | None) -> float:
    if not posted_at:
        return float("inf")
    return -datetime.fromisoformat(posted_at).timestamp()


def _posting_result(stored, index: RecommenderIndex) -> PostingResult:
    posting = stored.posting
    posted = posting.posted_at or stored.first_seen
    occupation = posting.occupations[0].code if posting.occupations else None
    facts = index.facts.get(occupation) if occupation else None
    return PostingResult(
        title=posting.title,
        employer=posting.employer,
        pay=_pay_words(posting.compensation),
        posted_at=posted.isoformat() if posted else None,
        url=posting.url,
        locality=posting.locality,
        distance_km=None if stored.distance_km is None else round(stored.distance_km, 1),
        occupation=facts.title if facts else None,
    )


def _pay_words(compensation) -> str | None:
    if compensation is None:
        return None
    low, high, unit = compensation.min_amount, compensation.max_amount, compensation.unit
    if low is None and high is None:
        return compensation.raw
    amounts = [f"${value:,.2f}".replace(".00", "") for value in (low, high) if value is not None]
    text = " - ".join(dict.fromkeys(amounts))
    return f"{text} per {unit}" if unit else text


# --- building the index -----------------------------------------------------------------------


def _rating_matrices(ref, position):
    tables = (("skill", ref.skills), ("knowledge", ref.knowledge))
    names, kinds, columns = [], [], {}
    for kind, table in tables:
        for element_id, name in (
            table[["element_id", "name"]].drop_duplicates().itertuples(index=False)
        ):
            columns[(kind, element_id)] = len(names)
            names.append(name)
            kinds.append(kind)
    importance = np.zeros((len(position), len(names)))
    level = np.zeros((len(position), len(names)))
    for kind, table in tables:
        rows = table["code"].map(position)
        keep = rows.notna().to_numpy()
        r = rows[keep].astype(int).to_numpy()
        c = np.array([columns[(kind, e)] for e in table["element_id"][keep]])
        importance[r, c] = table["importance"][keep].to_numpy(dtype=float)
        level[r, c] = np.nan_to_num(table["level"][keep].to_numpy(dtype=float))
    return names, kinds, importance, level


def _centred_profiles(importance: np.ndarray) -> np.ndarray:
    has = importance.any(axis=1)
    centred = np.zeros_like(importance)
    # Every occupation rates reading and listening highly; centring lets differences count.
    centred[has] = importance[has] - importance[has].mean(axis=0)
    norms = np.linalg.norm(centred, axis=1, keepdims=True)
    return np.divide(centred, norms, out=np.zeros_like(centred), where=norms > 0)


def _document_matrix(ref, codes):
    parts: dict[str, list[str]] = {code: [] for code in codes}
    for code, title in ref.occupations["title"].items():
        parts[code].append(title)
    for frame, column in (
        (ref.tasks, "task"),
        (ref.task_dwas, "dwa_title"),
        (ref.tools, "example"),
        (ref.technology_skills, "example"),
    ):
        for code, value in zip(frame["code"], frame[column], strict=True):
            if code in parts:
                parts[code].append(value)
    vectorizer = TfidfVectorizer(analyzer=stems, sublinear_tf=True, min_df=2)
    documents = vectorizer.fit_transform([" \n".join(parts[code]) for code in codes])
    return vectorizer, documents.tocsr()


def _nearest(profile: np.ndarray, codes: list[str]) -> dict[str, list[str]]:
    similarity = profile @ profile.T
    np.fill_diagonal(similarity, -np.inf)
    has = profile.any(axis=1)
    neighbours = {}
    for i in np.flatnonzero(has):
        order = np.argsort(-similarity[i])[:NEIGHBOURS]
        neighbours[codes[i]] = [codes[j] for j in order if has[j]]
    return neighbours


def _related_lists(ref) -> dict[str, list[tuple[str, str]]]:
    related: dict[str, list[tuple[str, str]]] = {}
    ordered = ref.related.sort_values(["code", "index"])
    for code, other, tier in zip(
        ordered["code"], ordered["related_code"], ordered["tier"], strict=True
    ):
        related.setdefault(code, []).append((other, tier))
    return related


def _distinctive_tools(ref) -> dict[str, list[str]]:
    tools = ref.tools.drop_duplicates(["code", "example"])
    spread = tools["example"].map(tools["example"].value_counts())
    # Tools shared by a few occupations are the recognizable equipment of a line of work
    # ("Pallet jacks"); those almost everyone uses ("Personal computers") say nothing.
    common = spread > 0.1 * tools["code"].nunique()
    ordered = tools.assign(spread=spread)[~common].sort_values(
        ["code", "spread", "example"], ascending=[True, False, True]
    )
    return ordered.groupby("code")["example"].apply(list).to_dict()


def _key_technology(ref) -> dict[str, list[str]]:
    tech = ref.technology_skills
    # "In demand" marks the software employers ask for in this occupation's postings.
    key = tech[tech["in_demand"]].drop_duplicates(["code", "example"])
    ordered = key.sort_values(["code", "hot", "example"], ascending=[True, False, True])
    return ordered.groupby("code")["example"].apply(list).to_dict()


def _facts(ref, code: str) -> OccupationFacts:
    row = ref.occupations.loc[code]
    zone = None if pd.isna(row["job_zone"]) else int(row["job_zone"])
    outlook = outlook_for(ref, str(row["soc"]))
    return OccupationFacts(
        code=code,
        soc=str(row["soc"]),
        title=str(row["title"]),
        job_zone=job_zone_info(ref, zone),
        training=_training_words(outlook),
        national_wage=wage_summary(ref.wages.national(str(row["soc"])), "national"),
        outlook=outlook,
    )


def _training_words(outlook: Outlook | None) -> str | None:
    if outlook is None:
        return None
    parts = [outlook.education, outlook.training]
    words = [p for p in parts if p and p.lower() not in {"none", "—"}]
    return "; ".join(words) or None
