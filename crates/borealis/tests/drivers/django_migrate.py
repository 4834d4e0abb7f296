# Django against Borealis; driven by tests/drivers.rs:
#   python3 django_migrate.py PORT CA_PEM   (PGPASSWORD set)
# `migrate` of auth and contenttypes (Django's own schema introspection and
# DDL), then the ORM: a user and a group written and read back, a
# transaction rolled back, an IntegrityError with its SQLSTATE, and
# introspection of the migrated tables. Prints "django ok" at the end.
import os
import sys

import django
from django.conf import settings

port, ca = sys.argv[1], sys.argv[2]
settings.configure(
    DATABASES={
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "HOST": "127.0.0.1",
            "PORT": port,
            "NAME": "postgres",
            "USER": "postgres",
            "PASSWORD": os.environ["PGPASSWORD"],
            "OPTIONS": {"sslmode": "verify-full", "sslrootcert": ca},
        }
    },
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"],
    USE_TZ=True,
    DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
)
django.setup()

from django.contrib.auth.models import Group, Permission, User  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import IntegrityError, connection, transaction  # noqa: E402

call_command("migrate", verbosity=1, interactive=False)
with connection.cursor() as cursor:
    cursor.execute("select app, name from django_migrations order by id")
    migrations = cursor.fetchall()
print("django migrations", len(migrations))
assert ("auth", "0012_alter_user_first_name_max_length") in migrations, migrations
assert ("contenttypes", "0002_remove_content_type_name") in migrations, migrations
tables = sorted(connection.introspection.table_names())
print("django tables", tables)
for expected in ("auth_user", "auth_group", "auth_permission", "django_content_type", "django_migrations"):
    assert expected in tables, (expected, tables)
with connection.cursor() as cursor:
    columns = {c.name for c in connection.introspection.get_table_description(cursor, "auth_user")}
    # Keys and indexes: unnest(c.conkey) of an outer row, unnest(indkey, indoption) in FROM.
    constraints = connection.introspection.get_constraints(cursor, "auth_user_groups")
print("django constraints", sorted((k, v["columns"]) for k, v in constraints.items()))
primary = [v["columns"] for v in constraints.values() if v["primary_key"] and not v["index"]]
assert primary == [["id"]], constraints
pairs = [v["columns"] for v in constraints.values() if v["unique"] and not v["primary_key"] and not v["index"]]
assert pairs == [["user_id", "group_id"]], constraints
fks = sorted(v["foreign_key"] for v in constraints.values() if v["foreign_key"])
assert fks == [("auth_group", "id"), ("auth_user", "id")], constraints
indexed = sorted(tuple(v["columns"]) for v in constraints.values() if v["index"] and not v["unique"])
assert indexed == [("group_id",), ("user_id",)], constraints
assert {"id", "username", "password", "last_login", "is_superuser", "date_joined"} <= columns, columns
assert ContentType.objects.filter(app_label="auth", model="user").exists()
assert Permission.objects.filter(codename="add_user").exists()

# ORM writes and reads, a rolled-back transaction, an IntegrityError.
editors = Group.objects.create(name="editors")
ann = User.objects.create_user("ann", "ann@example.com", "s3cret", first_name="Ann")
ann.groups.add(editors)
assert User.objects.get(username="ann").check_password("s3cret")
assert list(User.objects.filter(groups__name="editors").values_list("username", flat=True)) == ["ann"]
try:
    with transaction.atomic():
        User.objects.create_user("bob")
        raise RuntimeError("roll back")
except RuntimeError:
    pass
assert not User.objects.filter(username="bob").exists()
try:
    with transaction.atomic():
        User.objects.create_user("ann")
    raise SystemExit("duplicate username accepted")
except IntegrityError as e:
    print("django sqlstate", e.__cause__.sqlstate)
    assert e.__cause__.sqlstate == "23505"
# Migrating again is a no-op.
call_command("migrate", verbosity=0, interactive=False)
print("django users", User.objects.count())
print("django ok")
