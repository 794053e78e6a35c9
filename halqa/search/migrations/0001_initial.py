"""The search documents, and the index each database keeps of their tokens (see halqa.search.backends).

SQLite: an external-content FTS5 table over the two token columns, kept by triggers; its tokenizer
only splits on spaces and folds nothing more (the analyzer did the rest). PostgreSQL: a generated
`tsvector` column in the `simple` configuration (title weighted A, body B) with a GIN index.
"""

from django.db import migrations, models

SQLITE_UP = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(title_tokens, body_tokens, content='search_searchdocument', "
    "content_rowid='id', tokenize=\"unicode61 remove_diacritics 0 separators ' '\")",
    "CREATE TRIGGER search_fts_insert AFTER INSERT ON search_searchdocument BEGIN "
    "INSERT INTO search_fts(rowid, title_tokens, body_tokens) VALUES (new.id, new.title_tokens, new.body_tokens); END",
    "CREATE TRIGGER search_fts_delete AFTER DELETE ON search_searchdocument BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title_tokens, body_tokens) "
    "VALUES ('delete', old.id, old.title_tokens, old.body_tokens); END",
    "CREATE TRIGGER search_fts_update AFTER UPDATE ON search_searchdocument BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title_tokens, body_tokens) "
    "VALUES ('delete', old.id, old.title_tokens, old.body_tokens); "
    "INSERT INTO search_fts(rowid, title_tokens, body_tokens) VALUES (new.id, new.title_tokens, new.body_tokens); END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS search_fts_update",
    "DROP TRIGGER IF EXISTS search_fts_delete",
    "DROP TRIGGER IF EXISTS search_fts_insert",
    "DROP TABLE IF EXISTS search_fts",
]
POSTGRESQL_UP = [
    "ALTER TABLE search_searchdocument ADD COLUMN vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, title_tokens), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, body_tokens), 'B')) STORED",
    "CREATE INDEX search_document_vector_idx ON search_searchdocument USING gin (vector)",
]
POSTGRESQL_DOWN = [
    "DROP INDEX IF EXISTS search_document_vector_idx",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS vector",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(max_length=32)),
                ("object_id", models.PositiveBigIntegerField()),
                ("language", models.CharField(blank=True, max_length=8)),
                ("title", models.CharField(blank=True, max_length=300)),
                ("text", models.TextField(blank=True, help_text="The original text, for snippets.")),
                ("title_tokens", models.TextField(blank=True)),
                ("body_tokens", models.TextField(blank=True)),
                ("indexed_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("kind", "object_id"), name="search_document_unique")],
            },
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRESQL_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRESQL_DOWN}),
        ),
    ]
