{#- What the post-run tests on card_recommendations look at: every batch
    committed and not yet validated (cg_batch_log: this run's, and that of a
    run killed before its tests), plus this build's or, in a lone `dbt test`,
    the latest; --vars '{validate_all: true}': the whole table.  Literal ids,
    worked out once: a subquery per test scanned the whole table per test. -#}
{% macro cg_validation_scope(column='batch_id') -%}
    {%- if var('validate_all', false) -%}
        1 = 1
    {%- else -%}
        {%- set batches = cg_batches_to_validate() -%}
        {{ column }} in ({% for b in batches %}'{{ b }}', {% endfor %}'')
    {%- endif -%}
{%- endmacro %}

{#- Kept in `graph`, the dict dbt shares between the nodes of an invocation;
    the first test that asks, after the models committed, works it out. -#}
{% macro cg_batches_to_validate() -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- if 'cg_batches_to_validate' not in graph -%}
        {%- set batches = [] -%}
        {%- set log = cg_relation('cg_batch_log') -%}
        {%- if cg_exists(log) -%}
            {%- for row in run_query('select batch_id from ' ~ log ~ ' where validated_at is null and committed_at is not null') -%}
                {%- do batches.append(row[0]) -%}
            {%- endfor -%}
        {%- endif -%}
        {%- if flags.WHICH == 'build' and 'model.' ~ project_name ~ '.card_recommendations' in selected_resources -%}
            {%- do batches.append(cg_batch_id()) -%}
        {%- else -%}
            {%- do batches.append(cg_scalar('select max(batch_id) from ' ~ cg_relation('card_recommendations'))) -%}
        {%- endif -%}
        {%- do graph.update({'cg_batches_to_validate': batches | reject('none') | unique | list}) -%}
    {%- endif -%}
    {{ return(graph['cg_batches_to_validate']) }}
{%- endmacro %}

{#- Generic tests get the scope here, where dbt builds each test's relation
    at run time (a test's `where` is rendered at parse time, before a run
    has a batch id). -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if relation.identifier == 'card_recommendations' -%}
        {%- set where = cg_validation_scope() ~ (' and (' ~ where ~ ')' if where else '') -%}
    {%- endif -%}
    {{ ('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') if where else relation }}
{%- endmacro %}

{#- Whether the live table itself keeps `columns` unique: a unique index over
    some of them, each NOT NULL.  DuckDB's output table has no keys. -#}
{% macro cg_enforces_unique(relation, columns) -%}
    {%- if not execute or not cg_mysql() -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set indexes = {} -%}
    {%- for row in run_query("select index_name, lower(column_name), nullable from information_schema.statistics"
                             ~ " where table_schema = '" ~ relation.schema ~ "' and table_name = '" ~ relation.identifier
                             ~ "' and non_unique = 0") -%}
        {%- do indexes.setdefault(row[0], []).append(row[1] in columns | map('lower') | list and row[2] != 'YES') -%}
    {%- endfor -%}
    {%- for covered in indexes.values() if covered | reject | list | length == 0 -%}
        {{ return(true) }}
    {%- endfor -%}
    {{ return(false) }}
{%- endmacro %}

{% macro cg_has_foreign_key(relation) -%}
    {%- if not execute or not cg_mysql() -%}
        {{ return(false) }}
    {%- endif -%}
    {{ return(run_query("select 1 from information_schema.referential_constraints where constraint_schema = '"
                        ~ relation.schema ~ "' and table_name = '" ~ relation.identifier ~ "'") | length > 0) }}
{%- endmacro %}
