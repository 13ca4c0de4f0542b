//! Contract tests of the storage ports, run against both implementations (SQLite and
//! PostgreSQL) through the domain's traits only: what one database does, the other must do
//! too. Each story writes through `in_tx`, reads back through `in_read`, and checks the
//! promises the port's documentation makes (round trips, filters, ordering, conditional
//! updates, conflicts, rollback).

use chrono::{DateTime, Duration, Utc};
use db::Database;
use domain::Error;
use domain::account::{Contact, Locale, OrgKind, Organization, Role, User};
use domain::audit::{AuditDraft, ChainCheck, GENESIS_HASH, verify_chain};
use domain::bid::{Attachment, Bid, BidFields, BidId, BidStatus, BidVersion};
use domain::email::{EmailMessage, OutgoingEmail};
use domain::evaluation::{Dissent, PanelMember, Rating, StoredScore};
use domain::ids::{
    AnswerId, CriterionId, OrganizationId, PanelMemberId, RatingId, SessionId, UserId,
};
use domain::job::{Job, NewJob};
use domain::ports::{
    JobQueue, OrgFilter, PanelDraw, PasswordResetRecord, RefreshTokenRecord, RowLock,
    ScenarioFilter, Store, in_read, in_tx,
};
use domain::scenario::{
    Answer, Criterion, Origin, ProcurementType, Question, QuestionId, Scenario, ScenarioId, Status,
};
use domain::sector::Sector;
use tests::{TestApp, on_both};

/// Runs a blocking story body against the app's own store.
async fn with_store<T: Send + 'static>(
    app: &TestApp,
    f: impl FnOnce(&Database, DateTime<Utc>) -> T + Send + 'static,
) -> T {
    let (db, now) = (app.parts.db.clone(), app.parts.services.now());
    tokio::task::spawn_blocking(move || f(&db, now))
        .await
        .expect("story body")
}

fn org(id: i64, kind: OrgKind, name: &str, now: DateTime<Utc>) -> Organization {
    Organization {
        id: OrganizationId(id),
        kind,
        name: name.into(),
        credit_code: None,
        verified: false,
        opc_member: false,
        description: String::new(),
        capabilities: vec![],
        offer_kinds: vec![
            domain::account::OfferKind::AiSoftware,
            domain::account::OfferKind::Hardware,
        ],
        open_to_teaming: true,
        contact: Contact::default(),
        created_at: now,
        updated_at: now,
    }
}

fn user(id: i64, email: &str, role: Role, org: Option<i64>, now: DateTime<Utc>) -> User {
    User {
        id: UserId(id),
        email: email.into(),
        display_name: format!("用户{id}"),
        role,
        organization_id: org.map(OrganizationId),
        expertise: vec![],
        active: true,
        locale: Locale::ZhCn,
        created_at: now,
        updated_at: now,
    }
}

fn scenario(id: i64, owner: i64, by: i64, now: DateTime<Utc>) -> Scenario {
    Scenario {
        id: ScenarioId(id),
        owner: OrganizationId(owner),
        created_by: UserId(by),
        title: format!("场景 {id}"),
        summary: "摘要".into(),
        description: "说明".into(),
        domain: Sector::CityGovernance,
        tags: vec!["无人机".into(), "巡检".into()],
        budget_min_fen: 100_000,
        budget_max_fen: 900_000,
        bid_deadline: now + Duration::days(30),
        price_weight: 30,
        procurement_type: ProcurementType::Services,
        criteria: vec![
            Criterion {
                id: CriterionId(id * 10 + 1),
                name: "技术方案".into(),
                weight: 50,
                description: String::new(),
            },
            Criterion {
                id: CriterionId(id * 10 + 2),
                name: "团队".into(),
                weight: 20,
                description: "经验".into(),
            },
        ],
        status: Status::Published,
        origin: Origin::Platform,
        cancel_reason: None,
        published_at: Some(now),
        created_at: now,
        updated_at: now,
        award: None,
    }
}

fn bid(id: i64, scenario: i64, vendor: i64, by: i64, now: DateTime<Utc>) -> Bid {
    Bid {
        id: BidId(id),
        scenario: ScenarioId(scenario),
        vendor: OrganizationId(vendor),
        submitted_by: UserId(by),
        status: BidStatus::Submitted,
        version: 1,
        fields: BidFields {
            price_fen: 500_000,
            delivery_days: 60,
            technical_proposal: "方案".into(),
            team: "团队".into(),
        },
        attachments: vec![Attachment {
            id: id * 100,
            sha256: format!("{:064x}", id),
            filename: "方案.pdf".into(),
            size: 1234,
            created_at: now,
        }],
        created_at: now,
        updated_at: now,
        consortium: None,
    }
}

fn must<T>(r: domain::Result<T>) -> T {
    r.unwrap_or_else(|e| panic!("port call failed: {e:?}"))
}

/// Organizations and users: round trips, the list filters (with LIKE wildcards taken
/// literally), e-mail uniqueness, and a failed transaction leaving nothing behind.
async fn accounts_round_trip_filter_and_roll_back(app: &TestApp) {
    with_store(app, |db, now| {
        let store: &dyn Store = db;
        let mut a = org(9001, OrgKind::Agency, "青山区数据局", now);
        a.verified = true;
        a.contact = Contact {
            name: Some("王".into()),
            phone: Some("027-1".into()),
            email: None,
        };
        let mut v = org(9002, OrgKind::Vendor, "100% 智能 OPC", now);
        v.capabilities = vec!["视觉".into(), "大模型".into()];
        v.opc_member = true;
        let u = user(9101, "chief@example.cn", Role::Agency, Some(9001), now);
        let mut e = user(9102, "expert@example.cn", Role::Evaluator, None, now);
        e.expertise = vec![Sector::AiIndustry];
        must(in_tx(store, |tx| {
            tx.insert_organization(&a)?;
            tx.insert_organization(&v)?;
            tx.insert_user(&u, "hash-1")?;
            tx.insert_user(&e, "hash-2")
        }));
        must(in_read(store, |tx| {
            assert_eq!(
                tx.organization(a.id)?,
                Some(a.clone()),
                "organization round trip"
            );
            assert_eq!(tx.organization(OrganizationId(1))?, None);
            assert_eq!(tx.user(u.id)?, Some(u.clone()), "user round trip");
            assert_eq!(
                tx.user_by_email("chief@example.cn")?,
                Some((u.clone(), "hash-1".to_string()))
            );
            assert_eq!(tx.users_of_organization(a.id)?, vec![u.clone()]);
            assert_eq!(tx.evaluators(Some(Sector::AiIndustry))?, vec![e.clone()]);
            assert_eq!(tx.evaluators(Some(Sector::BioManufacturing))?, vec![]);
            let mut page = |f: OrgFilter| tx.organizations(&OrgFilter { limit: 10, ..f });
            let (vendors, n) = page(OrgFilter {
                kind: Some(OrgKind::Vendor),
                ..Default::default()
            })?;
            assert_eq!((vendors.len(), n), (1, 1));
            assert_eq!(
                page(OrgFilter {
                    q: Some("100%".into()),
                    ..Default::default()
                })?
                .1,
                1
            );
            // `%` is a literal, not a wildcard: "数据%" matches nothing.
            assert_eq!(
                page(OrgFilter {
                    q: Some("数据%".into()),
                    ..Default::default()
                })?
                .1,
                0
            );
            assert_eq!(
                page(OrgFilter {
                    q: Some("opc".into()),
                    ..Default::default()
                })?
                .1,
                1,
                "case-insensitive"
            );
            let tags = |t: &[&str]| OrgFilter {
                tags: t.iter().map(|s| s.to_string()).collect(),
                ..Default::default()
            };
            assert_eq!(page(tags(&["视觉", "大模型"]))?.1, 1, "every tag");
            assert_eq!(page(tags(&["视觉", "钢铁"]))?.1, 0);
            assert_eq!(
                page(OrgFilter {
                    verified: Some(true),
                    ..Default::default()
                })?
                .0,
                vec![a.clone()]
            );
            assert_eq!(tx.count_users()?, 2);
            Ok(())
        }));
        // A second user with the same e-mail is a conflict, and nothing of that transaction stays.
        let dup = in_tx(store, |tx| {
            tx.insert_organization(&org(9003, OrgKind::Vendor, "后来者", now))?;
            tx.insert_user(
                &user(9103, "chief@example.cn", Role::Vendor, Some(9003), now),
                "h",
            )
        });
        assert!(matches!(dup, Err(Error::Conflict { .. })), "{dup:?}");
        must(in_read(store, |tx| {
            assert_eq!(tx.organization(OrganizationId(9003))?, None, "rolled back");
            Ok(())
        }));
        // Updates and password changes.
        let mut a2 = a.clone();
        a2.description = "新的介绍".into();
        a2.updated_at = now + Duration::seconds(1);
        must(in_tx(store, |tx| {
            tx.update_organization(&a2)?;
            tx.set_password_hash(u.id, "hash-new", now)
        }));
        must(in_read(store, |tx| {
            assert_eq!(tx.organization(a.id)?, Some(a2.clone()));
            assert_eq!(tx.user_by_email("chief@example.cn")?.unwrap().1, "hash-new");
            Ok(())
        }));
    })
    .await;
}

/// Sessions and tokens: conditional marks succeed once, revocation ends a session, failed
/// sign-ins are counted per account and per address, and a success is not a failure.
async fn tokens_are_used_once_and_sessions_end(app: &TestApp) {
    with_store(app, |db, now| {
        let store: &dyn Store = db;
        let u = user(9201, "t@example.cn", Role::Vendor, None, now);
        let rec = RefreshTokenRecord {
            id: 9211,
            user_id: u.id,
            session: SessionId(9221),
            token_hash: "refresh-hash".into(),
            created_at: now,
            expires_at: now + Duration::days(30),
            used_at: None,
            revoked_at: None,
        };
        let reset = PasswordResetRecord {
            id: 9231,
            user_id: u.id,
            token_hash: "reset-hash".into(),
            created_at: now,
            expires_at: now + Duration::hours(1),
            used_at: None,
        };
        must(in_tx(store, |tx| {
            tx.insert_user(&u, "h")?;
            tx.insert_session(rec.session, u.id, now)?;
            tx.insert_refresh_token(&rec)?;
            tx.insert_password_reset(&reset)
        }));
        must(in_read(store, |tx| {
            assert_eq!(tx.refresh_token_by_hash("refresh-hash")?, Some(rec.clone()));
            assert_eq!(tx.refresh_token_by_hash("other")?, None);
            assert_eq!(tx.live_session_user(rec.session)?, Some(u.clone()));
            assert_eq!(
                tx.password_reset_by_hash("reset-hash")?,
                Some(reset.clone())
            );
            Ok(())
        }));
        let first = must(in_tx(store, |tx| tx.mark_refresh_token_used(rec.id, now)));
        let second = must(in_tx(store, |tx| tx.mark_refresh_token_used(rec.id, now)));
        assert!(first && !second, "a refresh token is used once");
        let first = must(in_tx(store, |tx| {
            tx.mark_password_reset_used(reset.id, now)
        }));
        let second = must(in_tx(store, |tx| {
            tx.mark_password_reset_used(reset.id, now)
        }));
        assert!(first && !second, "a reset token is used once");
        must(in_tx(store, |tx| {
            tx.revoke_sessions(domain::ports::Sessions::One(rec.session), now)
        }));
        must(in_read(store, |tx| {
            assert_eq!(tx.live_session_user(rec.session)?, None, "revoked");
            assert!(
                tx.refresh_token_by_hash("refresh-hash")?
                    .unwrap()
                    .revoked_at
                    .is_some()
            );
            Ok(())
        }));
        must(in_tx(store, |tx| {
            tx.insert_session(SessionId(9222), u.id, now)?;
            tx.revoke_sessions(domain::ports::Sessions::OfUser(u.id), now)
        }));
        must(in_read(store, |tx| {
            assert_eq!(
                tx.live_session_user(SessionId(9222))?,
                None,
                "every session of the user"
            );
            Ok(())
        }));
        must(in_tx(store, |tx| {
            tx.lock_login_keys("t@example.cn", "10.0.0.1")?;
            tx.record_login_attempt(9241, "t@example.cn", "10.0.0.1", false, now)?;
            tx.record_login_attempt(9242, "t@example.cn", "10.0.0.2", false, now)?;
            tx.record_login_attempt(9243, "x@example.cn", "10.0.0.1", false, now)?;
            tx.record_login_attempt(9244, "t@example.cn", "10.0.0.1", false, now)?;
            tx.mark_login_succeeded(9244)?;
            tx.record_login_attempt(
                9245,
                "t@example.cn",
                "10.0.0.1",
                false,
                now - Duration::hours(2),
            )
        }));
        must(in_read(store, |tx| {
            let (by_email, by_ip) =
                tx.recent_login_failures("t@example.cn", "10.0.0.1", now - Duration::hours(1))?;
            assert_eq!(
                (by_email.len(), by_ip.len()),
                (2, 2),
                "recent failures only"
            );
            Ok(())
        }));
    })
    .await;
}

/// The audit chain: records appended by committed transactions take consecutive places after
/// the head, in order, once the store settles (at once on SQLite, by the chainer or the
/// reader's settling on PostgreSQL); a rolled-back append leaves nothing; the records come
/// back in order from any point.
async fn the_audit_chain_appends_in_order(app: &TestApp) {
    with_store(app, |db, now| {
        let store: &dyn Store = db;
        must(store.settle_audit());
        let before = must(in_read(store, |tx| tx.audit_records(0, 100_000)));
        let seq0 = before.len() as i64;
        let head0 = before
            .last()
            .map_or(GENESIS_HASH.to_string(), |r| r.hash.clone());
        let draft = |i: i64| AuditDraft {
            after: Some(serde_json::json!({ "i": i })),
            ..AuditDraft::new(
                Some(UserId(1)),
                domain::audit::AuditAction::JobRetry,
                "test",
                i,
            )
        };
        for i in 0..3 {
            must(in_tx(store, |tx| tx.append_audit(draft(i).unsealed(now))));
        }
        let refused: domain::Result<()> = in_tx(store, |tx| {
            tx.append_audit(draft(99).unsealed(now))?;
            Err(Error::NotFound)
        });
        assert!(refused.is_err());
        must(store.settle_audit());
        let all = must(in_read(store, |tx| tx.audit_records(0, 100_000)));
        assert!(matches!(verify_chain(&all), ChainCheck::Intact { .. }));
        let written = all[seq0 as usize..].to_vec();
        assert_eq!(
            written
                .iter()
                .map(|r| (r.seq, r.subject_id.as_str()))
                .collect::<Vec<_>>(),
            [(seq0 + 1, "0"), (seq0 + 2, "1"), (seq0 + 3, "2")],
            "the three committed, in order; the rolled-back one is not there"
        );
        assert_eq!(
            written[0].prev_hash, head0,
            "the first follows the old head"
        );
        assert_eq!(
            written[0].after.as_deref(),
            Some(r#"{"i":0}"#),
            "content as canonical text"
        );
        let tail = must(in_read(store, |tx| tx.audit_records(seq0 + 1, 10)));
        assert_eq!(tail, written[1..].to_vec(), "from a point, in order");
        assert_eq!(
            must(in_read(store, |tx| tx.audit_records(seq0, 1))),
            written[..1].to_vec(),
            "at most the limit"
        );
        assert_eq!(must(store.settle_audit()), 0, "nothing left waiting");
    })
    .await;
}

/// The job queue: a job enqueued in a transaction is claimed once under a lease, a failure
/// with a retry time makes it due again then, completion ends it, and `pending` counts.
async fn the_queue_leases_retries_and_completes(app: &TestApp) {
    app.fails_jobs
        .store(true, std::sync::atomic::Ordering::Relaxed);
    with_store(app, |db, now| {
        let store: &dyn Store = db;
        let queue: &dyn JobQueue = db;
        let pending0 = must(queue.pending());
        let mail = Job::SendEmail(OutgoingEmail::new(
            "q@example.cn",
            Locale::En,
            EmailMessage::OrganizationVerified {
                display_name: "Q".into(),
                organization: "Q Co".into(),
                verified: true,
                opc_member: false,
            },
        ));
        must(in_tx(store, |tx| {
            tx.enqueue(9301, &NewJob::now(mail.clone(), now), now)?;
            tx.enqueue(
                9302,
                &NewJob {
                    job: mail.clone(),
                    run_at: now + Duration::days(1),
                    max_attempts: 3,
                    dedup_key: None,
                },
                now,
            )
        }));
        assert_eq!(must(queue.pending()), pending0 + 2);
        // A rolled-back enqueue leaves no job.
        let _ = in_tx(store, |tx| {
            tx.enqueue(9303, &NewJob::now(mail.clone(), now), now)?;
            Err::<(), _>(Error::NotFound)
        });
        assert_eq!(must(queue.pending()), pending0 + 2, "rolled back");
        let lease = Duration::minutes(5);
        let claimed = must(queue.claim("w1", now, lease, 10));
        let ours: Vec<_> = claimed.iter().filter(|j| j.id >= 9301).collect();
        assert_eq!(ours.len(), 1, "only the due job: {claimed:?}");
        assert_eq!(
            (ours[0].id, ours[0].attempts, &ours[0].job),
            (9301, 1, &mail)
        );
        assert!(
            must(queue.claim("w2", now, lease, 10))
                .iter()
                .all(|j| j.id != 9301),
            "leased"
        );
        must(queue.fail(
            9301,
            "w1",
            "smtp down",
            Some(now + Duration::minutes(1)),
            now,
        ));
        assert!(
            must(queue.claim("w2", now, lease, 10))
                .iter()
                .all(|j| j.id != 9301),
            "not due yet"
        );
        let again = must(queue.claim("w2", now + Duration::minutes(2), lease, 10));
        let again: Vec<_> = again.iter().filter(|j| j.id == 9301).collect();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].attempts, 2, "the retry counts");
        // Only the worker holding the lease completes it.
        must(queue.complete(9301, "w1", now));
        assert_eq!(must(queue.pending()), pending0 + 2, "w1 no longer holds it");
        must(queue.complete(9301, "w2", now));
        assert_eq!(must(queue.pending()), pending0 + 1);
    })
    .await;
}

/// Scenarios: round trip with criteria, an update replacing the criteria, the listing with
/// its agency's name and active-bid count, visibility of drafts, and Q&A.
async fn scenarios_round_trip_list_and_answer(app: &TestApp) {
    with_store(app, |db, now| {
        let store: &dyn Store = db;
        let s = scenario(9401, 9411, 9421, now);
        let mut draft = scenario(9402, 9411, 9421, now);
        draft.status = Status::Draft;
        draft.published_at = None;
        draft.created_at = now + Duration::seconds(1);
        must(in_tx(store, |tx| {
            tx.insert_organization(&org(9411, OrgKind::Agency, "青山区城管局", now))?;
            tx.insert_organization(&org(9412, OrgKind::Vendor, "甲公司", now))?;
            tx.insert_organization(&org(9413, OrgKind::Vendor, "乙公司", now))?;
            tx.insert_user(
                &user(9421, "s@example.cn", Role::Agency, Some(9411), now),
                "h",
            )?;
            tx.insert_user(
                &user(9422, "v@example.cn", Role::Vendor, Some(9412), now),
                "h",
            )?;
            tx.insert_user(
                &user(9423, "w@example.cn", Role::Vendor, Some(9413), now),
                "h",
            )?;
            tx.insert_scenario(&s)?;
            tx.insert_scenario(&draft)?;
            tx.insert_bid(&bid(9431, 9401, 9412, 9422, now))?;
            let mut withdrawn = bid(9432, 9401, 9413, 9423, now);
            withdrawn.status = BidStatus::Withdrawn;
            tx.insert_bid(&withdrawn)
        }));
        must(in_read(store, |tx| {
            assert_eq!(tx.scenario(s.id)?, Some(s.clone()), "scenario round trip");
            let filter = |viewer_org: Option<i64>| ScenarioFilter {
                status: None,
                domain: None,
                agency: Some(OrganizationId(9411)),
                viewer_org: viewer_org.map(OrganizationId),
                now,
                offset: 0,
                limit: 10,
            };
            let (public, n) = tx.scenario_page(&filter(None))?;
            assert_eq!((public.len(), n), (1, 1), "the public never sees a draft");
            assert_eq!(public[0].scenario, s);
            assert_eq!(public[0].owner_name, "青山区城管局");
            assert_eq!(public[0].active_bids, 1, "a withdrawn bid does not count");
            let (own, n) = tx.scenario_page(&filter(Some(9411)))?;
            assert_eq!(n, 2);
            assert_eq!(own[0].scenario.id, draft.id, "newest first");
            assert_eq!(own[0].active_bids, 0);
            let evaluating = ScenarioFilter {
                status: Some(Status::Evaluating),
                now: now + Duration::days(31),
                ..filter(None)
            };
            assert_eq!(
                tx.scenario_page(&evaluating)?.1,
                1,
                "a passed deadline lists as evaluating"
            );
            let published = ScenarioFilter {
                status: Some(Status::Published),
                ..evaluating.clone()
            };
            assert_eq!(tx.scenario_page(&published)?.1, 0);
            let paged = ScenarioFilter {
                offset: 1,
                limit: 1,
                ..filter(Some(9411))
            };
            let (page2, n) = tx.scenario_page(&paged)?;
            assert_eq!((page2.len(), n, page2[0].scenario.id), (1, 2, s.id));
            Ok(())
        }));
        let mut edited = s.clone();
        edited.title = "改过的标题".into();
        edited.criteria.truncate(1);
        edited.criteria[0].weight = 70;
        let q = Question {
            id: QuestionId(9441),
            scenario: s.id,
            asked_by: UserId(9422),
            body: "可以联合投标吗？".into(),
            created_at: now,
            answers: vec![],
        };
        let answer = Answer {
            id: AnswerId(9451),
            body: "可以。".into(),
            created_at: now + Duration::seconds(5),
        };
        must(in_tx(store, |tx| {
            let locked = tx.lock_scenario(s.id, RowLock::Update)?;
            assert_eq!(locked, Some(s.clone()), "a locked read is the same row");
            tx.update_scenario(&edited)?;
            tx.insert_question(&q)?;
            tx.insert_answer(q.id, UserId(9421), &answer)
        }));
        must(in_read(store, |tx| {
            assert_eq!(
                tx.scenario(s.id)?,
                Some(edited.clone()),
                "criteria replaced"
            );
            let mut answered = q.clone();
            answered.answers.push(answer.clone());
            assert_eq!(tx.question(q.id)?, Some(answered.clone()));
            assert_eq!(tx.questions(s.id)?, vec![answered]);
            assert_eq!(tx.questions(draft.id)?, vec![]);
            Ok(())
        }));
    })
    .await;
}

/// Bids: round trip with attachments, one active bid per vendor and scenario (a conflict),
/// updates replacing attachments, the orderings, and versions.
async fn bids_round_trip_and_one_active_bid_each(app: &TestApp) {
    with_store(app, |db, now| {
        let store: &dyn Store = db;
        let b = bid(9531, 9501, 9512, 9522, now);
        must(in_tx(store, |tx| {
            tx.insert_organization(&org(9511, OrgKind::Agency, "机构", now))?;
            tx.insert_organization(&org(9512, OrgKind::Vendor, "企业", now))?;
            tx.insert_user(
                &user(9521, "a5@example.cn", Role::Agency, Some(9511), now),
                "h",
            )?;
            tx.insert_user(
                &user(9522, "v5@example.cn", Role::Vendor, Some(9512), now),
                "h",
            )?;
            tx.insert_scenario(&scenario(9501, 9511, 9521, now))?;
            tx.insert_scenario(&scenario(9502, 9511, 9521, now))?;
            tx.insert_bid(&b)?;
            tx.insert_bid_version(
                9541,
                b.id,
                &BidVersion {
                    version: 1,
                    fields: b.fields.clone(),
                    attachment_hashes: vec![b.attachments[0].sha256.clone()],
                    salt: "00ff".into(),
                    content_hash: "c1".into(),
                    created_at: now,
                },
            )
        }));
        let second = in_tx(store, |tx| tx.insert_bid(&bid(9532, 9501, 9512, 9522, now)));
        assert!(matches!(second, Err(Error::Conflict { .. })), "{second:?}");
        let mut later = bid(9533, 9502, 9512, 9522, now + Duration::seconds(1));
        later.attachments.clear();
        must(in_tx(store, |tx| tx.insert_bid(&later)));
        let mut revised = b.clone();
        revised.version = 2;
        revised.fields.price_fen = 450_000;
        revised.attachments = vec![];
        revised.updated_at = now + Duration::seconds(2);
        must(in_tx(store, |tx| {
            tx.update_bid(&revised)?;
            tx.insert_bid_version(
                9542,
                b.id,
                &BidVersion {
                    version: 2,
                    fields: revised.fields.clone(),
                    attachment_hashes: vec![],
                    salt: "11ee".into(),
                    content_hash: "c2".into(),
                    created_at: revised.updated_at,
                },
            )
        }));
        must(in_read(store, |tx| {
            assert_eq!(tx.bid(b.id)?, Some(revised.clone()), "update round trip");
            assert_eq!(
                tx.bids_of_scenario(ScenarioId(9501))?,
                vec![revised.clone()]
            );
            let mine: Vec<_> = tx
                .bids_of_vendor(OrganizationId(9512))?
                .into_iter()
                .map(|b| b.id)
                .collect();
            assert_eq!(mine, vec![later.id, b.id], "newest first");
            let versions = tx.bid_versions(b.id)?;
            assert_eq!(
                versions.iter().map(|v| v.version).collect::<Vec<_>>(),
                vec![1, 2]
            );
            assert_eq!(versions[0].salt, "00ff");
            assert_eq!(tx.count_active_bids(ScenarioId(9501))?, 1);
            Ok(())
        }));
        let mut withdrawn = revised.clone();
        withdrawn.status = BidStatus::Withdrawn;
        must(in_tx(store, |tx| tx.update_bid(&withdrawn)));
        // Once withdrawn, the vendor may bid again.
        must(in_tx(store, |tx| {
            tx.insert_bid(&bid(9534, 9501, 9512, 9522, now))
        }));
        must(in_read(store, |tx| {
            assert_eq!(tx.count_active_bids(ScenarioId(9501))?, 1);
            assert_eq!(
                tx.bids_of_scenario(ScenarioId(9501))?.len(),
                2,
                "withdrawn ones too"
            );
            Ok(())
        }));
    })
    .await;
}

/// Panels, scores, dissents, ratings, draws and notices: upserts, replacement of a score, the
/// one reply to a rating, and the paged notices.
async fn evaluation_records_round_trip(app: &TestApp) {
    with_store(app, |db, now| {
        let store: &dyn Store = db;
        let sid = ScenarioId(9601);
        must(in_tx(store, |tx| {
            tx.insert_organization(&org(9611, OrgKind::Agency, "机构", now))?;
            tx.insert_organization(&org(9612, OrgKind::Vendor, "企业", now))?;
            tx.insert_user(
                &user(9621, "a6@example.cn", Role::Agency, Some(9611), now),
                "h",
            )?;
            tx.insert_user(
                &user(9622, "v6@example.cn", Role::Vendor, Some(9612), now),
                "h",
            )?;
            tx.insert_user(
                &user(9623, "e6@example.cn", Role::Evaluator, None, now),
                "h",
            )?;
            tx.insert_scenario(&scenario(9601, 9611, 9621, now))?;
            tx.insert_scenario(&scenario(9602, 9611, 9621, now))?;
            tx.insert_bid(&bid(9631, 9601, 9612, 9622, now))
        }));
        let mut member = PanelMember {
            id: PanelMemberId(9641),
            evaluator: UserId(9623),
            added_at: now,
            declared_at: None,
            has_conflict: None,
            note: String::new(),
            removed_at: None,
        };
        let score = |v: i32, at: DateTime<Utc>| StoredScore {
            evaluator: UserId(9623),
            bid: BidId(9631),
            criterion: CriterionId(96011),
            score: v,
            comment: String::new(),
            updated_at: at,
        };
        let draw = PanelDraw {
            id: 9651,
            drawn_by: UserId(9621),
            seed: "12345678901234567890".into(),
            pool: vec![UserId(9623)],
            drawn: vec![UserId(9623)],
            reason: String::new(),
            at: now,
        };
        must(in_tx(store, |tx| {
            tx.save_panel_member(sid, &member)?;
            tx.save_score(9661, sid, &score(80, now))?;
            tx.insert_panel_draw(sid, &draw)
        }));
        member.declared_at = Some(now);
        member.has_conflict = Some(false);
        member.note = "无利益冲突".into();
        let dissent = Dissent {
            id: 9671,
            evaluator: UserId(9623),
            body: "保留意见".into(),
            created_at: now,
        };
        must(in_tx(store, |tx| {
            tx.save_panel_member(sid, &member)?;
            tx.save_score(9662, sid, &score(85, now + Duration::seconds(1)))?;
            tx.insert_dissent(sid, &dissent)
        }));
        must(in_read(store, |tx| {
            assert_eq!(
                tx.panel_members(sid)?,
                vec![member.clone()],
                "updated in place"
            );
            assert_eq!(
                tx.scores(sid)?,
                vec![score(85, now + Duration::seconds(1))],
                "replaced"
            );
            assert_eq!(tx.dissents(sid)?, vec![dissent.clone()]);
            assert_eq!(tx.panel_draws(sid)?, vec![draw.clone()]);
            assert_eq!(
                tx.panels_of_evaluator(UserId(9623))?,
                vec![(sid, member.clone())]
            );
            assert_eq!(tx.panel_members(ScenarioId(9602))?, vec![]);
            Ok(())
        }));
        let rating = Rating {
            id: RatingId(9681),
            scenario: sid,
            vendor: OrganizationId(9612),
            rated_by: UserId(9621),
            quality: 5,
            timeliness: 4,
            communication: 3,
            comment: "按时交付".into(),
            created_at: now,
            reply: None,
            replied_at: None,
        };
        must(in_tx(store, |tx| tx.insert_rating(&rating)));
        let first = must(in_tx(store, |tx| tx.save_reply(rating.id, "谢谢", now)));
        let second = must(in_tx(store, |tx| tx.save_reply(rating.id, "改口", now)));
        assert!(first && !second, "a rating is answered once");
        must(in_tx(store, |tx| {
            tx.insert_award_notice(sid, now, r#"{"n":1}"#)?;
            tx.insert_award_notice(ScenarioId(9602), now + Duration::seconds(1), r#"{"n":2}"#)
        }));
        must(in_read(store, |tx| {
            let stored = tx.rating(rating.id)?.unwrap();
            assert_eq!(
                (stored.reply.as_deref(), stored.replied_at),
                (Some("谢谢"), Some(now))
            );
            assert_eq!(tx.rating_of_scenario(sid)?, Some(stored.clone()));
            assert_eq!(tx.ratings_of_vendor(OrganizationId(9612))?, vec![stored]);
            assert_eq!(tx.award_notice(sid)?.as_deref(), Some(r#"{"n":1}"#));
            let (page, total) = tx.award_notices(0, 1)?;
            assert_eq!(
                (page, total),
                (vec![r#"{"n":2}"#.to_string()], 2),
                "newest first, paged"
            );
            Ok(())
        }));
    })
    .await;
}

/// An organization read with its lock stays locked until the transaction ends: a second
/// read-and-write-back (a profile edit, a verification) waits for the first and starts from
/// its change, so neither change is lost. Without the lock, the second would write back the
/// description it read before the first committed.
async fn an_organization_changed_twice_at_once_keeps_both_changes(app: &TestApp) {
    with_store(app, |db, now| {
        let id = OrganizationId(9401);
        let store: &dyn Store = db;
        must(in_tx(store, |tx| {
            tx.insert_organization(&org(id.0, OrgKind::Vendor, "锁定", now))
        }));
        let (locked, wait) = std::sync::mpsc::channel();
        let first_db = db.clone();
        let first = std::thread::spawn(move || {
            must(in_tx(&first_db, |tx| {
                let mut o = tx.lock_organization(id)?.expect("stored");
                locked.send(()).unwrap();
                // The second change tries meanwhile.
                std::thread::sleep(std::time::Duration::from_millis(300));
                o.description = "first".into();
                tx.update_organization(&o)
            }));
        });
        wait.recv().unwrap();
        must(in_tx(store, |tx| {
            let mut o = tx.lock_organization(id)?.expect("stored");
            o.capabilities = vec!["second".into()];
            tx.update_organization(&o)
        }));
        first.join().unwrap();
        let o = must(in_read(store, |tx| tx.organization(id))).unwrap();
        assert_eq!(o.description, "first", "the first change is kept");
        assert_eq!(o.capabilities, ["second"]);
    })
    .await;
}

/// The stamps matching keeps its analysed profiles against: only verified vendors have one, a
/// change of a profile's text changes its stamp and moves the organizations' version, even at
/// the same instant (a coarse or fixed clock), and verifying a vendor adds it.
async fn vendor_stamps_change_with_the_profile(app: &TestApp) {
    with_store(app, |db, now| {
        let store: &dyn Store = db;
        let mut vendor = org(9501, OrgKind::Vendor, "盖章企业", now);
        vendor.verified = true;
        let mut agency = org(9502, OrgKind::Agency, "盖章机关", now);
        agency.verified = true;
        agency.offer_kinds = vec![];
        agency.open_to_teaming = false;
        let unverified = org(9503, OrgKind::Vendor, "未认证企业", now);
        must(in_tx(store, |tx| {
            tx.insert_organization(&vendor)?;
            tx.insert_organization(&agency)?;
            tx.insert_organization(&unverified)
        }));
        let stamps = |store: &dyn Store| must(in_read(store, |tx| tx.vendor_stamps()));
        let all = |store: &dyn Store| must(in_read(store, |tx| tx.organizations_version()));
        let before = stamps(store);
        let ids: Vec<i64> = before.iter().map(|(id, _)| id.0).collect();
        assert!(ids.contains(&9501), "{ids:?}");
        assert!(!ids.contains(&9502) && !ids.contains(&9503), "{ids:?}");
        let all_before = all(store);
        // The same instant, a longer description.
        vendor.description = "水面目标检测".into();
        must(in_tx(store, |tx| tx.update_organization(&vendor)));
        let after = stamps(store);
        let find = |s: &[(OrganizationId, domain::ports::ProfileStamp)]| {
            s.iter().find(|(id, _)| id.0 == 9501).unwrap().1
        };
        assert_ne!(find(&before), find(&after));
        assert_eq!(find(&after).updated_at, now, "the clock did not move");
        assert_ne!(all(store), all_before);
        // Verifying a vendor adds it.
        let mut verified = unverified.clone();
        verified.verified = true;
        let all_unverified = all(store);
        must(in_tx(store, |tx| tx.update_organization(&verified)));
        assert_ne!(all(store), all_unverified);
        assert!(stamps(store).iter().any(|(id, _)| id.0 == 9503));
    })
    .await;
}

on_both! {
    vendor_stamps_change_with_the_profile => super::vendor_stamps_change_with_the_profile;
    an_organization_changed_twice_at_once_keeps_both_changes => super::an_organization_changed_twice_at_once_keeps_both_changes;
    accounts_round_trip_filter_and_roll_back => super::accounts_round_trip_filter_and_roll_back;
    tokens_are_used_once_and_sessions_end => super::tokens_are_used_once_and_sessions_end;
    the_audit_chain_appends_in_order => super::the_audit_chain_appends_in_order;
    the_queue_leases_retries_and_completes => super::the_queue_leases_retries_and_completes;
    scenarios_round_trip_list_and_answer => super::scenarios_round_trip_list_and_answer;
    bids_round_trip_and_one_active_bid_each => super::bids_round_trip_and_one_active_bid_each;
    evaluation_records_round_trip => super::evaluation_records_round_trip;
}
