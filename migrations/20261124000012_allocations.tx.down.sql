DROP TABLE proposals, allocation_runs;
