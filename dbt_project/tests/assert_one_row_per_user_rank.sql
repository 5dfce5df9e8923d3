{{ config(store_failures=true) }}

-- PRD 10.2 check 1: one row per (user_id, rank).
--
-- On MySQL/MariaDB the table's unique key unique_user_rank already refuses a
-- second row, so when that key is in place (checked on the live table) there
-- is nothing to scan (the scan cost a read of the batch's rows,
-- docs/performance.md).  Without the key (DuckDB, or a table altered) it scans.

{%- set recs = ref('card_recommendations') %}
{%- set rank = adapter.quote('rank') %}

{% if cg_enforces_unique(recs, ['user_id', 'rank']) %}

select user_id, {{ rank }}, 0 as occurrences
from {{ recs }}
where 1 = 0

{% else %}

with recs as (

    select user_id, {{ rank }}
    from {{ recs }}
    where {{ cg_validation_scope('batch_id') }}

),

final as (

    select user_id, {{ rank }}, count(*) as occurrences
    from recs
    group by user_id, {{ rank }}
    having count(*) > 1

)

select * from final

{% endif %}
