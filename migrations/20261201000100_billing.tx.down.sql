DROP TABLE billing_events;
DROP TABLE billing_invoices;
DROP TABLE billing_accounts;
