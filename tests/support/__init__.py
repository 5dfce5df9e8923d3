"""What the tests share: model builders, the fixed test catalog, the dbt stand-in, the job driver."""
