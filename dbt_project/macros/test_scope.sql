{#- What the post-run tests on card_recommendations look at.  The scope is a
    literal batch id, worked out once per dbt invocation: a subquery such as
    batch_id = (select max(batch_id) ...) in every test scanned the whole
    table (20M rows at 2M users) once per test. -#}

{% macro cg_validation_scope(column='batch_id') -%}
    {#- - `dbt build` that runs card_recommendations: this invocation's batch,
          the rows it wrote; when it processed nobody there are none, and
          nothing it wrote can be wrong;
        - otherwise (a separate `dbt test`): the latest batch in the table;
        - `--vars '{validate_all: true}'`: the whole table. -#}
    {%- if var('validate_all', false) -%}
        1 = 1
    {%- else -%}
        {%- set recs = 'model.' ~ project_name ~ '.card_recommendations' -%}
        {%- if flags.WHICH == 'build' and recs in selected_resources -%}
            {%- set batch = cg_batch_id() -%}
        {%- else -%}
            {%- set batch = cg_latest_batch_id() -%}
        {%- endif -%}
        {%- if batch is none -%}
            1 = 0
        {%- else -%}
            {{ column }} = '{{ batch | replace("'", "''") }}'
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{% macro cg_latest_batch_id() -%}
    {#- The newest batch_id among the rows, not the last one in cg_batch_log:
        a run stopped after committing its rows but before on-run-end logs
        nothing, and a run that processed nobody logs a batch without rows, so
        the log can point past the rows that need checking.  On MariaDB
        idx_batch_id makes max() a lookup; on DuckDB it is a scan, done once
        per invocation (or once per thread that asks first): the value is kept
        in `graph`, the one dict dbt shares between the nodes of an
        invocation and rebuilds for the next. -#}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if 'cg_latest_batch_id' not in graph -%}
        {%- set recs = cg_relation('card_recommendations') -%}
        {%- set latest = run_query('select max(batch_id) from ' ~ recs).columns[0].values()[0] -%}
        {%- do graph.update({'cg_latest_batch_id': latest}) -%}
    {%- endif -%}
    {{ return(graph['cg_latest_batch_id']) }}
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
