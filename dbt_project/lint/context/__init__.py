"""Stand-ins for the project's macros, `target` and `adapter`, for sqlfluff's jinja
templater only (../../.sqlfluff): each gives SQL of the shape the real macro renders
on MySQL/MariaDB, without a database."""
from types import SimpleNamespace

target = SimpleNamespace(type="mariadb", schema="cashkaro")
adapter = SimpleNamespace(quote=lambda name: "`" + name + "`")


def cg_mysql():
    return True


def cg_add_keys(clause):
    return "select 1"


def cg_mark_pending():
    return "select 1"


def cg_mark_processed():
    return "select 1"


def cg_all_chunks():
    return "chunk_no >= 0"


def cg_batch_id():
    return "BATCH_20261202_020000_0123abcd"


def rules_version():
    return "0123456789abcdef"


def cg_batch_users():
    return "(select user_no, user_id from int_batch where chunk_no >= 0)"


def cg_chunk_number(position, users):
    return "((" + position + " - 1) div 20000)"


def cg_enforces_unique(relation, columns):
    return False


def cg_has_foreign_key(relation):
    return False


def cg_lanes():
    return 2


def cg_now():
    return "current_timestamp"


def cg_text(expression):
    return "cast(" + expression + " as char)"


def cg_user_key(expression):
    return expression


def cg_top_n():
    return 10


def cg_require_lanes_selected():
    return ""


def cg_source_relation():
    return "user_spending_data"


def cg_spend_columns():
    return ["avg_amazon_gmv", "avg_flipkart_gmv", "avg_myntra_gmv", "avg_ajio_gmv", "avg_grocery_gmv", "avg_confirmed_gmv"]


def cg_validation_scope(column="batch_id"):
    return column + " in ('BATCH_20261202_020000_0123abcd')"


def cg_spark():
    return False


def cg_user_bucket(expression):
    return "pmod(hash(" + expression + "), 64)"


def cg_spark_id_base():
    return 0


def cg_spark_selected(users):
    return "(" + users + ".processing_status = 'new')"


def cg_spark_kept_rows(table, redone):
    return "select * from " + str(table)
