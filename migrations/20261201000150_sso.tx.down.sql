DROP TABLE sso_flows;
DROP TABLE sso_connections;
