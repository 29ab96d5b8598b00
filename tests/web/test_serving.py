"""The ways the app is started: ``jobatlas serve`` (make run) and gunicorn from the Procfile."""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from jobatlas.cli import main

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
JOBATLAS = Path(sys.executable).parent / "jobatlas"
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def procfile_command(kind: str) -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == kind:
            return command.strip()
    raise AssertionError(f"no {kind} line in the Procfile")


def wait_for_home_page(url: str, process: subprocess.Popen, timeout: float = 600.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}")
        try:
            response = requests.get(url, timeout=5)
        except requests.ConnectionError:
            time.sleep(0.5)
            continue
        assert response.status_code == 200
        return response.text
    raise AssertionError(f"{url} did not answer within {timeout} s")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_serve_help_mentions_production():
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    assert "gunicorn" in result.output and "--port" in result.output


def test_serve_rejects_a_bad_port():
    result = CliRunner().invoke(main, ["serve", "--port", "70000"])
    assert result.exit_code == 2
    assert "70000" in result.output


def test_jobatlas_serve_migrates_and_serves(tmp_path, model_cache_dir):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}",
           "JOBATLAS_CACHE_DIR": str(model_cache_dir)}
    process = subprocess.Popen(
        [str(JOBATLAS), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        page = wait_for_home_page(f"http://127.0.0.1:{port}/", process)
        assert "Find work that fits" in page
    finally:
        stop(process)
        with process.stderr:
            log = process.stderr.read()
    assert (tmp_path / "run.sqlite3").exists()
    assert b"ready at http://127.0.0.1" in log


@pytest.mark.postgres
def test_gunicorn_from_the_procfile_serves_the_home_page(pg_database_url, model_cache_dir):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": pg_database_url, "PORT": str(port),
           "JOBATLAS_CACHE_DIR": str(model_cache_dir), "WEB_CONCURRENCY": "2",
           "PATH": f"{JOBATLAS.parent}{os.pathsep}{os.environ['PATH']}"}
    release = subprocess.run(shlex.split(procfile_command("release")), env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=300)
    assert release.returncode == 0, release.stderr
    process = subprocess.Popen(shlex.split(procfile_command("web")), env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        page = wait_for_home_page(f"http://127.0.0.1:{port}/", process)
        assert "Find work that fits" in page
        health = requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=5)
        assert health.json()["status"] == "ok"
    finally:
        stop(process)
