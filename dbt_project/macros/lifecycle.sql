{#- The PRD's status lifecycle in user_spending_data:
      new -> pending (held by a run) -> completed | failed
    A run selects, in the pre-hook of int_batch, every user who is new (or
    has no status), left pending by an interrupted run, whose data changed
    since it was processed (updated_at >= last_processed_at), whose
    recommendations were computed under other rules (rules_version) unless
    the user failed (a failed user keeps the rows of its last good run, under
    the rules of that run, until its data changes), or everybody on
    --full-refresh.  The
    post-hook of card_recommendations, in the same transaction as the rows,
    marks them completed or failed.  updated_at is set to itself so MySQL's
    ON UPDATE CURRENT_TIMESTAMP does not fire: it keeps meaning "the data
    changed", which is what the next run compares against. -#}

{#- A NULL status counts as new: compared with <> or IN, NULL is never true,
    and such a user would be skipped silently run after run. -#}
{% macro cg_selection_predicate(alias) -%}
    coalesce({{ alias }}.processing_status, 'new') in ('new', 'pending')
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
        or (coalesce(u.processing_status, 'new') <> 'failed' and u.user_id in (
            select user_id from {{ recs }}
            where rules_version is null or rules_version <> '{{ rules_version() }}'
        ))
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
    where coalesce(u.processing_status, 'new') not in ('pending', 'failed')
    {%- endset -%}
    {%- do run_query(stale) -%}
    update {{ src }} as u
    set u.processing_status = 'pending', u.updated_at = u.updated_at
    where coalesce(u.processing_status, 'new') <> 'pending' and ({{ cg_selection_predicate('u') }})
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
    {#- on-run-end: the outcome of this run in cg_batch_log, for monitoring.
        Run here and committed explicitly: dbt-mysql runs hooks outside
        autocommit, so a plain hook statement would be rolled back when dbt
        disconnects.  A run that wrote rows logged its batch when it
        committed them (batch_incremental.sql); one that did not gets its row
        here.  When every test of this invocation passed, the batches they
        covered (test_scope.sql) are validated. -#}
    {%- if execute and (flags.WHICH == 'test' or (flags.WHICH in ('build', 'run') and cg_holds_run_lock())) -%}
        {%- set batch = cg_relation('int_batch') -%}
        {%- set log = cg_relation('cg_batch_log') -%}
        {%- set errors = results | selectattr('status', 'in', ['error', 'fail', 'runtime error']) | list -%}
        {%- set tests = [] -%}
        {%- for r in results if r.node is defined and r.node.resource_type == 'test' -%}
            {%- do tests.append(r) -%}
        {%- endfor -%}
        {%- set logged = adapter.get_relation(log.database, log.schema, log.identifier) is not none -%}
        {%- set status = 'error' if errors else 'success' -%}
        {%- if logged and flags.WHICH in ('build', 'run') -%}
            {%- set committed = run_query("select 1 from " ~ log ~ " where batch_id = '" ~ cg_batch_id() ~ "'").rows -%}
            {%- if committed -%}
                {%- do run_query("update " ~ log ~ " set finished_at = " ~ cg_now() ~ ", run_status = '" ~ status
                                 ~ "' where batch_id = '" ~ cg_batch_id() ~ "'") -%}
            {%- elif adapter.get_relation(batch.database, batch.schema, batch.identifier) is not none -%}
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
                    '{{ status }}'
                from {{ batch }}
                {%- endset -%}
                {%- do run_query(insert) -%}
            {%- endif -%}
        {%- endif -%}
        {%- if logged and tests and not errors -%}
            {%- do run_query("update " ~ log ~ " set validated_at = " ~ cg_now()
                             ~ " where validated_at is null and committed_at is not null") -%}
        {%- endif -%}
        {%- if target.type in ('mysql', 'mariadb') -%}
            {%- do run_query('commit') -%}
        {%- endif -%}
    {%- endif -%}
    select 1 as batch_logged
{%- endmacro %}
