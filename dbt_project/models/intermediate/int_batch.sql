{{ config(pre_hook="{{ cg_mark_pending() }}") }}

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
        {{ cg_now() }} as batch_started_at
    from users
    where processing_status = 'pending'

)

select * from final
