DROP TABLE missions;
DROP TABLE associations;
DROP TABLE sanitary_rules;
DROP TABLE vital_categories;
