import gzip
import json
import re

import numpy as np
import pandas as pd
import pytest

from jobatlas.trends.backtest import SeriesFileError, backtest, read_series_file, to_weekly
from jobatlas.trends.forecast import Forecast


def mean_forecaster(history: pd.Series, horizon: int) -> Forecast:
    """Forecast the mean of the history, with intervals of +-1 (80 %) and +-3 (95 %)."""
    mean = np.full(horizon, history.mean())
    return Forecast(
        "mean", "test", [], mean, {80: mean - 1, 95: mean - 3}, {80: mean + 1, 95: mean + 3}
    )


def frame(values: dict[str, list[float]], start="2024-01-01", freq="7D") -> pd.DataFrame:
    parts = []
    for sid, ys in values.items():
        dates = pd.date_range(start, periods=len(ys), freq=freq)
        parts.append(
            pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "series_id": sid, "value": ys})
        )
    return pd.concat(parts, ignore_index=True)


def test_metrics_match_hand_computed_values():
    # Scale = mean |one-week change| of the history = 1 at every origin.
    data = frame({"a": [1, 2, 3, 4, 5, 6], "flat": [10, 10, 10, 10, 10, 13]})
    report = backtest(data, horizons=(1, 2), forecaster=mean_forecaster, min_train=3)
    h1, h2 = report["horizons"]["1"], report["horizons"]["2"]
    # Origins 2, 3, 4: forecasts 2, 2.5, 3 for actual 4, 5, 6; naive errors are all 1.
    assert h1["mase"] == pytest.approx(2.5)
    assert h1["mase_naive"] == pytest.approx(1.0)
    assert h1["mase_seasonal_naive"] is None
    assert h1["coverage80"] == 0.0
    assert h1["coverage95"] == 1.0  # |error| 3 is on the bound, which counts as inside
    assert h1["n_forecasts"] == 3  # the flat series has a zero scale and is skipped
    # Origins 2, 3: errors 3 and 3.5; naive errors 2 and 2.
    assert h2["mase"] == pytest.approx(3.25)
    assert h2["mase_naive"] == pytest.approx(2.0)
    assert h2["coverage95"] == 0.5
    assert h2["n_forecasts"] == 2


def test_seasonal_naive_uses_the_same_week_a_year_earlier():
    data = frame({"t": list(range(60))})
    report = backtest(data, horizons=(1,), forecaster=mean_forecaster, min_train=55)
    assert report["horizons"]["1"]["mase_seasonal_naive"] == pytest.approx(52.0)
    assert report["horizons"]["1"]["mase_naive"] == pytest.approx(1.0)


def test_start_and_step_select_origins():
    data = frame({"a": list(range(1, 21))})
    all_origins = backtest(data, horizons=(1,), forecaster=mean_forecaster, min_train=3)
    later = backtest(
        data, horizons=(1,), forecaster=mean_forecaster, min_train=3, start="2024-04-01"
    )
    sparse = backtest(data, horizons=(1,), forecaster=mean_forecaster, min_train=3, step=4)
    assert all_origins["horizons"]["1"]["n_forecasts"] == 17
    # Weeks from 2024-04-01 (index 13) to index 18 are origins.
    assert later["horizons"]["1"]["n_forecasts"] == 6
    assert sparse["horizons"]["1"]["n_forecasts"] == 5


def test_daily_input_becomes_weekly_means_of_full_weeks():
    # 2024-01-03 is a Wednesday: the partial first week and the partial last week are dropped.
    dates = pd.date_range("2024-01-03", "2024-01-24", freq="D")
    data = pd.DataFrame(
        {"date": dates, "series_id": "d", "value": np.arange(len(dates), dtype=float)}
    )
    weekly = to_weekly(data)["d"]
    assert list(weekly.index.strftime("%Y-%m-%d")) == ["2024-01-08", "2024-01-15"]
    assert weekly.iloc[0] == pytest.approx(np.mean(range(5, 12)))


def test_weekly_input_is_aligned_to_mondays():
    data = frame({"w": [1.0, 2.0, 3.0]}, start="2024-01-03")
    weekly = to_weekly(data)["w"]
    assert (weekly.index.day_of_week == 0).all()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("day,series_id,value\n2024-01-01,a,1\n", "missing column(s) date"),
        ("date,series_id,value\nnot-a-date,a,1\n", "unreadable date"),
        ("date,series_id,value\n2024-01-01,a,lots\n", "non-numeric"),
        ("date,series_id,value\n2024-01-01,a,-4\n", "negative"),
        ("date,series_id,value\n2024-01-01,a,1\n2024-01-15,a,2\n2024-01-29,a,2\n", "missing weeks"),
    ],
)
def test_bad_files_raise_a_clear_error(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(SeriesFileError, match=re.escape(message)):
        to_weekly(read_series_file(path))


def test_unreadable_file(tmp_path):
    path = tmp_path / "bad.csv.gz"
    path.write_bytes(b"\x1f\x8bnot gzip")
    with pytest.raises(SeriesFileError, match="cannot read"):
        read_series_file(path)


def test_cli_reports_json_and_fails_cleanly(tmp_path):
    from click.testing import CliRunner

    from jobatlas.cli import main

    rng = np.random.default_rng(3)
    values = 100 + np.cumsum(rng.normal(0, 2, 60))
    path = tmp_path / "s.csv.gz"
    with gzip.open(path, "wt") as handle:
        frame({"x": list(values)}).to_csv(handle, index=False)
    result = CliRunner().invoke(
        main, ["trends", "backtest", "--series", str(path), "--json", "--start", "2024-06-01"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report) == {"horizons"}
    assert set(report["horizons"]) == {"4", "8", "13"}
    assert set(report["horizons"]["4"]) == {
        "mase",
        "mase_naive",
        "mase_seasonal_naive",
        "coverage80",
        "coverage95",
        "n_forecasts",
    }
    assert report["horizons"]["4"]["n_forecasts"] > 0
    table = CliRunner().invoke(main, ["trends", "backtest", "--series", str(path)])
    assert table.exit_code == 0 and "coverage80" in table.output
    bad = tmp_path / "bad.csv"
    bad.write_text("when,what\n1,2\n")
    result = CliRunner().invoke(main, ["trends", "backtest", "--series", str(bad)])
    assert result.exit_code != 0
    assert "missing column(s)" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_columns_can_be_named_as_the_file_has_them(tmp_path):
    # The shape of Indeed Hiring Lab's sector file, as published.
    days = pd.date_range("2023-01-02", periods=70, freq="D")
    rows = [
        {"date": day.date().isoformat(), "jobcountry": "US", "indeed_job_postings_index": 100 + i,
         "variable": "total postings", "display_name": sector}
        for sector in ("Accounting", "Nursing") for i, day in enumerate(days)
    ]  # fmt: skip
    path = tmp_path / "sector.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    series = read_series_file(path, series_id="display_name", value="indeed_job_postings_index")
    assert set(to_weekly(series)) == {"Accounting", "Nursing"}
    with pytest.raises(SeriesFileError, match="no column 'value'.*the file has date, jobcountry"):
        read_series_file(path, series_id="display_name")

    from click.testing import CliRunner

    from jobatlas.cli import main

    result = CliRunner().invoke(main, ["trends", "backtest", "--series", str(path), "--json",
                                       "--id-column", "display_name",
                                       "--value-column", "indeed_job_postings_index"])  # fmt: skip
    assert result.exit_code == 0, result.output
    wrong = CliRunner().invoke(main, ["trends", "backtest", "--series", str(path),
                                      "--id-column", "sector"])  # fmt: skip
    assert wrong.exit_code == 1 and "no column 'sector'" in wrong.output
