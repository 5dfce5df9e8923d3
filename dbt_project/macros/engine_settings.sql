{#- Engine settings for the run, applied by on-run-start before any model.
    DuckDB: insertion order is not kept (rank and row order never depend on it:
    ROW_NUMBER orders explicitly), which lets large CREATE TABLE AS and INSERT
    stream instead of buffering; and the buffer manager is capped at
    `duckdb_memory_limit` (default 3GB; `--vars '{duckdb_memory_limit: 8GB}'`)
    instead of 80% of RAM.  Ranked in chunks (macros/chunks.sql), a 2M-user
    build peaked at 2.4 GB RSS; ranked in one statement, at 12-17 GB, the cap
    notwithstanding (README, Performance).
    Nothing to set on MariaDB/MySQL: the server's own configuration governs it. -#}

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
