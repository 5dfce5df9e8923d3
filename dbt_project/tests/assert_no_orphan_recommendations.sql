{{ config(store_failures=true) }}

-- No row for a user who is no longer in the input: the run deletes them
-- (macros/batch/write.sql).  On MySQL/MariaDB the PRD's foreign key
-- cascades the delete; while the table has it there is nothing to scan.

{%- set recs = ref('card_recommendations') %}

{% if cg_has_foreign_key(recs) %}

select user_id from {{ recs }} where 1 = 0

{% else %}

select
    recs.user_id,
    recs.batch_id
from {{ recs }} as recs
where
    not exists (
        select 1 from {{ source('cashkaro', 'user_spending_data') }} as inputs
        where inputs.user_id = recs.user_id
    )

{% endif %}
