from django.db import migrations

def build_rollups(apps, schema_editor):
    """The per-person rows with their snapshot and the cells, from the attendance (issue 14)."""
    from kurser import rollups

    rollups.rebuild(apps=apps)

class Migration(migrations.Migration):
    # Apart from 0007: PostgreSQL does not create 0007's indexes after rows were written in the
    # same transaction (pending trigger events).
    dependencies = [("kurser", "0007_rollup_cells_and_snapshots")]

    operations = [migrations.RunPython(build_rollups, migrations.RunPython.noop)]
