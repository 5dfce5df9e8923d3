{#
  Incremental models on MariaDB / MySQL (dbt-mysql 1.7.0 adapters `mariadb` and `mysql`).

  Why this replaces dbt-mysql's own materialization:
  * Its delete is `delete from target where key in (select key from tmp)`. MariaDB runs
    that as a dependent subquery, once per target row: deleting 50K keys out of 1M rows
    had not finished after 120 s (reported: over 10 minutes). Here it is a multi-table
    `DELETE target FROM target JOIN tmp`, with an index on the temp table's key so the join
    is one lookup per target row: about 1.4 s for the same delete
    (scripts/bench_mysql_incremental.py).
  * Delete and insert run between an explicit START TRANSACTION and COMMIT. A failed insert
    rolls back the delete too: no reader ever sees a user without rows, nothing is half written.

  dbt-mysql does not dispatch these steps (no mysql__get_delete_insert_merge_sql); each
  adapter has its own `incremental` materialization calling plain macros. So this file
  defines the materialization for both adapter names; dbt-core 1.7 prefers a root-project
  materialization over an adapter plugin's.

  Limits, same as dbt-mysql's: on_schema_change is ignored (a new column in the model is not
  added to an existing table; run with --full-refresh instead), and the only strategy is
  delete+insert (plain append when there is no unique_key).
#}

{% materialization incremental, adapter='mariadb' -%}
  {{ return(cgcompile_mysql_incremental(sql)) }}
{%- endmaterialization %}

{% materialization incremental, adapter='mysql' -%}
  {{ return(cgcompile_mysql_incremental(sql)) }}
{%- endmaterialization %}


{% macro cgcompile_mysql_incremental(sql) %}
  {%- set keys = cgcompile_unique_key_list(config.get('unique_key')) -%}
  {%- set strategy = config.get('incremental_strategy') or 'delete+insert' -%}
  {%- if strategy != 'delete+insert' -%}
    {% do exceptions.raise_compiler_error(
        "model " ~ this ~ ": incremental_strategy '" ~ strategy ~ "' is not supported on "
        ~ adapter.type() ~ "; use 'delete+insert' (see dbt_project/macros/mysql_incremental.sql)") %}
  {%- endif -%}

  {%- set target_relation = this.incorporate(type='table') -%}
  {%- set existing_relation = load_relation(this) -%}
  {%- set backup_relation = none -%}
  {%- set tmp_relation = none -%}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {%- if existing_relation is none -%}
    {% call statement('main') -%}
      {{ create_table_as(False, target_relation, sql) }}
    {%- endcall %}

  {%- elif existing_relation.is_view or should_full_refresh() -%}
    {#- Build the new table beside the old one's backup; the backup goes once this succeeded. -#}
    {%- set backup_relation = existing_relation.incorporate(
          path={"identifier": existing_relation.identifier ~ "__dbt_backup"}) -%}
    {% do adapter.drop_relation(backup_relation) %}
    {% do adapter.rename_relation(existing_relation, backup_relation) %}
    {% call statement('main') -%}
      {{ create_table_as(False, target_relation, sql) }}
    {%- endcall %}

  {%- else -%}
    {%- set tmp_relation = make_temp_relation(target_relation) -%}
    {#- DDL (temp table, index, column widening) first: DDL commits implicitly on MariaDB,
        so it must not sit between START TRANSACTION and COMMIT. -#}
    {% do run_query(cgcompile_drop_temporary_sql(tmp_relation)) %}
    {% do run_query(create_table_as(True, tmp_relation, sql)) %}
    {% do adapter.expand_target_column_types(from_relation=tmp_relation, to_relation=target_relation) %}
    {%- if keys -%}
      {% do run_query(cgcompile_index_keys_sql(tmp_relation, keys)) %}
    {%- endif -%}

    {#- Also ends dbt's implicit BEGIN from the statements above. -#}
    {% call statement('start_transaction') -%}
      start transaction
    {%- endcall %}
    {%- if keys -%}
      {% call statement('pre_main') -%}
        {{ cgcompile_join_delete_sql(target_relation, tmp_relation, keys) }}
      {%- endcall %}
    {%- endif -%}
    {% call statement('main') -%}
      {{ cgcompile_insert_sql(target_relation, tmp_relation) }}
    {%- endcall %}
  {%- endif %}

  {% do persist_docs(target_relation, model) %}
  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {#- Sends COMMIT, which ends the START TRANSACTION above. -#}
  {% do adapter.commit() %}

  {%- if backup_relation is not none -%}
    {% do adapter.drop_relation(backup_relation) %}
  {%- endif -%}
  {%- if tmp_relation is not none -%}
    {#- auto_begin=False: no new transaction left open after the COMMIT. -#}
    {% call statement('drop_tmp', auto_begin=False) -%}
      {{ cgcompile_drop_temporary_sql(tmp_relation) }}
    {%- endcall %}
  {%- endif -%}

  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target_relation]}) }}
{% endmacro %}


{#- unique_key as a list of column names: none -> [], 'a' -> ['a'], ['a', 'b'] stays. -#}
{% macro cgcompile_unique_key_list(unique_key) %}
  {%- if unique_key is none or unique_key | length == 0 -%}
    {{ return([]) }}
  {%- elif unique_key is string -%}
    {{ return([unique_key]) }}
  {%- else -%}
    {{ return(unique_key | list) }}
  {%- endif -%}
{% endmacro %}


{#- DELETE target FROM target JOIN tmp ON every key column equal. NULL keys match nothing,
    as with the IN-subquery this replaces. Fully qualified names, no aliases: MariaDB reads
    an alias in the delete list as a table of the default database, and dbt connects
    without one ("1046 No database selected"). -#}
{% macro cgcompile_join_delete_sql(target_relation, tmp_relation, keys) -%}
delete {{ target_relation }}
from {{ target_relation }}
inner join {{ tmp_relation }}
  on {{ cg_key_match(target_relation, tmp_relation, keys) }}
{%- endmacro %}


{% macro cgcompile_index_keys_sql(tmp_relation, keys) -%}
alter table {{ tmp_relation }} add index cg_unique_key (
  {%- for key in keys -%}{{ adapter.quote(key) }}{{ ", " if not loop.last }}{%- endfor -%}
)
{%- endmacro %}


{#- The model's columns, not the target's: a target created with its own DDL (the PRD's
    card_recommendations has an auto-increment id and audit columns) fills those itself. -#}
{% macro cgcompile_insert_sql(target_relation, tmp_relation) -%}
  {%- set columns = adapter.get_columns_in_relation(tmp_relation)
        | map(attribute='quoted') | join(', ') -%}
insert into {{ target_relation }} ({{ columns }})
select {{ columns }}
from {{ tmp_relation }}
{%- endmacro %}


{% macro cgcompile_drop_temporary_sql(tmp_relation) -%}
drop temporary table if exists {{ tmp_relation }}
{%- endmacro %}
