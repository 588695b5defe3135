DROP TRIGGER members_keep_an_hr_admin ON members;
DROP FUNCTION app.members_keep_an_hr_admin();
