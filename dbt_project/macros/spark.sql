{#- Spark (dbt-spark): the batch engine without row updates (docs/spark.md).

    Plain Spark tables (parquet, no Delta or Iceberg) cannot UPDATE or DELETE
    rows, and the input belongs to the data team.  So on Spark:
    - the users' statuses live in user_processing_state (user_id, status,
      last_processed_at, processing_error, batch_id), not in the input;
    - the view user_spending_status is the input with those columns, the
      PRD's single table as the models and tests read it (cg_source_relation);
    - card_recommendations and user_processing_state are partitioned by
      user_bucket and written with insert_overwrite: a run rewrites only the
      buckets that hold a user it processed (or one gone from the input), and
      Spark replaces each such partition whole, the others untouched;
    - nothing is marked pending: a run that dies leaves the statuses as they
      were, and the next run selects the same users again. -#}

{#- How many buckets: a run rewrites the buckets of the users it processes, so
    more buckets mean less rewritten per changed user, and more files. -#}
{% macro cg_user_buckets() -%}
    {{ return(var('cg_user_buckets', 64) | int) }}
{%- endmacro %}

{% macro cg_user_bucket(expression) -%}
    pmod(hash({{ expression }}), {{ cg_user_buckets() }})
{%- endmacro %}

{% macro cg_spark_input() -%}
    {{ return(cg_relation('user_spending_data', var('source_schema') or none)) }}
{%- endmacro %}

{#- on-run-start: the state table (empty the first time) and the status view. -#}
{% macro cg_spark_state_tables() -%}
    {%- set state = cg_relation('user_processing_state') -%}
    {%- do run_query('create schema if not exists ' ~ state.schema) -%}
    {%- do run_query('create table if not exists ' ~ state ~ ' (user_id string, processing_status string,'
                     ~ ' last_processed_at timestamp, processing_error string, batch_id string, user_bucket int)'
                     ~ ' using parquet partitioned by (user_bucket)') -%}
    {%- if cg_exists(cg_spark_input()) -%}
        {%- set spend = cg_spend_columns() | map('string') | map('replace', 'avg_', 'i.avg_') | join(', ') -%}
        {%- do run_query('create or replace view ' ~ cg_source_relation() ~ ' as select i.user_id, ' ~ spend
                         ~ ', s.processing_status, s.last_processed_at, s.processing_error, s.batch_id, i.created_at, i.updated_at'
                         ~ ' from ' ~ cg_spark_input() ~ ' as i left join ' ~ state ~ ' as s on s.user_id = i.user_id') -%}
    {%- endif -%}
    {%- for name in ['user_processing_state', 'user_spending_status'] -%}
        {%- do adapter.cache_added(cg_relation(name).incorporate(type='table')) -%}
    {%- endfor -%}
    {{ return('select 1 as output_tables_ready') }}
{%- endmacro %}

{#- int_batch's selection on Spark: what cg_mark_pending marks elsewhere
    (docs/batch-engine.md, "Who is processed"), read from the status view. -#}
{% macro cg_spark_selected(users) -%}
    {%- set recs = cg_relation('card_recommendations') -%}
    (
        coalesce({{ users }}.processing_status, 'new') in ('new', 'pending')
        or {{ users }}.last_processed_at is null
        or {{ users }}.updated_at >= {{ users }}.last_processed_at
        {%- if execute and cg_exists(recs) %}
        or (
            {{ users }}.processing_status <> 'failed'
            and {{ users }}.user_id in (
                select stale.user_id from {{ recs }} as stale
                where stale.rules_version is null or stale.rules_version <> '{{ rules_version() }}'
            )
        )
        {%- endif %}
        {{- ' or 1 = 1' if flags.FULL_REFRESH }}
    )
{%- endmacro %}

{#- The buckets a run rewrites: those of the batch's users and those of rows
    whose user is gone from the input (`table` is card_recommendations or
    user_processing_state, `this` of the model). -#}
{% macro cg_spark_touched_buckets(table) -%}
    select user_bucket from {{ ref('int_batch') }}
    union
    select gone.user_bucket from {{ table }} as gone
    left anti join {{ cg_spark_input() }} as inputs on inputs.user_id = gone.user_id
{%- endmacro %}

{#- The rows of `table` that a rewritten bucket keeps: users not redone by this
    run (failed users keep theirs) and still in the input. -#}
{% macro cg_spark_kept_rows(table, redone) -%}
    select kept.* from {{ table }} as kept
    left semi join ({{ cg_spark_touched_buckets(table) }}) as touched on touched.user_bucket = kept.user_bucket
    left semi join {{ cg_spark_input() }} as inputs on inputs.user_id = kept.user_id
    left anti join ({{ redone }}) as redone on redone.user_id = kept.user_id
{%- endmacro %}

{#- New ids go above every id in the table (as on DuckDB; no auto-increment). -#}
{% macro cg_spark_id_base() -%}
    {%- if execute and is_incremental() -%}
        {{ return(cg_scalar('select coalesce(max(id), 0) from ' ~ this) | int) }}
    {%- endif -%}
    {{ return(0) }}
{%- endmacro %}

{#- dbt-spark's session method pastes seed values between quotes unescaped, so a
    card name with an apostrophe or a backslash broke the load: each value goes
    in as an escaped literal instead. -#}
{% macro spark__load_csv_rows(model, agate_table) -%}
    {%- set overrides = model['config'].get('column_types', {}) -%}
    {%- set types = [] -%}
    {%- for name in agate_table.column_names -%}
        {%- do types.append(overrides.get(name, adapter.convert_type(agate_table, loop.index0))) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set rows = [] -%}
        {%- for row in chunk -%}
            {%- set values = [] -%}
            {%- for value in row -%}
                {%- set text = 'null' if value is none else "'" ~ (value | string | replace('\\', '\\\\') | replace("'", "\\'")) ~ "'" -%}
                {%- do values.append('cast(' ~ text ~ ' as ' ~ types[loop.index0] ~ ')') -%}
            {%- endfor -%}
            {%- do rows.append('(' ~ values | join(', ') ~ ')') -%}
        {%- endfor -%}
        {%- do statements.append('insert into ' ~ this.render() ~ ' values ' ~ rows | join(', ')) -%}
        {%- do adapter.add_query(statements[-1], abridge_sql_log=True) -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{%- endmacro %}
