from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("clubs", "0003_generations"),
        ("core", "0002_remove_page_store"),  # its triggers name this column
    ]

    operations = [
        migrations.RemoveField(model_name="club", name="generation"),
    ]
