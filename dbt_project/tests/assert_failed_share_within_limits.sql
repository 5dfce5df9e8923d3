{#- dbt counts failures in whole numbers: the share is in hundredths of a percent. #}
{{ config(
    fail_calc='coalesce(max(failed_hundredths_pct), 0)',
    warn_if='>' ~ (var('cg_failed_share_warn_pct', 1) * 100) | int,
    error_if='>' ~ (var('cg_failed_share_error_pct', 5) * 100) | int,
) }}

-- PRD 8.2: the share of this run's batch whose data could not be ranked
-- (status failed).  Above cg_failed_share_warn_pct percent the build warns,
-- above cg_failed_share_error_pct it fails (dbt_project.yml vars); either way
-- the batch's other users were written first.  Batches of fewer than
-- cg_failed_share_min_users users are not judged: 2 of 30 is not a rate.

{#- Runs after the write, so that a bad batch still delivers its good users. #}
{%- do ref('card_recommendations') %}

with batch as (

    select
        count(*) as batch_users,
        sum(case when processing_error is null then 0 else 1 end) as failed
    from {{ ref('int_batch') }}

),

final as (

    select
        failed,
        batch_users,
        cast(floor(10000.0 * failed / batch_users) as {{ 'signed' if cg_mysql() else 'integer' }}) as failed_hundredths_pct
    from batch
    where batch_users >= {{ var('cg_failed_share_min_users', 100) }}

)

select * from final
