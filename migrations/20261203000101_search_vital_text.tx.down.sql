DROP INDEX missions_vital_search_idx;
