{% if target.type == 'spark' -%}
{#- Spark: no row updates; each user_bucket holding a processed user is
    rewritten whole, the kept rows with the new (macros/spark.sql). #}
{{ config(materialized='incremental', incremental_strategy='insert_overwrite', partition_by=['user_bucket'], file_format='parquet') }}
{%- else -%}
{{ config(materialized='cg_batch', row_key=['user_id', 'rank'], post_hook="{{ cg_mark_processed() }}") }}
{%- endif %}

-- Write: each processed user's 10 best cards by yearly net savings, with the
-- card's ids, name and redemption, replacing the batch users' earlier rows
-- and nobody else's, a chunk at a time, in one transaction with the status
-- update (batch/write.sql).  The ranked rows carry numbers (user_no,
-- card_no, redemption_no); ids, names and methods are joined on the 10 kept.

{{ cg_require_lanes_selected() }}

{#- DuckDB numbers the rows: unique, and above every earlier id (batch/write.sql
    sets cg_id_base).  MySQL/MariaDB's id is auto-increment. #}
{%- set id_column = "getvariable('cg_id_base') + top_cards.user_no * 10 + top_cards.card_rank as id," if target.type == 'duckdb'
    else (cg_spark_id_base() ~ ' + top_cards.user_no * 10 + top_cards.card_rank as id,') if cg_spark() else '' %}
{#- Spark: the PRD's audit columns (no column defaults there) and the partition, last. #}
{%- set spark_bucket = (', ' ~ cg_user_bucket('user_id') ~ ' as user_bucket') if cg_spark() else '' %}
{%- set spark_columns = (', ' ~ cg_now() ~ ' as created_at, ' ~ cg_now() ~ ' as updated_at, batch.user_bucket') if cg_spark() else '' %}

{% if target.type == 'duckdb' -%}
{#- Two passes over the per-card rows rather than one stored copy: rank the
    keys, then compute the rows again and keep the ten.  Storing them held a
    chunk's user x card rows, 14 columns wide, in memory (docs/performance.md).
    The macro, not ref('int_card_savings'): an ephemeral model read twice is
    stored whole. #}
with savings as not materialized (

    select * from {{ card_savings() }} as all_cards

),

ranked as (

    select
        user_no,
        rank_key,
        row_number() over (partition by user_no order by rank_key desc) as card_rank
    from savings

),

top_cards as (

    select savings.*, ranked.card_rank
    from ranked
    inner join savings on savings.user_no = ranked.user_no and savings.rank_key = ranked.rank_key
    where ranked.card_rank <= {{ cg_top_n() }}

),
{%- elif cg_spark() -%}
{#- Spark ranks the whole batch in one statement. #}
with top_cards as (

    select * from {{ ref('int_top_cards') }}

),
{%- else -%}
{#- MySQL/MariaDB: the lanes ranked the chunks (batch/lanes.sql); copy them. #}
{%- for lane in range(1, cg_lanes() + 1) %}{% do ref('int_top_cards_lane_' ~ lane) %}{% endfor %}
with top_cards as (

    select * from {{ ref('int_top_cards_staged') }}
    where {{ cg_all_chunks() }}

),
{%- endif %}

batch as (

    select
        user_no,
        user_id{{ spark_bucket }}  -- noqa: LT02
    from {{ cg_batch_users() }} as batch_users

),

cards as (

    select * from {{ ref('int_card_params') }}

),

final as (

    select
        {{ id_column }}
        batch.user_id,
        {{ 'cast(top_cards.card_rank as tinyint)' if cg_spark() else 'top_cards.card_rank' }} as {{ adapter.quote('rank') }},
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
        '{{ rules_version() }}' as rules_version{{ spark_columns }}  -- noqa: LT02
    from top_cards
    inner join batch on top_cards.user_no = batch.user_no
    inner join cards on top_cards.card_no = cards.card_no and top_cards.redemption_no = cards.redemption_no

)

select * from final
{%- if cg_spark() and is_incremental() %}
{#- The rewritten buckets' other rows, as they were (the columns in the table's order, which this query made). #}
union all
{{ cg_spark_kept_rows(this, 'select user_id from ' ~ ref('int_batch') ~ ' where processing_error is null') }}
{%- endif %}
{%- if target.type == 'duckdb' %}
{#- Each user's ten rows stored together: a run that replaces 50K users'
    rows then rewrites a few row groups, not every one (docs/performance.md). #}
order by id
{%- endif %}
