{#- The batch is ranked in chunks of consecutive users (by user_id), one
    INSERT ... SELECT per chunk, all inside the run's one transaction.  Why:
    the ranking window and, on MariaDB, the temporary tables of the 44 card
    derived tables grow with the rows they hold; a chunk keeps them in memory.
    Measured (README, Performance): MariaDB ranked 20K users at ~1 ms a user
    and 200K at ~2.6 ms a user in one statement.

    int_batch numbers each user's chunk; cg_users_in_chunk (below) reads the
    chunk named by a session variable that the materializations set before
    each INSERT (batch_incremental.sql; on MySQL/MariaDB the lanes, lanes.sql).
    Chunk size: --vars '{cg_chunk_users: N}'. -#}

{% macro cg_chunk_users() -%}
    {%- set default = 250000 if target.type == 'duckdb' else 20000 -%}
    {%- set size = var('cg_chunk_users', default) -%}
    {%- if size is not number or size < 1 or size != size | int -%}
        {% do exceptions.raise_compiler_error(
            "var cg_chunk_users: expected a whole number of users of at least 1, got " ~ size) %}
    {%- endif -%}
    {{ return(size | int) }}
{%- endmacro %}

{#- The chunk of the user at position `position` (1, 2, ... in user_id order)
    in a batch of `batch_users`.  The batch is cut into a multiple of the
    lanes' count (lanes.sql; 1 on DuckDB) of chunks of equal size, at most
    cg_chunk_users each, so that the lanes finish together: 50K users on
    MariaDB are 4 chunks of 12,500, two per lane, instead of 20K, 20K and
    10K, two for one lane and one for the other. -#}
{% macro cg_chunk_number(position, batch_users) -%}
    {%- set per_round = cg_lanes() * cg_chunk_users() -%}
    {%- set chunks -%}
        {{ cg_lanes() }} * {{ cg_int_div(batch_users ~ ' + ' ~ (per_round - 1), per_round) }}
    {%- endset -%}
    {%- set size = cg_int_div(batch_users ~ ' + ' ~ chunks ~ ' - 1', '(' ~ chunks ~ ')') -%}
    {{ return(cg_int_div(position ~ ' - 1', '(' ~ size ~ ')')) }}
{%- endmacro %}

{#- Whole-number division of non-negative integers, as an integer. -#}
{% macro cg_int_div(numerator, denominator) -%}
    {{ return(adapter.dispatch('cg_int_div', 'cgcompile')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__cg_int_div(numerator, denominator) -%}
    {{ return('cast((' ~ numerator ~ ') // ' ~ denominator ~ ' as integer)') }}
{%- endmacro %}

{% macro mysql__cg_int_div(numerator, denominator) -%}
    {{ return('((' ~ numerator ~ ') div ' ~ denominator ~ ')') }}
{%- endmacro %}

{% macro mariadb__cg_int_div(numerator, denominator) -%}
    {{ return(mysql__cg_int_div(numerator, denominator)) }}
{%- endmacro %}

{#- The chunk being ranked: NULL (no rows) outside the materialization. -#}
{% macro cg_current_chunk() -%}
    {{ return(adapter.dispatch('cg_current_chunk', 'cgcompile')()) }}
{%- endmacro %}

{% macro default__cg_current_chunk() -%}
    getvariable('cg_chunk')
{%- endmacro %}

{% macro mysql__cg_current_chunk() -%}
    @cg_chunk
{%- endmacro %}

{% macro mariadb__cg_current_chunk() -%}
    {{ return(mysql__cg_current_chunk()) }}
{%- endmacro %}

{% macro cg_set_chunk_sql(chunk) -%}
    {{ return(adapter.dispatch('cg_set_chunk_sql', 'cgcompile')(chunk)) }}
{%- endmacro %}

{% macro default__cg_set_chunk_sql(chunk) -%}
    set variable cg_chunk = {{ chunk | int }}
{%- endmacro %}

{% macro mysql__cg_set_chunk_sql(chunk) -%}
    set @cg_chunk = {{ chunk | int }}
{%- endmacro %}

{% macro mariadb__cg_set_chunk_sql(chunk) -%}
    {{ return(mysql__cg_set_chunk_sql(chunk)) }}
{%- endmacro %}

{#- How many chunks this batch has (at least 1, so an empty batch still runs
    its one, empty, insert). -#}
{% macro cg_batch_chunks() -%}
    {%- set batch = cg_relation('int_batch') -%}
    {%- set rows = run_query('select coalesce(max(chunk_no), 0) + 1 from ' ~ batch).rows -%}
    {{ return(rows[0][0] | int) }}
{%- endmacro %}

{#- The users whose earlier rows this run replaces: the batch's users that
    can be ranked (a failed user keeps the rows of its last good run). -#}
{% macro cg_batch_keys_sql() -%}
    select user_id from {{ cg_relation('int_batch') }} where processing_error is null
{%- endmacro %}

{#- MariaDB reads int_batch once per card per chunk (chunk_no), joins the
    ranked rows back to their user_id (user_no), and the status update joins
    the input table to it on user_id (cg_user_id: without it, an optimizer
    that starts from the input table scans the batch once per user).  Clustered by chunk, each
    read is a range of the primary key: with a secondary index on chunk_no it
    scanned the whole table whenever a chunk was a tenth of it (20K-user chunk,
    44 cards: 20.2 s -> 18.5 s at 200K users). -#}
{% macro cg_index_batch_chunks() -%}
    {{ cg_add_keys('add primary key (chunk_no, user_no), add unique index cg_user_no (user_no), add index cg_user_id (user_id)') }}
{%- endmacro %}

{#- The users of the chunk being ranked whose data can be ranked (the others
    are marked failed), as a derived table.  The generated card models and
    card_recommendations read it.  A macro, not a ref to an ephemeral model:
    dbt splices an ephemeral into each model that refs it
    by parsing that model's SQL with sqlparse, ~70 ms for each of 44 card
    models in every run (issue 5); int_batch is a table. -#}
{% macro cg_users_in_chunk() -%}
    (
        select user_no, user_id, amazon, flipkart, myntra, ajio, grocery, other_online
        from {{ ref('int_batch') }}
        where processing_error is null
            and chunk_no = {{ cg_current_chunk() }}
    )
{%- endmacro %}
