DROP FUNCTION app.companies_with_due_reminders();
DROP VIEW app.due_reminders;
DROP FUNCTION app.participation_dates(uuid, uuid);
DROP TABLE participation_reminders;
