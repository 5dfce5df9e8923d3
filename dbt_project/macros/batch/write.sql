{#- Write: materialized='cg_batch' (card_recommendations).  One transaction:
    delete the rows of users gone from the input, write each chunk, mark
    (post-hook), log, COMMIT; readers see the old rows until then, and a
    failure rolls it all back.  MySQL/MariaDB update in place on row_key and
    insert the rest: an update moves a row only through the indexes whose
    columns change (docs/performance.md).  DuckDB (no keys): delete, insert. -#}

{% materialization cg_batch, default -%}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set mysql = cg_mysql() -%}
    {%- set row_key = config.require('row_key') -%}
    {%- set batch = ref('int_batch') -%}
    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}
    {#- DuckDB matches the columns by name; asking it for them cost 0.7 s a run. -#}
    {%- set columns = [] -%}
    {%- for column in (get_columns_in_query(sql) if mysql else []) -%}
        {%- do columns.append(adapter.quote(column)) -%}
    {%- endfor -%}
    {%- do cg_session_settings() -%}
    {#- An empty table (the first backfill) has no rows to update or look for. -#}
    {%- set update_first = mysql and run_query('select 1 from ' ~ target_relation ~ ' limit 1') | length > 0 -%}
    {%- if mysql %}
        {% do run_query('start transaction') %}
    {%- else %}
        {#- New ids go above those of the rows they replace. #}
        {% do run_query('set variable cg_id_base = (select coalesce(max(id), 0) from ' ~ target_relation ~ ')') %}
        {% do run_query('delete from ' ~ target_relation ~ ' where user_id in (select user_id from ' ~ batch
                        ~ ' where processing_error is null)') %}
    {%- endif %}
    {%- if not cg_has_foreign_key(target_relation) %}
        {#- Users gone from the input (the PRD's foreign key cascades it, when there is one). #}
        {% do run_query('delete from ' ~ target_relation ~ ' where user_id not in (select user_id from '
                        ~ cg_source_relation() ~ ' where user_id is not null)') %}
    {%- endif %}
    {%- set key = [] -%}
    {%- for column in row_key -%}
        {%- do key.append('cg_old.' ~ adapter.quote(column) ~ ' = cg_new.' ~ adapter.quote(column)) -%}
    {%- endfor -%}
    {%- set written = [] -%}
    {%- set progress = cg_progress_start('write') -%}
    {%- for chunk in range([progress.sizes | length, 1] | max) %}
        {% do cg_heartbeat() %}
        {%- set chunk_began = modules.datetime.datetime.utcnow() -%}
        {%- set rows = '(' ~ cg_for_chunk(sql, chunk) ~ ') as cg_new' -%}
        {%- if update_first %}
            {%- set updates = [] -%}
            {%- for column in columns if column.strip('`"') not in row_key -%}
                {%- do updates.append('cg_old.' ~ column ~ ' = cg_new.' ~ column) -%}
            {%- endfor -%}
            {% call statement('update_chunk') %}update {{ target_relation }} as cg_old inner join {{ rows }} on {{ key | join(' and ') }} set {{ updates | join(', ') }}{% endcall %}
            {%- do written.append(load_result('update_chunk').response.rows_affected or 0) -%}
        {%- endif %}
        {% call statement('insert_chunk') -%}
            {%- if mysql -%}
            insert into {{ target_relation }} ({{ columns | join(', ') }}) select {{ columns | join(', ') }} from {{ rows }}
            {%- if update_first %} where not exists (select 1 from {{ target_relation }} as cg_old where {{ key | join(' and ') }}){% endif %}
            {%- else -%}
            insert into {{ target_relation }} by name select * from {{ rows }}
            {%- endif -%}
        {%- endcall %}
        {%- do written.append(load_result('insert_chunk').response.rows_affected or 0) -%}
        {%- do cg_progress(progress, chunk, written | sum, chunk_began) -%}
    {%- endfor %}
    {%- set cards = cg_scalar('select count(distinct card_no) from ' ~ ref('int_card_params')) | int -%}
    {%- if mysql and cards < cg_top_n() %}
        {#- With 10 cards or more every rank a user can hold was rewritten. #}
        {#- Named in full: MariaDB resolves a delete-list alias in the default database. #}
        {% do run_query('delete ' ~ target_relation ~ ' from ' ~ target_relation ~ ' inner join ' ~ batch ~ ' as b on b.user_id = '
                        ~ target_relation ~ '.user_id where b.processing_error is null and ' ~ target_relation ~ '.' ~ adapter.quote('rank') ~ ' > ' ~ cards) %}
    {%- endif %}
    {#- rows_affected is always passed: dbt 1.7's default makes the run hang. -#}
    {%- do store_raw_result('main', message='SUCCESS ' ~ (written | sum), code='SUCCESS', rows_affected=(written | sum)) -%}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do cg_log_update('committed_at = ' ~ cg_now()) %}
    {% do adapter.commit() %}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{%- endmaterialization %}
