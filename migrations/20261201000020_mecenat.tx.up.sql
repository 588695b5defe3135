-- Mécénat de compétences (CGI art. 238 bis): the hours an employee gives on
-- paid working time are a gift in kind, valued at their cost to the company.
--
-- The law's figures (the monthly social security ceiling, the rates, the
-- thresholds) change by year: they are dated reference data that platform
-- staff keep, never constants in code. Hourly costs are pay: they sit under
-- a second row-level lock that only the HR pages and API guarded by the
-- "costs" permission open (app.costs set for the transaction), so that no
-- other query of the company, and no association, ever reads them.

-- Whether a campaign's hours are on paid working time; a participation may
-- say otherwise (NULL: the campaign's).
ALTER TABLE campaigns ADD COLUMN work_time boolean NOT NULL DEFAULT false;
ALTER TABLE participations ADD COLUMN work_time boolean;

-- Gifts to organisations helping people in difficulty (free meals, housing,
-- care: art. 238 bis 1, second paragraph) earn 60 % whatever the amount. A
-- mission's cause says so; staff mark the causes.
ALTER TABLE causes ADD COLUMN special_rate boolean NOT NULL DEFAULT false;
UPDATE causes SET special_rate = true WHERE code = 'emergency';

-- One row per calendar year. Rates and the turnover share are in basis
-- points (1/10 000): 60 % is 6000, 5 ‰ is 50. Money in cents.
CREATE TABLE mecenat_reference (
    year                   int         PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
    pass_monthly_cents     bigint      NOT NULL CHECK (pass_monthly_cents > 0),
    cap_pass_multiple      int         NOT NULL DEFAULT 3 CHECK (cap_pass_multiple > 0),
    rate_bp                int         NOT NULL DEFAULT 6000 CHECK (rate_bp BETWEEN 0 AND 10000),
    upper_rate_bp          int         NOT NULL DEFAULT 4000 CHECK (upper_rate_bp BETWEEN 0 AND 10000),
    upper_tier_cents       bigint      NOT NULL DEFAULT 200000000 CHECK (upper_tier_cents > 0),
    floor_cents            bigint      NOT NULL DEFAULT 2000000 CHECK (floor_cents >= 0),
    turnover_bp            int         NOT NULL DEFAULT 50 CHECK (turnover_bp BETWEEN 0 AND 10000),
    carry_years            int         NOT NULL DEFAULT 5 CHECK (carry_years BETWEEN 0 AND 20),
    beneficiary_list_cents bigint      NOT NULL DEFAULT 1000000 CHECK (beneficiary_list_cents >= 0),
    source                 text        NOT NULL DEFAULT '',
    updated_at             timestamptz NOT NULL DEFAULT now(),
    updated_by             text        NOT NULL DEFAULT ''
);

-- Monthly PASS (plafond de la sécurité sociale, art. L. 241-3 CSS), from the
-- yearly arrêtés: 41 136 € a year in 2020-2022 (frozen in 2021 and 2022),
-- 43 992 € in 2023, 46 368 € in 2024, 47 100 € in 2025, 48 060 € in 2026.
INSERT INTO mecenat_reference (year, pass_monthly_cents, source) VALUES
    (2020, 342800, 'arrêté du 2 décembre 2019'),
    (2021, 342800, 'arrêté du 22 décembre 2020'),
    (2022, 342800, 'arrêté du 15 décembre 2021'),
    (2023, 366600, 'arrêté du 9 décembre 2022'),
    (2024, 386400, 'arrêté du 19 décembre 2023'),
    (2025, 392500, 'arrêté du 19 décembre 2024'),
    (2026, 400500, 'arrêté de décembre 2025');

-- A company's default hourly cost (pay and social charges).
CREATE TABLE mecenat_settings (
    tenant_id            uuid        PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    default_hourly_cents bigint      CHECK (default_hourly_cents > 0),
    updated_at           timestamptz NOT NULL DEFAULT now()
);

-- Named bands of hourly cost ("cadres", "techniciens").
CREATE TABLE mecenat_cost_bands (
    tenant_id    uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id           uuid        NOT NULL,
    name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    hourly_cents bigint      NOT NULL CHECK (hourly_cents > 0),
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX mecenat_cost_bands_name_key ON mecenat_cost_bands (tenant_id, lower(name));

-- A person's cost: their own, or their band's.
CREATE TABLE mecenat_member_costs (
    tenant_id    uuid        NOT NULL,
    member_id    uuid        NOT NULL,
    hourly_cents bigint      CHECK (hourly_cents > 0),
    band_id      uuid,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, member_id),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, band_id) REFERENCES mecenat_cost_bands (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT mecenat_member_costs_one CHECK ((hourly_cents IS NULL) <> (band_id IS NULL))
);

-- The company's declared turnover per fiscal year (the calendar year), for
-- the 5 ‰ ceiling.
CREATE TABLE mecenat_turnovers (
    tenant_id      uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    year           int         NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    turnover_cents bigint      NOT NULL CHECK (turnover_cents >= 0),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, year)
);

-- The costs' lock: the company's rows, and only in a transaction that the
-- costs permission opened.
CREATE FUNCTION app.costs_open() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT coalesce(current_setting('app.costs', true), '') = 'on' $$;
GRANT EXECUTE ON FUNCTION app.costs_open() TO {{.AppRole}};

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['mecenat_settings', 'mecenat_cost_bands', 'mecenat_member_costs'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY costs_reader ON %I USING (tenant_id = app.current_tenant_id() AND app.costs_open())
            WITH CHECK (tenant_id = app.current_tenant_id() AND app.costs_open())', t);
    END LOOP;
END $$;
ALTER TABLE mecenat_turnovers ENABLE ROW LEVEL SECURITY;
ALTER TABLE mecenat_turnovers FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON mecenat_turnovers USING (tenant_id = app.current_tenant_id())
    WITH CHECK (tenant_id = app.current_tenant_id());

GRANT SELECT, INSERT, UPDATE ON mecenat_reference TO {{.AppRole}};
GRANT SELECT, INSERT, UPDATE, DELETE ON mecenat_settings, mecenat_cost_bands, mecenat_member_costs, mecenat_turnovers TO {{.AppRole}};
