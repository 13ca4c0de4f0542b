//! The account values' rules.
use super::*;

fn fields_of(e: Error) -> Vec<String> {
    match e {
        Error::Validation(v) => v.into_iter().map(|f| f.field).collect(),
        other => panic!("expected validation, got {other:?}"),
    }
}

#[test]
fn roles_and_kinds_round_trip_and_only_agency_and_vendor_have_organizations() {
    for r in [Role::Admin, Role::Agency, Role::Vendor, Role::Evaluator] {
        assert_eq!(Role::parse(r.code()), Ok(r));
    }
    assert!(Role::parse("root").is_err());
    assert_eq!(Role::Agency.organization_kind(), Some(OrgKind::Agency));
    assert_eq!(Role::Vendor.organization_kind(), Some(OrgKind::Vendor));
    assert_eq!(Role::Admin.organization_kind(), None);
    assert_eq!(Role::Evaluator.organization_kind(), None);
    assert_eq!(OrgKind::parse("vendor"), Ok(OrgKind::Vendor));
    assert!(OrgKind::parse("club").is_err());
    assert_eq!(Locale::parse("zh-Hans"), Some(Locale::ZhCn));
    assert_eq!(Locale::parse("EN-us"), Some(Locale::En));
    assert_eq!(Locale::parse("fr"), None);
}

#[test]
fn emails_are_checked_and_normalised() {
    assert_eq!(
        Email::parse(" Li.Lei@Example.CN ").unwrap().normalized(),
        "li.lei@example.cn"
    );
    for bad in [
        "", "a", "a@b", "a@@b.cn", "a b@c.cn", "@c.cn", "a@.cn", "a@c..cn", "a@c.cn.",
    ] {
        assert!(Email::parse(bad).is_err(), "{bad} should fail");
    }
}

#[test]
fn passwords_need_length_and_mixed_characters() {
    assert!(Password::parse("short1").is_err());
    assert!(Password::parse("onlyletterslong").is_err());
    assert!(Password::parse("1234567890").is_err());
    assert!(Password::parse("correct horse 1").is_ok());
    assert!(Password::parse(&"a1".repeat(65)).is_err());
    assert_eq!(
        format!("{:?}", Password::parse("secret-pass-1").unwrap()),
        "Password(***)"
    );
}

#[test]
fn a_registration_with_every_field_wrong_names_every_field() {
    let req = RegisterRequest {
        email: "nope".into(),
        password: "x".into(),
        display_name: " ".into(),
        role: Some(Role::Admin),
        organization: RegisterOrganization {
            name: "".into(),
            credit_code: Some("123".into()),
            offer_kinds: None,
        },
        locale: None,
    };
    let names = fields_of(Registration::try_from(req).unwrap_err());
    assert_eq!(
        names,
        [
            "email",
            "password",
            "display_name",
            "role",
            "organization.name",
            "organization.credit_code"
        ]
    );
}

#[test]
fn a_good_registration_parses_and_credit_code_is_optional() {
    let req = RegisterRequest {
        email: "a@b.cn".into(),
        password: "good-pass-123".into(),
        display_name: "王芳".into(),
        role: Some(Role::Vendor),
        organization: RegisterOrganization {
            name: "青云智粒科技".into(),
            credit_code: Some("".into()),
            offer_kinds: None,
        },
        locale: Some("en-US".into()),
    };
    let r = Registration::try_from(req).unwrap();
    assert_eq!(r.org_kind, OrgKind::Vendor);
    assert!(r.credit_code.is_none());
    assert_eq!(r.locale, Locale::En);
    assert!(r.offer_kinds.is_empty());
}

#[test]
fn a_vendor_registers_with_what_it_delivers_and_an_agency_states_none() {
    let req = |role, codes: &[&str]| RegisterRequest {
        email: "a@b.cn".into(),
        password: "good-pass-123".into(),
        display_name: "王芳".into(),
        role: Some(role),
        organization: RegisterOrganization {
            name: "青云智粒科技".into(),
            credit_code: None,
            offer_kinds: Some(codes.iter().map(|c| c.to_string()).collect()),
        },
        locale: None,
    };
    let r = Registration::try_from(req(Role::Vendor, &["consulting", "ai_software"])).unwrap();
    assert_eq!(
        r.offer_kinds,
        [OfferKind::AiSoftware, OfferKind::Consulting]
    );
    assert_eq!(
        fields_of(Registration::try_from(req(Role::Vendor, &["magic"])).unwrap_err()),
        ["organization.offer_kinds[0]"]
    );
    assert_eq!(
        fields_of(Registration::try_from(req(Role::Agency, &["hardware"])).unwrap_err()),
        ["organization.offer_kinds"]
    );
    assert!(Registration::try_from(req(Role::Agency, &[])).is_ok());
}

#[test]
fn staff_users_must_be_evaluators_or_admins_and_evaluators_need_expertise() {
    let mut req = CreateUserRequest {
        email: "e@b.cn".into(),
        password: "good-pass-123".into(),
        display_name: "专家".into(),
        role: Some(Role::Evaluator),
        expertise: vec![],
        locale: None,
    };
    assert_eq!(
        fields_of(NewStaffUser::try_from(req.clone()).unwrap_err()),
        ["expertise"]
    );
    req.expertise = vec!["city_governance".into(), "mars".into()];
    assert_eq!(
        fields_of(NewStaffUser::try_from(req.clone()).unwrap_err()),
        ["expertise[1]"]
    );
    req.expertise = vec!["city_governance".into(), "city_governance".into()];
    assert_eq!(
        NewStaffUser::try_from(req.clone()).unwrap().expertise.len(),
        1
    );
    req.role = Some(Role::Vendor);
    assert_eq!(
        fields_of(NewStaffUser::try_from(req).unwrap_err()),
        ["role"]
    );
}

#[test]
fn a_profile_patch_checks_contact_and_tags() {
    let req = OrgProfilePatchRequest {
        description: Some("做视觉".into()),
        capabilities: Some(vec!["视觉".into(), "视觉".into(), " OCR ".into()]),
        offer_kinds: Some(vec!["ai_software".into(), "integration".into()]),
        open_to_teaming: Some(true),
        contact: Some(Contact {
            name: None,
            phone: Some("027-8888 6666".into()),
            email: Some("x@y.cn".into()),
        }),
    };
    let p = OrgProfilePatch::try_from(req).unwrap();
    assert_eq!(p.capabilities.unwrap(), vec!["视觉", "ocr"]);
    assert_eq!(
        p.offer_kinds.unwrap(),
        [OfferKind::AiSoftware, OfferKind::Integration]
    );
    assert_eq!(p.open_to_teaming, Some(true));
    let bad = OrgProfilePatchRequest {
        description: None,
        capabilities: None,
        offer_kinds: None,
        open_to_teaming: None,
        contact: Some(Contact {
            name: None,
            phone: Some("call me".into()),
            email: Some("no".into()),
        }),
    };
    assert_eq!(
        fields_of(OrgProfilePatch::try_from(bad).unwrap_err()),
        ["contact.phone", "contact.email"]
    );
}

#[test]
fn a_profile_patch_names_an_unknown_offer_kind_and_keeps_what_it_does_not_name() {
    let req = OrgProfilePatchRequest {
        offer_kinds: Some(vec!["hardware".into(), "magic".into()]),
        ..Default::default()
    };
    assert_eq!(
        fields_of(OrgProfilePatch::try_from(req).unwrap_err()),
        ["offer_kinds[1]"]
    );
    let none = OrgProfilePatch::try_from(OrgProfilePatchRequest::default()).unwrap();
    assert_eq!((none.offer_kinds, none.open_to_teaming), (None, None));
}

#[test]
fn accept_language_picks_the_best_supported_language() {
    assert_eq!(
        Locale::from_accept_language("en-US,en;q=0.9,zh-CN;q=0.8"),
        Some(Locale::En)
    );
    assert_eq!(
        Locale::from_accept_language("fr, zh;q=0.5, en;q=0.4"),
        Some(Locale::ZhCn)
    );
    assert_eq!(Locale::from_accept_language("fr"), None);
}
