{#- Log: one row per run in cg_batch_log (ddl.sql).  A run that writes rows
    logs its batch in the transaction that writes them (committed_at);
    on-run-end adds the outcome, and, when every test of the invocation
    passed, validated_at for every batch its tests covered (tests.sql). -#}

{% macro cg_log_batch_sql(status) -%}
insert into {{ cg_relation('cg_batch_log') }}
    (batch_id, rules_version, started_at, committed_at, finished_at, users_selected, users_completed, users_failed, run_status)
select
    '{{ cg_batch_id() }}', '{{ rules_version() }}', coalesce(min(batch_started_at), {{ cg_now() }}),
    {{ cg_now() if status == 'committed' else 'null' }}, {{ 'null' if status == 'committed' else cg_now() }},
    count(*),
    coalesce(sum(case when processing_error is null then 1 else 0 end), 0),
    coalesce(sum(case when processing_error is null then 0 else 1 end), 0),
    '{{ status }}'
from {{ cg_relation('int_batch') }}
{%- endmacro %}

{#- on-run-end.  Committed explicitly: dbt-mysql runs hooks outside
    autocommit, and a plain hook statement would be rolled back. -#}
{% macro cg_log_batch() -%}
    {%- set log = cg_relation('cg_batch_log') -%}
    {%- if execute and cg_exists(log) and (flags.WHICH == 'test' or (flags.WHICH in ('build', 'run') and cg_holds_run_lock())) -%}
        {%- set errors = results | selectattr('status', 'in', ['error', 'fail', 'runtime error']) | list -%}
        {%- set tested = [] -%}
        {%- for r in results if r.node is defined and r.node.resource_type == 'test' -%}
            {%- do tested.append(r) -%}
        {%- endfor -%}
        {%- set status = 'error' if errors else 'success' -%}
        {%- if flags.WHICH in ('build', 'run') -%}
            {%- if run_query("select 1 from " ~ log ~ " where batch_id = '" ~ cg_batch_id() ~ "'") | length > 0 -%}
                {%- do run_query("update " ~ log ~ " set finished_at = " ~ cg_now() ~ ", run_status = '" ~ status
                                 ~ "' where batch_id = '" ~ cg_batch_id() ~ "'") -%}
            {%- elif cg_exists(cg_relation('int_batch')) -%}
                {%- do run_query(cg_log_batch_sql(status)) -%}
            {%- endif -%}
        {%- endif -%}
        {%- if tested and not errors -%}
            {%- do run_query("update " ~ log ~ " set validated_at = " ~ cg_now() ~ " where validated_at is null and committed_at is not null") -%}
        {%- endif -%}
        {%- if cg_mysql() -%}
            {%- do run_query('commit') -%}
        {%- endif -%}
    {%- endif -%}
    select 1 as batch_logged
{%- endmacro %}
