-- Scenarios, their technical criteria, and clarification questions with answers.

CREATE TABLE scenarios (
    id BIGINT PRIMARY KEY,
    owner_org_id BIGINT NOT NULL REFERENCES organizations (id),
    created_by BIGINT NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    description TEXT NOT NULL,
    domain TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    budget_min_fen BIGINT NOT NULL CHECK (budget_min_fen > 0),
    budget_max_fen BIGINT NOT NULL CHECK (budget_max_fen >= budget_min_fen),
    bid_deadline TIMESTAMP NOT NULL,
    price_weight INTEGER NOT NULL CHECK (price_weight BETWEEN 0 AND 100),
    procurement_type TEXT NOT NULL DEFAULT 'services',
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'evaluating', 'awarded', 'delivered', 'closed', 'cancelled')),
    origin TEXT NOT NULL DEFAULT 'platform',
    cancel_reason TEXT,
    published_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX scenarios_owner ON scenarios (owner_org_id);
CREATE INDEX scenarios_status_deadline ON scenarios (status, bid_deadline);
CREATE INDEX scenarios_published ON scenarios (published_at);

CREATE TABLE scenario_criteria (
    id BIGINT PRIMARY KEY,
    scenario_id BIGINT NOT NULL REFERENCES scenarios (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    weight INTEGER NOT NULL CHECK (weight BETWEEN 0 AND 100),
    description TEXT NOT NULL DEFAULT '',
    UNIQUE (scenario_id, position)
);

CREATE TABLE questions (
    id BIGINT PRIMARY KEY,
    scenario_id BIGINT NOT NULL REFERENCES scenarios (id),
    asked_by BIGINT NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX questions_scenario ON questions (scenario_id, created_at);

CREATE TABLE answers (
    id BIGINT PRIMARY KEY,
    question_id BIGINT NOT NULL REFERENCES questions (id),
    answered_by BIGINT NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX answers_question ON answers (question_id, created_at);
