-- One row per user: spend as DECIMAL(12,2) with NULL counted as 0, the derived
-- other online spend (never below zero), and the reason the row cannot be
-- ranked (negative spend, or a total beyond what the outputs can hold), which
-- the run records as processing_error.

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

derived as (

    select
        spend.*,
        case
            when
                spend.avg_confirmed_gmv
                - (spend.avg_amazon_gmv + spend.avg_flipkart_gmv + spend.avg_myntra_gmv + spend.avg_ajio_gmv + spend.avg_grocery_gmv) > 0
                then
                    spend.avg_confirmed_gmv
                    - (spend.avg_amazon_gmv + spend.avg_flipkart_gmv + spend.avg_myntra_gmv + spend.avg_ajio_gmv + spend.avg_grocery_gmv)
            else cast(0 as decimal(12, 2))
        end as other_online
    from spend

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
        other_online,
        {#- The bound is model.MAX_MONTHLY_SPEND: above it the PRD's DECIMAL(12,2)
            outputs could overflow and fail the whole batch, so the user fails. #}
        nullif(concat_ws(
            '; '
            {%- for column in cg_spend_columns() %},
            case
                when {{ column }} < 0
                    then concat('{{ column }} is negative (', {{ cg_text(column) }}, ')')
            end
            {%- endfor %},
            case
                when
                    avg_amazon_gmv + avg_flipkart_gmv + avg_myntra_gmv + avg_ajio_gmv + avg_grocery_gmv
                    + other_online > 1000000000.00
                    then concat(
                        'total monthly spend ',
                        {{ cg_text('avg_amazon_gmv + avg_flipkart_gmv + avg_myntra_gmv + avg_ajio_gmv + avg_grocery_gmv + other_online') }},
                        ' is above 1000000000.00'
                    )
            end
        ), '') as processing_error,
        processing_status,
        last_processed_at,
        updated_at
    from derived

)

select * from final
