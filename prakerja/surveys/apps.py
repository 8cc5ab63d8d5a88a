from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "prakerja.surveys"
    label = "surveys"
