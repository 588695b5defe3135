-- The catalogue's first shape: associations and the missions (needs) they
-- post, shared by every company, plus the four vital missions of the
-- government's spring 2020 call and the health ministry's sanitary rules.
-- The catalogue work extends these tables.

CREATE TABLE vital_categories (
    code           text PRIMARY KEY,
    position       int  NOT NULL UNIQUE,
    label_fr       text NOT NULL,
    label_en       text NOT NULL,
    description_fr text NOT NULL,
    description_en text NOT NULL
);

INSERT INTO vital_categories (code, position, label_fr, label_en, description_fr, description_en) VALUES
('food_aid', 1, 'Aide alimentaire et d''urgence', 'Food and emergency aid',
 'Distribuer des produits de première nécessité (aliments, hygiène) et des repas aux plus démunis, dans la rue ou en structure (accueils de jour, centres d''hébergement).',
 'Distribute essential goods (food, hygiene) and meals to the most deprived, in the street or in facilities (day centres, shelters).'),
('childcare', 2, 'Garde exceptionnelle d''enfants', 'Exceptional childcare',
 'Garder des enfants de soignants ou d''une structure de l''Aide Sociale à l''Enfance.',
 'Look after the children of staff essential to the health crisis, or of a child-welfare (Aide Sociale à l''Enfance) facility.'),
('isolated_people', 3, 'Lien avec les personnes fragiles isolées', 'Contact with isolated fragile people',
 'Maintenir un lien (téléphone, visio, mail) avec des personnes fragiles isolées : personnes âgées, malades, en situation de handicap ou de pauvreté.',
 'Keep in touch (phone, video, mail) with isolated fragile people: elderly, ill, disabled, in poverty.'),
('local_solidarity', 4, 'Solidarité de proximité', 'Neighbourhood solidarity',
 'Faire les courses de produits essentiels pour les voisins les plus fragiles.',
 'Do the shopping of essential goods for the most fragile neighbours.');

CREATE TABLE sanitary_rules (
    position int  PRIMARY KEY,
    text_fr  text NOT NULL,
    text_en  text NOT NULL
);

INSERT INTO sanitary_rules (position, text_fr, text_en) VALUES
(1, 'Je respecte une distance d''au moins 1 mètre avec les autres personnes.', 'I keep at least 1 metre away from other people.'),
(2, 'J''applique les gestes barrières.', 'I apply the barrier gestures.'),
(3, 'Je suis ambassadeur de ces règles auprès des personnes que j''aide.', 'I am an ambassador of these rules to the people I help.'),
(4, 'Au moindre doute d''infection, je préviens l''association et je reste chez moi.', 'At the slightest doubt of infection, I tell the association and stay home.'),
(5, 'Si j''ai 70 ans ou plus ou une maladie chronique, je choisis uniquement des missions à distance.', 'If I am 70 or older or chronically ill, I choose remote missions only.');

CREATE TABLE associations (
    id          uuid        PRIMARY KEY,
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    legal_id    text        NOT NULL,
    description text        NOT NULL DEFAULT '',
    city        text        NOT NULL DEFAULT '',
    website     text        NOT NULL DEFAULT '',
    status      text        NOT NULL DEFAULT 'draft'
                CHECK (status IN ('draft', 'pending_review', 'verified', 'rejected', 'suspended')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT associations_legal_id_key UNIQUE (legal_id),
    -- RNA (W + 9 digits) or SIRET (14 digits).
    CONSTRAINT associations_legal_id_format CHECK (legal_id ~ '^(W[0-9]{9}|[0-9]{14})$')
);

CREATE TABLE missions (
    id             uuid        PRIMARY KEY,
    -- NULL for the vital missions curated by platform staff, whose sign-up
    -- happens on the national platform named by organizer and external_url.
    association_id uuid        REFERENCES associations (id),
    organizer      text        NOT NULL DEFAULT '',
    title          text        NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description    text        NOT NULL DEFAULT '',
    format         text        NOT NULL CHECK (format IN ('remote', 'on_site', 'hybrid')),
    city           text        NOT NULL DEFAULT '',
    vital_category text        REFERENCES vital_categories (code),
    -- Where sign-up happens on the national platform instead of here.
    external_url   text        NOT NULL DEFAULT '',
    places         int         NOT NULL CHECK (places >= 0),
    places_left    int         NOT NULL,
    status         text        NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'full', 'closed', 'flagged')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT missions_places_left_range CHECK (places_left BETWEEN 0 AND places),
    CONSTRAINT missions_owner CHECK (association_id IS NOT NULL OR (vital_category IS NOT NULL AND organizer <> ''))
);
CREATE INDEX missions_association_idx ON missions (association_id);
CREATE INDEX missions_open_idx ON missions (vital_category NULLS LAST, created_at DESC) WHERE status = 'open';

GRANT SELECT ON vital_categories, sanitary_rules TO {{.AppRole}};
GRANT SELECT, INSERT, UPDATE ON associations, missions TO {{.AppRole}};
