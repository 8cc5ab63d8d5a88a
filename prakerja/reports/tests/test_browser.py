import datetime as dt

import pytest

from prakerja.core import clock
from prakerja.core.clock import local_datetime
from prakerja.core.roles import Role
from prakerja.core.tests.factories import user_with_role

from .factories import agent, reply_at, resolve_at, ticket_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Measured by the browser: each chart's labels inside it, apart from each other, drawn at 12 px.
CHART_GEOMETRY = """() => [...document.querySelectorAll("svg.chart")].map(svg => {
  const view = svg.viewBox.baseVal, shown = svg.getBoundingClientRect();
  const boxes = [...svg.querySelectorAll("text")].map(t => t.getBBox());
  const problems = [];
  boxes.forEach((a, i) => {
    if (a.x < -1 || a.y < -1 || a.x + a.width > view.width + 1 || a.y + a.height > view.height + 1)
      problems.push("outside: " + svg.querySelectorAll("text")[i].textContent);
    boxes.slice(i + 1).forEach((b, j) => {
      if (a.x < b.x + b.width - 1 && b.x < a.x + a.width - 1 &&
          a.y < b.y + b.height - 3 && b.y < a.y + a.height - 3)
        problems.push("overlap: " + svg.querySelectorAll("text")[i].textContent + " / " +
                      svg.querySelectorAll("text")[i + 1 + j].textContent);
    });
  });
  return {scale: shown.width / view.width, problems};
})"""


def assert_charts_read_well(page):
    for chart in page.evaluate(CHART_GEOMETRY):
        assert chart["problems"] == []
        assert 0.9 < chart["scale"] <= 1.0  # never scaled up, barely down


def test_supervisor_sees_charts_opens_numbers_and_exports_csv(page, live_server, reference_data):
    staff = agent("andi")
    for i, channel in enumerate(["chat", "web", "phone"]):
        at = local_datetime(2026, 2, 2 + i, 9, 0)
        t = ticket_at(at, channel=channel, assignee=staff, phone="+6281234567890")
        t = reply_at(t, at + dt.timedelta(minutes=5), staff)
        resolve_at(t, at + dt.timedelta(minutes=30), staff)
    user_with_role(Role.SUPERVISOR, username="sup-b", password="secret-pass-123")

    page.goto("/masuk/?next=/laporan/")
    page.fill("input[name=username]", "sup-b")
    page.fill("input[name=password]", "secret-pass-123")
    page.click("main button[type=submit]")
    page.wait_for_url("**/laporan/")
    # the default range is written into the date fields (ISO, whatever the page's language)
    assert page.input_value("#id_end") == clock.local_now().date().isoformat()
    page.fill("#id_start", "2026-01-01")
    page.fill("#id_end", "2026-12-31")
    page.click("form.range-form button[type=submit]")
    page.wait_for_url("**start=2026-01-01**")
    assert page.input_value("#id_start") == "2026-01-01"  # the fields keep what was asked
    assert page.input_value("#id_end") == "2026-12-31"
    assert page.locator("[data-kpi=total]").inner_text() == "3"
    assert page.locator("svg.chart").count() == 6
    assert page.locator("svg.chart rect").count() > 3
    assert_charts_read_well(page)
    page.get_by_text("Angka: Per bulan").click()  # open the numbers table of the chart
    assert page.locator("table[data-table=months]").is_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Ekspor CSV").click()
    with open(download_info.value.path(), encoding="utf-8") as handle:
        content = handle.read()
    assert "2026-02,3" in content
