"""Trends pages, CSV downloads and the ``/api/v1/trends`` JSON API.

Pages and API answers come from the same data functions (``jobatlas.trends.report``). Charts
are server-rendered SVG (no scripts), so they work without JavaScript and under the strict CSP.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request

from jobatlas.trends import report
from jobatlas.web.errors import UserError
from jobatlas.web.resources import resources

bp = Blueprint("trends", __name__)

TOP = 15
CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 640, 220, 36


def _engine():
    return resources().database()


def _place():
    args = request.args
    try:
        return report.resolve_place(
            _engine(),
            area=args.get("area"),
            zip_code=args.get("zip"),
            cbsa=args.get("cbsa"),
            state=args.get("state"),
        )
    except report.TrendsError as exc:
        raise UserError(exc.status, str(exc)) from None


def _job_zone() -> int | None:
    value = request.args.get("job_zone")
    if value in (None, ""):
        return None
    if not value.isdigit():
        raise UserError(400, f"job_zone must be a number from 1 to 5, not {value!r}")
    return int(value)


def occupations_data() -> dict[str, Any]:
    """Return the occupation table of the requested place (query parameters)."""
    args = request.args
    try:
        table = report.occupation_table(
            _engine(),
            _place(),
            level=args.get("level", "detailed"),
            metric=args.get("metric", "new"),
            job_zone=_job_zone(),
            reference=resources().reference(),
        )
    except report.TrendsError as exc:
        raise UserError(exc.status, str(exc)) from None
    return table.to_dict()


def skills_data() -> dict[str, Any]:
    """Return the skills table of the requested place."""
    try:
        table = report.skills_table(_engine(), _place(), metric=request.args.get("metric", "new"))
    except report.TrendsError as exc:
        raise UserError(exc.status, str(exc)) from None
    return table.to_dict()


def occupation_trend_data(code: str) -> dict[str, Any]:
    """Return one occupation's local and national series with growth and forecast."""
    try:
        return report.occupation_detail(
            _engine(),
            code,
            _place(),
            metric=request.args.get("metric", "new"),
            reference=resources().reference(),
        )
    except report.TrendsError as exc:
        raise UserError(exc.status, str(exc)) from None


def occupation_trend(code: str, area: str | None = None) -> dict[str, Any] | None:
    """Return what ``trends_occupation_partial.html`` shows for an occupation page, or None.

    For the occupation page: ``{% include "trends_occupation_partial.html" %}`` with ``trend``
    set to this value. Never raises for missing data (the partial then says so).
    """
    engine = _engine()
    try:
        place = report.resolve_place(engine, area=area) if area else report.resolve_place(engine)
        detail = report.occupation_detail(engine, code, place, reference=resources().reference())
    except report.TrendsError as exc:
        return {"code": code, "note": str(exc), "places": []}
    for block in detail["places"]:
        block["chart"] = chart(block)
    return detail


# -- pages ------------------------------------------------------------------------------------


@bp.get("/trends")
def index():
    data, skills, error = None, None, None
    try:
        data = occupations_data()
        rows = data["rows"]
        data["growing"] = sorted(
            (r for r in rows if r["change_pct"] is not None),
            key=lambda r: (-r["change_pct"], r["code"]),
        )[:TOP]
        data["largest"] = sorted(rows, key=lambda r: (-(r["recent"] or 0), r["code"]))[:TOP]
        skills = _rising_skills()
    except UserError as exc:
        if exc.status >= 500:
            raise
        error = exc.reason
    return render_template("trends.html", data=data, skills=skills, error=error, args=request.args)


def _rising_skills() -> list[dict] | None:
    try:
        rows = skills_data()["rows"]
    except UserError:
        return None
    rising = [r for r in rows if r["change_pct"] is not None]
    return sorted(rising, key=lambda r: (-r["change_pct"], r["skill_id"]))[:TOP]


@bp.get("/trends/occupations/<code>")
def occupation_page(code: str):
    detail = occupation_trend_data(code)
    for block in detail["places"]:
        block["chart"] = chart(block)
    return render_template("trends_occupation.html", trend=detail, args=request.args)


@bp.get("/trends/occupations.csv")
def occupations_csv():
    return _csv(occupations_data()["rows"], "occupation-trends.csv")


@bp.get("/trends/skills.csv")
def skills_csv():
    return _csv(skills_data()["rows"], "skill-trends.csv")


@bp.get("/trends/occupations/<code>.csv")
def occupation_csv(code: str):
    detail = occupation_trend_data(code)
    rows = []
    for block in detail["places"]:
        label = block["place"]["label"]
        rows += [
            {"place": label, "week": w["week"], "value": w["value"], "kind": "observed"}
            for w in block["weeks"]
        ]
        for point in (block["forecast"] or {}).get("points", []):
            rows.append({"place": label, "kind": "forecast", "value": point["mean"], **point})
    return _csv(rows, f"trend-{detail['code']}.csv")


def _csv(rows: list[dict], filename: str) -> Response:
    buffer = io.StringIO()
    fields = list(dict.fromkeys(key for row in rows for key in row)) or ["empty"]
    writer = csv.DictWriter(buffer, fieldnames=fields)
    writer.writeheader()
    writer.writerows(rows)
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# -- API --------------------------------------------------------------------------------------


@bp.get("/api/v1/trends/occupations")
def api_occupations():
    return jsonify(occupations_data())


@bp.get("/api/v1/trends/occupations/<code>")
def api_occupation(code: str):
    return jsonify(occupation_trend_data(code))


@bp.get("/api/v1/trends/skills")
def api_skills():
    return jsonify(skills_data())


# -- charts -----------------------------------------------------------------------------------


def chart(block: dict) -> dict | None:
    """Return SVG coordinates for a weekly series and its forecast band (None without data)."""
    weeks = block.get("weeks") or []
    if not weeks:
        return None
    history = weeks[-104:]
    points = (block.get("forecast") or {}).get("points", [])
    values = [w["value"] for w in history]
    highs = [p["upper95"] for p in points] + values
    top = max(max(highs), 1)
    n = len(history) + len(points)
    inner_w, inner_h = CHART_WIDTH - 2 * CHART_PAD, CHART_HEIGHT - 2 * CHART_PAD

    def xy(i: int, value: float) -> str:
        x = CHART_PAD + inner_w * (i / max(n - 1, 1))
        y = CHART_PAD + inner_h * (1 - value / top)
        return f"{x:.1f},{y:.1f}"

    start = len(history) - 1
    band = {}
    for level in (95, 80):
        upper = [xy(start, values[-1])] + [
            xy(start + 1 + i, p[f"upper{level}"]) for i, p in enumerate(points)
        ]
        lower = [xy(start + 1 + i, p[f"lower{level}"]) for i, p in enumerate(points)][::-1]
        band[level] = " ".join(upper + lower + [xy(start, values[-1])]) if points else ""
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "pad": CHART_PAD,
        "observed": " ".join(xy(i, v) for i, v in enumerate(values)),
        "forecast": " ".join(
            [xy(start, values[-1])] + [xy(start + 1 + i, p["mean"]) for i, p in enumerate(points)]
        )
        if points
        else "",
        "band95": band[95],
        "band80": band[80],
        "top": round(top),
        "first_week": history[0]["week"],
        "last_week": points[-1]["week"] if points else history[-1]["week"],
        "baseline": CHART_HEIGHT - CHART_PAD,
    }
