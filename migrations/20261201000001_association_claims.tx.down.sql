DROP TABLE association_claims;
