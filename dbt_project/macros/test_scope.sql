{#- What the post-run tests on card_recommendations look at.  The scope is a
    list of literal batch ids, worked out once per dbt invocation: a subquery
    such as batch_id = (select max(batch_id) ...) in every test scanned the
    whole table (20M rows at 2M users) once per test. -#}

{% macro cg_validation_scope(column='batch_id') -%}
    {#- - every batch committed and not yet validated (cg_batch_log), which
          includes, in a `dbt build`, the batch this run wrote, and a batch
          whose run was killed after its commit, before its tests;
        - in a separate `dbt test`, also the latest batch in the table;
        - `--vars '{validate_all: true}'`: the whole table. -#}
    {%- if var('validate_all', false) -%}
        1 = 1
    {%- else -%}
        {%- set batches = cg_batches_to_validate() -%}
        {%- if not batches -%}
            1 = 0
        {%- else -%}
            {{ column }} in ({% for b in batches %}'{{ b | replace("'", "''") }}'{{ ", " if not loop.last }}{% endfor %})
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{% macro cg_batches_to_validate() -%}
    {#- Worked out once per invocation (by the first test that asks, after the
        models committed): kept in `graph`, the one dict dbt shares between the
        nodes of an invocation and rebuilds for the next.  On MariaDB
        idx_batch_id makes max(batch_id) a lookup; on DuckDB it is one scan. -#}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- if 'cg_batches_to_validate' not in graph -%}
        {%- set batches = [] -%}
        {%- set log = cg_relation('cg_batch_log') -%}
        {%- if adapter.get_relation(log.database, log.schema, log.identifier) is not none -%}
            {%- for row in run_query('select batch_id from ' ~ log ~ ' where validated_at is null and committed_at is not null').rows -%}
                {%- do batches.append(row[0]) -%}
            {%- endfor -%}
        {%- endif -%}
        {%- set recs = 'model.' ~ project_name ~ '.card_recommendations' -%}
        {%- if flags.WHICH == 'build' and recs in selected_resources -%}
            {%- do batches.append(cg_batch_id()) -%}
        {%- else -%}
            {%- set latest = run_query('select max(batch_id) from ' ~ cg_relation('card_recommendations')).columns[0].values()[0] -%}
            {%- if latest is not none -%}
                {%- do batches.append(latest) -%}
            {%- endif -%}
        {%- endif -%}
        {%- do graph.update({'cg_batches_to_validate': batches | unique | list}) -%}
    {%- endif -%}
    {{ return(graph['cg_batches_to_validate']) }}
{%- endmacro %}

{#- Generic tests get the scope here, where dbt builds each test's relation
    at run time: dbt renders a test's `where` config when it parses the
    project, before a run has a batch id. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if relation.identifier == 'card_recommendations' -%}
        {%- set scope = cg_validation_scope() -%}
        {%- set where = scope ~ (' and (' ~ where ~ ')' if where else '') -%}
    {%- endif -%}
    {%- if where -%}
        (select * from {{ relation }} where {{ where }}) dbt_subquery
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}
