import datetime as dt

import pytest
import time_machine

from prakerja.accounts.models import User
from prakerja.accounts.tests.factories import sms_code_sent_to
from prakerja.core import clock
from prakerja.switches.services import switch_set_schedule

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_sign_up_end_to_end_with_the_otp_from_the_outbox(page, live_server):
    page.goto("/")
    page.get_by_role("link", name="Daftar sekarang").click()
    page.get_by_label("Nama lengkap").fill("Siti Aminah")
    page.get_by_label("E-mail").fill("siti@example.test")
    page.get_by_label("Nomor HP").fill("0812 3456 7890")
    page.get_by_label("Kata sandi").fill("kuat-sekali-2021!")
    page.get_by_role("button", name="Buat akun").click()
    page.get_by_role("heading", name="Konfirmasi nomor HP Anda").wait_for()

    code = sms_code_sent_to("+6281234567890")
    page.get_by_label("Kode").fill(code)
    page.get_by_role("button", name="Konfirmasi", exact=True).click()
    page.get_by_role("heading", name="Dasbor saya").wait_for()
    assert "Nomor HP Anda sudah dikonfirmasi." in page.content()
    user = User.objects.get(email="siti@example.test")
    assert user.phone_verified_at is not None
    assert user.check_password("kuat-sekali-2021!")


def test_register_button_replaced_by_the_message_after_the_switch_time(page, live_server):
    off_at = clock.now().replace(microsecond=0) + dt.timedelta(minutes=10)
    switch_set_schedule(
        name="registration",
        windows=[(None, off_at)],
        override=None,
        message="Pendaftaran ditutup. Dibuka kembali menjelang gelombang 23.",
        actor=None,
    )
    with time_machine.travel(off_at - dt.timedelta(seconds=1), tick=False):
        page.goto("/")
        assert page.locator("#register-button").is_visible()
        assert page.locator("#registration-closed").count() == 0
    with time_machine.travel(off_at, tick=False):
        page.reload()
        message = page.locator("#registration-closed")
        assert message.inner_text() == "Pendaftaran ditutup. Dibuka kembali menjelang gelombang 23."
        assert page.locator("#register-button").count() == 0
        page.goto("/daftar/")
        assert "Dibuka kembali menjelang gelombang 23." in page.content()
        assert page.locator("input[name=password]").count() == 0
