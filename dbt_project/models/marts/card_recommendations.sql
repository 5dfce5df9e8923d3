{{
    config(
        materialized='incremental',
        unique_key='user_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        full_refresh=false,
        post_hook="{{ cg_mark_processed() }}",
    )
}}

-- Each processed user's 10 best cards by yearly net savings (ties: card_id),
-- computed and ranked inside the database.  The run replaces the rows of the
-- users in this batch and leaves everybody else's rows as they are.

with savings as (

    select * from {{ ref('int_card_savings') }}

),

cards as (

    select * from {{ ref('int_card_params') }}

),

scored as (

    select
        savings.user_id,
        savings.card_id,
        cards.card_name,
        savings.total_savings_yearly,
        cards.joining_fees,
        savings.total_extra_benefits,
        cast(savings.total_savings_yearly - cards.joining_fees + savings.total_extra_benefits
            as decimal(12, 2)) as net_savings,
        savings.amazon_points,
        savings.flipkart_points,
        savings.myntra_points,
        savings.ajio_points,
        savings.grocery_points,
        savings.other_online_points,
        cards.redemption_method,
        cards.redemption_rate
    from savings
    inner join cards on cards.card_id = savings.card_id

),

ranked as (

    select
        scored.*,
        row_number() over (
            partition by user_id
            order by net_savings desc, card_id
        ) as card_rank
    from scored

),

final as (

    select
        user_id,
        card_rank as {{ adapter.quote('rank') }},
        card_name,
        card_id,
        total_savings_yearly,
        joining_fees,
        total_extra_benefits,
        net_savings,
        amazon_points,
        flipkart_points,
        myntra_points,
        ajio_points,
        grocery_points,
        other_online_points,
        redemption_method,
        redemption_rate,
        {{ cg_now() }} as processed_at,
        '{{ cg_batch_id() }}' as batch_id,
        '{{ rules_version() }}' as rules_version
    from ranked
    where card_rank <= 10

)

select * from final
