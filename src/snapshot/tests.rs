use super::*;

fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

fn catalog() -> ValidCatalog {
    ValidCatalog::from_json(
        r#"{"features": [
            {"id": "calls", "type": "metered", "meter": "incremental", "units": "call"},
            {"id": "sso", "type": "boolean", "displayName": "SSO"},
            {"id": "unused", "type": "numeric"}],
          "products": [{"id": "app"}, {"id": "other"}],
          "plans": [
            {"id": "free", "productId": "app", "displayName": "Free", "entitlements": [
              {"featureId": "calls", "usageLimit": 10, "resetPeriod": "month"}]},
            {"id": "pro", "productId": "app", "parentPlanId": "free", "entitlements": [{"featureId": "sso"}]},
            {"id": "solo", "productId": "other"}],
          "addons": [
            {"id": "more", "productId": "app", "compatiblePlanIds": ["pro", "solo"], "maxQuantity": 3,
             "entitlements": [{"featureId": "calls", "usageLimit": 5}]},
            {"id": "never", "compatiblePlanIds": ["solo"]}]}"#,
    )
    .unwrap()
}

fn build(now: &str) -> Snapshot {
    let state = CustomerState::from_json(
        r#"{"id": "acme", "subscriptions": [{"id": "s", "planId": "pro", "status": "inTrial",
            "startDate": "2026-01-31T10:00:00Z", "trialEndDate": "2026-02-20T00:00:00Z",
            "addons": [{"addonId": "more", "quantity": 2}]}],
          "promotionalEntitlements": [{"featureId": "sso", "startDate": "2026-02-25T00:00:00Z"}],
          "usage": [{"featureId": "calls", "currentUsage": 3, "periodStart": "2026-01-31T10:00:00Z"}]}"#,
    )
    .unwrap();
    let opts = BuildOptions {
        environment: "production",
        version: 4,
        catalog_version: 2,
        now: ts(now),
    };
    Snapshot::build(&catalog(), state, opts).unwrap()
}

#[test]
fn carries_the_used_plans_with_ancestors_and_the_held_addons_only() {
    let s = build("2026-02-01T00:00:00Z");
    let plans: Vec<&str> = s.plans().iter().map(|p| p.id.as_str()).collect();
    assert_eq!(plans, ["free", "pro"]);
    let addons: Vec<&str> = s.addons().iter().map(|a| a.id.as_str()).collect();
    assert_eq!(addons, ["more"]);
    assert_eq!(s.plans()[0].display_name.as_deref(), Some("Free"));
    // Every feature is kept, so a check of `unused` is a missing entitlement, not an unknown feature.
    assert_eq!(s.prepared().features().len(), 3);
}

#[test]
fn valid_until_is_the_next_change_by_itself() {
    // Monthly period from 2026-01-31T10:00 ends 2026-02-28T10:00, the trial at 02-20.
    assert_eq!(
        build("2026-02-01T00:00:00Z").info().valid_until,
        Some(ts("2026-02-20T00:00:00Z"))
    );
    // After the trial nothing grants until the promotion starts on 02-25.
    assert_eq!(
        build("2026-02-21T00:00:00Z").info().valid_until,
        Some(ts("2026-02-25T00:00:00Z"))
    );
    // Then the lifetime promotion never changes by itself.
    assert_eq!(build("2026-03-01T00:00:00Z").info().valid_until, None);
}

#[test]
fn json_form_round_trips_and_names_features_by_id() {
    let s = build("2026-02-01T00:00:00Z");
    let json = s.to_json();
    assert_eq!(json["formatVersion"], FORMAT_VERSION);
    assert_eq!(json["info"]["customerId"], "acme");
    assert_eq!(json["info"]["validUntil"], "2026-02-20T00:00:00Z");
    assert_eq!(json["granted"][0][0]["featureId"], "calls");
    assert_eq!(json["granted"][0][0]["limit"], 20);
    assert!(json["customer"]["subscriptions"][0]
        .get("endDate")
        .is_none());
    let back = Snapshot::from_json(&json.to_string()).unwrap();
    assert_eq!(back.info(), s.info());
    assert_eq!(back.encode(), s.encode());
}

#[test]
fn decoding_rejects_what_is_not_a_current_snapshot() {
    let bytes = build("2026-02-01T00:00:00Z").encode();
    let code = |b: &[u8]| Snapshot::decode(b).unwrap_err().code;
    assert_eq!(code(&bytes[..5]), ErrorCode::InvalidSnapshot);
    assert_eq!(code(&bytes[..bytes.len() - 1]), ErrorCode::InvalidSnapshot);
    assert_eq!(
        code(b"PK\x03\x04 this is a zip file"),
        ErrorCode::InvalidSnapshot
    );
    let mut future = bytes.clone();
    future[4..6].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    assert_eq!(code(&future), ErrorCode::UnsupportedSnapshotVersion);
    let mut flipped = bytes.clone();
    flipped[HEADER_LEN + 3] ^= 1;
    assert_eq!(code(&flipped), ErrorCode::InvalidSnapshot);
    let mut json = build("2026-02-01T00:00:00Z").to_json();
    json["formatVersion"] = 9.into();
    let err = Snapshot::from_json(&json.to_string()).unwrap_err();
    assert_eq!(err.code, ErrorCode::UnsupportedSnapshotVersion);
}

#[test]
fn a_decoder_shares_identical_features_and_decodes_the_rest() {
    let mut decoder = Decoder::new();
    let first = build("2026-02-01T00:00:00Z");
    let second = build("2026-02-21T00:00:00Z"); // same catalog, other validUntil
    let a = decoder.decode(&first.encode()).unwrap();
    let b = decoder.decode(&second.encode()).unwrap();
    assert!(Arc::ptr_eq(
        a.prepared().features(),
        b.prepared().features()
    ));
    assert_eq!(b.info(), second.info());
    assert_eq!(b.encode(), second.encode());

    // Another catalog: decoded afresh, then shared in turn.
    let mut other = catalog().catalog().clone();
    other.features[1].display_name = Some("Single sign-on".into());
    let other = ValidCatalog::new(other).unwrap();
    let state = second.prepared().state().clone();
    let opts = BuildOptions {
        environment: "production",
        version: 5,
        catalog_version: 3,
        now: ts("2026-02-01T00:00:00Z"),
    };
    let third = Snapshot::build(&other, state, opts).unwrap().encode();
    let c = decoder.decode(&third).unwrap();
    assert!(!Arc::ptr_eq(
        b.prepared().features(),
        c.prepared().features()
    ));
    assert_eq!(c.encode(), third);
    let d = decoder.decode(&third).unwrap();
    assert!(Arc::ptr_eq(
        c.prepared().features(),
        d.prepared().features()
    ));
}

#[test]
fn a_decoder_reports_what_decode_reports_and_keeps_its_features_on_error() {
    let mut decoder = Decoder::new();
    let bytes = build("2026-02-01T00:00:00Z").encode();
    let held = decoder.decode(&bytes).unwrap();
    // Wrong content behind a correct checksum, after the shared features: the
    // customer state's id no longer matches the info's.
    let mut forged = bytes.clone();
    let at = forged.len() - forged.windows(4).rev().position(|w| w == b"acme").unwrap() - 4;
    forged[at + 3] = b'f';
    let crc = crc32(&forged[HEADER_LEN..]);
    forged[6..HEADER_LEN].copy_from_slice(&crc.to_le_bytes());
    let expected = Snapshot::decode(&forged).unwrap_err();
    assert_eq!(expected.path(), Some("info.customerId"));
    assert_eq!(decoder.decode(&forged).unwrap_err(), expected);
    for cut in [0, 5, HEADER_LEN + 3, bytes.len() - 1] {
        assert_eq!(
            decoder.decode(&bytes[..cut]).unwrap_err(),
            Snapshot::decode(&bytes[..cut]).unwrap_err()
        );
    }
    let again = decoder.decode(&bytes).unwrap();
    assert!(Arc::ptr_eq(
        held.prepared().features(),
        again.prepared().features()
    ));
}

#[test]
fn json_content_is_validated_like_bytes() {
    let mut json = build("2026-02-01T00:00:00Z").to_json();
    json["granted"][0][0]["featureId"] = "sso".into(); // a limit on a boolean feature
    let err = Snapshot::from_json(&json.to_string()).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidSnapshot);
    assert_eq!(err.path(), Some("granted[0][0]"));
    let mut json = build("2026-02-01T00:00:00Z").to_json();
    json["info"]["customerId"] = "other".into();
    assert_eq!(
        Snapshot::from_json(&json.to_string()).unwrap_err().code,
        ErrorCode::InvalidSnapshot
    );
}

#[test]
fn from_prepared_equals_build_and_revalidates_against_another_catalog() {
    let built = build("2026-02-01T00:00:00Z");
    let cat = catalog();
    let opts = BuildOptions {
        environment: "production",
        version: 4,
        catalog_version: 2,
        now: ts("2026-02-01T00:00:00Z"),
    };
    // Prepared against the same catalog (shared feature table): no second validation.
    let prepared = Prepared::new(&cat, built.prepared().state().clone()).unwrap();
    let fast = Snapshot::from_prepared(&cat, &prepared, opts).unwrap();
    assert_eq!(fast.encode(), built.encode());
    // Against a catalog without the plan: validated, and rejected.
    let other = ValidCatalog::from_json(
        r#"{"features": [{"id": "calls", "type": "metered", "meter": "incremental"}],
            "plans": [{"id": "free"}]}"#,
    )
    .unwrap();
    let err = Snapshot::from_prepared(&other, &prepared, opts).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidCustomer);
}
