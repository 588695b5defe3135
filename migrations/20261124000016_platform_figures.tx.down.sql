DROP FUNCTION app.company_redirects();
DROP FUNCTION app.company_figures();
