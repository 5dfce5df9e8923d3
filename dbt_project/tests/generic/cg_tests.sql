{#- Small generic tests (dbt deps cannot download packages here). Each returns
    the offending rows; a test passes when it returns none. -#}

{% test cg_unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

{% test cg_expression_is_true(model, expression) %}
select *
from {{ model }}
where not ({{ expression }})
{% endtest %}

{% test cg_between(model, column_name, min_value, max_value) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}
{% endtest %}

{#- One scan for many not_null checks (one dbt test node costs more than the
    check itself): a row per offending record, null_columns naming the
    column(s) that are NULL in it. -#}
{% test cg_not_null_columns(model, columns) %}
with checked as (

    select * from {{ model }}

)

select
    concat_ws(', '
    {%- for column in columns %},
        case when {{ adapter.quote(column) }} is null then '{{ column }}' end
    {%- endfor %}
    ) as null_columns,
    checked.*
from checked
where {% for column in columns -%}
    {{ adapter.quote(column) }} is null{{ ' or ' if not loop.last }}
{%- endfor %}
{% endtest %}
