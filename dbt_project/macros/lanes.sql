{#- Lanes: on MySQL/MariaDB the batch's chunks are ranked on two connections
    at once.  int_top_cards_staged creates an empty table; the two lane models
    (int_top_cards_lane_N), which dbt runs side by side on its two threads,
    each rank every other chunk into it; card_recommendations then copies
    the rows chunk by chunk into the output table in its one transaction.

    Why: MariaDB runs a statement on one core, and ranking was almost all of
    a build (card_recommendations 1,465 s of a 1,621 s 2M-user backfill,
    issue 5).  Two connections ranked two 20K-user chunks in 9.6 s, one after
    the other in 19.1 s (MariaDB 10.11, 2 cores, by hand).  One table for
    both lanes, not one each: card_recommendations then reads a chunk as one
    range of one key; a UNION ALL of two lane tables cost 0.75-1.8 s more per
    20K-user chunk (by hand).  The lanes write a scratch table, never the
    output: a failed lane leaves card_recommendations skipped and its rows as
    they were.

    DuckDB already spreads one statement over every core: there these models
    are ephemeral and nothing refs them, so they are never built. -#}

{% macro cg_lane_materialization(materialization) -%}
    {{ return(materialization if target.type in ('mysql', 'mariadb') else 'ephemeral') }}
{%- endmacro %}

{#- The lane models, in order: each one's config gives its number, lane=N. -#}
{% macro cg_lane_models() -%}
    {{ return(['int_top_cards_lane_1', 'int_top_cards_lane_2']) }}
{%- endmacro %}

{#- How many chunks are ranked at once. -#}
{% macro cg_lanes() -%}
    {{ return(cg_lane_models() | length if target.type in ('mysql', 'mariadb') else 1) }}
{%- endmacro %}

{#- The model's rows, chunk by chunk, go into int_top_cards_staged with their
    chunk number in front. -#}
{% macro cg_lane_rows_sql(chunk, sql) -%}
select cast({{ chunk | int }} as signed) as chunk_no, cg_lane_rows.*
from (
{{ sql }}
) as cg_lane_rows
{%- endmacro %}

{% materialization lane_table, default -%}
  {%- set target_relation = this.incorporate(type='table') -%}
  {%- set existing_relation = load_relation(this) -%}
  {%- if existing_relation is not none -%}
    {% do adapter.drop_relation(existing_relation) %}
  {%- endif -%}
  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {% call statement('main') -%}
    create table {{ target_relation }} (
        primary key (chunk_no, user_no, card_rank)
    ) as
    {{ cg_lane_rows_sql(0, sql) }}
    limit 0
  {%- endcall %}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target_relation]}) }}
{%- endmaterialization %}

{#- Writes into int_top_cards_staged; the lane has no table of its own. -#}
{% materialization chunk_lane, default -%}
  {%- set lane = config.require('lane') | int -%}
  {%- set lanes = cg_lanes() -%}
  {%- if lane < 1 or lane > lanes -%}
    {% do exceptions.raise_compiler_error(
        "model " ~ this ~ ": config lane must be 1.." ~ lanes ~ ", got " ~ lane) %}
  {%- endif -%}
  {%- set staged = cg_relation('int_top_cards_staged') -%}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {%- do cg_apply_session_settings() -%}
  {% call statement('start_transaction') -%}
    start transaction
  {%- endcall %}
  {%- for chunk in range(lane - 1, cg_batch_chunks(), lanes) %}
    {% do cg_heartbeat() %}
    {% do run_query(cg_set_chunk_sql(chunk)) %}
    {% call statement('main' if loop.last else 'insert_chunk') -%}
      insert into {{ staged }}
      {{ cg_lane_rows_sql(chunk, sql) }}
    {%- endcall %}
  {%- else %}
    {% call statement('main') -%}
      select 0 as no_chunk_in_this_lane
    {%- endcall %}
  {%- endfor %}
  {% do adapter.commit() %}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': []}) }}
{%- endmaterialization %}

{#- MySQL/MariaDB: card_recommendations joins each copied row to its card.
    Without a key on card_no the optimizer started from the 44 cards and
    probed the chunk's rows once per card: 1.76 s a 20K-user chunk instead of
    0.12 s (MariaDB 10.11, by hand). -#}
{% macro cg_index_card_params() -%}
    {{ cg_add_keys('add primary key (card_no, redemption_no)') }}
{%- endmacro %}

{#- card_recommendations copies what the lanes ranked in the same run: with
    one of them not selected (dbt build --select card_recommendations) it would
    copy an earlier batch's rows, or none.  A failed lane skips
    card_recommendations (dbt's own rule).  Only when the model runs: dbt
    compile --select card_recommendations writes nothing. -#}
{% macro cg_require_lanes_selected() -%}
    {%- if execute and flags.WHICH in ('run', 'build') and target.type in ('mysql', 'mariadb') -%}
        {%- set copied_from = ['int_top_cards_staged'] + cg_lane_models() -%}
        {%- set missing = [] -%}
        {%- for name in copied_from -%}
            {%- if 'model.' ~ project_name ~ '.' ~ name not in selected_resources -%}
                {%- do missing.append(name) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if missing -%}
            {% do exceptions.raise_compiler_error(
                "card_recommendations copies the rows ranked in the same run by "
                ~ copied_from | join(', ') ~ "; not selected: " ~ missing | join(', ')
                ~ ". Select them too, e.g. dbt build --select +card_recommendations") %}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
