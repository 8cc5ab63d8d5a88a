from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "prakerja.programs"
    label = "programs"

    def ready(self):
        from prakerja.core import site_blocks

        from .blocks import layout_blocks

        site_blocks.register(layout_blocks)
