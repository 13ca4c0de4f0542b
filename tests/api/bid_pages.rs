//! Bid pages over plain HTTP (multipart forms, as a browser without JavaScript sends them).

use serde_json::json;
use tests::{TestApp, on_both, signed_in};

fn bid_form(csrf: &str, price: &str, files: Vec<(&str, Vec<u8>)>) -> reqwest::multipart::Form {
    let mut f = reqwest::multipart::Form::new()
        .text("csrf", csrf.to_string())
        .text("price", price.to_string())
        .text("delivery_days", "60")
        .text("technical_proposal", "第一段。\n\n第二段。")
        .text("team", "两人");
    for (name, bytes) in files {
        f = f.part(
            "file",
            reqwest::multipart::Part::bytes(bytes)
                .file_name(name.to_string())
                .mime_str("application/pdf")
                .unwrap(),
        );
    }
    f
}

async fn a_vendor_bids_revises_and_withdraws_from_the_pages(app: &TestApp) {
    let (agency, _) = tests::fixtures::verified_agency(app, "a@example.cn", "局").await;
    let sid = app
        .post(
            "/api/v1/scenarios",
            Some(&agency),
            tests::fixtures::posting(app, 30),
        )
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    app.post(
        &format!("/api/v1/scenarios/{sid}/publish"),
        Some(&agency),
        json!({}),
    )
    .await;
    let admin = app.admin_token().await;
    let org = app.register("v@example.cn", "vendor", "页面企业").await["organization"]["id"]
        .as_i64()
        .unwrap();
    tests::fixtures::verify(app, &admin, org, true).await;
    let (c, csrf) = signed_in(app, "v@example.cn").await;
    let page = c
        .get(app.url(&format!("/scenarios/{sid}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"bid-form\""));
    // A forged token (in the form's address, where the page puts it) stores nothing, not even
    // the file: it is refused before the body is read.
    let r = c
        .post(app.url(&format!("/scenarios/{sid}/bid?csrf=forged")))
        .multipart(bid_form(
            "forged",
            "300000",
            vec![("a.pdf", b"%PDF-1.4 a".to_vec())],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(app.stored_files().is_empty());
    // A non-PDF is refused next to the field, typed values kept, nothing stored.
    let r = c
        .post(app.url(&format!("/scenarios/{sid}/bid?csrf={csrf}")))
        .multipart(bid_form(
            &csrf,
            "300000",
            vec![("a.pdf", b"GIF89a".to_vec())],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"file-error\"") && html.contains("value=\"300000\""),
        "{html}"
    );
    assert!(app.stored_files().is_empty());
    // Over the budget: the message names the budget.
    let r = c
        .post(app.url(&format!("/scenarios/{sid}/bid?csrf={csrf}")))
        .multipart(bid_form(&csrf, "600000", vec![]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("500000"));
    // A good bid with a PDF.
    let r = c
        .post(app.url(&format!("/scenarios/{sid}/bid?csrf={csrf}")))
        .multipart(bid_form(
            &csrf,
            "300000",
            vec![("方案.pdf", b"%PDF-1.4 ok".to_vec())],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let bid_path = location.split('?').next().unwrap().to_string();
    let html = c
        .get(app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("方案.pdf") && html.contains("class=\"hash\""));
    assert_eq!(app.stored_files().len(), 1);
    // Revise: a second receipt.
    let r = c
        .post(app.url(&format!("{bid_path}/edit")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("price", "280000"),
            ("delivery_days", "50"),
            ("technical_proposal", "新方案"),
            ("team", "三人"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let html = c
        .get(app.url(&bid_path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(html.matches("class=\"hash\"").count(), 2);
    // The vendor's list, then withdraw through the confirmation.
    let mine = c
        .get(app.url("/my/bids"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(mine.contains(&bid_path));
    assert_eq!(
        c.get(app.url(&format!("{bid_path}/withdraw")))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let r = c
        .post(app.url(&format!("{bid_path}/withdraw")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = c
        .get(app.url(&format!("/scenarios/{sid}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("id=\"bid-form\""),
        "after withdrawing the vendor may bid again"
    );
    // The owner sees the list only after the deadline.
    let (o, _) = signed_in(app, "a@example.cn").await;
    assert_eq!(
        o.get(app.url(&format!("/scenarios/{sid}/bids")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    app.clock.advance(chrono::Duration::days(30));
    let (o, _) = signed_in(app, "a@example.cn").await;
    let list = o
        .get(app.url(&format!("/scenarios/{sid}/bids")))
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 200);
    let html = list.text().await.unwrap();
    assert!(!html.contains("页面企业"), "a withdrawn bid is not listed");
}

on_both! {
    a_vendor_bids_revises_and_withdraws_from_the_pages => super::a_vendor_bids_revises_and_withdraws_from_the_pages;
}
