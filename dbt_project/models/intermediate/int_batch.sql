{{
    config(
        pre_hook="{{ cg_mark_pending() }}",
        post_hook="{{ cg_add_keys('add primary key (chunk_no, user_no), add unique index cg_user_no (user_no), add index cg_user_id (user_id)') }}",
    )
}}

-- Select: the users this run holds (status pending after the pre-hook,
-- batch/status.sql), with the moment the batch was taken: it becomes their
-- last_processed_at, so data that changes while the run is under way is
-- picked up by the next run.  Chunks: each user's chunk_no (batch/chunks.sql).
-- On MySQL/MariaDB the post-hook keys the table: the card models read a
-- chunk as a range of the primary key, and the status update joins the input
-- table to it on user_id.

{#- Spark: the partition of card_recommendations and user_processing_state holding the user. #}
{%- set spark_bucket = (', ' ~ cg_user_bucket('user_id') ~ ' as user_bucket') if target.type == 'spark' else '' %}

{%- set rows_with_this_id -%}
{%- if cg_enforces_unique(cg_source_relation(), ['user_id']) -%}
1
{%- else -%}
(select count(*) from {{ source('cashkaro', 'user_spending_data') }} as same where {{ cg_user_key('same.user_id') }} = {{ cg_user_key('users.user_id') }})
{%- endif -%}
{%- endset %}

with users as (

    select * from {{ ref('stg_user_spending') }}

),

pending as (

    -- A user_id shared by two rows of the input (no primary key, or ids equal
    -- under the comparison rule of cg_user_key) fails those rows, not the run:
    -- nobody can tell which spend is right.
    -- With the PRD's primary key (MySQL/MariaDB) ids are unique by the collation.
    {%- if target.type == 'spark' %}
    -- Spark: counted over the whole input by a window before the selection
    -- (a correlated count on a folded id is not a subquery Spark can run),
    -- and the selection is cg_mark_pending's, read here (no UPDATE on Spark).
    select users.*
    from (
        select
            everyone.*,
            count(*) over (partition by {{ cg_user_key('everyone.user_id') }}) as rows_with_this_id
        from users as everyone
    ) as users
    where {{ cg_spark_selected('users') }}
    {%- else %}
    select
        users.*,
        {{ rows_with_this_id }} as rows_with_this_id
    from users
    where users.processing_status = 'pending'
    {%- endif %}

),

numbered as (

    -- user_no numbers the batch in user_id order: the per-card rows carry it
    -- instead of the VARCHAR id (compiler/models.py, USER_KEY), and consecutive
    -- numbers make the chunks.
    select
        pending.*,
        row_number() over (order by pending.user_id) as user_no,
        count(*) over () as batch_users
    from pending

),

final as (

    select
        user_id,
        user_no,
        amazon,
        flipkart,
        myntra,
        ajio,
        grocery,
        other_online,
        case
            when rows_with_this_id > 1
                then concat(
                    'user_id is not unique: ', {{ cg_text('rows_with_this_id') }},
                    ' rows of user_spending_data have it (ids compare ignoring case, accents and trailing spaces)'
                )
            else processing_error
        end as processing_error,
        {{ cg_now() }} as batch_started_at,
        {{ cg_chunk_number('user_no', 'batch_users') }} as chunk_no{{ spark_bucket }}  -- noqa: LT02
    from numbered

)

select * from final
