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
-- The pupil over the years (storage/pupil_key.py): pupil_key is a keyed hash of the school's
-- own pupil number and school id, the same every year; pupil_id is that key plus the school
-- year. Neither the number nor a name is stored. NULL key: a pupil of a file of before the
-- key (its id was per year), never linked. class_group: the lesgroep as the school names it.
ALTER TABLE pupils ADD COLUMN IF NOT EXISTS pupil_key TEXT;
ALTER TABLE pupils ADD COLUMN IF NOT EXISTS class_group TEXT;

-- One row per pupil x assessment x domain. No PRIMARY KEY on purpose: its index over four
-- text columns was 1 GB of a 1.2 GB Flanders snapshot (every import copies the file) and
-- cost 3 s per pupil import. The one writer keeps the rows unique: the pupil file has one row
-- per pupil, the pupils table keeps its key, and a file first deletes the results of its
-- pupils for that assessment (imports/writing.py, write_pupils, which also checks it).
CREATE TABLE IF NOT EXISTS pupil_results (
    pupil_id      TEXT NOT NULL,
    assessment_id TEXT NOT NULL,
    learning_area TEXT NOT NULL,
    domain        TEXT NOT NULL,
    score         DOUBLE NOT NULL CHECK (score BETWEEN 0 AND 100),
    goal_reached  BOOLEAN
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

-- Materialised by statistics/materialize.py after every import; never written by hand.
-- The method is docs/statistics.md. ci_low/ci_high, status and effect_size are the
-- three-year shrunken estimate; year_* are the single year's numbers (shown, never judged).
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
    similar_mean     DOUBLE,   -- published: same SES group, the school included
    flanders_mean    DOUBLE,
    flanders_sd      DOUBLE,   -- SD_t: Flanders pupil SD of the year's form
    diff_similar     DOUBLE,
    diff_flanders    DOUBLE,
    ci_low           DOUBLE,   -- interval of status_estimate (points of this year)
    ci_high          DOUBLE,
    effect_size      DOUBLE,   -- status_estimate / flanders_sd
    status           TEXT NOT NULL,
    trend            TEXT NOT NULL,
    trend_slope      DOUBLE,   -- points per school year
    trend_p          DOUBLE,   -- two-sided p of the z test
    trend_years      INTEGER,
    ses_group        INTEGER,
    suppressed       BOOLEAN NOT NULL,
    source           TEXT NOT NULL   -- 'pupils' or 'aggregate'
);
-- Added after the first release (ADD COLUMN IF NOT EXISTS keeps older files opening; the next
-- refresh fills them).
ALTER TABLE school_result ADD COLUMN IF NOT EXISTS sd_within DOUBLE;        -- σ_w,t
ALTER TABLE school_result ADD COLUMN IF NOT EXISTS comparison TEXT;         -- similar|flanders
ALTER TABLE school_result ADD COLUMN IF NOT EXISTS status_estimate DOUBLE;  -- θ·SD_t, points
ALTER TABLE school_result ADD COLUMN IF NOT EXISTS status_years INTEGER;    -- years pooled
ALTER TABLE school_result ADD COLUMN IF NOT EXISTS status_from INTEGER;     -- first year start
ALTER TABLE school_result ADD COLUMN IF NOT EXISTS status_n INTEGER;        -- pupils pooled
ALTER TABLE school_result ADD COLUMN IF NOT EXISTS reliability DOUBLE;      -- λ
ALTER TABLE school_result ADD COLUMN IF NOT EXISTS z_crit DOUBLE;           -- 1.96 or 2.58
ALTER TABLE school_result ADD COLUMN IF NOT EXISTS year_diff DOUBLE;        -- d_st, leave-one-out
ALTER TABLE school_result ADD COLUMN IF NOT EXISTS year_ci_low DOUBLE;
ALTER TABLE school_result ADD COLUMN IF NOT EXISTS year_ci_high DOUBLE;
ALTER TABLE school_result ADD COLUMN IF NOT EXISTS sd_class DOUBLE;         -- σ_c, points
ALTER TABLE school_result ADD COLUMN IF NOT EXISTS sd_between DOUBLE;       -- τ, points
ALTER TABLE school_result ADD COLUMN IF NOT EXISTS trend_se DOUBLE;         -- points per year
ALTER TABLE school_result ADD COLUMN IF NOT EXISTS trend_z DOUBLE;
ALTER TABLE school_result ADD COLUMN IF NOT EXISTS trend_from INTEGER;      -- first year start

-- Variance components per cell, estimated from all schools at every refresh (docs/statistics.md) and
-- shown on Uitleg. kind = the table they judge (school_result or school_expected).
CREATE TABLE IF NOT EXISTS variance_components (
    kind                 TEXT NOT NULL,
    comparison           TEXT NOT NULL,    -- similar, flanders or expected
    assessment_id        TEXT NOT NULL,
    learning_area        TEXT,
    domain               TEXT,
    n_schools            INTEGER,
    n_second_differences INTEGER,
    class_estimated      BOOLEAN,          -- false: too few years, rules.toml fallback used
    class_sd_units       DOUBLE,           -- σ_c in Flanders pupil SDs
    between_sd_units     DOUBLE,           -- τ in Flanders pupil SDs
    sd_pupils            DOUBLE,           -- SD_t of the latest year, points
    sd_class             DOUBLE,           -- σ_c in points of that year
    sd_between           DOUBLE            -- τ in points of that year
);
-- statistics/cache.py also keeps school_cell_aggregate and school_expected_sums: pupil-level
-- aggregates per school x year x cell, recomputed only for the school years an import touched.

-- SES-adjusted expected score per school cell (statistics/expected.py). Only for pupil-level
-- results; rebuilt together with school_result. suppressed = fewer pupils with a known
-- background than the privacy minimum (then every measure is NULL). value_added keeps its
-- name for compatibility; it is the SES-gecorrigeerde score (observed − expected), not value
-- added (there is no prior attainment).
CREATE TABLE IF NOT EXISTS school_expected (
    school_id      TEXT NOT NULL,
    school_year    TEXT NOT NULL,
    assessment_id  TEXT NOT NULL,
    learning_area  TEXT,
    domain         TEXT,
    n_pupils       INTEGER NOT NULL,   -- pupils with a score and a known background
    observed_mean  DOUBLE,
    expected_mean  DOUBLE,             -- verwachte score
    value_added    DOUBLE,             -- SES-gecorrigeerd verschil = observed - expected
    va_ci_low      DOUBLE,             -- interval of va_estimate (three years, shrunken)
    va_ci_high     DOUBLE,
    va_status      TEXT NOT NULL,
    va_trend       TEXT NOT NULL,
    va_trend_slope DOUBLE,
    va_trend_p     DOUBLE,
    suppressed     BOOLEAN NOT NULL
);
ALTER TABLE school_expected ADD COLUMN IF NOT EXISTS va_estimate DOUBLE;
ALTER TABLE school_expected ADD COLUMN IF NOT EXISTS va_status_years INTEGER;
ALTER TABLE school_expected ADD COLUMN IF NOT EXISTS va_status_from INTEGER;
ALTER TABLE school_expected ADD COLUMN IF NOT EXISTS va_year_ci_low DOUBLE;   -- single year
ALTER TABLE school_expected ADD COLUMN IF NOT EXISTS va_year_ci_high DOUBLE;

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

-- Results per class group inside a school (statistics/classes.py): descriptive, never
-- coloured. Seen only by the school's own staff (reading/classes.py). Suppressed rows (below
-- the privacy minimum, or hidden so that a small group cannot be derived from the school's
-- result minus the other groups) hold no measure.
CREATE TABLE IF NOT EXISTS class_result (
    school_id        TEXT NOT NULL,
    school_year      TEXT NOT NULL,
    assessment_id    TEXT NOT NULL,
    class_group      TEXT NOT NULL,
    learning_area    TEXT,
    domain           TEXT,
    n_pupils         INTEGER,
    score_mean       DOUBLE,
    score_sd         DOUBLE,
    pct_goal_reached DOUBLE,
    ci_low           DOUBLE,   -- 95 % interval of the class mean (t quantile)
    ci_high          DOUBLE,
    suppressed       BOOLEAN NOT NULL
);

-- Learning gain of pupils linked from grade 4 to grade 6 (statistics/progress.py): the
-- grade-6 score minus the score expected from the same pupils' grade-4 score (a Flanders-wide
-- line per cohort), pooled, shrunk and coloured like school_result. learning_area NULL = total.
CREATE TABLE IF NOT EXISTS school_progress (
    school_id         TEXT NOT NULL,
    from_year         TEXT NOT NULL,
    to_year           TEXT NOT NULL,
    from_assessment   TEXT NOT NULL,
    to_assessment     TEXT NOT NULL,
    learning_area     TEXT,
    n_linked          INTEGER,   -- pupils with both scores; NULL when suppressed
    pct_linked        DOUBLE,    -- of the school's grade-6 pupils with that score
    progress_estimate DOUBLE,    -- pooled, shrunken, points of the grade-6 scale
    ci_low            DOUBLE,
    ci_high           DOUBLE,
    status            TEXT NOT NULL,
    trend             TEXT NOT NULL,
    suppressed        BOOLEAN NOT NULL,
    year_progress     DOUBLE,    -- this cohort's own mean residual (shown, never judged)
    n_pupils_to       INTEGER    -- the school's grade-6 pupils with that score
);

-- ---------------------------------------------------------------- public contract (README, "The data contract")

-- Suppressed rows: every measure is NULL, n_pupils included (a count of 1-4 pupils is itself
-- a small group). Columns after `suppressed` were added later (the contract's columns
-- and their order stay): the estimate behind the colour and the single year's own numbers.
CREATE OR REPLACE VIEW v_school_result AS
    SELECT school_id, school_year, assessment_id, learning_area, domain,
           CASE WHEN suppressed THEN NULL ELSE n_pupils END AS n_pupils,
           score_mean, score_sd, pct_goal_reached, similar_mean, flanders_mean,
           diff_similar, diff_flanders, ci_low, ci_high, status, trend, suppressed,
           status_estimate, status_years,
           CASE WHEN status_from IS NULL THEN NULL
                ELSE status_from::TEXT || '-' || (status_from + 1)::TEXT END AS status_from_year,
           year_diff, year_ci_low, year_ci_high, trend_slope,
           CASE WHEN trend_from IS NULL THEN NULL
                ELSE trend_from::TEXT || '-' || (trend_from + 1)::TEXT END AS trend_from_year,
           trend_years,
           -- SD_t in points: with ci_low/ci_high and rules.toml (large_effect_size,
           -- as_expected_margin) every status can be checked from this view alone.
           CASE WHEN suppressed THEN NULL ELSE flanders_sd END AS flanders_sd
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

-- The school's class groups (school staff only: the app reads it through
-- reading/classes.py, which refuses every other role). Every measure NULL when suppressed.
CREATE OR REPLACE VIEW v_class_result AS
    SELECT school_id, school_year, assessment_id, class_group, learning_area, domain,
           -- One rule for every measure; COLUMNS keeps each column's name and order.
           CASE WHEN suppressed THEN NULL
                ELSE COLUMNS(['n_pupils', 'score_mean', 'pct_goal_reached', 'ci_low', 'ci_high'])
           END,
           suppressed
    FROM class_result;

-- Learning gain per school and cohort (README, "The data contract"). Every measure NULL when
-- fewer linked pupils than the privacy minimum.
CREATE OR REPLACE VIEW v_school_progress AS
    SELECT school_id, from_year, to_year, from_assessment, to_assessment, learning_area,
           CASE WHEN suppressed THEN NULL
                ELSE COLUMNS(['n_linked', 'pct_linked', 'progress_estimate', 'ci_low', 'ci_high'])
           END,
           status, trend, suppressed,
           CASE WHEN suppressed THEN NULL ELSE year_progress END AS year_progress
    FROM school_progress;
