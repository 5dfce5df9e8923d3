{{
    config(
        materialized='batch_incremental',
        row_key=['user_id', 'rank'],
        post_hook="{{ cg_mark_processed() }}",
    )
}}

-- Each processed user's 10 best cards by yearly net savings (ties: card_id),
-- computed and ranked inside the database.  The run replaces the rows of the
-- users in this batch and leaves everybody else's rows as they are.
--
-- The per-card rows (int_card_savings) carry numbers, not ids: user_no,
-- card_no, and rank_key, one integer that orders by net savings descending
-- and then card_id (compiler/models.py).  ROW_NUMBER over that one key picks
-- the top 10; ids, names and redemption columns are joined on those 10 only.

{#- DuckDB rewrites a ROW_NUMBER over one key, filtered to <= 10, into a
    per-user top-N aggregate, cheaper than sorting every user x card row
    (issue 5; README, Performance).  It ranks the keys alone and joins the ten
    rows back from the materialized savings.  MariaDB/MySQL has no such
    rewrite and would compute the savings twice for a second reference, so its
    window carries the whole row. #}
with savings as {% if target.type == 'duckdb' %}materialized {% endif %}(

    select * from {{ ref('int_card_savings') }}

),

batch as (

    select user_no, user_id from {{ ref('int_users_to_process') }}

),

cards as (

    select * from {{ ref('int_card_params') }}

),

{% if target.type == 'duckdb' -%}
ranked as (

    select
        user_no,
        rank_key,
        row_number() over (partition by user_no order by rank_key desc) as card_rank
    from savings

),

top_ranked as (

    select
        savings.*,
        ranked.card_rank
    from ranked
    inner join savings
        on savings.user_no = ranked.user_no
        and savings.rank_key = ranked.rank_key
    where ranked.card_rank <= 10

),
{%- else -%}
ranked as (

    select
        savings.*,
        row_number() over (partition by user_no order by rank_key desc) as card_rank
    from savings

),

top_ranked as (

    select * from ranked where card_rank <= 10

),
{%- endif %}

final as (

    select
        {%- if target.type == 'duckdb' %}
        {#- Unique: one user_no per user in the batch, rank 1..10; above every
            earlier id (macros/batch_incremental.sql, cg_set_id_base_sql). #}
        {{ cg_id_base() }} + top_ranked.user_no * 10 + top_ranked.card_rank as id,
        {%- endif %}
        batch.user_id,
        top_ranked.card_rank as {{ adapter.quote('rank') }},
        cards.card_name,
        cards.card_id,
        top_ranked.total_savings_yearly,
        cards.joining_fees,
        top_ranked.total_extra_benefits,
        top_ranked.net_savings,
        top_ranked.amazon_points,
        top_ranked.flipkart_points,
        top_ranked.myntra_points,
        top_ranked.ajio_points,
        top_ranked.grocery_points,
        top_ranked.other_online_points,
        cards.redemption_method,
        cards.redemption_rate,
        {{ cg_now() }} as processed_at,
        '{{ cg_batch_id() }}' as batch_id,
        '{{ rules_version() }}' as rules_version
    from top_ranked
    inner join batch on batch.user_no = top_ranked.user_no
    inner join cards on cards.card_no = top_ranked.card_no

)

select * from final
