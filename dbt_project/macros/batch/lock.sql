{#- One run at a time: two runs on one database would share the scratch
    tables and step on each other's batch.

    MySQL/MariaDB: the first on-run-start hook takes the row of cg_run_lock,
    a non-transactional table (Aria; MyISAM on MySQL) that every session sees
    at once and no rollback undoes.  A second run finds it, stops and names
    the holder.  dbt 1.7 goes on to the models after a failed on-run-start
    hook, so every model's first pre-hook (cg_heartbeat) checks the
    lock too.  The holder refreshes heartbeat_at at every chunk; the lock of
    a killed run expires after var cg_lock_stale_minutes (15) without one,
    and a run whose lock was taken over stops at its next heartbeat.
    DuckDB: the database file is the lock (DuckDB names the process). -#}

{% macro cg_lock_where(mine=true) -%}
    where lock_name = 'cgcompile'{{ (" and invocation_id = '" ~ invocation_id ~ "'") if mine }}
{%- endmacro %}

{% macro cg_take_run_lock() -%}
    {%- if execute and flags.WHICH in ('run', 'build') and cg_mysql() -%}
        {%- set lock = cg_relation('cg_run_lock') -%}
        {%- set stale = var('cg_lock_stale_minutes', 15) | int -%}
        {%- do run_query('create table if not exists ' ~ lock ~ ' (lock_name varchar(64) primary key,'
            ~ ' invocation_id varchar(64) not null, batch_id varchar(50) not null, holder varchar(200) not null,'
            ~ ' started_at timestamp not null default current_timestamp,'
            ~ ' heartbeat_at timestamp not null default current_timestamp)'
            ~ ' engine = ' ~ ('Aria' if target.type == 'mariadb' else 'MyISAM')) -%}
        {%- do adapter.cache_added(lock.incorporate(type='table')) -%}
        {%- do run_query('delete from ' ~ lock ~ ' ' ~ cg_lock_where(false)
                         ~ ' and heartbeat_at < current_timestamp - interval ' ~ stale ~ ' minute') -%}
        {%- do run_query('insert ignore into ' ~ lock ~ " (lock_name, invocation_id, batch_id, holder) select 'cgcompile', '"
                         ~ invocation_id ~ "', '" ~ cg_batch_id() ~ "', user()") -%}
        {%- set held = run_query('select invocation_id, batch_id, holder, started_at, heartbeat_at from ' ~ lock ~ ' '
                                 ~ cg_lock_where(false)).rows -%}
        {%- if held and held[0][0] != invocation_id -%}
            {% do exceptions.raise_compiler_error(
                "another run holds the lock on " ~ target.schema ~ ": batch " ~ held[0][1] ~ " (dbt invocation "
                ~ held[0][0] ~ ", " ~ held[0][2] ~ "), started " ~ held[0][3] ~ ", last heartbeat " ~ held[0][4]
                ~ ". This run stopped before touching anything. A killed run's lock expires " ~ stale
                ~ " minutes after its last heartbeat, or remove it with: dbt run-operation cg_release_run_lock --args '{holder: "
                ~ held[0][0] ~ "}'") %}
        {%- endif -%}
    {%- endif -%}
    select 1 as run_lock_taken
{%- endmacro %}

{#- information_schema, not dbt's relation cache: another run may have made it. -#}
{% macro cg_lock_table_exists() -%}
    {{ return(run_query("select 1 from information_schema.tables where table_schema = '" ~ target.schema
                        ~ "' and table_name = 'cg_run_lock'") | length > 0) }}
{%- endmacro %}

{% macro cg_holds_run_lock() -%}
    {{ return(not cg_mysql() or (cg_lock_table_exists()
              and run_query('select 1 from ' ~ cg_relation('cg_run_lock') ~ ' ' ~ cg_lock_where()) | length > 0)) }}
{%- endmacro %}

{#- Every model's first pre-hook, and every chunk: keeps the lock fresh, and
    stops a run that does not hold it. -#}
{% macro cg_heartbeat() -%}
    {%- if execute and cg_mysql() -%}
        {%- do run_query('update ' ~ cg_relation('cg_run_lock') ~ ' set heartbeat_at = current_timestamp ' ~ cg_lock_where()) -%}
        {%- if not cg_holds_run_lock() -%}
            {% do exceptions.raise_compiler_error(
                "this run does not hold the lock on " ~ target.schema ~ " (another run holds it, or took it over after "
                ~ var('cg_lock_stale_minutes', 15) ~ " minutes without a heartbeat): stopping before touching anything") %}
        {%- endif -%}
    {%- endif -%}
    select 1 as run_lock_held
{%- endmacro %}

{#- on-run-end, and by hand for the lock of a killed run:
    dbt run-operation cg_release_run_lock --args '{holder: <invocation id>}' -#}
{% macro cg_release_run_lock(holder=none) -%}
    {%- if execute and cg_mysql() and cg_lock_table_exists() -%}
        {%- do run_query('delete from ' ~ cg_relation('cg_run_lock') ~ " where lock_name = 'cgcompile' and invocation_id = '"
                         ~ (holder or invocation_id) | replace("'", "") ~ "'") -%}
        {%- do run_query('commit') -%}
    {%- endif -%}
    select 1 as run_lock_released
{%- endmacro %}
