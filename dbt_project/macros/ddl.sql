{#- The output tables, which dbt's create-table-as cannot give, created by
    on-run-start.

    card_recommendations keeps the PRD's DDL (3.2): an auto-increment id,
    audit columns, UNIQUE(user_id, rank), its indexes and its foreign key,
    plus rules_version (which rules computed the row).  DuckDB gets the same
    columns without the keys: its in-memory ART indexes made writes to a 20M
    row table 5-8x slower (docs/performance.md); the post-run tests guard
    uniqueness there, and the writer numbers the ids (batch/write.sql). -#}

{% macro cg_create_output_tables() -%}
    {%- if cg_spark() -%}
        {{ return(cg_spark_state_tables()) }}
    {%- endif -%}
    {%- set mysql = cg_mysql() -%}
    {%- set recs = cg_relation('card_recommendations') -%}
    {%- set money = 'decimal(12, 2)' -%}
    {%- set nullable = ' null' if mysql else '' -%}
    {%- if not mysql -%}
        {%- do run_query('create schema if not exists ' ~ recs.include(identifier=false)) -%}
    {%- endif -%}
    {%- set output -%}
    create table if not exists {{ recs }} (
        id bigint {{ 'auto_increment primary key' if mysql else 'not null' }},
        user_id varchar(50) not null,
        {{ adapter.quote('rank') }} tinyint not null,
        card_name varchar(200) not null,
        card_id varchar(100) {{- nullable }},
        total_savings_yearly {{ money }} not null,
        joining_fees {{ money }} not null,
        total_extra_benefits {{ money }} not null,
        net_savings {{ money }} not null,
        {%- for category in ['amazon', 'flipkart', 'myntra', 'ajio', 'grocery', 'other_online'] %}
        {{ category }}_points {{ money }} default 0,
        {%- endfor %}
        redemption_method varchar(50) {{- nullable }},
        redemption_rate decimal(5, 4) {{- nullable }},
        processed_at timestamp default current_timestamp,
        batch_id varchar(50) {{- nullable }},
        rules_version varchar(16) {{- nullable }},
        created_at timestamp default current_timestamp,
        updated_at timestamp default current_timestamp {{- ' on update current_timestamp' if mysql }}
        {%- if mysql %},
        unique key unique_user_rank (user_id, `rank`),
        index idx_user_id (user_id),
        index idx_batch_id (batch_id),
        index idx_processed_at (processed_at),
        index idx_net_savings (net_savings desc),
        index idx_rules_version (rules_version)
        {%- if cg_enforces_unique(cg_source_relation(), ['user_id']) %},
        {#- The foreign key needs the input's key on user_id; without it the
            runs delete the rows of users gone from the input (batch/write.sql). #}
        foreign key (user_id) references {{ cg_source_relation() }} (user_id) on delete cascade on update cascade
        {%- endif %}
        {%- endif %}
    ) {{- ' engine = InnoDB' if mysql }}
    {%- endset -%}
    {%- do run_query(output) -%}
    {%- set log = cg_relation('cg_batch_log') -%}
    {%- do run_query('create table if not exists ' ~ log ~ ' ('
        ~ ' batch_id varchar(50) not null, rules_version varchar(16) not null,'
        ~ ' started_at timestamp, committed_at timestamp, finished_at timestamp, validated_at timestamp,'
        ~ ' users_selected integer not null, users_completed integer not null, users_failed integer not null,'
        ~ ' run_status varchar(20) not null, users_pending integer default 0, message varchar(1000))') -%}
    {#- A table made before W2-4 gets the columns added since. -#}
    {%- set have = run_query("select lower(column_name) from information_schema.columns where table_schema = '" ~ log.schema
                             ~ "' and table_name = 'cg_batch_log'").columns[0].values() if execute else [] -%}
    {%- for column, type in [('users_pending', 'integer default 0'), ('message', 'varchar(1000)')] if column not in have -%}
        {%- do run_query('alter table ' ~ log ~ ' add column ' ~ column ~ ' ' ~ type) -%}
    {%- endfor -%}
    {%- if mysql -%}
        {%- do run_query('create table if not exists ' ~ cg_relation('cg_batch_progress') ~ ' (batch_id varchar(50) not null,'
            ~ ' step varchar(10) not null, chunk_no integer not null, users integer not null, rows_written bigint not null,'
            ~ ' batch_users integer not null, batch_units integer not null, started_at datetime(6) not null,'
            ~ ' recorded_at datetime(6) not null, primary key (batch_id, step, chunk_no))'
            ~ ' engine = ' ~ ('Aria' if target.type == 'mariadb' else 'MyISAM')) -%}
        {%- do run_query('delete from ' ~ cg_relation('cg_batch_progress') ~ ' where recorded_at < utc_timestamp() - interval 30 day') -%}
    {%- endif -%}
    {#- dbt listed the relations before this hook; tell it about these. -#}
    {%- for name in ['card_recommendations', 'cg_batch_log'] + (['cg_batch_progress'] if mysql else []) -%}
        {%- do adapter.cache_added(cg_relation(name).incorporate(type='table')) -%}
    {%- endfor -%}
    select 1 as output_tables_ready
{%- endmacro %}
