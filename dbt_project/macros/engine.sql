{#- on-run-start, DuckDB: row order is never relied on (ROW_NUMBER orders
    explicitly), so large inserts stream; the buffer manager is capped at
    var duckdb_memory_limit instead of 80% of RAM. -#}
{% macro cg_engine_settings() -%}
    {%- if cg_spark() -%}
        {#- A partition written is a partition replaced, the others stay (insert_overwrite). -#}
        set spark.sql.sources.partitionOverwriteMode = dynamic
    {%- elif target.type == 'duckdb' -%}
        {%- do run_query("set preserve_insertion_order = false") -%}
        set memory_limit = '{{ var("duckdb_memory_limit", "3GB") }}'
    {%- else -%}
        select 1 as no_engine_settings
    {%- endif -%}
{%- endmacro %}

{#- MySQL/MariaDB, on the connections that rank a chunk: each chunk's card
    derived tables and ranking window are in-memory temporary tables up to
    tmp_table_size / max_heap_table_size, on disk above (the servers' 16 MB
    default made a 200K-user backfill twice as slow, docs/performance.md).
    128 MB per 20K users of a chunk; raised only, never lowered. -#}
{% macro cg_session_settings() -%}
    {%- if cg_mysql() -%}
        {%- set size = 134217728 * ((cg_chunk_users() + 19999) // 20000) -%}
        {%- do run_query('set session tmp_table_size = greatest(@@session.tmp_table_size, ' ~ size ~ '),'
                         ~ ' session max_heap_table_size = greatest(@@session.max_heap_table_size, ' ~ size ~ ')') -%}
    {%- endif -%}
{%- endmacro %}
