{#- Log: one row per run that selects the batch, in cg_batch_log (ddl.sql).
    on-run-start inserts it 'running', and calls an earlier row still
    'running' 'interrupted' (one run at a time: that run was killed).  The
    writer sets committed_at and the counts in the transaction that writes
    the rows.  on-run-end sets the outcome (success, error, test_failed), the
    first messages, the counts read from the data and, when every test of the
    invocation passed, validated_at for every batch its tests covered
    (tests.sql).  Counts come from int_batch joined to the input's statuses,
    and only when this run built int_batch or wrote from it. -#}

{% macro cg_logs_batch() -%}
    {%- set models = ['int_batch', 'card_recommendations'] | map('replace', '', 'model.' ~ project_name ~ '.', 1) | list -%}
    {#- Spark: no cg_batch_log (its rows are updated in place); docs/spark.md. -#}
    {{ return(execute and flags.WHICH in ('build', 'run') and not cg_spark() and cg_holds_run_lock()
              and models | select('in', selected_resources) | list | length > 0) }}
{%- endmacro %}

{% macro cg_log_start() -%}
    {%- if cg_logs_batch() -%}
        {%- set log = cg_relation('cg_batch_log') -%}
        {%- do run_query("update " ~ log ~ " set run_status = 'interrupted', message = 'no outcome recorded: the run was killed;"
                         ~ " found by batch " ~ cg_batch_id() ~ "' where run_status = 'running'") -%}
        {%- do run_query("insert into " ~ log ~ " (batch_id, rules_version, started_at, users_selected, users_completed,"
                         ~ " users_failed, users_pending, run_status) values ('" ~ cg_batch_id() ~ "', '" ~ rules_version()
                         ~ "', " ~ cg_now() ~ ", 0, 0, 0, 0, 'running')") -%}
        {%- if cg_mysql() %}{% do run_query('commit') %}{% endif -%}
        {#- DuckDB: the progress file names this batch from the start (batch/progress.sql). -#}
        {%- if not cg_mysql() -%}
            {%- set now = "'" ~ modules.datetime.datetime.utcnow().isoformat(sep=' ') ~ "'" -%}
            {%- do cg_progress_record(["('" ~ cg_batch_id() ~ "', 'start', -1, 0, 0, 0, 0, " ~ now ~ ", " ~ now ~ ")"]) -%}
        {%- endif -%}
    {%- endif -%}
    select 1 as batch_log_started
{%- endmacro %}

{#- Sets `assignments` and the counts on this run's row. -#}
{% macro cg_log_update(assignments, counted=true) -%}
    {%- set counts = [0, 0, 0, 0] -%}
    {%- if counted and cg_exists(cg_relation('int_batch')) -%}
        {%- set sums = [] -%}
        {%- for status in ['completed', 'failed', 'pending'] -%}
            {%- do sums.append("coalesce(sum(case when u.processing_status = '" ~ status ~ "' then 1 else 0 end), 0)") -%}
        {%- endfor -%}
        {%- set counts = run_query('select count(*), ' ~ sums | join(', ') ~ ' from ' ~ cg_relation('int_batch') ~ ' as b left join '
                                   ~ cg_source_relation() ~ ' as u on u.user_id = b.user_id').rows[0] -%}
    {%- endif -%}
    {%- do run_query('update ' ~ cg_relation('cg_batch_log') ~ ' set ' ~ assignments ~ ', users_selected = ' ~ counts[0]
                     ~ ', users_completed = ' ~ counts[1] ~ ', users_failed = ' ~ counts[2] ~ ', users_pending = ' ~ counts[3]
                     ~ " where batch_id = '" ~ cg_batch_id() ~ "'") -%}
{%- endmacro %}

{#- on-run-end.  Committed explicitly: dbt-mysql runs hooks outside
    autocommit, and a plain hook statement would be rolled back. -#}
{% macro cg_log_batch() -%}
    {%- set log = cg_relation('cg_batch_log') -%}
    {%- if execute and cg_exists(log) and (flags.WHICH == 'test' or cg_logs_batch()) -%}
        {%- set failed = results | selectattr('status', 'in', ['error', 'fail', 'runtime error']) | list -%}
        {%- set tests = results | selectattr('node') | selectattr('node.resource_type', 'equalto', 'test') | list -%}
        {%- if flags.WHICH != 'test' -%}
            {%- set test_failed = tests | selectattr('status', 'in', ['error', 'fail']) | list -%}
            {%- set status = 'test_failed' if test_failed and test_failed | length == failed | length else 'error' if failed else 'success' -%}
            {%- set messages = [] -%}
            {%- for r in failed + (results | selectattr('status', 'equalto', 'warn') | list) -%}
                {%- do messages.append((r.node.name if r.node else 'hook') ~ ': ' ~ r.status ~ ': ' ~ r.message) -%}
            {%- endfor -%}
            {%- set message = messages[:3] | join('; ') | replace('\\', '/') | replace("'", "''") | truncate(1000, true, '...') -%}
            {%- set wrote = results | selectattr('node') | selectattr('node.name', 'in', ['int_batch', 'card_recommendations'])
                            | selectattr('status', 'equalto', 'success') | list -%}
            {%- do cg_log_update("finished_at = " ~ cg_now() ~ ", run_status = '" ~ status ~ "', message = "
                                 ~ ("'" ~ message ~ "'" if message else 'null'), wrote | length > 0) -%}
        {%- endif -%}
        {%- if tests and not failed -%}
            {%- do run_query("update " ~ log ~ " set validated_at = " ~ cg_now() ~ " where validated_at is null and committed_at is not null") -%}
        {%- endif -%}
        {%- if cg_mysql() -%}
            {%- do run_query('commit') -%}
        {%- endif -%}
    {%- endif -%}
    select 1 as batch_logged
{%- endmacro %}

{#- on-run-start, after the log row: a run that reads the input, without
    it, stops here, logged as an error that says where the input comes from. -#}
{% macro cg_require_source() -%}
    {%- set readers = [] -%}
    {%- for node in (graph.nodes.values() if execute else []) if node.unique_id in selected_resources -%}
        {%- do readers.append(node.name) if 'source.' ~ project_name ~ '.cashkaro.user_spending_data' in node.depends_on.get('nodes', []) -%}
    {%- endfor -%}
    {%- if readers and not cg_exists(cg_source_relation()) -%}
        {% do exceptions.raise_compiler_error(
            "the input table " ~ cg_source_relation() ~ " does not exist. The data team loads it (the PRD, 3.1); for a"
            ~ " demo or a test, `cgcompile generate-users --count N` creates and fills it (docs/operations.md)") %}
    {%- endif -%}
    select 1 as source_present
{%- endmacro %}
