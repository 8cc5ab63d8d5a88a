from django.apps import AppConfig


class PayoutsConfig(AppConfig):
    name = "prakerja.payouts"
    label = "payouts"
