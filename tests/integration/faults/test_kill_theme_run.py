"""SIGKILL in the middle of a theme run (`python3 -m learnhub themes detect` in a subprocess):
the previous themes are intact, and the next run completes without waiting out the dead run's
lease."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from learnhub import create_app
from learnhub.core.config import load_config_module
from learnhub.core.extensions import db
from learnhub.demo.seed import seed_demo
from learnhub.setup import initialise
from tests.conftest import app_settings
from tests.databases import throwaway_database

ROOT = Path(__file__).resolve().parents[3]
THEMES = sa.text("SELECT id, signature, status, member_count, title FROM themes ORDER BY id")
LATEST_RUN = sa.text("SELECT id, status FROM theme_runs ORDER BY id DESC LIMIT 1")


def detect(url: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEARNHUB_")}
    env.update({"LEARNHUB_ENV": "testing", "LEARNHUB_DATABASE_URL": url})
    return subprocess.Popen(
        [sys.executable, "-m", "learnhub", "themes", "detect"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_a_killed_run_leaves_the_previous_themes_and_the_next_run_completes(
    tmp_path: Path,
) -> None:
    with throwaway_database(tmp_path) as url:
        app = create_app(app_settings(url))
        with app.app_context():
            initialise()
            seed_demo(300)  # reports, coding and a first theme run
            db.session.remove()
            db.engine.dispose()
        engine = sa.create_engine(load_config_module().normalise_database_url(url))
        try:
            with engine.connect() as connection:
                before = connection.execute(THEMES).all()
                first_run = connection.execute(LATEST_RUN).one()
            assert before, "the seed's theme run found no themes"
            assert first_run.status == "succeeded"

            killed = detect(url)
            deadline = time.monotonic() + 120
            status = None
            while time.monotonic() < deadline and killed.poll() is None:
                with engine.connect() as connection:
                    run = connection.execute(LATEST_RUN).one()
                if run.id != first_run.id:
                    status = run.status
                    if status == "running":
                        os.kill(killed.pid, signal.SIGKILL)
                        break
                time.sleep(0.005)
            killed_output, _ = killed.communicate(timeout=30)
            assert killed.returncode == -signal.SIGKILL, (status, killed_output)

            with engine.connect() as connection:
                dead_run = connection.execute(LATEST_RUN).one()
                assert dead_run.status == "running"  # killed mid-run, before its results
                assert connection.execute(THEMES).all() == before
                holder = connection.execute(
                    sa.text("SELECT holder FROM job_locks WHERE name = 'job:detect-themes'")
                ).scalar_one()
                assert f":{killed.pid}:" in holder  # the dead process still holds the lease

            started = time.monotonic()
            restarted = detect(url)
            output, _ = restarted.communicate(timeout=300)
            assert restarted.returncode == 0, output
            assert "Theme run" in output
            with engine.connect() as connection:
                last = connection.execute(LATEST_RUN).one()
                after = connection.execute(THEMES).all()
            assert (last.id > dead_run.id, last.status) == (True, "succeeded")
            with engine.connect() as connection:
                killed = connection.execute(
                    sa.text("SELECT status, error FROM theme_runs WHERE id = :id"),
                    {"id": dead_run.id},
                ).one()
            assert killed.status == "failed"
            assert "Interrupted" in killed.error
            # The same data and parameters give the same themes: nothing lost, nothing doubled.
            assert [t.signature for t in after] == [t.signature for t in before]
            assert [t.member_count for t in after] == [t.member_count for t in before]
            assert time.monotonic() - started < 300  # not the lease's hour
        finally:
            engine.dispose()
