{#- Rank, on MySQL/MariaDB: MariaDB runs a statement on one core, and ranking
    is most of a build, so the lane models (int_top_cards_lane_N, generated
    from var cg_lanes) rank chunks N, N + lanes, ... side by side (dbt's
    threads) into int_top_cards_staged; card_recommendations copies it in its
    one transaction.  A failed lane skips card_recommendations, its rows
    untouched.  DuckDB ranks inside card_recommendations: disabled there. -#}

{#- int_top_cards_staged: created empty, every run, before the lanes. -#}
{% materialization cg_lane_table, default -%}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set existing = load_relation(this) -%}
    {%- if existing is not none -%}
        {% do adapter.drop_relation(existing) %}
    {%- endif -%}
    {{ run_hooks(pre_hooks) }}
    {% call statement('main') -%}
        create table {{ target_relation }} (primary key (chunk_no, user_no, card_rank))
        as select cast(0 as signed) as chunk_no, cg_rows.* from ({{ sql }}) as cg_rows limit 0
    {%- endcall %}
    {{ run_hooks(post_hooks) }}
    {{ return({'relations': [target_relation]}) }}
{%- endmaterialization %}

{% materialization cg_lane, default -%}
    {%- set lane = config.require('lane') | int -%}
    {%- set staged = cg_relation('int_top_cards_staged') -%}
    {{ run_hooks(pre_hooks) }}
    {%- do cg_session_settings() -%}
    {% do run_query('start transaction') %}
    {%- set chunks = range(lane - 1, cg_batch_chunks(), cg_lanes()) | list -%}
    {%- for chunk in chunks %}
        {% do cg_heartbeat() %}
        {% do run_query('insert into ' ~ staged ~ ' select cast(' ~ chunk ~ ' as signed) as chunk_no, cg_rows.* from ('
                        ~ cg_for_chunk(sql, chunk) ~ ') as cg_rows') %}
    {%- endfor %}
    {% do adapter.commit() %}
    {%- do store_raw_result('main', message='OK ' ~ chunks | length ~ ' chunks', code='OK', rows_affected=none) -%}
    {{ run_hooks(post_hooks) }}
    {{ return({'relations': []}) }}
{%- endmaterialization %}

{#- card_recommendations copies what the lanes ranked in the same run: with
    one of them not selected it would copy an earlier batch's rows. -#}
{% macro cg_require_lanes_selected() -%}
    {%- if execute and flags.WHICH in ('run', 'build') and cg_mysql() -%}
        {%- set missing = [] -%}
        {%- for node in graph.nodes.values() if node.name.startswith('int_top_cards_') and node.resource_type == 'model' -%}
            {%- if node.unique_id not in selected_resources -%}
                {%- do missing.append(node.name) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if missing -%}
            {% do exceptions.raise_compiler_error(
                "card_recommendations copies the rows the lanes rank in the same run; not selected: "
                ~ missing | sort | join(', ') ~ ". Select them too, e.g. dbt build --select +card_recommendations") %}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
