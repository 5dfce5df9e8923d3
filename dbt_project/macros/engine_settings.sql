{#- Engine settings for the run, applied by on-run-start before any model.
    DuckDB: insertion order is not kept (rank and row order never depend on it:
    ROW_NUMBER orders explicitly), which lets large CREATE TABLE AS and INSERT
    stream instead of buffering; and the buffer manager is capped at
    `duckdb_memory_limit` (default 3GB; `--vars '{duckdb_memory_limit: 8GB}'`)
    instead of 80% of RAM.  Ranked in chunks (macros/chunks.sql), a 2M-user
    build peaked at 2.4 GB RSS; ranked in one statement, at 12-17 GB, the cap
    notwithstanding (README, Performance).
    Nothing to set on MariaDB/MySQL for the run as a whole; the connection that
    ranks the batch sets its own limits (cg_session_settings_sql below). -#}

{% macro cg_engine_settings() -%}
    {{ return(adapter.dispatch('cg_engine_settings', 'cgcompile')()) }}
{%- endmacro %}

{% macro default__cg_engine_settings() -%}
    select 1 as no_engine_settings
{%- endmacro %}

{% macro duckdb__cg_engine_settings() -%}
    {%- do run_query("set preserve_insertion_order = false") -%}
    set memory_limit = '{{ var("duckdb_memory_limit", "3GB") }}'
{%- endmacro %}

{#- MySQL/MariaDB, for the connection that ranks the batch (batch_incremental.sql
    runs it first; on-run-start's connection is another one).  Each chunk's
    44 card derived tables, their union and the ranking window are in-memory
    temporary tables up to tmp_table_size / max_heap_table_size, on disk above.
    With the servers' default (16 MB) they went to disk: a 200K-user backfill
    took 304 s instead of 151 s; 128 MB per 20K users is enough, 256 MB or 1 GB
    gained nothing (MariaDB 10.11, by hand, issue 5).
    Session values only, raised, never lowered below what the server gives. -#}
{#- Runs them on the calling connection (the ranking materializations). -#}
{% macro cg_apply_session_settings() -%}
    {%- set settings = cg_session_settings_sql() -%}
    {%- if settings -%}
        {% do run_query(settings) %}
    {%- endif -%}
{%- endmacro %}

{% macro cg_session_settings_sql() -%}
    {{ return(adapter.dispatch('cg_session_settings_sql', 'cgcompile')()) }}
{%- endmacro %}

{% macro default__cg_session_settings_sql() -%}
    {{ return(none) }}
{%- endmacro %}

{% macro mysql__cg_session_settings_sql() -%}
    {%- set per_chunk = 134217728 * ((cg_chunk_users() + 19999) // 20000) -%}
    set session tmp_table_size = greatest(@@session.tmp_table_size, {{ per_chunk }}),
        session max_heap_table_size = greatest(@@session.max_heap_table_size, {{ per_chunk }})
{%- endmacro %}

{% macro mariadb__cg_session_settings_sql() -%}
    {{ return(mysql__cg_session_settings_sql()) }}
{%- endmacro %}
