{% macro cg_spend_columns() -%}
    {#- The PRD's spend columns, in the order of the input table. -#}
    {{ return(['avg_amazon_gmv', 'avg_flipkart_gmv', 'avg_myntra_gmv', 'avg_ajio_gmv', 'avg_grocery_gmv', 'avg_confirmed_gmv']) }}
{%- endmacro %}

{% macro cg_text(expression) -%}
    {{ return(adapter.dispatch('cg_text', 'cgcompile')(expression)) }}
{%- endmacro %}

{% macro default__cg_text(expression) -%}
    cast({{ expression }} as varchar)
{%- endmacro %}

{# MySQL and MariaDB cast to text with CHAR, not VARCHAR. #}
{% macro mysql__cg_text(expression) -%}
    cast({{ expression }} as char)
{%- endmacro %}

{% macro mariadb__cg_text(expression) -%}
    cast({{ expression }} as char)
{%- endmacro %}

{% macro cg_now() -%}
    {{ return(adapter.dispatch('cg_now', 'cgcompile')()) }}
{%- endmacro %}

{# DuckDB's current_timestamp carries a time zone; the PRD's columns do not. #}
{% macro default__cg_now() -%}
    cast(current_timestamp as timestamp)
{%- endmacro %}

{% macro mysql__cg_now() -%}
    current_timestamp
{%- endmacro %}

{% macro mariadb__cg_now() -%}
    current_timestamp
{%- endmacro %}
