{{
    config(
        materialized='batch_incremental',
        row_key=['user_id', 'rank'],
        post_hook="{{ cg_mark_processed() }}",
    )
}}

-- Each processed user's 10 best cards by yearly net savings, with the card's
-- ids, name and redemption.  The run replaces the rows of the users in this
-- batch and leaves everybody else's rows as they are
-- (macros/batch_incremental.sql), one chunk of users at a time:
-- DuckDB ranks the chunk here; MySQL/MariaDB copies it from the lanes that
-- ranked it with int_top_cards (macros/lanes.sql).
--
-- The per-card rows (int_card_savings) carry numbers, not ids: user_no,
-- card_no, and rank_key, one integer that orders by net savings descending
-- and then card_id (compiler/models.py).  ROW_NUMBER over that one key picks
-- the top 10; ids, names and redemption columns are joined on those 10 only.

{{ cg_require_lanes_selected() }}

{% if target.type == 'duckdb' -%}
{#- DuckDB rewrites a ROW_NUMBER over one key, filtered to <= 10, into a
    per-user top-N aggregate, cheaper than sorting every user x card row
    (issue 5; README, Performance).  It ranks the keys alone and joins the ten
    rows back from the materialized savings.  MariaDB/MySQL has no such
    rewrite: its form is int_top_cards. #}
with savings as materialized (

    select * from {{ ref('int_card_savings') }}

),

ranked as (

    select
        user_no,
        rank_key,
        row_number() over (partition by user_no order by rank_key desc) as card_rank
    from savings

),

top_cards as (

    select
        savings.*,
        ranked.card_rank
    from ranked
    inner join savings
        on savings.user_no = ranked.user_no
        and savings.rank_key = ranked.rank_key
    where ranked.card_rank <= {{ cg_top_n() }}

),
{%- else -%}
-- depends_on: {{ ref('int_top_cards_lane_1') }}, {{ ref('int_top_cards_lane_2') }}
with top_cards as (

    select * from {{ ref('int_top_cards_staged') }} where chunk_no = {{ cg_current_chunk() }}

),
{%- endif %}

batch as (

    select user_no, user_id from {{ cg_users_in_chunk() }} as chunk_users

),

cards as (

    select * from {{ ref('int_card_params') }}

),

final as (

    select
        {%- if target.type == 'duckdb' %}
        {#- Unique: one user_no per user in the batch, rank 1..10; above every
            earlier id (macros/batch_incremental.sql, cg_set_id_base_sql). #}
        {{ cg_id_base() }} + top_cards.user_no * 10 + top_cards.card_rank as id,
        {%- endif %}
        batch.user_id,
        top_cards.card_rank as {{ adapter.quote('rank') }},
        cards.card_name,
        cards.card_id,
        top_cards.total_savings_yearly,
        cards.joining_fees,
        top_cards.total_extra_benefits,
        top_cards.net_savings,
        top_cards.amazon_points,
        top_cards.flipkart_points,
        top_cards.myntra_points,
        top_cards.ajio_points,
        top_cards.grocery_points,
        top_cards.other_online_points,
        cards.redemption_method,
        top_cards.redemption_rate,
        {{ cg_now() }} as processed_at,
        '{{ cg_batch_id() }}' as batch_id,
        '{{ rules_version() }}' as rules_version
    from top_cards
    inner join batch on batch.user_no = top_cards.user_no
    inner join cards
        on cards.card_no = top_cards.card_no
        and cards.redemption_no = top_cards.redemption_no

)

select * from final
