{#- Small generic tests (dbt deps cannot download packages here). Each returns
    the offending rows; a test passes when it returns none. -#}

{#- Every row-level check of a model in one test and one read of its rows: a
    dbt test node, and a read of the rows, costs more than the check itself
    (docs/performance.md).  A row is offending when a column of
    `not_null` is NULL or an expression of `expressions` (name: condition) is
    not true; failed_checks names everything it fails, e.g.
    'card_id is null, net_savings_identity'. -#}
{% test cg_row_checks(model, not_null=[], expressions={}) %}
with checked as (

    select * from {{ model }}

),

final as (

    select
        concat_ws(
            ', '
            {%- for column in not_null %},
            case when {{ adapter.quote(column) }} is null then '{{ column }} is null' end
            {%- endfor %}
            {%- for name, condition in expressions.items() %},
            case when {{ condition }} then null else '{{ name }}' end
            {%- endfor %}
        ) as failed_checks,
        checked.*
    from checked

)

select * from final
where failed_checks <> ''
{% endtest %}

{#- No two rows share the values of `columns` (a key of several columns). -#}
{% test cg_unique_key(model, columns) %}
select {{ columns | join(', ') }}, count(*) as rows_with_this_key
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
