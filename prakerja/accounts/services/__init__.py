"""Writes for accounts: sign-up and confirmations (`registration`), one-time codes (`otp`),
identity and eligibility (`identity`), back-office access changes (`access`)."""

from .access import user_access_set, user_password_set
from .identity import (
    identity_reject,
    identity_release,
    identity_submit,
    identity_upload_id_card,
    identity_verify,
)
from .otp import otp_send, otp_verify
from .registration import (
    account_register,
    account_welcome_send,
    email_confirm,
    email_confirmation_send,
    email_confirmation_token,
    phone_verification_send,
    phone_verify,
)

__all__ = [
    "account_register",
    "account_welcome_send",
    "email_confirm",
    "email_confirmation_send",
    "email_confirmation_token",
    "identity_reject",
    "identity_release",
    "identity_submit",
    "identity_upload_id_card",
    "identity_verify",
    "otp_send",
    "otp_verify",
    "phone_verification_send",
    "phone_verify",
    "user_access_set",
    "user_password_set",
]
