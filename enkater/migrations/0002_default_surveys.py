"""The three default surveys of spec §5a for every programme that exists already."""

from django.db import migrations


def forwards(apps, schema_editor):
    from enkater.defaults import ensure_defaults_with

    Programme = apps.get_model("ombud", "Programme")
    Survey = apps.get_model("enkater", "Survey")
    Question = apps.get_model("enkater", "Question")
    for programme_id in Programme.objects.values_list("pk", flat=True):
        ensure_defaults_with(Survey, Question, programme_id)


class Migration(migrations.Migration):
    dependencies = [("enkater", "0001_surveys")]

    # Backwards: the surveys go with the tables in 0001.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
