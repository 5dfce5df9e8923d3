{#- Small helpers the models, hooks and tests share. -#}

{% macro cg_mysql() -%}
    {{ return(target.type in ('mysql', 'mariadb')) }}
{%- endmacro %}

{#- Spark: no row updates, so the batch engine takes its own path there (macros/spark.sql, docs/spark.md). -#}
{% macro cg_spark() -%}
    {{ return(target.type == 'spark') }}
{%- endmacro %}

{#- Relations the hooks touch, by name: a ref() from int_batch's hooks to
    card_recommendations, which depends on int_batch, would make a cycle. -#}
{% macro cg_relation(name, schema=none) -%}
    {{ return(api.Relation.create(database=target.database if target.type == 'duckdb' else none,
                                  schema=schema or target.schema, identifier=name)) }}
{%- endmacro %}

{#- The input with its status columns.  Spark: the view user_spending_status,
    the input joined to user_processing_state (macros/spark.sql). -#}
{% macro cg_source_relation() -%}
    {{ return(cg_relation('user_spending_status') if cg_spark() else cg_relation('user_spending_data', var('source_schema') or none)) }}
{%- endmacro %}

{% macro cg_exists(relation) -%}
    {{ return(adapter.get_relation(relation.database, relation.schema, relation.identifier) is not none) }}
{%- endmacro %}

{% macro cg_scalar(sql) -%}
    {{ return(run_query(sql).columns[0].values()[0]) }}
{%- endmacro %}

{#- How many cards each user gets (PRD: the top 10). -#}
{% macro cg_top_n() -%}
    {{ return(10) }}
{%- endmacro %}

{#- One id per dbt invocation, in the PRD's style (BATCH_20261123_020000), and
    the invocation's first 8 hex digits: two runs in one second differ. -#}
{% macro cg_batch_id() -%}
    {{ return('BATCH_' ~ run_started_at.strftime('%Y%m%d_%H%M%S') ~ '_' ~ invocation_id[:8]) }}
{%- endmacro %}

{% macro cg_spend_columns() -%}
    {{ return(['avg_amazon_gmv', 'avg_flipkart_gmv', 'avg_myntra_gmv', 'avg_ajio_gmv', 'avg_grocery_gmv', 'avg_confirmed_gmv']) }}
{%- endmacro %}

{#- DuckDB's current_timestamp has a time zone; the PRD's columns do not. -#}
{% macro cg_now() -%}
    {{ 'current_timestamp' if cg_mysql() else 'cast(current_timestamp as timestamp)' }}
{%- endmacro %}

{% macro cg_text(expression) -%}
    cast({{ expression }} as {{ 'char' if cg_mysql() else 'string' if cg_spark() else 'varchar' }})
{%- endmacro %}

{#- User ids compare as MariaDB's utf8mb4_general_ci compares them (case,
    accents and trailing spaces ignored) on every engine: DuckDB compares
    bytes, so there the id is folded first. -#}
{% macro cg_user_key(expression) -%}
    {%- if cg_spark() -%}
        {#- Spark has no strip_accents: Latin-1's accented letters are folded by hand. -#}
        translate(lower(rtrim({{ expression }})), 'àáâãäåçèéêëìíîïñòóôõöøùúûüýÿ', 'aaaaaaceeeeiiiinoooooouuuuyy')
    {%- else -%}
        {{ expression if cg_mysql() else 'strip_accents(lower(rtrim(' ~ expression ~ ')))' }}
    {%- endif -%}
{%- endmacro %}

{#- A post-hook: keys for the table just built, on MySQL/MariaDB; a seed
    loaded again into its table keeps them. -#}
{% macro cg_add_keys(clause) -%}
    {%- set keyed = cg_mysql() and execute and run_query("select 1 from information_schema.statistics where table_schema = '"
                    ~ this.schema ~ "' and table_name = '" ~ this.identifier ~ "' and index_name = 'PRIMARY'") | length > 0 -%}
    {{ ('alter table ' ~ this ~ ' ' ~ clause) if cg_mysql() and not keyed else 'select 1 as no_keys_needed' }}
{%- endmacro %}

{#- Tests store their failing rows in the job's schema (the job's database
    user may create tables there and nowhere else); models keep dbt's rule. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ target.schema if custom_schema_name is none or node.resource_type == 'test'
       else target.schema ~ '_' ~ custom_schema_name | trim }}
{%- endmacro %}
