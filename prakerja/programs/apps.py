from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "prakerja.programs"
    label = "programs"
