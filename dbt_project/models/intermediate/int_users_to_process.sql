{{ config(materialized='ephemeral') }}

-- The batch's users whose data can be ranked, one chunk at a time
-- (macros/chunks.sql, cg_users_in_chunk, which the card models read too).
-- card_recommendations maps user_no back to user_id through it.

with chunk_users as (

    select * from {{ cg_users_in_chunk() }} as chunk_users

),

final as (

    select * from chunk_users

)

select * from final
