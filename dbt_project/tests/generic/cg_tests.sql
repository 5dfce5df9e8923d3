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
