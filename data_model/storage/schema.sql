-- Schoolfoto analytic snapshot schema. Version lives in meta.schema_version; db.py migrates.
-- Tables hold what was imported; school_result holds what stats.py computed from them
-- (materialised at import time, so a page never recomputes Flanders); the v_* views at the
-- bottom are the public contract (README, "The data contract"): keep their names and columns stable.

CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS regions (
    region_id TEXT PRIMARY KEY,
    name      TEXT NOT NULL
);

-- scholengemeenschap (school community)
CREATE TABLE IF NOT EXISTS school_communities (
    community_id TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    region_id    TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS schools (
    school_id    TEXT PRIMARY KEY CHECK (regexp_full_match(school_id, '[0-9]{6}')),
    name         TEXT NOT NULL,
    municipality TEXT NOT NULL,
    region_id    TEXT NOT NULL,
    community_id TEXT
);

-- Datawijzer-like context per school year; ses_group 1 (most disadvantaged) .. 5.
CREATE TABLE IF NOT EXISTS school_context (
    school_id                   TEXT NOT NULL,
    school_year                 TEXT NOT NULL,
    n_pupils                    INTEGER NOT NULL,
    pct_home_language_not_dutch DOUBLE,
    pct_mother_low_education    DOUBLE,
    pct_school_allowance        DOUBLE,
    pct_neighbourhood           DOUBLE,
    ses_index                   DOUBLE,
    ses_group                   INTEGER NOT NULL CHECK (ses_group BETWEEN 1 AND 9),
    PRIMARY KEY (school_id, school_year)
);

CREATE TABLE IF NOT EXISTS assessments (
    assessment_id TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    grade         INTEGER NOT NULL,
    score_label   TEXT NOT NULL,   -- what score_mean means, in Dutch
    goal_label    TEXT,            -- what pct_goal_reached means, NULL if not applicable
    sort_order    INTEGER NOT NULL
);

-- Learning areas and domains are data, not code. One row per domain.
CREATE TABLE IF NOT EXISTS domains (
    assessment_id TEXT NOT NULL,
    learning_area TEXT NOT NULL,
    domain        TEXT NOT NULL,
    area_order    INTEGER NOT NULL,
    domain_order  INTEGER NOT NULL,
    PRIMARY KEY (assessment_id, learning_area, domain)
);

CREATE TABLE IF NOT EXISTS pupils (
    pupil_id              TEXT PRIMARY KEY,
    school_id             TEXT NOT NULL,
    school_year           TEXT NOT NULL,
    grade                 INTEGER NOT NULL,
    gender                TEXT CHECK (gender IN ('jongen', 'meisje', 'x')),
    home_language_dutch   BOOLEAN,
    mother_low_education  BOOLEAN,
    school_allowance      BOOLEAN,
    neighbourhood_low     BOOLEAN,
    support_phase         TEXT   -- fase 0..3 of the support continuum, NULL if unknown
);

CREATE TABLE IF NOT EXISTS pupil_results (
    pupil_id      TEXT NOT NULL,
    assessment_id TEXT NOT NULL,
    learning_area TEXT NOT NULL,
    domain        TEXT NOT NULL,
    score         DOUBLE NOT NULL CHECK (score BETWEEN 0 AND 100),
    goal_reached  BOOLEAN,
    PRIMARY KEY (pupil_id, assessment_id, learning_area, domain)
);

-- Results that only exist as school aggregates (Vlaamse toetsen, the organiser's website).
-- domain NULL = learning-area row; learning_area NULL = assessment total.
CREATE TABLE IF NOT EXISTS school_results_aggregate (
    school_id        TEXT NOT NULL,
    school_year      TEXT NOT NULL,
    assessment_id    TEXT NOT NULL,
    learning_area    TEXT,
    domain           TEXT,
    n_pupils         INTEGER NOT NULL,
    score_mean       DOUBLE CHECK (score_mean BETWEEN 0 AND 100),
    score_sd         DOUBLE,
    pct_goal_reached DOUBLE CHECK (pct_goal_reached BETWEEN 0 AND 100),
    similar_mean     DOUBLE,   -- as published by the organiser; NULL = we compute it
    flanders_mean    DOUBLE,
    import_id        INTEGER
);

CREATE TABLE IF NOT EXISTS koala_outcomes (
    school_id   TEXT NOT NULL,
    school_year TEXT NOT NULL,
    n_groen     INTEGER NOT NULL,
    n_oranje    INTEGER NOT NULL,
    n_rood      INTEGER NOT NULL,
    PRIMARY KEY (school_id, school_year)
);

-- Support continuum (fase 0 brede basiszorg .. fase 3 IAC) and two indicators that are
-- counted the same way (CLB trajectories, grade retention): measure_kind tells them apart.
CREATE TABLE IF NOT EXISTS support_counts (
    school_id    TEXT NOT NULL,
    school_year  TEXT NOT NULL,
    phase        TEXT NOT NULL,
    measure_kind TEXT NOT NULL CHECK (measure_kind IN ('continuum', 'indicator')),
    n_pupils     INTEGER NOT NULL CHECK (n_pupils >= 0),
    PRIMARY KEY (school_id, school_year, phase)
);

CREATE TABLE IF NOT EXISTS guidance_contacts (
    contact_id   TEXT PRIMARY KEY,
    school_id    TEXT NOT NULL,
    school_year  TEXT NOT NULL,
    contact_date DATE NOT NULL,
    anker_id     TEXT NOT NULL,
    goal_code    TEXT NOT NULL,
    core_task    TEXT NOT NULL,
    form         TEXT NOT NULL CHECK (form IN ('individueel', 'lerend netwerk')),
    hours        DOUBLE NOT NULL CHECK (hours >= 0),
    units        INTEGER NOT NULL CHECK (units >= 0)
);

-- Internal: never shown to a directeur (enforced in queries.py).
CREATE TABLE IF NOT EXISTS guidance_need (
    school_id   TEXT NOT NULL,
    school_year TEXT NOT NULL,
    tier        TEXT NOT NULL CHECK (tier IN ('basisaanbod', 'verhoogde nood', 'grote nood')),
    PRIMARY KEY (school_id, school_year)
);

-- Users, notes, the audit log and the import log of every attempt live in the state store
-- (data_model/storage/state.py), not here: a snapshot is immutable once published.

-- The files that built this snapshot (name, SHA-256, time, user): its provenance. Written by
-- the importer inside the snapshot's build; the state store's import_log also has refusals.
CREATE SEQUENCE IF NOT EXISTS import_seq START 1;

CREATE TABLE IF NOT EXISTS import_log (
    import_id     INTEGER PRIMARY KEY DEFAULT nextval('import_seq'),
    imported_at   TIMESTAMP NOT NULL DEFAULT current_timestamp,
    user_id       TEXT NOT NULL,
    file_name     TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    kind          TEXT NOT NULL,
    rows_added    INTEGER NOT NULL DEFAULT 0,
    rows_replaced INTEGER NOT NULL DEFAULT 0,
    outcome       TEXT NOT NULL,
    message       TEXT
);

-- Materialised by materialize.py after every import; never written by hand.
CREATE TABLE IF NOT EXISTS school_result (
    school_id        TEXT NOT NULL,
    school_year      TEXT NOT NULL,
    assessment_id    TEXT NOT NULL,
    learning_area    TEXT,
    domain           TEXT,
    n_pupils         INTEGER NOT NULL,
    score_mean       DOUBLE,
    score_sd         DOUBLE,
    pct_goal_reached DOUBLE,
    similar_mean     DOUBLE,
    flanders_mean    DOUBLE,
    flanders_sd      DOUBLE,
    diff_similar     DOUBLE,
    diff_flanders    DOUBLE,
    ci_low           DOUBLE,
    ci_high          DOUBLE,
    effect_size      DOUBLE,
    status           TEXT NOT NULL,
    trend            TEXT NOT NULL,
    trend_slope      DOUBLE,
    trend_p          DOUBLE,
    trend_years      INTEGER,
    ses_group        INTEGER,
    suppressed       BOOLEAN NOT NULL,
    source           TEXT NOT NULL   -- 'pupils' or 'aggregate'
);

-- SES-adjusted expected score per school cell (data_model/expected.py, issue 3). Only for
-- pupil-level results; rebuilt together with school_result. suppressed = fewer pupils with a
-- known background than the privacy minimum (then every measure is NULL).
CREATE TABLE IF NOT EXISTS school_expected (
    school_id      TEXT NOT NULL,
    school_year    TEXT NOT NULL,
    assessment_id  TEXT NOT NULL,
    learning_area  TEXT,
    domain         TEXT,
    n_pupils       INTEGER NOT NULL,   -- pupils with a score and a known background
    observed_mean  DOUBLE,
    expected_mean  DOUBLE,             -- verwachte score
    value_added    DOUBLE,             -- toegevoegde waarde = observed - expected
    va_ci_low      DOUBLE,
    va_ci_high     DOUBLE,
    va_status      TEXT NOT NULL,
    va_trend       TEXT NOT NULL,
    va_trend_slope DOUBLE,
    va_trend_p     DOUBLE,
    suppressed     BOOLEAN NOT NULL
);

-- The regression behind school_expected: one row per school year x assessment x cell.
CREATE TABLE IF NOT EXISTS expected_model (
    school_year                  TEXT NOT NULL,
    assessment_id                TEXT NOT NULL,
    learning_area                TEXT,
    domain                       TEXT,
    n_pupils                     INTEGER NOT NULL,
    intercept                    DOUBLE,
    coef_home_language_not_dutch DOUBLE,
    coef_mother_low_education    DOUBLE,
    coef_school_allowance        DOUBLE,
    coef_neighbourhood_low       DOUBLE,
    r_squared                    DOUBLE,
    residual_sd                  DOUBLE
);

-- ---------------------------------------------------------------- public contract (DESIGN §4)

CREATE OR REPLACE VIEW v_school_result AS
    SELECT school_id, school_year, assessment_id, learning_area, domain, n_pupils,
           score_mean, score_sd, pct_goal_reached, similar_mean, flanders_mean,
           diff_similar, diff_flanders, ci_low, ci_high, status, trend, suppressed
    FROM school_result;

CREATE OR REPLACE VIEW v_support AS
    SELECT school_id, school_year, phase, measure_kind, n_pupils
    FROM support_counts;

CREATE OR REPLACE VIEW v_guidance AS
    SELECT contact_id, school_id, school_year, contact_date, anker_id, goal_code,
           core_task, form, hours, units
    FROM guidance_contacts;

CREATE OR REPLACE VIEW v_school_context AS
    SELECT c.school_id, s.name AS school_name, s.region_id, s.community_id, c.school_year,
           c.n_pupils, c.pct_home_language_not_dutch, c.pct_mother_low_education,
           c.pct_school_allowance, c.pct_neighbourhood, c.ses_index, c.ses_group
    FROM school_context c JOIN schools s USING (school_id);
