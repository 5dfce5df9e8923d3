{{ config(materialized='ephemeral') }}

-- The batch's users whose data can be ranked; the others are marked failed.

with batch as (

    select * from {{ ref('int_batch') }}

),

final as (

    select user_id, amazon, flipkart, myntra, ajio, grocery, other_online
    from batch
    where processing_error is null

)

select * from final
