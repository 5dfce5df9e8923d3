{{ config(pre_hook="{{ cg_mark_pending() }}", post_hook="{{ cg_index_batch_chunks() }}") }}

-- The users this run holds (status pending after the pre-hook), with the
-- moment the batch was taken: it becomes their last_processed_at, so data
-- that changes while the run is under way is picked up by the next run.

with users as (

    select * from {{ ref('stg_user_spending') }}

),

numbered as (

    -- user_no numbers the batch in user_id order: the per-card rows carry it
    -- instead of the VARCHAR id (compiler/models.py, USER_KEY), and consecutive
    -- numbers make the chunks.
    select
        users.*,
        row_number() over (order by user_id) as user_no,
        count(*) over () as batch_users
    from users
    where processing_status = 'pending'

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
        processing_error,
        {{ cg_now() }} as batch_started_at,
        {{ cg_chunk_number('user_no', 'batch_users') }} as chunk_no
    from numbered

)

select * from final
