"""Question.choices: bare option codes (["teams", "outlook"]) become {"code", "sv", "en"} with the
code as the Swedish label, so every stored option has the form the survey builder writes."""

from django.db import migrations


def forwards(apps, schema_editor):
    Question = apps.get_model("enkater", "Question")
    for question in Question.objects.only("pk", "choices"):
        options = question.choices or []
        if not any(isinstance(option, str) for option in options):
            continue
        question.choices = [
            {"code": option, "sv": option, "en": ""} if isinstance(option, str) else option
            for option in options
        ]
        question.save(update_fields=["choices"])


def backwards(apps, schema_editor):
    Question = apps.get_model("enkater", "Question")
    for question in Question.objects.only("pk", "choices"):
        question.choices = [o["code"] if isinstance(o, dict) else o for o in question.choices or []]
        question.save(update_fields=["choices"])


class Migration(migrations.Migration):
    dependencies = [("enkater", "0004_month_confirmation")]

    operations = [migrations.RunPython(forwards, backwards)]
