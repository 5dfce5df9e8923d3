{{ config(materialized='ephemeral') }}

-- The batch's users whose data can be ranked (the others are marked failed),
-- one chunk at a time (macros/chunks.sql).  The card models read user_no and
-- the spend; card_recommendations maps user_no back to user_id.

with batch as (

    select * from {{ ref('int_batch') }}

),

final as (

    select user_no, user_id, amazon, flipkart, myntra, ajio, grocery, other_online
    from batch
    where processing_error is null
        and chunk_no = {{ cg_current_chunk() }}

)

select * from final
