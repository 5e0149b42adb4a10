"""`Person.search`: the name folded for search (issue 11), filled for the people already there."""

from django.db import migrations, models

from ombud.search import search_text

BATCH = 2000


def fill_search(apps, schema_editor):
    """Existing rows, in batches by id so that memory stays flat on a large register."""
    Person = apps.get_model("ombud", "Person")
    last = 0
    while True:
        batch = list(Person.objects.filter(pk__gt=last).order_by("pk").only("pk", "first_name", "last_name")[:BATCH])
        if not batch:
            return
        for person in batch:
            person.search = search_text(person.first_name, person.last_name)
        Person.objects.bulk_update(batch, ["search"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("ombud", "0002_person_name_order_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="search",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_search, migrations.RunPython.noop, elidable=True),
    ]
