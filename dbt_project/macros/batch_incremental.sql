{#
  materialized='batch_incremental': an incremental model that replaces the
  rows of the run's batch (card_recommendations), on DuckDB and on
  MariaDB/MySQL.

  The model's rows are computed chunk by chunk (macros/chunks.sql).  In one
  transaction: delete the rows of the batch's users (cg_batch_keys_sql), insert
  the new rows, run the model's post-hooks (the status updates), COMMIT.
  Readers see the old rows until the commit and the new ones after it; a
  failure rolls everything back, so nothing is half written.

  Why not dbt's delete+insert: it writes the whole result into a temporary
  table, then copies it into the target.  For a 2M-user backfill that is 20M
  rows written twice, and DuckDB keeps the temporary table in memory
  (README, Performance).  The unique key is user_id: the batch's users are
  exactly the users this model writes.

  A materialization of its own rather than a branch inside `incremental`, so
  every other incremental model keeps the adapter's own (DuckDB) or
  mysql_incremental.sql (MariaDB/MySQL).  The output table must exist:
  on-run-start creates it with the PRD's DDL (macros/output_tables.sql).
#}

{% materialization batch_incremental, default -%}
  {{ return(cg_batch_incremental(sql)) }}
{%- endmaterialization %}


{% macro cg_batch_incremental(sql) %}
  {%- set target_relation = this.incorporate(type='table') -%}
  {%- set existing_relation = load_relation(this) -%}
  {%- if existing_relation is none -%}
    {% do exceptions.raise_compiler_error(
        "model " ~ this ~ ": the table must exist before the run (on-run-start creates it: "
        ~ "macros/output_tables.sql)") %}
  {%- endif -%}
  {%- set mysql = adapter.type() in ('mysql', 'mariadb') -%}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {%- set chunks = cg_batch_chunks() -%}
  {%- set column_list = [] -%}
  {%- if adapter.type() != 'duckdb' -%}
    {%- for column in get_columns_in_query(sql) | map('string') -%}
      {%- do column_list.append(adapter.quote(column)) -%}
    {%- endfor -%}
  {%- endif -%}

  {%- if mysql -%}
    {#- Also ends dbt's implicit BEGIN from the statements above. -#}
    {% call statement('start_transaction') -%}
      start transaction
    {%- endcall %}
  {%- endif -%}
  {%- if not mysql %}
    {#- Before the delete: new ids stay above those of the rows they replace. #}
    {% do run_query(cg_set_id_base_sql(target_relation)) %}
  {%- endif %}
  {% call statement('delete_replaced') -%}
    {{ cg_delete_replaced_sql(target_relation) }}
  {%- endcall %}
  {%- for chunk in range(chunks) %}
    {% do run_query(cg_set_chunk_sql(chunk)) %}
    {% call statement('main' if loop.last else 'insert_chunk') -%}
      {{ cg_insert_rows_sql(target_relation, column_list, sql) }}
    {%- endcall %}
  {%- endfor %}

  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {% do adapter.commit() %}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target_relation]}) }}
{% endmacro %}


{#- The model's columns go into the table's columns of the same name; the
    others take their defaults.  DuckDB matches them itself (BY NAME); asking
    it for the model's columns first (get_columns_in_query) cost 0.7 s a run,
    planning the whole 44-card query for a zero-row answer.  Other engines
    (MySQL/MariaDB) need the list. -#}
{% macro cg_insert_rows_sql(relation, column_list, sql) -%}
  {{ return(adapter.dispatch('cg_insert_rows_sql', 'cgcompile')(relation, column_list, sql)) }}
{%- endmacro %}

{% macro duckdb__cg_insert_rows_sql(relation, column_list, sql) -%}
insert into {{ relation }} by name
select *
from (
{{ sql }}
) as cg_model_rows
{%- endmacro %}

{% macro default__cg_insert_rows_sql(relation, column_list, sql) -%}
insert into {{ relation }} ({{ column_list | join(', ') }})
select {{ column_list | join(', ') }}
from (
{{ sql }}
) as cg_model_rows
{%- endmacro %}



{#- DuckDB: the model numbers its rows (card_recommendations.id) after the
    table's largest id, read once per run, before the delete, into a variable.  A sequence default
    costs a nextval per row: 5M rows went in in 7.2 s with one and 4.2 s
    without (DuckDB 2.0, 2 cores); numbering them with row_number() over ()
    instead made each chunk 2-3 s slower, the whole result waiting for the
    window.  MySQL/MariaDB: the PRD's AUTO_INCREMENT numbers the rows. -#}
{% macro cg_set_id_base_sql(relation) -%}
set variable cg_id_base = (select coalesce(max(id), 0) from {{ relation }})
{%- endmacro %}

{% macro cg_id_base() -%}
getvariable('cg_id_base')
{%- endmacro %}


{% macro cg_delete_replaced_sql(target_relation) -%}
  {{ return(adapter.dispatch('cg_delete_replaced_sql', 'cgcompile')(target_relation)) }}
{%- endmacro %}

{% macro default__cg_delete_replaced_sql(target_relation) -%}
delete from {{ target_relation }}
where user_id in ({{ cg_batch_keys_sql() }})
{%- endmacro %}

{#- A multi-table DELETE: MariaDB runs IN (subquery) once per target row
    (mysql_incremental.sql says more). -#}
{% macro mysql__cg_delete_replaced_sql(target_relation) -%}
delete {{ target_relation }}
from {{ target_relation }}
inner join ({{ cg_batch_keys_sql() }}) as cg_keys
  on {{ target_relation }}.user_id = cg_keys.user_id
{%- endmacro %}

{% macro mariadb__cg_delete_replaced_sql(target_relation) -%}
  {{ return(mysql__cg_delete_replaced_sql(target_relation)) }}
{%- endmacro %}
