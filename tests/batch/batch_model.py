"""A small real occupation model for the batch tests, and posting files to feed it.

Dask worker processes import this module (they inherit the test process's ``sys.path``), so the
loaders here must stay module-level functions or hashable callables.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from jobatlas.config import Settings
from jobatlas.engine import OccupationMatch
from jobatlas.reference.files import read_onet_table

MODEL_FILE = "batch-test-model.joblib"
# Low- and middle-skill major groups: food, cleaning, personal care, sales, office, construction,
# repair, production, transportation.
MAJOR_GROUPS = ("35-", "37-", "39-", "41-", "43-", "47-", "49-", "51-", "53-")
CODES_PER_GROUP = 4


class TitleEngine:
    """A TF-IDF + logistic regression pipeline over O*NET alternate titles and tasks."""

    def __init__(self, pipeline: Pipeline, titles: dict[str, str], model_version: str):
        self.pipeline = pipeline
        self.titles = titles
        self.model_version = model_version

    def classify_many(self, texts: list[str], top_k: int = 10) -> list[list[OccupationMatch]]:
        """Return the ``top_k`` occupations of each text with the words that drove each."""
        if any(not t.strip() for t in texts):
            raise ValueError("text is empty")
        proba = self.pipeline.predict_proba(texts)
        features = self.pipeline[0].transform(texts)
        coef = self.pipeline[1].coef_
        vocab = self.pipeline[0].get_feature_names_out()
        classes = self.pipeline[1].classes_
        out = []
        for i, row in enumerate(proba):
            best = np.argsort(-row, kind="stable")[:top_k]
            x = features[i]
            matches = []
            for c in best:
                contrib = x.data * coef[c, x.indices]
                words = [
                    str(vocab[x.indices[j]]) for j in np.argsort(-contrib)[:3] if contrib[j] > 0
                ]
                code = str(classes[c])
                matches.append(
                    OccupationMatch(code, code[:7], self.titles[code], float(row[c]), words)
                )
            out.append(matches)
        return out


@cache
def reference_texts() -> pd.DataFrame:
    """Return (code, title, text) rows for the occupations the test model knows."""
    titles = read_onet_table("Alternate Titles")
    tasks = read_onet_table("Task Statements")
    codes = []
    for group in MAJOR_GROUPS:
        in_group = sorted(c for c in set(tasks["O*NET-SOC Code"]) if c.startswith(group))
        codes.extend(in_group[:CODES_PER_GROUP])
    titles = titles[titles["O*NET-SOC Code"].isin(codes)]
    tasks = tasks[tasks["O*NET-SOC Code"].isin(codes)]
    rows = [
        (code, alt, " ".join(group["Task"].head(4)))
        for code, group in tasks.groupby("O*NET-SOC Code")
        for alt in titles.loc[titles["O*NET-SOC Code"] == code, "Alternate Title"].head(40)
    ]
    return pd.DataFrame(rows, columns=["code", "title", "text"])


def train_test_model(cache_dir: str | Path) -> Path:
    """Train the test model into ``cache_dir`` unless it is there already."""
    path = Path(cache_dir) / MODEL_FILE
    if path.exists():
        return path
    data = reference_texts()
    pipeline = Pipeline(
        [
            ("tfidf", TfidfVectorizer(sublinear_tf=True, min_df=1)),
            ("clf", LogisticRegression(max_iter=300)),
        ]
    )
    pipeline.fit(data["title"] + "\n" + data["text"], data["code"])
    official = read_onet_table("Occupation Data").set_index("O*NET-SOC Code")["Title"]
    titles = {code: official[code] for code in pipeline[1].classes_}
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    joblib.dump(TitleEngine(pipeline, titles, "batch-test-1"), tmp)
    tmp.replace(path)
    return path


def load_test_engine(settings: Settings) -> TitleEngine:
    """Load the trained test model from the settings' cache folder (the batch loader)."""
    return joblib.load(Path(settings.cache_dir) / MODEL_FILE)


@dataclass(frozen=True)
class KillOnceLoader:
    """Load an engine whose first call in the whole cluster kills its worker process."""

    marker: str

    def __call__(self, settings: Settings) -> KillOnceEngine:
        return KillOnceEngine(load_test_engine(settings), self.marker)


class KillOnceEngine:
    """Wrap an engine; the first ``classify_many`` anywhere ends its process abruptly."""

    def __init__(self, engine: TitleEngine, marker: str):
        self.engine = engine
        self.marker = marker
        self.model_version = engine.model_version

    def classify_many(self, texts: list[str], top_k: int = 10) -> list[list[OccupationMatch]]:
        """Classify, unless no process has died yet: then die like an out-of-memory kill."""
        try:
            fd = os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return self.engine.classify_many(texts, top_k)
        os.close(fd)
        os._exit(137)


@dataclass(frozen=True)
class FailingLoader:
    """Load an engine that raises for texts containing ``poison`` (a broken partition)."""

    poison: str

    def __call__(self, settings: Settings) -> FailingEngine:
        return FailingEngine(load_test_engine(settings), self.poison)


class FailingEngine:
    """Wrap an engine; any batch holding the poison word raises ``RuntimeError``."""

    def __init__(self, engine: TitleEngine, poison: str):
        self.engine = engine
        self.poison = poison
        self.model_version = engine.model_version

    def classify_many(self, texts: list[str], top_k: int = 10) -> list[list[OccupationMatch]]:
        """Classify, or raise when a text holds the poison word."""
        if any(self.poison in t for t in texts):
            raise RuntimeError(f"cannot classify {self.poison!r}")
        return self.engine.classify_many(texts, top_k)


def postings_frame(rows: int, seed: int) -> pd.DataFrame:
    """Return generated postings: an O*NET alternate title and task sentences as the body."""
    data = reference_texts()
    rng = np.random.default_rng(seed)
    picks = data.iloc[rng.integers(0, len(data), rows)]
    return pd.DataFrame(
        {
            "id": [f"p{seed}-{i}" for i in range(rows)],
            "title": picks["title"].to_numpy(),
            "text": picks["text"].to_numpy(),
            "salary": rng.integers(12, 40, rows),
        }
    )


def write_postings(folder: Path, files: int, rows: int, fmt: str = "parquet") -> list[Path]:
    """Write ``files`` posting files of ``rows`` rows each in ``fmt``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(files):
        frame = postings_frame(rows, seed=n)
        path = folder / f"postings-{n:02d}.{fmt}"
        if fmt == "parquet":
            frame.to_parquet(path, index=False)
        elif fmt == "csv":
            frame.to_csv(path, index=False)
        else:
            path.write_text(
                "".join(json.dumps(r) + "\n" for r in frame.to_dict(orient="records")),
                encoding="utf-8",
            )
        paths.append(path)
    return paths
