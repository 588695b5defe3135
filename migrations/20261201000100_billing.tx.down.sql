DROP FUNCTION app.billing_accounts_all();
DROP TABLE billing_events;
DROP TABLE billing_invoices;
DROP TABLE billing_accounts;
