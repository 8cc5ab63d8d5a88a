"""The multi-host smoke test: `bench/cluster.py --smoke` builds the six-host cluster in network
namespaces (nginx, two app hosts, worker, PostgreSQL + PgBouncer + Redis), sends one sign-up, one
ticket and one cross-host chat message, runs each fault briefly and removes everything.

It needs root, `ip netns`, nginx, PgBouncer, Redis and PostgreSQL 15's initdb on the machine
(.ci/run installs the Debian packages); without them it skips and says what is missing. It runs
in the PostgreSQL pass (marked `postgres`) but uses its own PostgreSQL, not the test database."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from bench import cluster  # noqa: E402

pytestmark = pytest.mark.postgres


def test_cluster_smoke_loses_and_duplicates_nothing():
    missing = cluster.missing_prerequisites()
    if missing:
        pytest.skip(f"the cluster smoke test needs {', '.join(missing)}")
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, check=False)  # noqa: S607
    if listed.returncode:
        pytest.skip("the cluster smoke test needs network namespaces (`ip netns` failed)")
    # Generous: a busy 2-core machine boots six hosts' worth of processes.
    run = subprocess.run(  # noqa: S603 - this interpreter, our script
        [sys.executable, str(ROOT / "bench" / "cluster.py"), "--smoke"],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
        cwd=ROOT,
    )
    output = run.stdout + run.stderr
    if run.returncode == 2:
        pytest.skip(output.strip().splitlines()[-1])
    assert run.returncode == 0, output[-6000:]
    assert "all checks passed" in run.stdout
