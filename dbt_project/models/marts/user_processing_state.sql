{{ config(materialized='incremental', incremental_strategy='insert_overwrite', partition_by=['user_bucket'],
          file_format='parquet', enabled=target.type == 'spark') }}

-- Spark only: the PRD's status columns (processing_status, last_processed_at,
-- processing_error) for each user, which plain Spark tables cannot update in
-- the input (docs/spark.md).  Written after card_recommendations, so a user is
-- completed only once their rows are in place; a run that dies before this
-- leaves the statuses as they were and the next run takes the same users.
-- Rewrites only the user_bucket partitions of the batch (macros/spark.sql);
-- the view user_spending_status joins it to the input.

{%- do ref('card_recommendations') %}

with batch as (

    -- A shared id is in the batch once per input row, all failed alike: one state row.
    select
        user_id,
        user_bucket,
        processing_error,
        batch_started_at,
        row_number() over (partition by user_id order by user_no) as nth
    from {{ ref('int_batch') }}

),

fresh as (

    select
        user_id,
        case when processing_error is null then 'completed' else 'failed' end as processing_status,
        batch_started_at as last_processed_at,
        processing_error,
        '{{ cg_batch_id() }}' as batch_id,
        cast(user_bucket as int) as user_bucket
    from batch
    where nth = 1

)

select * from fresh
{%- if is_incremental() %}
union all
{{ cg_spark_kept_rows(this, 'select user_id from ' ~ ref('int_batch')) }}
{%- endif %}
