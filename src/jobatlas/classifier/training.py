"""Build (texts, labels) for the occupation classifier from the O*NET reference tables.

The estimator never sees files: this module turns the tables into plain lists. The BLS Direct
Match Title File is deliberately absent here; it is only read by ``evaluation`` to measure.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from jobatlas.classifier.text import normalize_text, title_head
from jobatlas.reference.files import read_csv, read_onet_table

CODE = "O*NET-SOC Code"

# Relative sample weights: a title is the best evidence of an occupation, the official title
# most of all; task and description sentences teach the vocabulary of postings and resumes.
WEIGHTS = {"official": 3.0, "title": 1.0, "description": 0.5, "task": 0.3}

# Share of task statements kept out of every model so resume-like evaluation texts are unseen.
HELD_OUT_TASK_SHARE = 0.1


@dataclass(frozen=True)
class ReferenceTexts:
    """The reference tables the classifier learns from, with O*NET's published columns."""

    release: str
    occupations: pd.DataFrame  # O*NET-SOC Code, Title, Description
    alternate_titles: pd.DataFrame  # O*NET-SOC Code, Alternate Title, Short Title
    reported_titles: pd.DataFrame  # O*NET-SOC Code, Reported Job Title
    tasks: pd.DataFrame  # O*NET-SOC Code, Task ID, Task
    crosswalk: pd.DataFrame  # O*NET-SOC 2019 Code, 2018 SOC Code


@dataclass
class TrainingSet:
    """Parallel lists of training texts, O*NET-SOC labels, sample weights and text kinds."""

    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)

    def title_keys(self) -> set[str]:
        """Return the normalized texts of every title used for training."""
        return {
            normalize_text(text)
            for text, kind in zip(self.texts, self.kinds, strict=True)
            if kind in ("title", "official")
        }


def load_reference_texts(folder: Path | str | None = None, data_dir: Path | str | None = None):
    """Read the O*NET tables and SOC crosswalk the classifier needs from one release folder."""
    kwargs = {"folder": folder} if folder is not None else {"data_dir": data_dir}
    crosswalk_kwargs = {"data_dir": data_dir} if data_dir is not None else {}
    release = Path(folder).name if folder is not None else None
    occupations = read_onet_table("Occupation Data", **kwargs)
    return ReferenceTexts(
        release=release or _release_of(kwargs),
        occupations=occupations,
        alternate_titles=read_onet_table("Alternate Titles", **kwargs),
        reported_titles=read_onet_table("Sample of Reported Titles", **kwargs),
        tasks=read_onet_table("Task Statements", **kwargs),
        crosswalk=read_csv("soc/onet_soc_2019_to_soc_2018.csv", **crosswalk_kwargs),
    )


def _release_of(kwargs: dict) -> str:
    from jobatlas.reference.files import resolve_onet_dir

    return resolve_onet_dir(kwargs.get("data_dir")).name


def is_held_out_task(task_id: str) -> bool:
    """Return True for the fixed share of task statements no model is trained on."""
    digest = hashlib.sha1(f"task:{task_id}".encode()).digest()
    return digest[0] < 256 * HELD_OUT_TASK_SHARE


def title_rows(ref: ReferenceTexts) -> pd.DataFrame:
    """Return every title with its code and kind (official, alternate, short, reported)."""
    frames = [
        pd.DataFrame({"code": ref.occupations[CODE], "text": ref.occupations["Title"],
                      "kind": "official"}),
        pd.DataFrame({"code": ref.alternate_titles[CODE],
                      "text": ref.alternate_titles["Alternate Title"], "kind": "title"}),
        pd.DataFrame({"code": ref.alternate_titles[CODE],
                      "text": ref.alternate_titles["Short Title"], "kind": "title"}),
        pd.DataFrame({"code": ref.reported_titles[CODE],
                      "text": ref.reported_titles["Reported Job Title"], "kind": "reported"}),
    ]
    rows = pd.concat(frames, ignore_index=True)
    rows = rows[rows["text"].str.strip() != ""]
    heads = rows.assign(text=rows["text"].map(title_head))
    rows = pd.concat([rows, heads[heads["text"] != rows["text"]]], ignore_index=True)
    return rows.assign(key=rows["text"].map(normalize_text))


def build_training_set(
    ref: ReferenceTexts,
    exclude_titles: frozenset[str] | set[str] = frozenset(),
    include_text: bool = True,
) -> TrainingSet:
    """Return training texts: titles plus (optionally) descriptions and non-held-out tasks.

    ``exclude_titles`` holds normalized titles to leave out (an evaluation split). A text that
    normalizes to the same words as another with the same code is kept once.
    """
    rows = title_rows(ref)
    rows = rows[~rows["key"].isin(exclude_titles) & (rows["key"] != "")]
    rows = rows.assign(weight=rows["kind"].map(WEIGHTS).fillna(WEIGHTS["title"]))
    rows = rows.sort_values("weight", ascending=False).drop_duplicates(["key", "code"])
    rows = rows.assign(kind=rows["kind"].replace({"reported": "title"}))
    if include_text:
        rows = pd.concat([rows, _text_rows(ref)], ignore_index=True)
    return TrainingSet(
        texts=rows["text"].tolist(),
        labels=rows["code"].tolist(),
        weights=rows["weight"].astype(float).tolist(),
        kinds=rows["kind"].tolist(),
    )


def _text_rows(ref: ReferenceTexts) -> pd.DataFrame:
    tasks = ref.tasks[~ref.tasks["Task ID"].map(is_held_out_task)]
    return pd.concat(
        [
            pd.DataFrame({"code": ref.occupations[CODE], "text": ref.occupations["Description"],
                          "kind": "description", "weight": WEIGHTS["description"]}),
            pd.DataFrame({"code": tasks[CODE], "text": tasks["Task"], "kind": "task",
                          "weight": WEIGHTS["task"]}),
        ],
        ignore_index=True,
    )


def employment_prior(ref: ReferenceTexts, data_dir: Path | str | None = None) -> dict[str, float]:
    """Return each O*NET-SOC code's number of US jobs (OEWS May 2025, national).

    A SOC code's employment is shared evenly by its O*NET codes. Where OEWS publishes only a
    broader code (31-1120 for home health and personal care aides), that code's employment is
    shared by the O*NET codes below it; codes OEWS does not cover at all (the military,
    legislators) get the smallest share of any code.
    """
    from jobatlas.reference import wages
    from jobatlas.reference.files import PACKAGE_DATA_DIR

    frame = wages.load_oews(Path(data_dir or PACKAGE_DATA_DIR), wages.NATIONAL)
    frame = frame[frame["employment"].notna()]
    jobs = dict(zip(frame["code"], frame["employment"], strict=True))
    socs = soc_of(ref)
    codes = ref.occupations[CODE].tolist()
    source = {code: _published_code(socs.get(code, code[:7]), jobs) for code in codes}
    sharing = pd.Series(list(source.values())).value_counts().to_dict()
    prior = {code: jobs[key] / sharing[key] for code, key in source.items() if key is not None}
    smallest = min(prior.values())
    return {code: prior.get(code, smallest) for code in codes}


def _published_code(soc: str, jobs: dict[str, float]) -> str | None:
    """Return the OEWS code holding the employment of SOC code ``soc`` (itself or broader)."""
    for code in (soc, soc[:6] + "0"):
        if code in jobs:
            return code
    return None


def soc_of(ref: ReferenceTexts) -> dict[str, str]:
    """Return the SOC 2018 code of every O*NET-SOC 2019 code."""
    cw = ref.crosswalk
    return dict(zip(cw["O*NET-SOC 2019 Code"], cw["2018 SOC Code"], strict=True))
