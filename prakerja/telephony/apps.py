from django.apps import AppConfig


class TelephonyConfig(AppConfig):
    name = "prakerja.telephony"
    label = "telephony"
