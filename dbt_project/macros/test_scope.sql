{#- Generic tests on card_recommendations look at the rows this run wrote
    (cg_validation_scope).  dbt renders a test's `where` config when it parses
    the project, before a run has a batch_id, so the scope is added here, where
    dbt builds each test's relation at run time. -#}
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
