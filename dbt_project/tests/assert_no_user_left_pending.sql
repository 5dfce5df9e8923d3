{{ config(store_failures=true) }}

-- After a run nobody is left pending: a pending user means the run did not
-- finish its batch (the next run picks them up, but this run must say so).
{#- Runs after the write, which marks the batch's users. #}
{%- do ref('card_recommendations') %}

select
    user_id,
    processing_status
from {{ source('cashkaro', 'user_spending_data') }}
where processing_status = 'pending'
