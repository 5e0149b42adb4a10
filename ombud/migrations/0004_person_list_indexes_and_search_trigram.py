"""Indexes for lists that stay fast at any depth (issue 14): partial name-order indexes over the
people the staff list shows, and on PostgreSQL a pg_trgm GIN index on `Person.search`, which
serves the name search's `LIKE 'word%'` and `LIKE '% word%'` (ombud/search.py). `search` is
already casefolded in Python, so case-insensitive Swedish search needs no ILIKE or locale.
Elsewhere (SQLite) the trigram part does nothing."""

from django.db import migrations, models

TRIGRAM_INDEX = "person_search_trgm"


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON ombud_person USING gin (search gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The extension stays: other objects may use it, and dropping it needs more rights.
    schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("ombud", "0003_person_search"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                condition=models.Q(("erased_at__isnull", True)),
                fields=["last_name", "first_name", "id"],
                name="person_live_name_order",
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                condition=models.Q(("erased_at__isnull", True)),
                fields=["municipality", "last_name", "first_name", "id"],
                name="person_live_muni_name",
            ),
        ),
        migrations.RunPython(create_trigram_index, drop_trigram_index),
    ]
