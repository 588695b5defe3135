-- Campaigns, employee profiles, participations (sign-ups) and hours.
--
-- Participations and hours belong to the employee's company (tenant_id,
-- row-level security). An association sees and decides on the applicants
-- of its own missions from every company: a second policy admits the rows
-- of missions of the association set with set_config('app.association_id',
-- …, true), which the server sets only for that association's managers and
-- for the place bookkeeping done on its behalf (promoting the first on a
-- waiting list, whatever their company).

CREATE FUNCTION app.current_association_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT NULLIF(current_setting('app.association_id', true), '')::uuid $$;

CREATE TABLE campaign_templates (
    code                   text PRIMARY KEY CHECK (code ~ '^[a-z0-9-]+$'),
    name_fr                text    NOT NULL,
    name_en                text    NOT NULL,
    description_fr         text    NOT NULL DEFAULT '',
    description_en         text    NOT NULL DEFAULT '',
    crisis                 boolean NOT NULL DEFAULT false, -- vital missions pinned first and boosted
    remote_first           boolean NOT NULL DEFAULT false,
    goal_participation_pct int     CHECK (goal_participation_pct BETWEEN 1 AND 100),
    goal_hours_per_person  numeric(6, 1),
    duration_days          int     NOT NULL DEFAULT 60 CHECK (duration_days > 0),
    max_active_per_employee int    NOT NULL DEFAULT 2 CHECK (max_active_per_employee > 0),
    auto_approve_hours     numeric(5, 1) NOT NULL DEFAULT 0 CHECK (auto_approve_hours >= 0),
    updated_at             timestamptz NOT NULL DEFAULT now()
);

INSERT INTO campaign_templates (code, name_fr, name_en, description_fr, description_en, crisis, remote_first,
    goal_participation_pct, goal_hours_per_person, duration_days, max_active_per_employee, auto_approve_hours) VALUES
('tous-confines-tous-engages', 'Tous confinés, Tous engagés', 'All confined, all engaged',
 'Confinés, en télétravail ou en chômage partiel, mettons nos compétences au service des associations, à distance. Les quatre missions vitales de la Réserve Civique passent en premier : pour celles-ci, l''inscription se fait sur la plateforme nationale, en respectant les règles sanitaires.',
 'Confined, working from home or on short-time work, let us lend our skills to associations, remotely. The four vital missions of the Réserve Civique come first: for those, sign-up happens on the national platform, following the sanitary rules.',
 true, true, 20, 10, 60, 2, 4);

CREATE TABLE campaigns (
    tenant_id               uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id                      uuid        NOT NULL,
    template_code           text        REFERENCES campaign_templates (code),
    name                    text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description             text        NOT NULL DEFAULT '',
    starts_on               date        NOT NULL,
    ends_on                 date        NOT NULL,
    status                  text        NOT NULL DEFAULT 'draft'
                            CHECK (status IN ('draft', 'scheduled', 'active', 'closed', 'archived')),
    audience                text        NOT NULL DEFAULT 'all' CHECK (audience IN ('all', 'departments', 'sites')),
    audience_values         text[]      NOT NULL DEFAULT '{}',
    mission_scope           text        NOT NULL DEFAULT 'all' CHECK (mission_scope IN ('all', 'causes', 'listed')),
    mission_causes          text[]      NOT NULL DEFAULT '{}',
    mission_ids             uuid[]      NOT NULL DEFAULT '{}',
    goal_participants       int         CHECK (goal_participants > 0),
    goal_hours              numeric(9, 1) CHECK (goal_hours > 0),
    max_active_per_employee int         NOT NULL DEFAULT 2 CHECK (max_active_per_employee > 0),
    allowance_hours         numeric(6, 1) CHECK (allowance_hours > 0),
    auto_approve_hours      numeric(5, 1) NOT NULL DEFAULT 0 CHECK (auto_approve_hours >= 0),
    crisis                  boolean     NOT NULL DEFAULT false,
    remote_first            boolean     NOT NULL DEFAULT false,
    response_days           int         NOT NULL DEFAULT 7 CHECK (response_days > 0),
    created_by              uuid,
    launched_at             timestamptz,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT campaigns_dates CHECK (ends_on >= starts_on)
);
CREATE INDEX campaigns_status_idx ON campaigns (tenant_id, status);

CREATE TABLE profiles (
    tenant_id      uuid          NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    member_id      uuid          NOT NULL,
    hours_per_week numeric(4, 1) NOT NULL DEFAULT 2 CHECK (hours_per_week BETWEEN 0 AND 60),
    days           text[]        NOT NULL DEFAULT '{}',
    formats        text[]        NOT NULL DEFAULT '{remote}',
    home_lat       double precision CHECK (home_lat BETWEEN -90 AND 90),
    home_lon       double precision CHECK (home_lon BETWEEN -180 AND 180),
    home_city      text          NOT NULL DEFAULT '',
    radius_km      int           NOT NULL DEFAULT 20 CHECK (radius_km BETWEEN 0 AND 1000),
    languages      text[]        NOT NULL DEFAULT '{fr}',
    causes         text[]        NOT NULL DEFAULT '{}',
    updated_at     timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, member_id),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE profile_skills (
    tenant_id uuid NOT NULL,
    member_id uuid NOT NULL,
    skill     text NOT NULL REFERENCES skills (code),
    level     int  NOT NULL CHECK (level BETWEEN 1 AND 4),
    PRIMARY KEY (tenant_id, member_id, skill),
    FOREIGN KEY (tenant_id, member_id) REFERENCES profiles (tenant_id, member_id) ON DELETE CASCADE
);

CREATE TABLE participations (
    tenant_id      uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id             uuid        NOT NULL,
    campaign_id    uuid        NOT NULL,
    member_id      uuid        NOT NULL,
    mission_id     uuid        NOT NULL REFERENCES missions (id),
    slot_id        uuid,
    status         text        NOT NULL CHECK (status IN ('waiting', 'pending', 'validated', 'refused', 'cancelled', 'done', 'no_show')),
    motivation     text        NOT NULL DEFAULT '',
    sanitary_ack_at timestamptz,
    refusal_reason text        CHECK (refusal_reason IN ('no_response', 'requirements_not_met', 'changed_mind', 'mission_ended', 'other')),
    cancel_reason  text        NOT NULL DEFAULT '',
    reason_detail  text        NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now(),
    decided_at     timestamptz,
    flagged_late_at timestamptz,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id) ON DELETE CASCADE
);
-- One live participation per employee and mission.
CREATE UNIQUE INDEX participations_one_live_idx ON participations (tenant_id, member_id, mission_id)
    WHERE status IN ('waiting', 'pending', 'validated');
CREATE INDEX participations_mission_idx ON participations (mission_id, status, created_at);
CREATE INDEX participations_campaign_idx ON participations (tenant_id, campaign_id, status);
CREATE INDEX participations_member_idx ON participations (tenant_id, member_id, status);

CREATE TABLE hour_logs (
    tenant_id        uuid          NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id               uuid          NOT NULL,
    participation_id uuid          NOT NULL,
    member_id        uuid          NOT NULL,
    mission_id       uuid          NOT NULL REFERENCES missions (id),
    worked_on        date          NOT NULL,
    hours            numeric(5, 2) NOT NULL CHECK (hours > 0 AND hours <= 24),
    note             text          NOT NULL DEFAULT '',
    status           text          NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by       text          NOT NULL DEFAULT '',
    decided_at       timestamptz,
    created_at       timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, participation_id) REFERENCES participations (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX hour_logs_participation_idx ON hour_logs (tenant_id, participation_id);
CREATE INDEX hour_logs_mission_idx ON hour_logs (mission_id, status);

CREATE TABLE redirect_clicks (
    tenant_id   uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id          uuid        NOT NULL,
    campaign_id uuid,
    member_id   uuid,
    mission_id  uuid        NOT NULL REFERENCES missions (id),
    at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX redirect_clicks_campaign_idx ON redirect_clicks (tenant_id, campaign_id, at);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['campaigns', 'profiles', 'profile_skills', 'participations', 'hour_logs', 'redirect_clicks'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app.current_tenant_id()) WITH CHECK (tenant_id = app.current_tenant_id())', t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['participations', 'hour_logs'] LOOP
        EXECUTE format('CREATE POLICY association_view ON %I
            USING (mission_id IN (SELECT m.id FROM missions m WHERE m.association_id = app.current_association_id()))
            WITH CHECK (mission_id IN (SELECT m.id FROM missions m WHERE m.association_id = app.current_association_id()))', t);
    END LOOP;
END $$;

-- An association reads who applied: the member's name and email only,
-- through the participations it may see.
CREATE POLICY association_view ON members FOR SELECT
    USING (app.current_association_id() IS NOT NULL AND EXISTS (
        SELECT 1 FROM participations p JOIN missions m ON m.id = p.mission_id
        WHERE p.tenant_id = members.tenant_id AND p.member_id = members.id
          AND m.association_id = app.current_association_id()));

GRANT SELECT ON campaign_templates TO {{.AppRole}};
GRANT INSERT, UPDATE ON campaign_templates TO {{.AppRole}};
GRANT SELECT, INSERT, UPDATE, DELETE ON campaigns, profiles, profile_skills, participations, hour_logs TO {{.AppRole}};
GRANT SELECT, INSERT ON redirect_clicks TO {{.AppRole}};
