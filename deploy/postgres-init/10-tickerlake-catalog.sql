-- The DuckLake catalog of the warehouse lives beside Airflow's metadata, in its own database.
-- Runs once, when the postgres volume is first initialised.
CREATE DATABASE tickerlake_catalog;
