{#- Relations the hooks touch.  They are built by name, not with ref(), because
    the hooks of int_batch read card_recommendations, which depends on
    int_batch: a ref() there would make a cycle. -#}

{% macro cg_source_relation() -%}
    {{ return(api.Relation.create(database=target.database if target.type == 'duckdb' else none,
                                  schema=var('source_schema') or target.schema,
                                  identifier='user_spending_data')) }}
{%- endmacro %}

{% macro cg_relation(name) -%}
    {{ return(api.Relation.create(database=target.database if target.type == 'duckdb' else none,
                                  schema=target.schema, identifier=name)) }}
{%- endmacro %}

{#- How many cards each user gets (PRD: the top 10). -#}
{% macro cg_top_n() -%}
    {{ return(10) }}
{%- endmacro %}

{% macro cg_batch_id() -%}
    {#- One id per dbt invocation, in the PRD's style, BATCH_20261123_020000,
        with the invocation's first 8 hex digits: two runs in one second differ. -#}
    {{ return('BATCH_' ~ run_started_at.strftime('%Y%m%d_%H%M%S') ~ '_' ~ invocation_id[:8]) }}
{%- endmacro %}

{#- A model's post-hook: on MySQL/MariaDB, keys for the table just built
    (`clause`: ALTER TABLE's add ... list); DuckDB's plans need none. -#}
{% macro cg_add_keys(clause) -%}
    {%- if target.type in ('mysql', 'mariadb') -%}
        alter table {{ this }} {{ clause }}
    {%- else -%}
        select 1 as no_index_needed
    {%- endif -%}
{%- endmacro %}

{#- `left`.k = `right`.k for every column k of `keys`, joined with AND:
    the ON clause of a join on a key (relations or aliases). -#}
{% macro cg_key_match(left, right, keys) -%}
  {%- set pairs = [] -%}
  {%- for column in keys -%}
    {%- do pairs.append(left ~ '.' ~ adapter.quote(column) ~ ' = ' ~ right ~ '.' ~ adapter.quote(column)) -%}
  {%- endfor -%}
  {{ pairs | join(' and ') }}
{%- endmacro %}

{#- A string compared byte by byte, whatever the column's collation. -#}
{% macro cg_bytes(expression) -%}
    {{ return(adapter.dispatch('cg_bytes', 'cgcompile')(expression)) }}
{%- endmacro %}

{% macro default__cg_bytes(expression) -%}
    {{ expression }}
{%- endmacro %}

{% macro mysql__cg_bytes(expression) -%}
    cast({{ expression }} as binary)
{%- endmacro %}

{% macro mariadb__cg_bytes(expression) -%}
    {{ return(mysql__cg_bytes(expression)) }}
{%- endmacro %}

{#- How user ids compare, the same on every engine: as MariaDB's
    utf8mb4_general_ci compares them (case, accents and trailing spaces
    ignored).  MySQL/MariaDB do it by collation; DuckDB compares bytes, so
    the id is folded first. -#}
{% macro cg_user_key(expression) -%}
    {%- if target.type == 'duckdb' -%}
        strip_accents(lower(rtrim({{ expression }})))
    {%- else -%}
        {{ expression }}
    {%- endif -%}
{%- endmacro %}
