{#- Whether the table itself guarantees that `columns` are unique together: a
    unique index over some of them (so over all of them together), each of
    them NOT NULL (a unique index lets rows repeat a NULL).  Asked at run time,
    of the live table: someone may have dropped the key. -#}
{% macro cg_enforces_unique(relation, columns) -%}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {{ return(adapter.dispatch('cg_enforces_unique', 'cgcompile')(relation, columns)) }}
{%- endmacro %}

{#- DuckDB: card_recommendations is created without its UNIQUE constraint (see
    output_tables.sql), so the test scans. -#}
{% macro default__cg_enforces_unique(relation, columns) -%}
    {{ return(false) }}
{%- endmacro %}

{% macro mysql__cg_enforces_unique(relation, columns) -%}
    {%- set wanted = columns | map('lower') | list -%}
    {%- set query -%}
        select index_name, lower(column_name), nullable
        from information_schema.statistics
        where table_schema = '{{ relation.schema }}'
            and table_name = '{{ relation.identifier }}'
            and non_unique = 0
    {%- endset -%}
    {%- set indexes = {} -%}
    {%- for row in run_query(query).rows -%}
        {%- do indexes.setdefault(row[0], []).append((row[1], row[2])) -%}
    {%- endfor -%}
    {%- for index_columns in indexes.values() -%}
        {%- set covered = [] -%}
        {%- for name, nullable in index_columns if name in wanted and nullable != 'YES' -%}
            {%- do covered.append(name) -%}
        {%- endfor -%}
        {%- if covered | length == index_columns | length -%}
            {{ return(true) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(false) }}
{%- endmacro %}

{% macro mariadb__cg_enforces_unique(relation, columns) -%}
    {{ return(mysql__cg_enforces_unique(relation, columns)) }}
{%- endmacro %}
