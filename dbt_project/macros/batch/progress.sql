{#- Progress: a row per chunk ranked or written, readable by another session
    while the batch is still uncommitted (`cgcompile status`), and a log line
    per chunk with the share done and an ETA.  MySQL/MariaDB: cg_batch_progress,
    a non-transactional table (Aria; MyISAM on MySQL) that no rollback undoes.
    DuckDB: the running job holds the database file, so the rows go to
    <database file>.progress.csv, which COPY writes at once.  Progress rows
    are never what decides anything: a killed run leaves them, its users stay
    pending, and the next run starts a batch of its own. -#}

{#- The batch's users per chunk, and its units of work: a chunk ranked and a
    chunk written on MySQL/MariaDB (the lanes rank), a chunk on DuckDB. -#}
{% macro cg_progress_start(step) -%}
    {%- set sizes = {} -%}
    {%- for row in run_query('select chunk_no, count(*) from ' ~ cg_relation('int_batch') ~ ' group by chunk_no') -%}
        {%- do sizes.update({row[0] | int: row[1] | int}) -%}
    {%- endfor -%}
    {{ return({'step': step, 'sizes': sizes, 'users': sizes.values() | sum, 'rows': [],
               'units': (sizes | length) * (2 if cg_mysql() else 1), 'began': modules.datetime.datetime.utcnow()}) }}
{%- endmacro %}

{#- Times are UTC from the machine running dbt, as `cgcompile status` reads them. -#}
{% macro cg_progress(progress, chunk, rows_written, chunk_began) -%}
    {%- if not progress.units -%}{{ return('') }}{%- endif -%}
    {%- set now = modules.datetime.datetime.utcnow() -%}
    {%- set row = ["'" ~ cg_batch_id() ~ "'", "'" ~ progress.step ~ "'", chunk, progress.sizes.get(chunk, 0), rows_written,
                   progress.users, progress.units, "'" ~ chunk_began.isoformat(sep=' ') ~ "'", "'" ~ now.isoformat(sep=' ') ~ "'"] -%}
    {%- do progress.rows.append('(' ~ row | join(', ') ~ ')') -%}
    {%- set done = cg_progress_record(progress.rows) or [progress.rows | length, progress.began] -%}
    {%- set seconds = (now - done[1]).total_seconds() -%}
    {{ log(this.identifier ~ ': ' ~ progress.step ~ ' chunk ' ~ (chunk + 1) ~ ' of ' ~ progress.sizes | length ~ ' ('
           ~ '{:,}'.format(progress.sizes.get(chunk, 0)) ~ ' users): batch ' ~ '{:.0%}'.format(done[0] / progress.units)
           ~ ' done, ETA ' ~ '{:.0f}'.format(seconds * (progress.units - done[0]) / done[0]) ~ ' s', info=True) }}
{%- endmacro %}

{#- Writes the progress rows where another session reads them: the newest row
    into cg_batch_progress, or every row of this run into the DuckDB file.
    MySQL/MariaDB returns the batch's steps done and first start, read back
    because the lanes record side by side. -#}
{% macro cg_progress_record(rows) -%}
    {%- set columns = 'batch_id, step, chunk_no, users, rows_written, batch_users, batch_units, started_at, recorded_at' -%}
    {%- if cg_mysql() -%}
        {%- set table = cg_relation('cg_batch_progress') -%}
        {%- do run_query('insert into ' ~ table ~ ' (' ~ columns ~ ') values ' ~ rows[-1]) -%}
        {{ return(run_query('select count(*), min(started_at) from ' ~ table ~ " where batch_id = '" ~ cg_batch_id() ~ "'").rows[0]) }}
    {%- elif target.path != ':memory:' -%}
        {%- do run_query("copy (select * from (values " ~ rows | join(', ') ~ ") as progress(" ~ columns ~ ")) to '"
                         ~ target.path ~ ".progress.csv' (format csv, header)") -%}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}
