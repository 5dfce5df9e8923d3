-- One row per user: spend as DECIMAL(12,2) with NULL counted as 0, the derived
-- other online spend (never below zero), and the reason the row cannot be
-- ranked (negative spend), which the run records as processing_error.

with source as (

    select * from {{ source('cashkaro', 'user_spending_data') }}

),

spend as (

    select
        user_id,
        {% for column in cg_spend_columns() -%}
        cast(coalesce({{ column }}, 0) as decimal(12, 2)) as {{ column }},
        {% endfor -%}
        processing_status,
        last_processed_at,
        updated_at
    from source

),

final as (

    select
        user_id,
        avg_amazon_gmv as amazon,
        avg_flipkart_gmv as flipkart,
        avg_myntra_gmv as myntra,
        avg_ajio_gmv as ajio,
        avg_grocery_gmv as grocery,
        avg_confirmed_gmv as confirmed,
        case
            when avg_confirmed_gmv
                - (avg_amazon_gmv + avg_flipkart_gmv + avg_myntra_gmv + avg_ajio_gmv + avg_grocery_gmv) > 0
            then avg_confirmed_gmv
                - (avg_amazon_gmv + avg_flipkart_gmv + avg_myntra_gmv + avg_ajio_gmv + avg_grocery_gmv)
            else cast(0 as decimal(12, 2))
        end as other_online,
        nullif(concat_ws('; '
            {%- for column in cg_spend_columns() %},
            case when {{ column }} < 0
                then concat('{{ column }} is negative (', {{ cg_text(column) }}, ')') end
            {%- endfor %}
        ), '') as processing_error,
        processing_status,
        last_processed_at,
        updated_at
    from spend

)

select * from final
