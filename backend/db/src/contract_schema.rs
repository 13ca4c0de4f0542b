//! The diesel schema of the contract and consortium tables (kept in step with `migrations/`).

diesel::table! {
    contracts (id) {
        id -> BigInt,
        scenario_id -> BigInt,
        award_bid_id -> BigInt,
        vendor_org_id -> BigInt,
        buyer_org_id -> BigInt,
        value_fen -> BigInt,
        signed_on -> Text,
        term_days -> Integer,
        implicit -> Bool,
        recorded_by -> BigInt,
        recorded_at -> Timestamp,
        confirmed_by -> Nullable<BigInt>,
        confirmed_at -> Nullable<Timestamp>,
        voided_at -> Nullable<Timestamp>,
        void_challenge_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    milestones (id) {
        id -> BigInt,
        contract_id -> BigInt,
        position -> Integer,
        title -> Text,
        due_on -> Text,
        share_pct -> Integer,
        amount_fen -> BigInt,
        status -> Text,
        accepted_at -> Nullable<Timestamp>,
        voided -> Bool,
    }
}

diesel::table! {
    milestone_submissions (id) {
        id -> BigInt,
        milestone_id -> BigInt,
        note -> Text,
        submitted_by -> BigInt,
        submitted_at -> Timestamp,
        review_due -> Timestamp,
        accepted -> Nullable<Bool>,
        review_text -> Nullable<Text>,
        reviewed_by -> Nullable<BigInt>,
        reviewed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    contract_files (id) {
        id -> BigInt,
        contract_id -> BigInt,
        submission_id -> BigInt,
        kind -> Text,
        sha256 -> Text,
        filename -> Text,
        size -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    contract_amendments (id) {
        id -> BigInt,
        contract_id -> BigInt,
        changes -> Text,
        reason -> Text,
        proposed_by -> BigInt,
        proposed_org_id -> BigInt,
        proposed_at -> Timestamp,
        outcome -> Nullable<Text>,
        answered_by -> Nullable<BigInt>,
        answered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    contract_payments (id) {
        id -> BigInt,
        contract_id -> BigInt,
        milestone_id -> BigInt,
        amount_fen -> BigInt,
        paid_on -> Text,
        corrects -> Nullable<BigInt>,
        recorded_by -> BigInt,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    consortia (id) {
        id -> BigInt,
        scenario_id -> BigInt,
        lead_org_id -> BigInt,
        name -> Text,
        status -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    consortium_members (consortium_id, vendor_org_id) {
        consortium_id -> BigInt,
        scenario_id -> BigInt,
        vendor_org_id -> BigInt,
        position -> Integer,
        status -> Text,
        share_pct -> Nullable<Integer>,
        confirmed -> Bool,
        message -> Text,
        invited_at -> Timestamp,
        answered_at -> Nullable<Timestamp>,
    }
}
