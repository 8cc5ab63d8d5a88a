"""Benchmark: one disbursement batch of 1,000,000 due incentive payments on PostgreSQL.

    .venv/bin/python bench/disbursement.py                     # the full size
    .venv/bin/python bench/disbursement.py --payments 100000   # quick look

It creates a fresh database and migrates it, makes `--participants` participants with a card and
an active bank account (the ORM and the test factories), loads the payments with one
INSERT ... SELECT generate_series (all due today), then times, in the same run:

1. prepare: `incentives.batch_claim` claims every due payment into one batch (the production
   claim: the ids locked with `FOR UPDATE SKIP LOCKED`, then UPDATEs of 10,000 ids);
2. pain.001: the batch streamed from the database (server-side cursor) through
   `iso20022.pain001_write` into a file;
3. the bank's answer is made outside the timing (a pain.002 accepting all but 1 in 10,000, which
   it rejects with AC04), and `incentives.pain002_reconcile` settles the batch from it (chunks of
   5,000 per transaction, the production path);
4. the ceiling: PostgreSQL COPY of the same rows out (what pain.001 needs) and of the statuses
   in (into a temporary table, then one UPDATE ... FROM), the least any design can do;
5. integrity: a second claim finds nothing, 0 duplicates (distinct EndToEndIds = transfers
   written = payments) and 0 lost (every payment paid or failed). The kill in the middle of a
   batch and the rerun are proved by prakerja/payouts/tests/test_disbursement_races.py with real
   processes (at test size, not here).

Targets: prepare + pain.001 + reconcile well under 10 minutes; the ratio to the COPY ceiling is
reported. The database is dropped at the end (`--keep-db` keeps it).
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/ holds an email.py: the script's own directory must not shadow the standard library.
sys.path[0] = str(ROOT)
PY = sys.executable


def migrate(env: dict) -> None:
    subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [PY, str(ROOT / "manage.py"), "migrate", "--noinput"], env=env, cwd=ROOT, check=True
    )


def load(participants: int, payments: int) -> None:
    from django.db import connection

    from prakerja.core import clock
    from prakerja.payouts.tests.factories import LinkedAccountFactory
    from prakerja.training.tests.factories import CardFactory

    assert -(-payments // participants) <= 32767, "raise --participants: numbers are smallints"
    cards = []
    for _ in range(participants):
        card = CardFactory()
        LinkedAccountFactory(user=card.participant)
        cards.append((card.pk, card.participant_id))
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE bench_cards (n int, card_id bigint, user_id bigint)")
        cursor.executemany(
            "INSERT INTO bench_cards VALUES (%s, %s, %s)",
            [(i, c, u) for i, (c, u) in enumerate(cards)],
        )
        cursor.execute(
            """
            INSERT INTO payouts_incentivepayment (participant_id, card_id, kind, number, amount,
                due_on, status, attempt, failure_code, failure_reason, partner_ref, scheduled_at)
            SELECT c.user_id, c.card_id, 'incentive', (g / %(n)s) + 1, 600000, %(today)s,
                'scheduled', 1, '', '', '', %(now)s
            FROM generate_series(0, %(total)s - 1) AS g
            JOIN bench_cards c ON c.n = g %% %(n)s
            """,
            {"n": participants, "total": payments, "today": clock.now().date(), "now": clock.now()},
        )
        cursor.execute("ANALYZE payouts_incentivepayment")


def write_pain001(batch, path: Path) -> int:
    from django.db.models import Sum

    from prakerja.core import clock
    from prakerja.payouts import iso20022

    rows = batch.payments.order_by("id").values_list(
        "pk",
        "attempt",
        "amount",
        "linked_account__holder_name",
        "linked_account__account_number",
        "linked_account__provider__code",
    )
    figures = batch.payments.aggregate(total=Sum("amount"))
    count = batch.payments.count()
    transfers = (
        iso20022.Transfer(f"PK{pk}A{attempt}", amount, name, number, code.upper())
        for pk, attempt, amount, name, number, code in rows.iterator(chunk_size=20_000)
    )
    with path.open("w", encoding="utf-8") as out:
        iso20022.pain001_write(
            out,
            message_id=batch.message_id,
            created_at=clock.now(),
            debtor_name="Kartu Prakerja",
            debtor_account="0011223344",
            execution_date=clock.now().date(),
            transfers=transfers,
            count=count,
            total=figures["total"],
        )
    return count


def bank_answers(batch, path: Path) -> None:
    from prakerja.core import clock
    from prakerja.payouts import iso20022

    keys = batch.payments.order_by("id").values_list("pk", flat=True).iterator(chunk_size=50_000)
    statuses = (
        iso20022.TransferStatus(f"PK{pk}A1", "RJCT", "AC04", "Account closed")
        if i % 10_000 == 9_999
        else iso20022.TransferStatus(f"PK{pk}A1", "ACSC")
        for i, pk in enumerate(keys)
    )
    with path.open("w", encoding="utf-8") as out:
        iso20022.pain002_write(
            out,
            message_id="BANK-1",
            original_message_id=batch.message_id,
            created_at=clock.now(),
            statuses=statuses,
        )


COPY_OUT = (
    "COPY (SELECT p.id, p.attempt, p.amount, a.holder_name, a.account_number, pr.code "
    "FROM payouts_incentivepayment p JOIN payouts_linkedaccount a "
    "ON a.id = p.linked_account_id JOIN payouts_provider pr ON pr.id = a.provider_id "
    "WHERE p.batch_id = %d ORDER BY p.id) TO STDOUT"
)


def copy_ceiling(batch_id: int, workdir: Path) -> dict:
    from django.db import connection, transaction

    out_path = workdir / "copy_out.tsv"
    t0 = time.perf_counter()
    with (
        connection.cursor() as cursor,
        out_path.open("wb") as out,
        cursor.copy(COPY_OUT % int(batch_id)) as copy,
    ):
        for data in copy:
            out.write(data)
    copy_out = time.perf_counter() - t0
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE bench_status (id bigint, status text)")
        with out_path.open("rb") as rows, cursor.copy("COPY bench_status FROM STDIN") as copy:
            for line in rows:
                copy.write(line.split(b"\t", 1)[0] + b"\tpaid\n")
        cursor.execute(
            "UPDATE payouts_incentivepayment p SET partner_ref = 'ceiling' FROM bench_status s "
            "WHERE s.id = p.id"
        )
        transaction.set_rollback(True)  # the ceiling changes nothing
    copy_in = time.perf_counter() - t0
    return {"copy_out_s": round(copy_out, 1), "copy_in_and_update_s": round(copy_in, 1)}


def end_to_end_ids(path: Path) -> set[str]:
    """Every EndToEndId in the pain.001, streamed (the file is too big for one tree)."""
    from xml.etree import ElementTree as ET  # noqa: S405 - our own file

    from prakerja.payouts import iso20022

    tag = f"{{{iso20022.PAIN_001}}}EndToEndId"
    keys = set()
    for _event, element in ET.iterparse(path):  # noqa: S314 - our own file
        if element.tag == tag:
            keys.add(element.text)
        elif element.tag.endswith("CdtTrfTxInf"):
            element.clear()
    return keys


def run(args, workdir: Path) -> dict:
    dbname = f"bench_disbursement_{os.getpid()}"
    base = args.pg_url.rstrip("/")
    subprocess.run(["psql", base + "/postgres", "-qc", f"CREATE DATABASE {dbname}"], check=True)  # noqa: S603,S607
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "TEST_DATABASE_URL": f"{base}/{dbname}",
            "SMS_GATEWAY": "outbox",
        }
    )
    report: dict = {"payments": args.payments, "loadavg_start": os.getloadavg()}
    try:
        migrate(dict(os.environ))
        import django

        django.setup()
        from django.db import connection

        from prakerja.core import clock
        from prakerja.payouts import incentives
        from prakerja.payouts.models import IncentivePayment

        t0 = time.perf_counter()
        load(args.participants, args.payments)
        report["load_s"] = round(time.perf_counter() - t0, 1)
        print(f"loaded {args.payments} payments in {report['load_s']} s", flush=True)

        t0 = time.perf_counter()
        batch = incentives.batch_claim(channel="bank", today=clock.now().date(), size=args.payments)
        report["prepare_s"] = round(time.perf_counter() - t0, 1)
        t0 = time.perf_counter()
        written = write_pain001(batch, workdir / "pain001.xml")
        report["pain001_s"] = round(time.perf_counter() - t0, 1)
        report["pain001_mb"] = round((workdir / "pain001.xml").stat().st_size / 1e6, 1)
        bank_answers(batch, workdir / "pain002.xml")
        t0 = time.perf_counter()
        counts = incentives.pain002_reconcile(workdir / "pain002.xml")
        report["reconcile_s"] = round(time.perf_counter() - t0, 1)
        report["reconciled"] = counts
        report["ours_total_s"] = round(
            report["prepare_s"] + report["pain001_s"] + report["reconcile_s"], 1
        )
        print(json.dumps(report), flush=True)

        report["ceiling"] = copy_ceiling(batch.pk, workdir)
        ceiling = sum(report["ceiling"].values())
        report["ratio_to_ceiling"] = round(report["ours_total_s"] / max(ceiling, 0.1), 1)

        again = incentives.batch_claim(channel="bank", today=clock.now().date(), size=10)
        keys = end_to_end_ids(workdir / "pain001.xml")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT status, count(*) FROM payouts_incentivepayment GROUP BY status ORDER BY 1"
            )
            by_status = dict(cursor.fetchall())
        report["integrity"] = {
            "claimed again": 0 if again is None else again.payments.count(),
            "transfers written": written,
            "distinct EndToEndIds": len(keys),
            "duplicates": written - len(keys),
            "lost (not paid or failed)": IncentivePayment.objects.exclude(
                status__in=["paid", "failed"]
            ).count(),
            "by status": by_status,
        }
        report["loadavg_end"] = os.getloadavg()
        return report
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep_db:
            print(f"kept {base}/{dbname} (drop it when done)")
        else:
            subprocess.run(  # noqa: S603,S607
                [
                    "psql",
                    base + "/postgres",
                    "-qc",
                    f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)",
                ],
                check=False,
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--payments", type=int, default=1_000_000)
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bench_disbursement"))  # noqa: S108
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    report = run(args, args.workdir)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
