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
    {%- set progress = cg_progress_start('rank') -%}
    {%- set chunks = range(lane - 1, progress.sizes | length, cg_lanes()) | list -%}
    {%- for chunk in chunks %}
        {% do cg_heartbeat() %}
        {%- set chunk_began = modules.datetime.datetime.utcnow() -%}
        {% do run_query('insert into ' ~ staged ~ ' select cast(' ~ chunk ~ ' as signed) as chunk_no, cg_rows.* from ('
                        ~ cg_for_chunk(sql, chunk) ~ ') as cg_rows') %}
        {%- do cg_progress(progress, chunk, 0, chunk_began) -%}
    {%- endfor %}
    {% do adapter.commit() %}
    {%- do store_raw_result('main', message='OK ' ~ chunks | length ~ ' chunks', code='OK', rows_affected=none) -%}
    {{ run_hooks(post_hooks) }}
    {{ return({'relations': []}) }}
{%- endmaterialization %}

{#- card_recommendations copies what the lanes ranked for the batch in
    int_batch.  Without every lane selected, that is right only when this run
    rebuilds neither int_batch nor the staged table and the batch is
    unfinished (users still pending): `dbt retry` after a failed write or
    lane.  Anything else would copy another batch's ranks. -#}
{% macro cg_require_lanes_selected() -%}
    {%- if execute and flags.WHICH in ('run', 'build') and cg_mysql() -%}
        {%- set missing, rebuilt = [], [] -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name.startswith('int_') -%}
            {%- set selected = node.unique_id in selected_resources -%}
            {%- do missing.append(node.name) if node.name.startswith('int_top_cards_') and not selected -%}
            {%- do rebuilt.append(node.name) if node.name in ('int_batch', 'int_top_cards_staged') and selected -%}
        {%- endfor -%}
        {%- if missing and (rebuilt or cg_scalar('select count(*) from ' ~ cg_relation('int_batch') ~ ' as b inner join '
                ~ cg_source_relation() ~ " as u on u.user_id = b.user_id where u.processing_status = 'pending'") == 0) -%}
            {% do exceptions.raise_compiler_error(
                "card_recommendations copies the ranks the lanes made for an unfinished batch; not selected: "
                ~ missing | sort | join(', ') ~ ". Run `dbt build` (it finishes the pending users), or select them too:"
                ~ " dbt build --select +card_recommendations (docs/operations.md)") %}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
