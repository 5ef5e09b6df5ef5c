//! Authentication: every credential kind (R70-R73), GET /auth and logout (R74), auth status
//! (R75), 401 vs 403 (R63, R65) and the failed-password throttle.

use crate::helpers::*;
use evo::domain::Role;
use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, SET_COOKIE};
use serde_json::{Value, json};

async fn login(app: &TestApp, path: &str, body: Value) -> reqwest::Response {
    app.post_json(path, &Auth::None, &body).await
}

fn cookies(res: &reqwest::Response) -> Vec<String> {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn r72_basic_with_email_and_password() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let res = app
        .get("/messages", &Auth::Basic(t.email.clone(), PASSWORD.into()))
        .await;
    assert_eq!(res.status(), 200);
    // Emails match regardless of case.
    let res = app
        .get(
            "/messages",
            &Auth::Basic(t.email.to_uppercase(), PASSWORD.into()),
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .get(
            "/messages",
            &Auth::Basic(t.email.clone(), "wrong password".into()),
        )
        .await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        response_status(res).await["message"],
        "Invalid UserName or Password"
    );
}

#[tokio::test]
async fn r73_api_keys_as_bearer_or_as_basic_user_name() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    assert_eq!(
        app.get("/messages", &Auth::Key(t.key.clone()))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.get("/messages", &Auth::Basic(t.key.clone(), String::new()))
            .await
            .status(),
        200
    );
    let res = app
        .get("/messages", &Auth::Key("evo_not_a_real_key".into()))
        .await;
    assert_eq!(res.status(), 401);
    let res = app
        .get(
            "/messages",
            &Auth::Header("authorization", "Negotiate abc".into()),
        )
        .await;
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn r70_r71_credentials_login_sets_cookies_that_authenticate_later_requests() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let res = login(
        &app,
        "/auth/credentials",
        json!({"userName": t.email, "password": PASSWORD, "rememberMe": true}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let jar = cookies(&res);
    assert!(jar.iter().any(|c| c.starts_with("ss-id=")), "{jar:?}");
    assert!(jar.iter().any(|c| c.starts_with("ss-pid=")), "{jar:?}");
    assert!(jar.contains(&"ss-opt=perm".to_owned()), "{jar:?}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["userId"], t.user.as_str());
    assert_eq!(body["userName"], t.email.as_str());
    assert_eq!(body["displayName"], "Test User");
    assert_eq!(body["roles"], json!(["User"]));
    let token = body["bearerToken"].as_str().unwrap().to_owned();
    assert_eq!(body["sessionId"], token.as_str());

    // Cookie reuse, X-ss-id header and Bearer token all authenticate.
    let cookie = jar.join("; ");
    for auth in [
        Auth::Header("cookie", cookie.clone()),
        Auth::Header("x-ss-id", token.clone()),
        Auth::Header("x-ss-pid", token.clone()),
        Auth::Header("authorization", format!("Bearer {token}")),
    ] {
        assert_eq!(app.get("/messages", &auth).await.status(), 200, "{auth:?}");
    }
    // R74: GET /auth returns the current session.
    let current: Value = app
        .get("/auth", &Auth::Header("cookie", cookie))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(current["userId"], t.user.as_str());
}

#[tokio::test]
async fn post_auth_with_provider_and_form_body() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let res = login(
        &app,
        "/auth",
        json!({"provider": "credentials", "UserName": t.email, "Password": PASSWORD}),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert!(cookies(&res).contains(&"ss-opt=temp".to_owned()));
    let form = format!(
        "userName={}&password={}",
        t.email,
        PASSWORD.replace(' ', "+")
    );
    let res = app
        .post_raw(
            "/auth/credentials",
            &Auth::None,
            "application/x-www-form-urlencoded",
            form,
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = login(
        &app,
        "/auth/twitter",
        json!({"userName": t.email, "password": PASSWORD}),
    )
    .await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn r65_bad_logins_are_401() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    for body in [
        json!({"userName": t.email, "password": "nope nope"}),
        json!({"userName": "ghost@acme.test", "password": PASSWORD}),
        json!({"userName": t.email}),
        json!({}),
    ] {
        let res = login(&app, "/auth/credentials", body.clone()).await;
        assert_eq!(res.status(), 401, "{body}");
        assert!(cookies(&res).is_empty());
        response_status(res).await;
    }
}

#[tokio::test]
async fn r74_logout_ends_the_session_server_side() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let res = login(
        &app,
        "/auth/credentials",
        json!({"userName": t.email, "password": PASSWORD}),
    )
    .await;
    let cookie = cookies(&res).join("; ");
    let session = Auth::Header("cookie", cookie.clone());
    assert_eq!(app.get("/auth", &session).await.status(), 200);
    let res = app
        .request(Method::POST, "/auth/logout", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(cookies(&res).iter().any(|c| c == "ss-id="));
    // The old cookie no longer works, even if the client kept it.
    assert_eq!(app.get("/auth", &session).await.status(), 401);
    assert_eq!(app.get("/messages", &session).await.status(), 401);
    assert_eq!(app.get("/auth", &Auth::None).await.status(), 401);
}

#[tokio::test]
async fn r75_auth_status_is_anonymous_callable_and_lists_accounts() {
    let app = spawn_app().await;
    let res = app.get("/auth/status", &Auth::None).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["isAuthenticated"], false);

    let t = app.tenant("Acme").await;
    let other = app.account("Other").await;
    let body: Value = app
        .get("/auth/status", &key(&t))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["isAuthenticated"], true);
    assert_eq!(body["emailAddress"], t.email.as_str());
    assert_eq!(body["roles"], json!(["User"]));
    assert_eq!(body["accountIds"], json!([t.account]));
    assert_eq!(body["accountNames"], json!(["Acme"]));

    // A SystemAdministrator sees every account.
    let admin = app
        .user(&t.account, "root@acme.test", &[Role::SystemAdministrator])
        .await;
    let k = app.api_key(&admin).await;
    let body: Value = app
        .get("/auth/status", &Auth::Key(k.clone()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["accountIds"], json!([t.account, other]));

    // R44: List<string> as d2p1:string items in the Arrays namespace; R45: booleans as words.
    let xml = app
        .get_xml("/auth/status", &Auth::Key(k))
        .await
        .text()
        .await
        .unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let roles = doc
        .descendants()
        .find(|n| n.tag_name().name() == "Roles")
        .unwrap();
    let items: Vec<_> = roles.children().filter(|n| n.is_element()).collect();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].tag_name().name(), "string");
    assert_eq!(
        items[0].tag_name().namespace(),
        Some("http://schemas.microsoft.com/2003/10/Serialization/Arrays")
    );
    assert_eq!(items[0].text(), Some("SystemAdministrator"));
    assert!(xml.contains("<IsAuthenticated>true</IsAuthenticated>"));

    let res = app
        .request(Method::GET, "/auth/status", &Auth::None)
        .header("accept", "application/xml")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()[CONTENT_TYPE], "application/xml");
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("<IsAuthenticated>false</IsAuthenticated>")
    );
}

#[tokio::test]
async fn throttle_refuses_every_password_attempt_after_ten_failures() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let wrong = Auth::Basic(t.email.clone(), "wrong password".into());
    for _ in 0..10 {
        assert_eq!(app.get("/messages", &wrong).await.status(), 401);
    }
    // Right or wrong, the next password attempt is 429, by Basic and by login.
    let right = Auth::Basic(t.email.clone(), PASSWORD.into());
    let res = app.get("/messages", &right).await;
    assert_eq!(res.status(), 429);
    response_status(res).await;
    assert_eq!(app.get("/messages", &wrong).await.status(), 429);
    let res = login(
        &app,
        "/auth/credentials",
        json!({"userName": t.email, "password": PASSWORD}),
    )
    .await;
    assert_eq!(res.status(), 429);
    // The client address is throttled too, so another user from it is refused as well.
    app.user(&t.account, "other@acme.test", &[Role::User]).await;
    let res = app
        .get(
            "/messages",
            &Auth::Basic("other@acme.test".into(), PASSWORD.into()),
        )
        .await;
    assert_eq!(res.status(), 429);
    // API keys (high-entropy) are never throttled.
    assert_eq!(app.get("/messages", &key(&t)).await.status(), 200);
}

#[tokio::test]
async fn a_password_change_takes_effect_within_the_cache_lifetime() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let old = Auth::Basic(t.email.clone(), PASSWORD.into());
    assert_eq!(app.get("/messages", &old).await.status(), 200);
    let hash = evo::service::auth::hash_password("a brand new secret")
        .await
        .unwrap();
    app.store.set_password(&t.email, &hash).await.unwrap();
    // The new password works at once: nothing cached can hide it.
    let new = Auth::Basic(t.email.clone(), "a brand new secret".into());
    assert_eq!(app.get("/messages", &new).await.status(), 200);
    tokio::time::sleep(evo::server::credentials::CACHE_TTL + std::time::Duration::from_millis(200))
        .await;
    assert_eq!(app.get("/messages", &old).await.status(), 401);
}

#[tokio::test]
async fn stale_cookies_are_anonymous_for_auth_status() {
    let app = spawn_app().await;
    let res = app
        .get(
            "/auth/status",
            &Auth::Header("cookie", "ss-id=stale; ss-opt=temp".into()),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["isAuthenticated"], false);
    let res = app
        .get("/messages", &Auth::Header("cookie", "ss-id=stale".into()))
        .await;
    assert_eq!(res.status(), 401);
}
