//! The authorization matrix: every operation of the API's route table (read from the OpenAPI
//! document, which the route table writes, so a route cannot exist without being in it) ×
//! eleven principals × five scenario states. Each cell states what the request must meet:
//! the principal is let through to the domain rules (`Pass`: a 2xx, or a 400/409/415/422 that
//! names what is wrong with the request or the state), or stopped with 401, 403 or 404. An
//! operation without a row fails the test, and so does a row without an operation.
//!
//! Requests carry an empty JSON object as their body, so that most writes that get through
//! stop at validation and change nothing; where a write succeeds, the world of that state is
//! built again before the next cell.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use tests::TestApp;
use tests::fixtures;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Anonymous,
    /// A verified vendor with a bid (the winner once awarded).
    VendorA,
    /// A verified vendor with a bid of its own, who asks a question and, once the award is
    /// made, files a challenge.
    VendorB,
    /// A vendor whose organization is not verified.
    Unverified,
    /// The agency that owns the scenario.
    Owner,
    /// Another verified agency.
    OtherAgency,
    /// On the panel, has not declared (never, in every state).
    PanelBefore,
    /// On the panel, declared no conflict once the deadline passed (and scored, once awarded).
    PanelDeclared,
    /// Was on the panel and was taken off it.
    Removed,
    /// An evaluator who is not on this panel.
    NonPanel,
    Admin,
}

use Who::*;

const EVERYONE: [Who; 11] = [
    Anonymous,
    VendorA,
    VendorB,
    Unverified,
    Owner,
    OtherAgency,
    PanelBefore,
    PanelDeclared,
    Removed,
    NonPanel,
    Admin,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum State {
    Draft,
    /// Open for bids: vendors A and B have bid, B has asked a question.
    Published,
    /// Past the deadline, bids opened.
    Evaluating,
    /// Awarded to A, the contract recorded and confirmed (one implicit milestone, pending);
    /// then B's challenge, open.
    Awarded,
    /// Cancelled while open for bids.
    Cancelled,
}

use State::*;

const STATES: [State; 5] = [Draft, Published, Evaluating, Awarded, Cancelled];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Let through to the rules: 2xx, 400, 409, 415 or 422.
    Pass,
    /// 401.
    Unauth,
    /// 403.
    Forbid,
    /// 404: for this principal the thing does not exist.
    Hidden,
}

use Expect::*;

impl Expect {
    fn meets(self, status: u16) -> bool {
        match self {
            Pass => (200..300).contains(&status) || [400, 409, 415, 422].contains(&status),
            Unauth => status == 401,
            Forbid => status == 403,
            Hidden => status == 404,
        }
    }
}

fn is_vendor(w: Who) -> bool {
    matches!(w, VendorA | VendorB | Unverified)
}
fn is_agency(w: Who) -> bool {
    matches!(w, Owner | OtherAgency)
}
fn on_panel(w: Who) -> bool {
    matches!(w, PanelBefore | PanelDeclared)
}
/// Once the deadline has passed.
fn opened(s: State) -> bool {
    matches!(s, Evaluating | Awarded)
}
fn bidder(w: Who) -> bool {
    matches!(w, VendorA | VendorB)
}

/// Anonymous gets 401; everyone else `rest`.
fn signed_in(w: Who, rest: Expect) -> Expect {
    if w == Anonymous { Unauth } else { rest }
}

/// Only `allowed` gets through; other signed-in principals get `other`.
fn only(w: Who, allowed: bool, other: Expect) -> Expect {
    signed_in(w, if allowed { Pass } else { other })
}

/// The public sees a scenario once published; a draft only its owner (not even the
/// administrator: a draft is the agency's own work).
fn scenario_visible(w: Who, s: State) -> bool {
    s != Draft || w == Owner
}

/// The row of `op` ("METHOD /path"): what principal `w` meets in state `s`. `None`: no row.
fn row(op: &str, w: Who, s: State) -> Option<Expect> {
    let visible = scenario_visible(w, s);
    let seen = if visible { Pass } else { Hidden };
    Some(match op {
        // Service and accounts.
        "GET /healthz" | "GET /readyz" | "GET /metrics" => Pass,
        "POST /api/v1/auth/register"
        | "POST /api/v1/auth/login"
        | "POST /api/v1/auth/refresh"
        | "POST /api/v1/auth/password-reset"
        | "POST /api/v1/auth/password-reset/confirm" => match op {
            // A refresh without a refresh token is a 401 for anyone.
            "POST /api/v1/auth/refresh" => Unauth,
            _ => Pass,
        },
        "POST /api/v1/auth/logout"
        | "POST /api/v1/auth/logout-all"
        | "GET /api/v1/me"
        | "POST /api/v1/me/password"
        | "GET /api/v1/me/feed-token"
        | "POST /api/v1/me/feed-token/reset"
        | "GET /api/v1/notifications"
        | "POST /api/v1/notifications/read-all"
        | "GET /api/v1/me/notification-settings"
        | "PUT /api/v1/me/notification-settings" => signed_in(w, Pass),
        // Vendor A's own notification.
        "POST /api/v1/notifications/{id}/read" => only(w, w == VendorA, Hidden),
        // Vendors' own settings.
        "GET /api/v1/me/bids"
        | "GET /api/v1/me/interests"
        | "PUT /api/v1/me/interests"
        | "GET /api/v1/me/invitations"
        | "GET /api/v1/me/saved-searches"
        | "POST /api/v1/me/saved-searches" => only(w, is_vendor(w), Forbid),
        // Vendor A's saved search.
        "DELETE /api/v1/me/saved-searches/{id}" => only(w, w == VendorA, Hidden),

        // Administration.
        "GET /api/v1/admin/audit"
        | "GET /api/v1/admin/dashboard"
        | "GET /api/v1/admin/jobs/failed"
        | "POST /api/v1/admin/jobs/{id}/retry"
        | "GET /api/v1/admin/organizations"
        | "POST /api/v1/admin/organizations/{id}/verify"
        | "GET /api/v1/admin/synonyms"
        | "PUT /api/v1/admin/synonyms"
        | "POST /api/v1/admin/users"
        | "PATCH /api/v1/admin/users/{id}" => only(w, w == Admin, Forbid),

        // Public reads.
        "GET /api/v1/scenarios"
        | "GET /api/v1/award-notices"
        | "GET /api/v1/ocds/releases"
        | "GET /api/v1/opc/summary"
        | "GET /api/v1/vendors"
        | "GET /api/v1/search/scenarios"
        | "GET /api/v1/organizations/{id}"
        | "GET /api/v1/organizations/{id}/ratings" => Pass,
        "GET /api/v1/scenarios/{id}"
        | "GET /api/v1/scenarios/{id}/questions"
        | "GET /api/v1/scenarios/{id}/facets" => seen,
        "GET /api/v1/ocds/records/{ocid}" => {
            if s == Draft {
                Hidden
            } else {
                Pass
            }
        }
        "GET /api/v1/scenarios/{id}/award-notice" => {
            if s == Awarded {
                Pass
            } else {
                Hidden
            }
        }
        // Answered challenges are public; an open one is the owner's and the challenger's (the
        // board lists what the viewer may see). A draft has no board, not even for its owner.
        "GET /api/v1/scenarios/{id}/challenges" => {
            if s == Draft {
                Hidden
            } else {
                Pass
            }
        }
        "GET /api/v1/scenarios/{id}/challenges/{cid}/attachments/{sha256}" => {
            if s == Awarded && matches!(w, Owner | VendorB) {
                Pass
            } else {
                Hidden
            }
        }

        // The agency's scenario.
        "POST /api/v1/scenarios" => only(w, is_agency(w), Forbid),
        "PATCH /api/v1/scenarios/{id}"
        | "POST /api/v1/scenarios/{id}/publish"
        | "POST /api/v1/scenarios/{id}/cancel"
        | "POST /api/v1/scenarios/{id}/extend"
        | "POST /api/v1/scenarios/{id}/deliver"
        | "PUT /api/v1/scenarios/{id}/panel"
        | "POST /api/v1/scenarios/{id}/panel/draw"
        | "POST /api/v1/scenarios/{id}/award"
        | "POST /api/v1/scenarios/{id}/rating"
        | "GET /api/v1/scenarios/{id}/recommended-vendors"
        | "POST /api/v1/scenarios/{id}/invitations" => {
            if !visible {
                signed_in(w, Hidden)
            } else {
                only(w, w == Owner, Forbid)
            }
        }
        // Everyone who sees the scenario sees the invitations meant for them (the owner: all).
        "GET /api/v1/scenarios/{id}/invitations" => signed_in(w, seen),
        // Who sits on the panel: the owner, the panel and the administrator; for everyone else
        // there is no panel.
        "GET /api/v1/scenarios/{id}/panel" => only(
            w,
            visible && matches!(w, Owner | PanelBefore | PanelDeclared | Admin),
            Hidden,
        ),
        // The bidders' names, for the panel's conflict declaration (409 before the deadline).
        "GET /api/v1/scenarios/{id}/bidders" => only(w, on_panel(w) && s != Draft, Hidden),
        // The ranking: the owner and the administrator (409 before opening); the panel scores
        // without seeing it.
        "GET /api/v1/scenarios/{id}/ranking"
        | "GET /api/v1/scenarios/{id}/ranking.csv"
        | "GET /api/v1/scenarios/{id}/ranking.xlsx" => {
            if !visible {
                signed_in(w, Hidden)
            } else {
                only(w, matches!(w, Owner | Admin), Forbid)
            }
        }
        // A vendor lists its own bids; the owner and the declared panel all of them once opened.
        "GET /api/v1/scenarios/{id}/bids" => only(
            w,
            visible && (is_vendor(w) || (opened(s) && matches!(w, Owner | PanelDeclared))),
            Hidden,
        ),
        "POST /api/v1/questions/{id}/answer" => {
            if s == Draft {
                signed_in(w, Hidden)
            } else {
                only(w, w == Owner, Forbid)
            }
        }
        "POST /api/v1/challenges/{id}/answer" => {
            if s != Awarded {
                signed_in(w, Hidden)
            } else {
                only(w, w == Owner, if w == VendorB { Forbid } else { Hidden })
            }
        }
        "POST /api/v1/ratings/{id}/reply" => signed_in(w, Hidden),

        // Contracts: only the awarded scenario has one (published: the vendor confirmed it).
        "POST /api/v1/scenarios/{id}/contract" => {
            if !visible {
                signed_in(w, Hidden)
            } else {
                only(w, w == Owner, Forbid)
            }
        }
        "GET /api/v1/scenarios/{id}/contract" => {
            if s == Awarded {
                Pass
            } else {
                Hidden
            }
        }
        // A bid's file is no contract file.
        "GET /api/v1/scenarios/{id}/contract/files/{sha256}" => Hidden,
        // The buyer's steps.
        "POST /api/v1/scenarios/{id}/contract/attachments"
        | "POST /api/v1/milestones/{id}/accept"
        | "POST /api/v1/milestones/{id}/return"
        | "POST /api/v1/milestones/{id}/acceptance/attachments"
        | "POST /api/v1/contracts/{id}/payments" => {
            if s == Awarded {
                only(w, w == Owner, Forbid)
            } else {
                signed_in(w, Hidden)
            }
        }
        // The supplier's steps.
        "POST /api/v1/contracts/{id}/confirm"
        | "POST /api/v1/milestones/{id}/submission"
        | "POST /api/v1/milestones/{id}/submission/attachments" => {
            if s == Awarded {
                only(w, w == VendorA, Forbid)
            } else {
                signed_in(w, Hidden)
            }
        }
        // Either party's.
        "POST /api/v1/contracts/{id}/amendments" => {
            if s == Awarded {
                only(w, matches!(w, Owner | VendorA), Forbid)
            } else {
                signed_in(w, Hidden)
            }
        }
        // No amendment exists.
        "POST /api/v1/amendments/{id}/confirm" | "POST /api/v1/amendments/{id}/decline" => {
            signed_in(w, Hidden)
        }
        // Consortia: a vendor may form one where it could bid (409 where it bids alone or the
        // scenario is not open); none exists in any world, so every consortium route is a 404.
        "POST /api/v1/scenarios/{id}/consortia" => {
            if !visible {
                signed_in(w, Hidden)
            } else {
                only(w, bidder(w), Forbid)
            }
        }
        "GET /api/v1/consortia/{id}" => Hidden,
        "POST /api/v1/consortia/{id}/invitations"
        | "POST /api/v1/consortia/{id}/accept"
        | "POST /api/v1/consortia/{id}/decline"
        | "PUT /api/v1/consortia/{id}/agreement"
        | "POST /api/v1/consortia/{id}/agreement/confirm" => signed_in(w, Hidden),
        "GET /api/v1/me/consortia" => only(w, is_vendor(w), Forbid),
        // Verified vendors may ask for teams where they could bid (409 when not open).
        "GET /api/v1/scenarios/{id}/team-suggestions" => {
            if !visible {
                signed_in(w, Hidden)
            } else {
                only(w, bidder(w), Forbid)
            }
        }
        // Vendor A is no agency: it has no payment record.
        "GET /api/v1/organizations/{id}/payment-record" => Hidden,

        // The vendors' side.
        "POST /api/v1/scenarios/{id}/bids" => {
            if !visible {
                signed_in(w, Hidden)
            } else {
                only(w, matches!(w, VendorA | VendorB), Forbid)
            }
        }
        "POST /api/v1/scenarios/{id}/questions" => {
            if !visible {
                signed_in(w, Hidden)
            } else {
                only(w, is_vendor(w), Forbid)
            }
        }
        "PUT /api/v1/scenarios/{id}/follow" | "DELETE /api/v1/scenarios/{id}/follow" => {
            if !visible {
                signed_in(w, Hidden)
            } else {
                only(w, is_vendor(w), Forbid)
            }
        }
        "GET /api/v1/scenarios/{id}/my-result" => only(w, bidder(w) && s == Awarded, Hidden),
        // Before an award every signed-in viewer hears 409 `not_awarded`; after it only the
        // losing bidder may file (409: it has, once).
        "POST /api/v1/scenarios/{id}/challenges" => {
            if !visible {
                signed_in(w, Hidden)
            } else if s != Awarded {
                signed_in(w, Pass)
            } else {
                only(w, w == VendorB, Forbid)
            }
        }
        // The challenger adds files; the owner sees the challenge but adds none.
        "POST /api/v1/scenarios/{id}/challenges/{cid}/attachments" => match (s, w) {
            (Awarded, VendorB) => Pass,
            (Awarded, Owner) => Forbid,
            _ => signed_in(w, Hidden),
        },
        // Vendor A's bid: its own, until opening; the owner and the declared panel see it after.
        "GET /api/v1/bids/{id}" => only(
            w,
            s != Draft && (w == VendorA || (opened(s) && matches!(w, Owner | PanelDeclared))),
            Hidden,
        ),
        "GET /api/v1/bids/{id}/attachments/{sha256}" => only(
            w,
            s != Draft && (w == VendorA || (opened(s) && matches!(w, Owner | PanelDeclared))),
            Hidden,
        ),
        "PUT /api/v1/bids/{id}"
        | "POST /api/v1/bids/{id}/attachments"
        | "DELETE /api/v1/bids/{id}/attachments/{sha256}"
        | "POST /api/v1/bids/{id}/withdraw" => only(w, s != Draft && w == VendorA, Hidden),
        // Sealed until opening (404 for all); then the owner's (409 unless evaluating).
        "POST /api/v1/bids/{id}/low-price-explanation" => match s {
            Draft | Published => signed_in(w, Hidden),
            _ => only(w, w == Owner, Forbid),
        },
        "PATCH /api/v1/organizations/{id}" => only(w, matches!(w, VendorA | Admin), Forbid),

        // The panel.
        "POST /api/v1/scenarios/{id}/conflict-declaration" => {
            only(w, on_panel(w) && s != Draft, Hidden)
        }
        "PUT /api/v1/bids/{id}/scores" => only(w, w == PanelDeclared && opened(s), Hidden),
        "GET /api/v1/scenarios/{id}/my-scores" => only(w, on_panel(w) && s != Draft, Hidden),
        // The panel (409 until it may: before the deadline, or before declaring).
        "POST /api/v1/scenarios/{id}/dissent" => only(w, on_panel(w) && s != Draft, Hidden),
        _ => return None,
    })
}

/// One state's world: the scenario, the things on it, and a token for every principal.
struct World {
    tokens: BTreeMap<Who, String>,
    scenario: i64,
    bid_a: i64,
    attachment_a: String,
    question: i64,
    challenge: i64,
    challenge_file: String,
    contract: i64,
    milestone: i64,
    org_a: i64,
    org_unverified: i64,
    evaluator: i64,
    notification_a: i64,
    saved_search_a: i64,
    ocid: String,
}

/// The people, made once per app.
struct People {
    orgs: BTreeMap<Who, i64>,
    evaluators: BTreeMap<&'static str, i64>,
}

fn email(w: Who) -> &'static str {
    match w {
        VendorA => "vendor-a@example.cn",
        VendorB => "vendor-b@example.cn",
        Unverified => "unverified@example.cn",
        Owner => "owner@example.cn",
        OtherAgency => "other-agency@example.cn",
        PanelBefore => "panel-before@example.cn",
        PanelDeclared => "panel-declared@example.cn",
        Removed => "removed@example.cn",
        NonPanel => "non-panel@example.cn",
        Admin => "root@test.cn",
        Anonymous => "",
    }
}

/// The two helpers that complete the panel for an award.
const HELPERS: [&str; 2] = ["helper-1@example.cn", "helper-2@example.cn"];

async fn people(app: &TestApp) -> People {
    let admin = app.admin_token().await;
    let mut orgs = BTreeMap::new();
    for (w, kind, name) in [
        (VendorA, "vendor", "甲科技"),
        (VendorB, "vendor", "乙智能"),
        (Owner, "agency", "青山区城管局"),
        (OtherAgency, "agency", "青山区数据局"),
    ] {
        let (_, org) = fixtures::verified(app, kind, email(w), name).await;
        orgs.insert(w, org);
    }
    let u = app.register(email(Unverified), "vendor", "丙未认证").await;
    orgs.insert(Unverified, u["organization"]["id"].as_i64().unwrap());
    let mut evaluators = BTreeMap::new();
    for (i, e) in [
        email(PanelBefore),
        email(PanelDeclared),
        email(Removed),
        email(NonPanel),
        HELPERS[0],
        HELPERS[1],
    ]
    .into_iter()
    .enumerate()
    {
        let id = fixtures::evaluator(app, &admin, e, &format!("专家{i}")).await;
        evaluators.insert(e, id);
    }
    People { orgs, evaluators }
}

fn ok(a: &tests::Answer, what: &str) {
    assert!(
        (200..300).contains(&a.status),
        "{what}: {} {:?}",
        a.status,
        a.body
    );
}

async fn build(app: &TestApp, people: &People, state: State) -> World {
    let token = |w: Who| async move { app.token(email(w)).await };
    let owner = token(Owner).await;
    let scenario = app
        .post(
            "/api/v1/scenarios",
            Some(&owner),
            fixtures::posting(app, 30),
        )
        .await;
    ok(&scenario, "scenario");
    let sid = scenario.body["id"].as_i64().unwrap();
    let criteria: Vec<i64> = scenario.body["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    let (mut bid_a, mut attachment_a, mut question) = (1, "0".repeat(64), 1);
    let (mut challenge, mut challenge_file) = (1, "0".repeat(64));
    let (mut contract, mut milestone) = (1, 1);
    let ev = |e: &str| people.evaluators[e];
    if state != Draft {
        let p = app
            .post(
                &format!("/api/v1/scenarios/{sid}/publish"),
                Some(&owner),
                json!({}),
            )
            .await;
        ok(&p, "publish");
        let panel = |ids: Vec<i64>| {
            let owner = owner.clone();
            async move {
                let a = app
                    .call(
                        "PUT",
                        &format!("/api/v1/scenarios/{sid}/panel"),
                        Some(&owner),
                        Some(json!({"evaluator_ids": ids})),
                    )
                    .await;
                ok(&a, "panel");
            }
        };
        let mut members = vec![
            ev(email(PanelBefore)),
            ev(email(PanelDeclared)),
            ev(HELPERS[0]),
            ev(HELPERS[1]),
        ];
        let mut first = members.clone();
        first.push(ev(email(Removed)));
        panel(first).await;
        members.sort();
        panel(members).await;
        let a = app
            .post(
                &format!("/api/v1/scenarios/{sid}/bids"),
                Some(&token(VendorA).await),
                fixtures::bid(400_000),
            )
            .await;
        ok(&a, "bid A");
        bid_a = a.body["bid"]["id"].as_i64().unwrap();
        let up = fixtures::upload(
            app,
            &token(VendorA).await,
            bid_a,
            "方案.pdf",
            fixtures::pdf(&sid.to_string()),
        )
        .await;
        ok(&up, "attachment A");
        attachment_a = up.body["bid"]["attachments"][0]["sha256"]
            .as_str()
            .unwrap()
            .to_string();
        let b = app
            .post(
                &format!("/api/v1/scenarios/{sid}/bids"),
                Some(&token(VendorB).await),
                fixtures::bid(380_000),
            )
            .await;
        ok(&b, "bid B");
        let bid_b = b.body["bid"]["id"].as_i64().unwrap();
        let q = app
            .post(
                &format!("/api/v1/scenarios/{sid}/questions"),
                Some(&token(VendorB).await),
                json!({"body": "是否需要本地部署？"}),
            )
            .await;
        ok(&q, "question");
        question = q.body["id"].as_i64().unwrap();
        if state == Cancelled {
            let c = app
                .post(
                    &format!("/api/v1/scenarios/{sid}/cancel"),
                    Some(&owner),
                    json!({"reason": "需求调整"}),
                )
                .await;
            ok(&c, "cancel");
        }
        if opened(state) {
            app.clock.advance(chrono::Duration::days(31));
            let mut declaring = vec![email(PanelDeclared)];
            if state == Awarded {
                declaring.extend(HELPERS);
            }
            for e in declaring {
                let t = app.token(e).await;
                let d = app
                    .post(
                        &format!("/api/v1/scenarios/{sid}/conflict-declaration"),
                        Some(&t),
                        json!({"has_conflict": false}),
                    )
                    .await;
                ok(&d, "declaration");
                if state == Awarded {
                    for (bid, score) in [(bid_a, 90), (bid_b, 70)] {
                        let s = app
                            .call(
                                "PUT",
                                &format!("/api/v1/bids/{bid}/scores"),
                                Some(&t),
                                Some(fixtures::sheet(&criteria, &vec![score; criteria.len()])),
                            )
                            .await;
                        ok(&s, "scores");
                    }
                }
            }
        }
        if state == Awarded {
            let owner = app.token(email(Owner)).await;
            let a = app
                .post(
                    &format!("/api/v1/scenarios/{sid}/award"),
                    Some(&owner),
                    json!({"bid_id": bid_a}),
                )
                .await;
            ok(&a, "award");
            let signed = fixtures::contract_signed(app, sid, &owner).await;
            contract = signed["id"].as_i64().unwrap();
            milestone = signed["milestones"][0]["id"].as_i64().unwrap();
            let b = app.token(email(VendorB)).await;
            let c = app
                .post(
                    &format!("/api/v1/scenarios/{sid}/challenges"),
                    Some(&b),
                    json!({"reasons": "评分与招标文件不符。"}),
                )
                .await;
            ok(&c, "challenge");
            challenge = c.body["id"].as_i64().unwrap();
            let up = fixtures::upload_to(
                app,
                &b,
                &format!("/api/v1/scenarios/{sid}/challenges/{challenge}/attachments"),
                "证据.pdf",
                fixtures::pdf(&format!("c{sid}")),
            )
            .await;
            ok(&up, "challenge attachment");
            challenge_file = up.body["attachments"][0]["sha256"]
                .as_str()
                .unwrap()
                .to_string();
        }
    }
    let vendor_a = app.token(email(VendorA)).await;
    let saved = app
        .post(
            "/api/v1/me/saved-searches",
            Some(&vendor_a),
            json!({"q": format!("巡检{sid}")}),
        )
        .await;
    ok(&saved, "saved search");
    app.drain_jobs().await;
    let notes = app.get("/api/v1/notifications", Some(&vendor_a)).await;
    let notification_a = notes.body["items"][0]["id"].as_i64().unwrap_or(1);
    let mut tokens = BTreeMap::new();
    for w in EVERYONE {
        if w != Anonymous {
            tokens.insert(w, app.token(email(w)).await);
        }
    }
    World {
        tokens,
        scenario: sid,
        bid_a,
        attachment_a,
        question,
        challenge,
        challenge_file,
        contract,
        milestone,
        org_a: people.orgs[&VendorA],
        org_unverified: people.orgs[&Unverified],
        evaluator: people.evaluators[email(NonPanel)],
        notification_a,
        saved_search_a: saved.body["id"].as_i64().unwrap(),
        ocid: format!("{}-{sid}", app.settings.market.ocds_prefix),
    }
}

/// The body an operation is sent: shaped as its document says, so that the request reaches
/// the rules that decide who may, but aimed (where it can be) at something that stops it
/// there, such as an award of a bid that does not exist.
fn body(op: &str, w: &World) -> Option<Value> {
    let (method, _) = op.split_once(' ').unwrap();
    if method == "GET" || method == "DELETE" {
        return None;
    }
    Some(match op {
        "POST /api/v1/auth/login" => json!({"email": email(VendorA), "password": tests::PASSWORD}),
        "POST /api/v1/admin/organizations/{id}/verify" => json!({"verified": false}),
        "POST /api/v1/bids/{id}/low-price-explanation" => json!({"note": "已询问报价依据。"}),
        "POST /api/v1/challenges/{id}/answer" => {
            json!({"decision": "rejected", "body": "经复核，评分无误。"})
        }
        "POST /api/v1/questions/{id}/answer"
        | "POST /api/v1/ratings/{id}/reply"
        | "POST /api/v1/scenarios/{id}/dissent" => {
            json!({"body": "说明"})
        }
        "POST /api/v1/scenarios/{id}/award" => {
            json!({"bid_id": 1, "justification": "综合得分最高"})
        }
        "POST /api/v1/scenarios/{id}/cancel" => json!({"reason": "需求调整"}),
        "POST /api/v1/scenarios/{id}/challenges" => json!({"reasons": "评分与招标文件不符。"}),
        "POST /api/v1/scenarios/{id}/conflict-declaration" => {
            json!({"has_conflict": false, "note": ""})
        }
        "POST /api/v1/scenarios/{id}/extend" => json!({"bid_deadline": "2000-01-01T00:00:00Z"}),
        "POST /api/v1/scenarios/{id}/invitations" => {
            json!({"vendor_id": w.org_a, "message": "欢迎投标"})
        }
        "POST /api/v1/scenarios/{id}/panel/draw" => json!({"n": 1000, "reason": "抽取"}),
        "POST /api/v1/scenarios/{id}/rating" => {
            json!({"quality": 5, "timeliness": 5, "communication": 5, "comment": "好"})
        }
        "POST /api/v1/scenarios/{id}/questions" => json!({"body": "是否需要本地部署？"}),
        // Shaped to pass validation, so that who may is what decides.
        "POST /api/v1/scenarios/{id}/contract" => {
            json!({"value_fen": 100, "signed_on": "2000-01-01", "term_days": 10})
        }
        "POST /api/v1/milestones/{id}/submission" => json!({"note": "交付说明"}),
        "POST /api/v1/milestones/{id}/return" => json!({"reasons": "理由"}),
        "POST /api/v1/contracts/{id}/amendments" => {
            json!({"milestones": [{"id": 1, "share_pct": 100}], "reason": "调整"})
        }
        "POST /api/v1/contracts/{id}/payments" => {
            json!({"milestone_id": 1, "amount_fen": 100, "paid_on": "2026-01-01"})
        }
        _ => json!({}),
    })
}

/// Writes whose success changes nothing a later cell depends on (no world is built again).
fn harmless(op: &str) -> bool {
    [
        "POST /api/v1/auth/login",
        "POST /api/v1/auth/password-reset",
        "POST /api/v1/notifications/read-all",
        "POST /api/v1/notifications/{id}/read",
        "POST /api/v1/me/feed-token/reset",
        "PUT /api/v1/me/notification-settings",
        "PUT /api/v1/me/interests",
        "POST /api/v1/me/saved-searches",
        "PUT /api/v1/scenarios/{id}/follow",
        "DELETE /api/v1/scenarios/{id}/follow",
        "PATCH /api/v1/organizations/{id}",
        "PATCH /api/v1/admin/users/{id}",
        "PUT /api/v1/admin/synonyms",
        "POST /api/v1/admin/organizations/{id}/verify",
        "POST /api/v1/scenarios/{id}/questions",
        "POST /api/v1/questions/{id}/answer",
        "POST /api/v1/scenarios/{id}/invitations",
        "POST /api/v1/bids/{id}/low-price-explanation",
    ]
    .contains(&op)
}

/// The concrete path of an operation's template in `world`.
fn concrete(path: &str, w: &World) -> String {
    let id = if path.starts_with("/api/v1/scenarios/") {
        w.scenario
    } else if path.starts_with("/api/v1/bids/") {
        w.bid_a
    } else if path.starts_with("/api/v1/questions/") {
        w.question
    } else if path.starts_with("/api/v1/challenges/") {
        w.challenge
    } else if path.starts_with("/api/v1/contracts/") {
        w.contract
    } else if path.starts_with("/api/v1/milestones/") {
        w.milestone
    } else if path.starts_with("/api/v1/organizations/") {
        w.org_a
    } else if path.starts_with("/api/v1/admin/organizations/") {
        w.org_unverified
    } else if path.starts_with("/api/v1/admin/users/") {
        w.evaluator
    } else if path.starts_with("/api/v1/notifications/") {
        w.notification_a
    } else if path.starts_with("/api/v1/me/saved-searches/") {
        w.saved_search_a
    } else {
        // Jobs and ratings: none exist here.
        1
    };
    let sha = if path.contains("/challenges/") {
        &w.challenge_file
    } else {
        &w.attachment_a
    };
    path.replace("{id}", &id.to_string())
        .replace("{cid}", &w.challenge.to_string())
        .replace("{sha256}", sha)
        .replace("{ocid}", &w.ocid)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_every_principal_in_every_state_as_its_row_says() {
    let app = tests::spawn_app().await;
    let doc = app.get("/api/openapi.json", None).await.body;
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, _) in item.as_object().unwrap() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                ops.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    assert!(
        ops.len() >= 90,
        "the document lists {} operations",
        ops.len()
    );
    // Every operation has a row (for every cell), and every row an operation.
    let names: BTreeSet<String> = ops.iter().map(|(m, p)| format!("{m} {p}")).collect();
    let missing: Vec<&String> = names
        .iter()
        .filter(|op| row(op, Anonymous, Draft).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "operations without a row in the matrix: {missing:#?}"
    );
    let rows = include_str!("matrix.rs")
        .lines()
        .filter_map(|l| {
            let l = l.trim().trim_start_matches("| ");
            let l = l.strip_prefix('"')?;
            let end = l.find('"')?;
            let op = &l[..end];
            op.split_once(' ')
                .filter(|(m, p)| {
                    ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(m) && p.starts_with('/')
                })
                .map(|_| op.to_string())
        })
        .collect::<BTreeSet<_>>();
    let stale: Vec<&String> = rows.difference(&names).collect();
    assert!(
        stale.is_empty(),
        "rows for operations that do not exist: {stale:#?}"
    );

    let people = people(&app).await;
    let mut wrong = Vec::new();
    let mut cells = 0;
    let mut rebuilt = 0;
    for state in STATES {
        let mut world = build(&app, &people, state).await;
        let mut dirty = false;
        for (method, path) in &ops {
            let op = format!("{method} {path}");
            // Those the row lets through go last, so that a write that succeeds comes after
            // every refusal of it.
            let mut order = EVERYONE.to_vec();
            order.sort_by_key(|w| row(&op, *w, state) == Some(Pass));
            for who in order {
                if dirty {
                    world = build(&app, &people, state).await;
                    rebuilt += 1;
                    dirty = false;
                }
                let want = row(&op, who, state).unwrap();
                let url = concrete(path, &world);
                let token = world.tokens.get(&who).cloned();
                let got = app
                    .call(method, &url, token.as_deref(), body(&op, &world))
                    .await;
                cells += 1;
                if got.status >= 500 || !want.meets(got.status) {
                    wrong.push(format!(
                        "{op} as {who:?} in {state:?}: want {want:?}, got {} {}",
                        got.status,
                        got.body.get("code").and_then(Value::as_str).unwrap_or("")
                    ));
                }
                if (200..300).contains(&got.status) && method != "GET" && !harmless(&op) {
                    dirty = true;
                }
            }
        }
    }
    eprintln!(
        "authorization matrix: {} operations, {cells} cells, {rebuilt} worlds rebuilt",
        ops.len()
    );
    assert!(
        wrong.is_empty(),
        "{} cells differ from their rows:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
