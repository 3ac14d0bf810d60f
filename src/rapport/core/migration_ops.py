"""Migration operations Django lacks."""

from typing import Any

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models import NOT_PROVIDED, Index


class AlterFieldIndex(migrations.AlterField):
    """An AlterField that changes only `db_index`: drops or creates that one index.

    Django's own AlterField rebuilds the whole table on SQLite for this (copying every row, so
    minutes at a million contacts); dropping or creating the index is all the change needs.
    """

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        self._apply(app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        self._apply(app_label, schema_editor, from_state, to_state)

    def _apply(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        old = from_state.apps.get_model(app_label, self.model_name)._meta.get_field(self.name)
        new = model._meta.get_field(self.name)
        if old.db_index and not new.db_index:
            named = {i.name for i in [*model._meta.indexes, *model._meta.constraints]}
            for name in schema_editor._constraint_names(
                model, [old.column], index=True, unique=False, type_=Index.suffix, exclude=named
            ):
                schema_editor.execute(schema_editor._delete_index_sql(model, name))
        elif new.db_index and not old.db_index:
            schema_editor.execute(schema_editor._create_index_sql(model, fields=[new]))


class AddFieldInPlace(migrations.AddField):
    """An AddField for a NOT NULL column with a constant `db_default`, added in place.

    Django rebuilds the whole table on SQLite to add such a column (copying every row: many
    minutes at ten million interactions); SQLite's own ALTER TABLE ADD COLUMN takes a constant
    default and is instant. PostgreSQL already adds it in place.
    """

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor != "sqlite":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
            return
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        field = model._meta.get_field(self.name)
        assert field.db_default is not NOT_PROVIDED, "AddFieldInPlace needs a db_default"
        BaseDatabaseSchemaEditor.add_field(schema_editor, model, field)
