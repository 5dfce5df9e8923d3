{#- Chunks: the batch is ranked a chunk of consecutive users at a time
    (int_batch.chunk_no), so the ranking's memory is one chunk's rows.  The
    models' SQL filters on cg_all_chunks() (every chunk: `dbt show` gives the
    whole batch); the materializations that rank (cg_batch, cg_lane) run it
    once per chunk with that filter made `chunk_no = N` (cg_for_chunk). -#}

{% macro cg_chunk_users() -%}
    {#- Spark: one chunk; the executors split the statement among themselves. -#}
    {%- set size = var('cg_chunk_users', 250000 if target.type == 'duckdb' else 1000000000 if cg_spark() else 20000) -%}
    {%- if size is not number or size < 1 or size != size | int -%}
        {% do exceptions.raise_compiler_error(
            "var cg_chunk_users: expected a whole number of users of at least 1, got " ~ size) %}
    {%- endif -%}
    {{ return(size | int) }}
{%- endmacro %}

{#- How many chunks are ranked at once: MySQL/MariaDB's lane models (one
    connection each, batch/lanes.sql); DuckDB spreads one statement over
    every core already. -#}
{% macro cg_lanes() -%}
    {{ return(var('cg_lanes', 2) | int if cg_mysql() else 1) }}
{%- endmacro %}

{#- The chunk of the user at `position` (1, 2, ... in user_id order) in a
    batch of `batch_users`: a multiple of the lanes' count of chunks of
    equal size, at most cg_chunk_users each, so the lanes finish together. -#}
{% macro cg_chunk_number(position, batch_users) -%}
    {%- set div = ' div ' if cg_mysql() or cg_spark() else ' // ' -%}
    {%- set per_round = cg_lanes() * cg_chunk_users() -%}
    {%- set chunks = '(' ~ cg_lanes() ~ ' * ((' ~ batch_users ~ ' + ' ~ (per_round - 1) ~ ')' ~ div ~ per_round ~ '))' -%}
    {{ return('((' ~ position ~ ' - 1)' ~ div ~ '((' ~ batch_users ~ ' + ' ~ chunks ~ ' - 1)' ~ div ~ chunks ~ '))') }}
{%- endmacro %}

{% macro cg_all_chunks() -%}
    chunk_no >= 0 /* every chunk: cg_for_chunk narrows it to one */
{%- endmacro %}

{% macro cg_for_chunk(sql, chunk) -%}
    {{ return(sql | replace(cg_all_chunks(), 'chunk_no = ' ~ chunk | int)) }}
{%- endmacro %}

{#- The batch's users that can be ranked (the others are marked failed), as
    a derived table: the generated card models and card_recommendations read
    it.  A macro rather than a ref to an ephemeral model: dbt splices an
    ephemeral into each model that refs it by parsing that model's SQL, about
    70 ms for each card model in every run. -#}
{% macro cg_batch_users() -%}
    (
        select user_no, user_id, amazon, flipkart, myntra, ajio, grocery, other_online
        from {{ ref('int_batch') }}
        where processing_error is null
            and {{ cg_all_chunks() }}
    )
{%- endmacro %}
