//! The diesel schema, shared by both backends (kept in step with `migrations/`).

diesel::table! {
    organizations (id) {
        id -> BigInt,
        kind -> Text,
        name -> Text,
        credit_code -> Nullable<Text>,
        verified -> Bool,
        opc_member -> Bool,
        description -> Text,
        capabilities -> Text,
        contact_name -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        offer_kinds -> Text,
        open_to_teaming -> Bool,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        email_normalized -> Text,
        display_name -> Text,
        role -> Text,
        organization_id -> Nullable<BigInt>,
        expertise -> Text,
        password_hash -> Text,
        active -> Bool,
        locale -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        session_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    password_resets (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_attempts (id) {
        id -> BigInt,
        email_normalized -> Text,
        ip -> Text,
        succeeded -> Bool,
        at -> Timestamp,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        actor_id -> Nullable<BigInt>,
        action -> Text,
        subject_type -> Text,
        subject_id -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        at -> Timestamp,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    audit_pending (id) {
        id -> BigInt,
        actor_id -> Nullable<BigInt>,
        action -> Text,
        subject_type -> Text,
        subject_id -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        at -> Timestamp,
    }
}

diesel::table! {
    audit_head (id) {
        id -> Integer,
        seq -> BigInt,
        hash -> Text,
    }
}

diesel::table! {
    jobs (id) {
        id -> BigInt,
        kind -> Text,
        payload -> Text,
        status -> Text,
        run_at -> Timestamp,
        attempts -> Integer,
        max_attempts -> Integer,
        last_error -> Nullable<Text>,
        locked_until -> Nullable<Timestamp>,
        locked_by -> Nullable<Text>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        dedup_key -> Nullable<Text>,
    }
}

diesel::table! {
    write_lock (id) {
        id -> Integer,
        n -> BigInt,
    }
}

diesel::joinable!(users -> organizations (organization_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(password_resets -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    organizations,
    users,
    refresh_tokens,
    password_resets,
    login_attempts,
    audit_log,
    audit_head,
    audit_pending,
    jobs,
    write_lock,
    scenarios,
    scenario_criteria,
    questions,
    answers,
    bids,
    bid_versions,
    bid_attachments,
    panel_members,
    scores,
    dissents,
    ratings,
);

diesel::table! {
    scenarios (id) {
        id -> BigInt,
        owner_org_id -> BigInt,
        created_by -> BigInt,
        title -> Text,
        summary -> Text,
        description -> Text,
        domain -> Text,
        tags -> Text,
        budget_min_fen -> BigInt,
        budget_max_fen -> BigInt,
        bid_deadline -> Timestamp,
        price_weight -> Integer,
        procurement_type -> Text,
        status -> Text,
        origin -> Text,
        cancel_reason -> Nullable<Text>,
        published_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        awarded_bid_id -> Nullable<BigInt>,
        awarded_at -> Nullable<Timestamp>,
        award_justification -> Nullable<Text>,
    }
}

diesel::table! {
    scenario_criteria (id) {
        id -> BigInt,
        scenario_id -> BigInt,
        position -> Integer,
        name -> Text,
        weight -> Integer,
        description -> Text,
    }
}

diesel::table! {
    questions (id) {
        id -> BigInt,
        scenario_id -> BigInt,
        asked_by -> BigInt,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    answers (id) {
        id -> BigInt,
        question_id -> BigInt,
        answered_by -> BigInt,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(scenarios -> organizations (owner_org_id));
diesel::joinable!(scenario_criteria -> scenarios (scenario_id));
diesel::joinable!(questions -> scenarios (scenario_id));
diesel::joinable!(answers -> questions (question_id));

diesel::table! {
    bids (id) {
        id -> BigInt,
        scenario_id -> BigInt,
        vendor_org_id -> BigInt,
        submitted_by -> BigInt,
        status -> Text,
        version -> Integer,
        price_fen -> BigInt,
        delivery_days -> Integer,
        technical_proposal -> Text,
        team -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        consortium_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    bid_versions (id) {
        id -> BigInt,
        bid_id -> BigInt,
        version -> Integer,
        price_fen -> BigInt,
        delivery_days -> Integer,
        technical_proposal -> Text,
        team -> Text,
        attachment_hashes -> Text,
        content_hash -> Text,
        created_at -> Timestamp,
        salt -> Text,
    }
}

diesel::table! {
    bid_attachments (id) {
        id -> BigInt,
        bid_id -> BigInt,
        sha256 -> Text,
        filename -> Text,
        size -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::joinable!(bids -> scenarios (scenario_id));
diesel::joinable!(bid_versions -> bids (bid_id));
diesel::joinable!(bid_attachments -> bids (bid_id));

diesel::table! {
    panel_members (id) {
        id -> BigInt,
        scenario_id -> BigInt,
        evaluator_id -> BigInt,
        added_at -> Timestamp,
        declared_at -> Nullable<Timestamp>,
        has_conflict -> Nullable<Bool>,
        declaration_note -> Text,
        removed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    scores (id) {
        id -> BigInt,
        scenario_id -> BigInt,
        bid_id -> BigInt,
        evaluator_id -> BigInt,
        criterion_id -> BigInt,
        score -> Integer,
        comment -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    dissents (id) {
        id -> BigInt,
        scenario_id -> BigInt,
        evaluator_id -> BigInt,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    ratings (id) {
        id -> BigInt,
        scenario_id -> BigInt,
        vendor_org_id -> BigInt,
        rated_by -> BigInt,
        quality -> Integer,
        timeliness -> Integer,
        communication -> Integer,
        comment -> Text,
        created_at -> Timestamp,
        reply -> Nullable<Text>,
        replied_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(panel_members -> scenarios (scenario_id));
diesel::joinable!(scores -> bids (bid_id));
diesel::joinable!(dissents -> scenarios (scenario_id));

diesel::table! {
    sessions (id) {
        id -> BigInt,
        user_id -> BigInt,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    panel_draws (id) {
        id -> BigInt,
        scenario_id -> BigInt,
        drawn_by -> BigInt,
        seed -> Text,
        pool -> Text,
        drawn -> Text,
        reason -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    award_notices (scenario_id) {
        scenario_id -> BigInt,
        awarded_at -> Timestamp,
        body -> Text,
    }
}

diesel::table! {
    ocds_releases (scenario_id, n) {
        scenario_id -> BigInt,
        n -> Integer,
        released_at -> Timestamp,
        action -> Text,
        after_json -> Nullable<Text>,
        body -> Text,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(sessions, users);
diesel::allow_tables_to_appear_in_same_query!(scenarios, award_notices);

diesel::table! {
    search_outbox (kind, doc_id) {
        kind -> Text,
        doc_id -> BigInt,
        marked_at -> Timestamp,
    }
}

diesel::table! {
    search_synonyms (id) {
        id -> Integer,
        groups -> Text,
        updated_by -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    notice_outbox (id) {
        id -> BigInt,
        notice -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        user_id -> BigInt,
        kind -> Text,
        dedup_key -> Text,
        title -> Text,
        body -> Text,
        link -> Text,
        read_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        digest_pending -> Bool,
    }
}

diesel::joinable!(notifications -> users (user_id));

diesel::table! {
    sent_emails (dedup_key) {
        dedup_key -> Text,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    notification_settings (user_id) {
        user_id -> BigInt,
        prefs -> Text,
        digest_hour -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    scenario_follows (scenario_id, user_id) {
        scenario_id -> BigInt,
        user_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    invitations (id) {
        id -> BigInt,
        scenario_id -> BigInt,
        vendor_org_id -> BigInt,
        invited_by -> BigInt,
        message -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    interests (user_id) {
        user_id -> BigInt,
        domains -> Text,
        tags -> Text,
        keywords -> Text,
        budget_min_fen -> Nullable<BigInt>,
        email -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    saved_searches (id) {
        id -> BigInt,
        user_id -> BigInt,
        query_text -> Text,
        domains -> Text,
        tags -> Text,
        budget_min_fen -> Nullable<BigInt>,
        budget_max_fen -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    low_price_checks (bid_id) {
        bid_id -> BigInt,
        scenario_id -> BigInt,
        note -> Text,
        recorded_by -> BigInt,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    feed_keys (user_id) {
        user_id -> BigInt,
        generation -> BigInt,
        reset_at -> Timestamp,
    }
}

diesel::table! {
    challenges (id) {
        id -> BigInt,
        scenario_id -> BigInt,
        vendor_org_id -> BigInt,
        filed_by -> BigInt,
        award_bid_id -> BigInt,
        awarded_at -> Timestamp,
        reasons -> Text,
        filed_at -> Timestamp,
        answer_due -> Timestamp,
        decision -> Nullable<Text>,
        answer -> Nullable<Text>,
        answered_by -> Nullable<BigInt>,
        answered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    challenge_attachments (id) {
        id -> BigInt,
        challenge_id -> BigInt,
        sha256 -> Text,
        filename -> Text,
        size -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    scenario_version (id) {
        id -> Integer,
        n -> BigInt,
    }
}

diesel::table! {
    organization_version (id) {
        id -> Integer,
        n -> BigInt,
    }
}
