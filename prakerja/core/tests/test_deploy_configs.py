"""The production layout in deploy/ is checked by the programs that will read it: nginx parses its
configuration (`nginx -t`), PgBouncer and Redis start with theirs and answer, systemd verifies
the units, gunicorn checks its configuration. Production paths are rewritten into a temporary
folder; each test skips, saying which program is missing, where that program is not installed."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
NGINX = "/usr/sbin/nginx"
PGBOUNCER = "/usr/sbin/pgbouncer"


def _program(path_or_name: str) -> str:
    found = shutil.which(path_or_name)
    if found is None:
        pytest.skip(f"{path_or_name} is not installed")
    return found


def _rewrite(text: str, replacements: dict[str, str]) -> str:
    for old, new in replacements.items():
        assert old in text, f"{old!r} is no longer in the file: update this test"
        text = text.replace(old, new)
    return text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"exited with {process.returncode}: {process.stderr.read()}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port} after {seconds} s")


@pytest.fixture
def shared_tmp():
    """A folder other users can read (PgBouncer refuses to run as root and drops to nobody)."""
    path = Path(tempfile.mkdtemp(prefix="prakerja-deploy-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


# --- nginx ----------------------------------------------------------------------------------------


def test_nginx_accepts_the_load_balancer_configuration(tmp_path):
    nginx = _program(NGINX)
    openssl = _program("openssl")
    tls = tmp_path / "tls"
    tls.mkdir()
    subprocess.run(  # noqa: S603
        [openssl, "req", "-x509", "-nodes", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:prime256v1", "-subj", "/CN=prakerja.test", "-days", "1",
         "-keyout", str(tls / "privkey.pem"), "-out", str(tls / "fullchain.pem")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    site = tmp_path / "prakerja.conf"
    site.write_text(
        _rewrite((DEPLOY / "nginx/prakerja.conf").read_text(), {"/etc/ssl/prakerja/": f"{tls}/"})
    )
    main = tmp_path / "nginx.conf"
    main.write_text(
        _rewrite(
            (DEPLOY / "nginx/nginx.conf").read_text(),
            {
                "/etc/nginx/conf.d/prakerja.conf": str(site),
                "/run/nginx.pid": str(tmp_path / "nginx.pid"),
                "/var/log/nginx/": f"{tmp_path}/",
            },
        )
    )
    result = subprocess.run(  # noqa: S603
        [nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(main)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_nginx_headers_match_num_proxies_and_posts_are_never_resent():
    """One proxy appending to X-Forwarded-For is what NUM_PROXIES=1 in the environment file
    means (core.ratelimit.client_ip); nginx resends a POST to another host only when told to."""
    site = (DEPLOY / "nginx/prakerja.conf").read_text()
    env = (DEPLOY / "env/prakerja.env.example").read_text().splitlines()
    assert "NUM_PROXIES=1" in env
    assert site.count("proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;") == 1
    assert "non_idempotent" not in site.replace("`non_idempotent`", "")
    assert "proxy_next_upstream error timeout http_502 http_504;" in site
    # A location with a proxy_set_header of its own inherits none of the server's: Host would
    # become the upstream's name (400 from ALLOWED_HOSTS) and X-Forwarded-For would be lost.
    tls_server = site[site.index("listen 443") :]
    assert not [
        line for line in tls_server.splitlines() if line.startswith("        proxy_set_header")
    ]


# --- PgBouncer ------------------------------------------------------------------------------------


def _psql(port: int, user: str, password: str, database: str, sql: str) -> str:
    result = subprocess.run(  # noqa: S603
        [_program("psql"), "-X", "-At", "-F", " ", "-c", sql,
         f"host=127.0.0.1 port={port} user={user} dbname={database} connect_timeout=5"],
        capture_output=True, text=True, timeout=30, env={**os.environ, "PGPASSWORD": password},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_pgbouncer_starts_with_a_transaction_pool_and_a_session_pool(shared_tmp):
    pgbouncer = _program(PGBOUNCER)
    port = _free_port()
    userlist = shared_tmp / "userlist.txt"
    userlist.write_text('"pgbouncer_admin" "admin-password"\n')
    userlist.chmod(0o644)
    ini = shared_tmp / "pgbouncer.ini"
    ini.write_text(
        _rewrite(
            (DEPLOY / "pgbouncer/pgbouncer.ini").read_text(),
            {
                "listen_addr = 0.0.0.0": "listen_addr = 127.0.0.1",
                "listen_port = 6432": f"listen_port = {port}",
                "unix_socket_dir = /var/run/postgresql": "unix_socket_dir =",
                "pidfile = /var/run/postgresql/pgbouncer.pid": "pidfile =",
                "logfile = /var/log/postgresql/pgbouncer.log": "logfile =",
                "auth_file = /etc/pgbouncer/userlist.txt": f"auth_file = {userlist}",
            },
        )
    )
    ini.chmod(0o644)
    user = ["-u", "nobody"] if os.geteuid() == 0 else []
    process = subprocess.Popen(  # noqa: S603
        [pgbouncer, *user, str(ini)], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    try:
        _wait_for_port(port, process)
        rows = _psql(port, "pgbouncer_admin", "admin-password", "pgbouncer", "SHOW DATABASES")
        modes = {}
        for row in rows.splitlines():
            name, *rest = row.split(" ")
            modes[name] = [v for v in rest if v in ("transaction", "session", "statement")]
        assert modes["prakerja"] == ["transaction"]
        assert modes["prakerja_session"] == ["session"]
        config = _psql(port, "pgbouncer_admin", "admin-password", "pgbouncer", "SHOW CONFIG")
        settings = {line.split(" ")[0]: line.split(" ")[1] for line in config.splitlines()}
        assert settings["pool_mode"] == "transaction"
        assert settings["auth_type"] == "scram-sha-256"
    finally:
        process.terminate()
        process.wait(timeout=10)


# --- Redis ----------------------------------------------------------------------------------------


def test_redis_starts_as_a_cache_with_a_password_and_no_persistence(shared_tmp):
    import redis

    redis_server = _program("redis-server")
    port = _free_port()
    secret = shared_tmp / "prakerja-secret.conf"
    secret.write_text("requirepass test-password\n")
    conf = shared_tmp / "prakerja.conf"
    conf.write_text(
        _rewrite(
            (DEPLOY / "redis/prakerja.conf").read_text(),
            {
                "bind 10.0.1.20 127.0.0.1": "bind 127.0.0.1",
                "port 6379": f"port {port}",
                "include /etc/redis/prakerja-secret.conf": f"include {secret}",
            },
        )
        + f"dir {shared_tmp}\n"
    )
    process = subprocess.Popen(  # noqa: S603
        [redis_server, str(conf)], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    try:
        _wait_for_port(port, process)
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(port=port).ping()
        client = redis.Redis(port=port, password="test-password")
        assert client.ping()
        assert client.config_get("maxmemory-policy") == {"maxmemory-policy": "allkeys-lru"}
        assert client.config_get("save") == {"save": ""}
        assert client.config_get("appendonly") == {"appendonly": "no"}
        client.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


# --- systemd --------------------------------------------------------------------------------------

UNITS = sorted(p.name for p in (DEPLOY / "systemd").glob("*.service"))


def test_every_service_has_a_unit():
    assert UNITS == [
        "prakerja-gunicorn.service",
        "prakerja-scheduler.service",
        "prakerja-uvicorn.service",
        "prakerja-worker@.service",
    ]


@pytest.mark.parametrize("unit", UNITS)
def test_systemd_verifies_the_unit(unit, tmp_path):
    analyze = _program("systemd-analyze")
    etc = tmp_path / "etc"
    etc.mkdir()
    for example in (DEPLOY / "env").glob("*.env.example"):
        shutil.copy(example, etc / example.name.removesuffix(".example"))
    path = tmp_path / unit
    path.write_text(
        _rewrite(
            (DEPLOY / "systemd" / unit).read_text(),
            {
                # The programs must exist for `verify`: this checkout's virtualenv stands in.
                "/srv/prakerja/current/.venv/bin/": f"{Path(sys.executable).parent}/",
                "/etc/prakerja/": f"{etc}/",
            },
        )
    )
    instance = path.with_name(unit.replace("@.", "@1.")) if "@." in unit else path
    result = subprocess.run(  # noqa: S603
        [analyze, "verify", str(instance)], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert unit.split("@")[0].removesuffix(".service") not in result.stderr, result.stderr


def test_systemd_verifies_the_pgbouncer_drop_in(tmp_path):
    """Debian's own pgbouncer.service with our drop-in applied."""
    analyze = _program("systemd-analyze")
    debian_unit = Path("/lib/systemd/system/pgbouncer.service")
    if not debian_unit.exists():
        pytest.skip("Debian's pgbouncer package (pgbouncer.service) is not installed")
    shutil.copy(debian_unit, tmp_path / "pgbouncer.service")
    shutil.copytree(DEPLOY / "systemd/pgbouncer.service.d", tmp_path / "pgbouncer.service.d")
    result = subprocess.run(  # noqa: S603
        [analyze, "verify", "pgbouncer.service"], capture_output=True, text=True, timeout=60,
        cwd=tmp_path, env={**os.environ, "SYSTEMD_UNIT_PATH": f"{tmp_path}:"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "prakerja.conf" not in result.stderr, result.stderr


# --- gunicorn -------------------------------------------------------------------------------------


def test_gunicorn_checks_its_configuration_and_the_app_loads():
    gunicorn = Path(sys.executable).parent / "gunicorn"
    result = subprocess.run(  # noqa: S603
        [str(gunicorn), "--check-config", "-c", "config/gunicorn.conf.py"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
