{#- Chunks: the batch is ranked a chunk of consecutive users at a time
    (int_batch.chunk_no), so the ranking's memory is one chunk's rows.  The
    models' SQL filters on cg_all_chunks() (every chunk: `dbt show` gives the
    whole batch); the materializations that rank (cg_batch, cg_lane) run it
    once per chunk with that filter made `chunk_no = N` (cg_for_chunk). -#}

{#- A chunk's user x card rows are held while they are ranked (DuckDB: in
    its memory; MariaDB: each card's derived tables, per lane), so chunks are
    sized in those rows (var cg_chunk_rows) and shrink as the catalog grows;
    var cg_chunk_users sets the users outright. -#}
{% macro cg_chunk_users() -%}
    {#- Spark: one chunk; the executors split the statement among themselves. -#}
    {%- set rows = var('cg_chunk_rows', 12000000 if target.type == 'duckdb' else 800000) -%}
    {%- set size = var('cg_chunk_users', 1000000000 if cg_spark() else [rows // [card_count(), 1] | max, 1] | max if rows is number else 0) -%}
    {%- if size is not number or size < 1 or size != size | int or rows is not number or rows < 1 -%}
        {% do exceptions.raise_compiler_error(
            "vars cg_chunk_users and cg_chunk_rows: expected whole numbers of at least 1, got "
            ~ size ~ " and " ~ rows) %}
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
