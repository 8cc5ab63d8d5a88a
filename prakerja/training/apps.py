from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "prakerja.training"
    label = "training"
    verbose_name = "Training"
