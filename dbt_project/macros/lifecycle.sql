{#- The PRD's status lifecycle in user_spending_data:
      new -> pending (held by a run) -> completed | failed
    A run selects, in the pre-hook of int_batch, every user who is new, left
    pending by an interrupted run, whose data changed since it was processed
    (updated_at >= last_processed_at), whose recommendations were computed
    under other rules (rules_version), or everybody on --full-refresh.  The
    post-hook of card_recommendations, in the same transaction as the rows,
    marks them completed or failed.  updated_at is set to itself so MySQL's
    ON UPDATE CURRENT_TIMESTAMP does not fire: it keeps meaning "the data
    changed", which is what the next run compares against. -#}

{% macro cg_selection_predicate(alias) -%}
    {{ alias }}.processing_status in ('new', 'pending')
    or {{ alias }}.last_processed_at is null
    or {{ alias }}.updated_at >= {{ alias }}.last_processed_at
    {%- if flags.FULL_REFRESH %}
    or 1 = 1
    {%- endif %}
{%- endmacro %}

{% macro cg_mark_pending() -%}
    {{ return(adapter.dispatch('cg_mark_pending', 'cgcompile')()) }}
{%- endmacro %}

{% macro default__cg_mark_pending() -%}
    {%- set src = cg_source_relation() -%}
    {%- set recs = cg_relation('card_recommendations') -%}
    update {{ src }} as u
    set processing_status = 'pending'
    where {{ cg_selection_predicate('u') }}
        or u.user_id in (
            select user_id from {{ recs }}
            where rules_version is null or rules_version <> '{{ rules_version() }}'
        )
{%- endmacro %}

{# MariaDB runs an IN (subquery) inside a single-table UPDATE as a dependent
   subquery, once per row; a multi-table UPDATE ... JOIN does one pass. #}
{% macro mysql__cg_mark_pending() -%}
    {%- set src = cg_source_relation() -%}
    {%- set recs = cg_relation('card_recommendations') -%}
    {%- set stale -%}
    update {{ src }} as u
    join (
        select distinct user_id from {{ recs }}
        where rules_version is null or rules_version <> '{{ rules_version() }}'
    ) as stale on stale.user_id = u.user_id
    set u.processing_status = 'pending', u.updated_at = u.updated_at
    where u.processing_status <> 'pending'
    {%- endset -%}
    {%- do run_query(stale) -%}
    update {{ src }} as u
    set u.processing_status = 'pending', u.updated_at = u.updated_at
    where u.processing_status <> 'pending' and ({{ cg_selection_predicate('u') }})
{%- endmacro %}

{% macro mariadb__cg_mark_pending() -%}
    {{ return(mysql__cg_mark_pending()) }}
{%- endmacro %}


{% macro cg_mark_processed() -%}
    {{ return(adapter.dispatch('cg_mark_processed', 'cgcompile')()) }}
{%- endmacro %}

{% macro default__cg_mark_processed() -%}
    {%- set src = cg_source_relation() -%}
    update {{ src }} as u
    set processing_status = case when b.processing_error is null then 'completed' else 'failed' end,
        processing_error = b.processing_error,
        last_processed_at = b.batch_started_at
    from {{ ref('int_batch') }} as b
    where b.user_id = u.user_id and u.processing_status = 'pending'
{%- endmacro %}

{% macro mysql__cg_mark_processed() -%}
    {%- set src = cg_source_relation() -%}
    update {{ src }} as u
    join {{ ref('int_batch') }} as b on b.user_id = u.user_id
    set u.processing_status = case when b.processing_error is null then 'completed' else 'failed' end,
        u.processing_error = b.processing_error,
        u.last_processed_at = b.batch_started_at,
        u.updated_at = u.updated_at
    where u.processing_status = 'pending'
{%- endmacro %}

{% macro mariadb__cg_mark_processed() -%}
    {{ return(mysql__cg_mark_processed()) }}
{%- endmacro %}


{% macro cg_log_batch() -%}
    {#- on-run-end: one row per dbt build in cg_batch_log, for monitoring.  Run
        here and committed explicitly: dbt-mysql runs hooks outside autocommit,
        so a plain hook statement would be rolled back when dbt disconnects. -#}
    {%- if execute and flags.WHICH in ('build', 'run') -%}
        {%- set batch = cg_relation('int_batch') -%}
        {%- set log = cg_relation('cg_batch_log') -%}
        {%- set errors = results | selectattr('status', 'in', ['error', 'fail', 'runtime error']) | list -%}
        {%- if adapter.get_relation(batch.database, batch.schema, batch.identifier) is not none -%}
            {%- set insert -%}
            insert into {{ log }}
                (batch_id, rules_version, started_at, finished_at,
                 users_selected, users_completed, users_failed, run_status)
            select
                '{{ cg_batch_id() }}',
                '{{ rules_version() }}',
                coalesce(min(batch_started_at), {{ cg_now() }}),
                {{ cg_now() }},
                count(*),
                coalesce(sum(case when processing_error is null then 1 else 0 end), 0),
                coalesce(sum(case when processing_error is null then 0 else 1 end), 0),
                '{{ "error" if errors else "success" }}'
            from {{ batch }}
            {%- endset -%}
            {%- do run_query(insert) -%}
            {%- if target.type in ('mysql', 'mariadb') -%}
                {%- do run_query('commit') -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
    select 1 as batch_logged
{%- endmacro %}
