"""`make screenshots`: every page at phone (412x915) and desktop (1366x900) size, for review.

Builds a throwaway SQLite database with the demo data, starts the development server on it, logs in
as each demo role and saves a full-page PNG of each page into `screenshots/<role>/` (git-ignored).
Needs Chromium at /usr/bin/chromium (or CHROMIUM_PATH). Usage:

    .venv/bin/python scripts/screenshots.py [--out screenshots] [--only home,signup] [--port 8765]
"""

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PASSWORD = "prakerja-demo"  # noqa: S105 - the demo log-ins' published password
VIEWPORTS = {"phone": (412, 915), "desktop": (1366, 900)}
# role -> log-in name (None: not logged in)
ROLES = {
    "public": None,
    "participant": "peserta.lolos@demo.prakerja.local",
    "participant-joined": "peserta.verif@demo.prakerja.local",
    "agent": "agen01",
    "supervisor": "supervisor",
    "pmo": "pmo",
}


def pages() -> dict[str, list[tuple[str, str]]]:
    """(name, path) per role. Paths that name an object take the first one the demo data has."""
    from django.urls import reverse

    from prakerja.helpdesk.models import Article, Ticket
    from prakerja.programs.models import Announcement, Wave
    from prakerja.training.models import Certificate, Course, CourseStatus

    course = Course.objects.filter(status=CourseStatus.APPROVED).order_by("pk").first()
    article = Article.objects.order_by("pk").first()
    announcement = Announcement.objects.order_by("pk").first()
    wave = Wave.objects.order_by("-number").first()
    ticket = Ticket.objects.order_by("-pk").first()
    certificate = Certificate.objects.order_by("pk").first()

    def url(name, *args):
        return reverse(name, args=args)

    public = [
        ("home", url("home")),
        ("login", url("accounts:login")),
        ("signup", url("accounts:signup")),
        ("password-reset", url("accounts:password_reset")),
        ("announcements", url("programs:announcements")),
        ("catalog", url("training:catalog")),
        ("certificate-check", url("training:certificate_check")),
        ("complaint", url("helpdesk:complaint")),
        ("track", url("helpdesk:track")),
        ("help-center", url("helpdesk:kb")),
        ("statistics", url("reports:public")),
        ("not-found", "/halaman-yang-tidak-ada/"),
    ]
    if announcement:
        public.append(("announcement", url("programs:announcement", announcement.pk)))
    if course:
        public.append(("course", url("training:course", course.pk)))
    if article:
        public.append(("help-article", url("helpdesk:kb_article", article.slug)))
    if certificate:
        public.append(("certificate", url("training:certificate_verify", certificate.number)))
    participant = [
        ("home", url("home")),
        ("dashboard", url("programs:dashboard")),
        ("identity", url("accounts:identity")),
        ("skills-test", url("programs:skills_test")),
        ("my-trainings", url("training:my_trainings")),
        ("account-linking", url("payouts:link")),
        ("my-tickets", url("helpdesk:my_tickets")),
        ("complaint", url("helpdesk:complaint")),
    ]
    if course:
        participant.append(("buy", url("training:buy", course.pk)))
    agent = [
        ("inbox", url("helpdesk:workspace")),
        ("chat-workspace", url("livechat:workspace")),
        ("phone-desk", url("telephony:desk")),
        ("callbacks", url("telephony:callbacks")),
    ]
    if ticket:
        agent.append(("ticket", url("helpdesk:agent_ticket", ticket.reference)))
    supervisor = [
        ("supervisor", url("helpdesk:supervisor")),
        ("chat-supervisor", url("livechat:supervisor")),
        ("mail", url("mail:supervisor")),
        ("reports", url("reports:index")),
        ("wallboard", url("reports:wallboard")),
        ("staffing", url("reports:staffing")),
    ]
    pmo = [
        ("console", url("programs:pmo")),
        ("activity", url("programs:pmo_activity")),
        ("waves", url("programs:pmo_waves")),
        ("announcements", url("programs:pmo_announcements")),
        ("switch", url("programs:pmo_switch", "registration")),
        ("training", url("training:pmo")),
        ("budget", url("payouts:pmo_budget")),
        ("roster", url("helpdesk:pmo_roster")),
        ("preview", url("programs:preview")),
    ]
    if wave:
        pmo.append(("wave", url("programs:pmo_wave", wave.number)))
    if announcement:
        pmo.append(("announcement", url("programs:pmo_announcement", announcement.pk)))
    return {
        "public": public,
        "participant": participant,
        "participant-joined": [("dashboard", url("programs:dashboard"))],
        "agent": agent,
        "supervisor": supervisor,
        "pmo": pmo,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            urllib.request.urlopen(url + "healthz", timeout=2)  # noqa: S310 - our own local server
            return
        time.sleep(0.3)
    raise SystemExit(f"the server at {url} did not start")


def manage(env: dict, *args: str) -> None:
    command = [sys.executable, str(ROOT / "manage.py"), *args]
    subprocess.run(command, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)  # noqa: S603


def shoot(base: str, out: Path, only: set[str]) -> int:
    from playwright.sync_api import sync_playwright

    taken = 0
    routes = pages()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        for role, login in ROLES.items():
            for size, (width, height) in VIEWPORTS.items():
                context = browser.new_context(
                    base_url=base, viewport={"width": width, "height": height}
                )
                page = context.new_page()
                if login:
                    page.goto("/masuk/")
                    page.fill("#id_username", login)
                    page.fill("#id_password", PASSWORD)
                    page.locator("main button[type=submit]").click()
                    page.wait_for_load_state("load")
                for name, path in routes[role]:
                    if only and name not in only:
                        continue
                    target = out / role / f"{name}-{size}.png"
                    target.parent.mkdir(parents=True, exist_ok=True)
                    page.goto(path, wait_until="load")
                    page.wait_for_timeout(300)  # htmx swaps and the chat widget's first paint
                    page.screenshot(path=str(target), full_page=True)
                    taken += 1
                    print(f"{target.relative_to(out)}  {path}")  # noqa: T201
                context.close()
        browser.close()
    return taken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "screenshots"))
    parser.add_argument("--only", default="", help="comma-separated page names")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    port = args.port or free_port()
    with tempfile.TemporaryDirectory(prefix="prakerja-screens-") as tmp:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
            "MEDIA_ROOT": f"{tmp}/media",
            "SITE_URL": f"http://127.0.0.1:{port}",
            "REDIS_URL": "",
            "DEBUG": "0",  # the site's own 404 page, as visitors see it
        }
        os.environ.update(env)
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo")
        # uvicorn as `make run` serves the site: the websockets (chat, inbox) connect too
        server = subprocess.Popen(  # noqa: S603
            [
                str(Path(sys.executable).parent / "uvicorn"),
                "config.asgi:application",
                "--host=127.0.0.1",
                f"--port={port}",
                "--log-level=warning",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}/"
            wait_for(base)
            sys.path.insert(0, str(ROOT))
            import django

            django.setup()
            taken = shoot(base, Path(args.out), {n for n in args.only.split(",") if n})
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"{taken} screenshots in {args.out}")  # noqa: T201


if __name__ == "__main__":
    main()
