{#- One run at a time.  Two runs on one database would share the scratch
    tables (int_batch, int_card_params, the lanes' table) and step on each
    other's batch.

    MySQL/MariaDB: the first on-run-start hook takes a row in cg_run_lock, a
    non-transactional table (Aria; MyISAM on MySQL), so the row is visible to
    every session at once and no rollback removes it.  A second run finds the
    row, stops before it touches anything and names the holder.  The holder
    refreshes heartbeat_at at every chunk (cg_heartbeat); a run killed without
    releasing its row leaves it, and the next run takes it over once it has
    had no heartbeat for var cg_lock_stale_minutes (15).  A run whose row was
    taken over stops at its next heartbeat.

    DuckDB: the database file is the lock; a second process cannot open it
    (DuckDB names the process holding it). -#}

{% macro cg_lock_name() -%}
    {{ return('cgcompile') }}
{%- endmacro %}

{% macro cg_take_run_lock() -%}
    {%- if execute and flags.WHICH in ('run', 'build') and target.type in ('mysql', 'mariadb') -%}
        {%- set lock = cg_relation('cg_run_lock') -%}
        {%- do run_query(
            'create table if not exists ' ~ lock ~ ' ('
            ~ ' lock_name varchar(64) not null primary key, invocation_id varchar(64) not null,'
            ~ ' batch_id varchar(50) not null, holder varchar(200) not null,'
            ~ ' started_at timestamp not null default current_timestamp,'
            ~ ' heartbeat_at timestamp not null default current_timestamp'
            ~ ') engine = ' ~ ('Aria' if target.type == 'mariadb' else 'MyISAM')) -%}
        {#- dbt listed the relations before this hook; tell it about this one. -#}
        {%- do adapter.cache_added(lock.incorporate(type='table')) -%}
        {%- do run_query(
            'delete from ' ~ lock ~ " where lock_name = '" ~ cg_lock_name() ~ "'"
            ~ ' and heartbeat_at < current_timestamp - interval ' ~ var('cg_lock_stale_minutes', 15) | int ~ ' minute') -%}
        {%- do run_query(
            'insert ignore into ' ~ lock ~ ' (lock_name, invocation_id, batch_id, holder)'
            ~ " select '" ~ cg_lock_name() ~ "', '" ~ invocation_id ~ "', '" ~ cg_batch_id() ~ "', user()") -%}
        {%- set held = run_query(
            'select invocation_id, batch_id, holder, started_at, heartbeat_at from ' ~ lock
            ~ " where lock_name = '" ~ cg_lock_name() ~ "'").rows -%}
        {%- if held and held[0][0] != invocation_id -%}
            {% do exceptions.raise_compiler_error(
                "another run holds the lock on " ~ target.schema ~ ": batch " ~ held[0][1]
                ~ " (dbt invocation " ~ held[0][0] ~ ", " ~ held[0][2] ~ "), started " ~ held[0][3]
                ~ ", last heartbeat " ~ held[0][4] ~ ". This run stopped before touching anything. "
                ~ "A killed run's lock expires " ~ var('cg_lock_stale_minutes', 15) ~ " minutes after its last heartbeat, "
                ~ "or remove it with: dbt run-operation cg_release_run_lock --args '{holder: " ~ held[0][0] ~ "}'") %}
        {%- endif -%}
    {%- endif -%}
    select 1 as run_lock_taken
{%- endmacro %}

{#- Every model's first pre-hook: dbt 1.7 goes on to the models when an
    on-run-start hook fails, so each model checks that this run holds the
    lock before it touches anything. -#}
{% macro cg_require_run_lock() -%}
    {%- if execute -%}
        {%- do cg_heartbeat() -%}
    {%- endif -%}
    select 1 as run_lock_held
{%- endmacro %}

{#- Called at every chunk: keeps the lock fresh, and stops a run that lost it. -#}
{% macro cg_heartbeat() -%}
    {%- if target.type in ('mysql', 'mariadb') -%}
        {%- set lock = cg_relation('cg_run_lock') -%}
        {%- do run_query(
            'update ' ~ lock ~ ' set heartbeat_at = current_timestamp'
            ~ " where lock_name = '" ~ cg_lock_name() ~ "' and invocation_id = '" ~ invocation_id ~ "'") -%}
        {%- if not cg_holds_run_lock() -%}
            {% do exceptions.raise_compiler_error(
                "this run does not hold the lock on " ~ target.schema ~ " (another run holds it, or took it over after "
                ~ var('cg_lock_stale_minutes', 15) ~ " minutes without a heartbeat): stopping before touching anything") %}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{% macro cg_holds_run_lock() -%}
    {%- if target.type not in ('mysql', 'mariadb') -%}
        {{ return(true) }}
    {%- endif -%}
    {%- if not cg_lock_table_exists() -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set rows = run_query(
        'select 1 from ' ~ cg_relation('cg_run_lock') ~ " where lock_name = '" ~ cg_lock_name()
        ~ "' and invocation_id = '" ~ invocation_id ~ "'").rows -%}
    {{ return(rows | length > 0) }}
{%- endmacro %}

{#- on-run-end, and by hand for a lock a killed run left:
    dbt run-operation cg_release_run_lock --args '{holder: <invocation id>}' -#}
{% macro cg_release_run_lock(holder=none) -%}
    {%- if execute and target.type in ('mysql', 'mariadb') and cg_lock_table_exists() -%}
        {%- do run_query(
            'delete from ' ~ cg_relation('cg_run_lock') ~ " where lock_name = '" ~ cg_lock_name()
            ~ "' and invocation_id = '" ~ (holder or invocation_id) | replace("'", "") ~ "'") -%}
        {%- do run_query('commit') -%}
    {%- endif -%}
    select 1 as run_lock_released
{%- endmacro %}

{% macro cg_lock_table_exists() -%}
    {%- set rows = run_query("select 1 from information_schema.tables where table_schema = '"
                             ~ target.schema ~ "' and table_name = 'cg_run_lock'").rows -%}
    {{ return(rows | length > 0) }}
{%- endmacro %}
