{{ config(materialized='cg_lane_table', enabled=target.type not in ('duckdb', 'spark')) }}

-- MySQL/MariaDB: where the lanes put the rows they rank, one chunk as one
-- range of its primary key (chunk_no, user_no, card_rank); created empty by
-- every run before the lanes (batch/lanes.sql).  Disabled on DuckDB.

select * from {{ ref('int_top_cards') }}
