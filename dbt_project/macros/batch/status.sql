{#- Select and mark: the PRD's lifecycle new -> pending -> completed | failed
    (docs/batch-engine.md says who is selected).  A failed user is not
    reselected for new rules: it keeps its last good rows until its data
    changes.  updated_at is set to itself so that MySQL's ON UPDATE
    CURRENT_TIMESTAMP keeps meaning "the data changed".  NULL-safe tests. -#}

{% macro cg_mark_pending() -%}
    {%- if cg_spark() -%}
        {#- No UPDATE on Spark: int_batch selects with cg_spark_selected() instead. -#}
        {{ return('select 1 as selected_in_int_batch') }}
    {%- endif -%}
    {%- set src = cg_source_relation() -%}
    {%- set stale -%}
        select distinct user_id from {{ cg_relation('card_recommendations') }}
        where rules_version is null or rules_version <> '{{ rules_version() }}'
    {%- endset -%}
    {%- set selected -%}
        coalesce(u.processing_status, 'new') in ('new', 'pending')
        or u.last_processed_at is null
        or u.updated_at >= u.last_processed_at
        {{- ' or 1 = 1' if flags.FULL_REFRESH }}
    {%- endset -%}
    {%- if cg_mysql() -%}
        {#- A multi-table UPDATE ... JOIN: MariaDB runs an IN (subquery) inside a
            single-table UPDATE as a dependent subquery, once per row. -#}
        {%- do run_query('update ' ~ src ~ ' as u join (' ~ stale ~ ') as stale on stale.user_id = u.user_id'
                         ~ " set u.processing_status = 'pending', u.updated_at = u.updated_at"
                         ~ " where coalesce(u.processing_status, 'new') not in ('pending', 'failed')") -%}
        update {{ src }} as u set u.processing_status = 'pending', u.updated_at = u.updated_at
        where coalesce(u.processing_status, 'new') <> 'pending' and ({{ selected }})
    {%- else -%}
        update {{ src }} as u set processing_status = 'pending'
        where {{ selected }}
            or (coalesce(u.processing_status, 'new') <> 'failed' and u.user_id in ({{ stale }}))
    {%- endif -%}
{%- endmacro %}

{% macro cg_mark_processed() -%}
    {%- set batch = ref('int_batch') -%}
    {%- if cg_spark() -%}
        {#- Spark: the model user_processing_state records the outcome, after this one. -#}
        {{ return('select 1 as marked_by_user_processing_state') }}
    {%- endif -%}
    {%- if cg_mysql() -%}
        update {{ cg_source_relation() }} as u join {{ batch }} as b on b.user_id = u.user_id
        set u.processing_status = case when b.processing_error is null then 'completed' else 'failed' end,
            u.processing_error = b.processing_error, u.last_processed_at = b.batch_started_at, u.updated_at = u.updated_at
        where u.processing_status = 'pending'
    {%- else -%}
        update {{ cg_source_relation() }} as u
        set processing_status = case when b.processing_error is null then 'completed' else 'failed' end,
            processing_error = b.processing_error, last_processed_at = b.batch_started_at
        from {{ batch }} as b where b.user_id = u.user_id and u.processing_status = 'pending'
    {%- endif -%}
{%- endmacro %}
