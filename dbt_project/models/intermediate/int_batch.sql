{{ config(pre_hook="{{ cg_mark_pending() }}", post_hook="{{ cg_index_batch_chunks() }}") }}

-- The users this run holds (status pending after the pre-hook), with the
-- moment the batch was taken: it becomes their last_processed_at, so data
-- that changes while the run is under way is picked up by the next run.

with users as (

    select * from {{ ref('stg_user_spending') }}

),

final as (

    select
        user_id,
        amazon,
        flipkart,
        myntra,
        ajio,
        grocery,
        other_online,
        processing_error,
        {{ cg_now() }} as batch_started_at,
        {{ cg_chunk_number('row_number() over (order by user_id)') }} as chunk_no
    from users
    where processing_status = 'pending'

)

select * from final
