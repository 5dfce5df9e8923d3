{#
  materialized='batch_incremental': an incremental model that replaces the
  rows of the run's batch (card_recommendations), on DuckDB and on
  MariaDB/MySQL.

  The model's rows are computed chunk by chunk (macros/chunks.sql).  In one
  transaction: write the rows of the batch's users, run the model's post-hooks
  (the status updates), COMMIT.  Writing is, on DuckDB, delete the users' rows
  (cg_batch_keys_sql) then insert the new ones; on MySQL/MariaDB, update the
  rows already there in place on the table's unique key (config row_key),
  insert the others, then delete the users' rows that were not rewritten
  (cg_update_rows_sql says why).  Readers see the old rows until the commit
  and the new ones after it; a failure rolls everything back, so nothing is
  half written.

  Why not dbt's delete+insert: it writes the whole result into a temporary
  table, then copies it into the target.  For a 2M-user backfill that is 20M
  rows written twice, and DuckDB keeps the temporary table in memory
  (README, Performance).  The batch's users are exactly the users this model
  writes.

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
  {%- set row_key = config.get('row_key', []) -%}
  {%- if mysql and not row_key -%}
    {% do exceptions.raise_compiler_error(
        "model " ~ this ~ ": batch_incremental needs config row_key on MySQL/MariaDB "
        ~ "(the table's unique key, e.g. ['user_id', 'rank'])") %}
  {%- endif -%}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {%- set chunks = cg_batch_chunks() -%}
  {%- set columns = [] if adapter.type() == 'duckdb' else get_columns_in_query(sql) | map('string') | list -%}

  {%- do cg_apply_session_settings() -%}
  {#- MySQL/MariaDB: an empty table (the first backfill) has no rows to
      update, and the inserts need not look for them. -#}
  {%- set update_first = mysql and not cg_is_empty(target_relation) -%}
  {%- if mysql -%}
    {#- Also ends dbt's implicit BEGIN from the statements above. -#}
    {% call statement('start_transaction') -%}
      start transaction
    {%- endcall %}
  {%- else %}
    {#- Before the delete: new ids stay above those of the rows they replace. #}
    {% do run_query(cg_set_id_base_sql(target_relation)) %}
    {% call statement('delete_replaced') -%}
      {{ cg_delete_replaced_sql(target_relation) }}
    {%- endcall %}
  {%- endif %}
  {%- set written = [] -%}
  {%- if not mysql or not cg_has_foreign_key(target_relation) %}
    {#- Users gone from the input lose their rows (MySQL/MariaDB: the PRD's
        foreign key cascades the delete, when the table has it). #}
    {% call statement('delete_orphans') -%}
      {{ cg_delete_orphans_sql(target_relation) }}
    {%- endcall %}
  {%- endif %}
  {%- for chunk in range(chunks) %}
    {% do cg_heartbeat() %}
    {% do run_query(cg_set_chunk_sql(chunk)) %}
    {%- if update_first %}
      {% call statement('update_chunk') -%}
        {{ cg_update_rows_sql(target_relation, columns, row_key, sql) }}
      {%- endcall %}
      {%- do written.append(load_result('update_chunk').response.rows_affected or 0) -%}
    {%- endif %}
    {% call statement('insert_chunk') -%}
      {{ cg_insert_rows_sql(target_relation, columns, sql, row_key if update_first else []) }}
    {%- endcall %}
    {%- do written.append(load_result('insert_chunk').response.rows_affected or 0) -%}
  {%- endfor %}
  {%- if mysql %}
    {%- set cards = cg_card_count() -%}
    {%- if cards < cg_top_n() %}
      {% call statement('delete_leftovers') -%}
        {{ cg_delete_leftovers_sql(target_relation, cards) }}
      {%- endcall %}
    {%- endif %}
  {%- endif %}
  {#- What dbt reports for the model: on MySQL/MariaDB the rows written, all
      chunks together; DuckDB's adapter reports no row counts.  rows_affected
      is always passed: dbt 1.7's store_raw_result defaults it to a typing
      object, and a run with that result never finished. -#}
  {%- if mysql -%}
    {%- do store_raw_result('main', message='SUCCESS ' ~ (written | sum), code='SUCCESS', rows_affected=(written | sum)) -%}
  {%- else -%}
    {%- do store_raw_result('main', message='OK', code='OK', rows_affected=none) -%}
  {%- endif -%}

  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {% do run_query(cg_log_committed_batch_sql()) %}
  {% do adapter.commit() %}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target_relation]}) }}
{% endmacro %}


{#- The model's columns go into the table's columns of the same name; the
    others take their defaults.  DuckDB matches them itself (BY NAME); asking
    it for the model's columns first (get_columns_in_query) cost 0.7 s a run,
    planning the whole 44-card query for a zero-row answer.  Other engines
    (MySQL/MariaDB) need the list.  With `row_key`, only the rows whose key
    is not in the table yet go in (after cg_update_rows_sql). -#}
{% macro cg_insert_rows_sql(relation, columns, sql, row_key=[]) -%}
  {{ return(adapter.dispatch('cg_insert_rows_sql', 'cgcompile')(relation, columns, sql, row_key)) }}
{%- endmacro %}

{% macro duckdb__cg_insert_rows_sql(relation, columns, sql, row_key=[]) -%}
insert into {{ relation }} by name
select *
from (
{{ sql }}
) as cg_model_rows
{%- endmacro %}

{% macro default__cg_insert_rows_sql(relation, columns, sql, row_key=[]) -%}
{%- set column_list = cg_quoted(columns) -%}
insert into {{ relation }} ({{ column_list | join(', ') }})
select {{ column_list | join(', ') }}
from (
{{ sql }}
) as cg_model_rows
{%- if row_key %}
where not exists (
  select 1 from {{ relation }} as cg_existing
  where {{ cg_key_match('cg_existing', 'cg_model_rows', row_key) }}
)
{%- endif %}
{%- endmacro %}

{#- MySQL/MariaDB: the rows of the batch's users already in the table are
    updated in place on its unique key (row_key: user_id, rank), then the
    others inserted (cg_insert_rows_sql), instead of deleting the users' rows
    and inserting new ones.  The PRD's table has six secondary indexes and a
    foreign key; a delete+insert moves every row in all of them, an update
    only in those whose columns change (not user_id, rank, nor rules_version
    while the rules stay the same).  Measured by hand (MariaDB 10.11):
    delete+insert 11.3-13.2 s and 112K page reads from disk, an upsert in
    place 5.7-6.0 s and 40K (2,500 users of 100K changed, a buffer pool 1/4
    of the table).  An UPDATE ... JOIN then an insert of the missing rows,
    rather than one INSERT ... ON DUPLICATE KEY UPDATE: a weekly run's 50K
    users in a 2M-user table (500K rows, four chunks, one transaction), by
    hand, took 9.1-10.3 s instead of 20.6-21.7 s when the batch and
    timestamps changed but not the figures, and the four updates 25.6 s
    instead of 31.7 s in a weekly dbt build (figures changed too); the insert
    after them, finding nothing missing, 0.25 s a chunk.  A row keeps its id
    and created_at; updated_at moves (ON UPDATE CURRENT_TIMESTAMP).  DuckDB's
    table has no unique key to update on (output_tables.sql): it deletes and
    inserts. -#}
{% macro cg_update_rows_sql(relation, columns, row_key, sql) -%}
{%- set updates = [] -%}
{%- for column in columns if column not in row_key -%}
  {%- do updates.append('cg_target.' ~ adapter.quote(column) ~ ' = cg_model_rows.' ~ adapter.quote(column)) -%}
{%- endfor -%}
update {{ relation }} as cg_target
inner join (
{{ sql }}
) as cg_model_rows
  on {{ cg_key_match('cg_target', 'cg_model_rows', row_key) }}
set {{ updates | join(', ') }}
{%- endmacro %}

{% macro cg_is_empty(relation) -%}
  {{ return(run_query('select 1 from ' ~ relation ~ ' limit 1') | length == 0) }}
{%- endmacro %}

{#- After the writes: a batch user's rows with a rank above the number of
    cards were not rewritten (the catalog lost cards); they go.  With 10
    cards or more every user gets ranks 1..10, every rank a user can hold,
    so there is nothing to delete and the statement is not run: it read
    every row of the batch's users to find none (6 s of a weekly 50K-user
    run on MariaDB, 500K rows scattered over a 20M-row table). -#}
{% macro cg_card_count() -%}
  {{ return(run_query('select count(distinct card_no) from ' ~ cg_relation('int_card_params')).columns[0].values()[0] | int) }}
{%- endmacro %}

{% macro cg_delete_leftovers_sql(relation, cards) -%}
delete {{ relation }}
from {{ relation }}
inner join ({{ cg_batch_keys_sql() }}) as cg_keys
  on {{ relation }}.user_id = cg_keys.user_id
where {{ relation }}.{{ adapter.quote('rank') }} > {{ cards | int }}
{%- endmacro %}

{% macro cg_quoted(columns) -%}
  {%- set quoted = [] -%}
  {%- for column in columns -%}
    {%- do quoted.append(adapter.quote(column)) -%}
  {%- endfor -%}
  {{ return(quoted) }}
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


{#- DuckDB: the batch's users' rows go before the new ones come in. -#}
{% macro cg_delete_replaced_sql(target_relation) -%}
delete from {{ target_relation }}
where user_id in ({{ cg_batch_keys_sql() }})
{%- endmacro %}


{#- Rows of users no longer in the input. -#}
{% macro cg_delete_orphans_sql(relation) -%}
{%- if target.type in ('mysql', 'mariadb') -%}
delete {{ relation }}
from {{ relation }}
left join {{ cg_source_relation() }} as cg_users on cg_users.user_id = {{ relation }}.user_id
where cg_users.user_id is null
{%- else -%}
delete from {{ relation }}
where not exists (select 1 from {{ cg_source_relation() }} as cg_users where cg_users.user_id = {{ relation }}.user_id)
{%- endif -%}
{%- endmacro %}

{% macro cg_has_foreign_key(relation) -%}
    {%- if not execute or target.type not in ('mysql', 'mariadb') -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set rows = run_query(
        "select 1 from information_schema.referential_constraints where constraint_schema = '"
        ~ relation.schema ~ "' and table_name = '" ~ relation.identifier ~ "'").rows -%}
    {{ return(rows | length > 0) }}
{%- endmacro %}

{#- The batch, logged in the transaction that writes its rows (output_tables.sql). -#}
{% macro cg_log_committed_batch_sql() -%}
insert into {{ cg_relation('cg_batch_log') }}
    (batch_id, rules_version, started_at, committed_at, users_selected, users_completed, users_failed, run_status)
select
    '{{ cg_batch_id() }}', '{{ rules_version() }}', coalesce(min(batch_started_at), {{ cg_now() }}), {{ cg_now() }},
    count(*),
    coalesce(sum(case when processing_error is null then 1 else 0 end), 0),
    coalesce(sum(case when processing_error is null then 0 else 1 end), 0),
    'committed'
from {{ ref('int_batch') }}
{%- endmacro %}
