//! Tenancy (R76): a user of account A can neither send through, list, nor discover account B's
//! endpoints, sessions, conversations or messages; every foreign id answers like an unknown one.

use crate::helpers::*;
use evo::domain::Role;
use serde_json::{Value, json};

async fn count(app: &TestApp, t: &Tenant, query: &str) -> u64 {
    let res = app.get(&format!("/messages?{query}"), &key(t)).await;
    assert_eq!(res.status(), 200, "{query}");
    let list: Value = res.json().await.unwrap();
    assert_eq!(
        list["items"].as_array().unwrap().len() as u64,
        list["totalCount"].as_u64().unwrap()
    );
    list["totalCount"].as_u64().unwrap()
}

#[tokio::test]
async fn account_a_cannot_reach_account_b_on_any_route() {
    let app = spawn_app().await;
    let a = app.tenant("Alpha").await;
    let b = app.tenant("Beta").await;
    let b_msg = app.send(&b, "+15556667777", "secret").await;
    let b_session = app.session_of(b_msg["id"].as_str().unwrap()).await;
    let b_convs: Value = app
        .get("/conversations", &key(&b))
        .await
        .json()
        .await
        .unwrap();
    let b_conv = b_convs["conversations"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Send through B's endpoint or into B's session: 404, exactly like an unknown id.
    let res = app
        .post_json(
            "/messages",
            &key(&a),
            &json!({"endpointId": b.endpoint, "toAddress": "+15556667777", "body": "x"}),
        )
        .await;
    assert_eq!(res.status(), 404);
    let foreign = response_status(res).await;
    let res = app
        .post_json(
            "/messages",
            &key(&a),
            &json!({"endpointId": "unknown", "toAddress": "+15556667777", "body": "x"}),
        )
        .await;
    let unknown = response_status(res).await;
    assert_eq!(foreign["errorCode"], unknown["errorCode"]);
    let res = app
        .post_json(
            &format!("/sessions/{b_session}/messages"),
            &key(&a),
            &json!({"body": "x"}),
        )
        .await;
    assert_eq!(res.status(), 404);

    // Lists: B's data is invisible, whatever filter names it.
    app.send(&a, "+15556667777", "mine").await;
    assert_eq!(count(&app, &a, "").await, 1);
    assert_eq!(
        count(&app, &a, &format!("accountIds={}", b.account)).await,
        0
    );
    assert_eq!(
        count(&app, &a, &format!("endpointIds={}", b.endpoint)).await,
        0
    );
    assert_eq!(
        count(&app, &a, &format!("conversationIds={b_conv}")).await,
        0
    );
    assert_eq!(
        count(
            &app,
            &a,
            &format!("specificIds={}", b_msg["id"].as_str().unwrap())
        )
        .await,
        0
    );
    assert_eq!(
        count(&app, &a, &format!("accountIds={},{}", a.account, b.account)).await,
        1
    );

    let convs: Value = app
        .get(
            &format!("/conversations?accountIds={}", b.account),
            &key(&a),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(convs["conversations"], json!([]));
    let convs: Value = app
        .get("/conversations", &key(&a))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(convs["conversations"].as_array().unwrap().len(), 1);
    assert_ne!(convs["conversations"][0]["id"], b_conv.as_str());
}

#[tokio::test]
async fn a_user_of_two_accounts_and_a_system_administrator_see_across_them() {
    let app = spawn_app().await;
    let a = app.tenant("Alpha").await;
    let b = app.tenant("Beta").await;
    app.send(&a, "+15556667777", "a").await;
    app.send(&b, "+15556667777", "b").await;
    let both = app
        .user_in(&[&a.account, &b.account], "both@x.test", &[Role::User])
        .await;
    let both = Tenant {
        key: app.api_key(&both).await,
        ..a.clone()
    };
    assert_eq!(count(&app, &both, "").await, 2);
    assert_eq!(
        count(&app, &both, &format!("accountIds={}", b.account)).await,
        1
    );
    // It may send through either account's endpoint.
    let res = app
        .post_json(
            "/messages",
            &key(&both),
            &json!({"endpointId": b.endpoint, "toAddress": "+15556667777", "body": "x"}),
        )
        .await;
    assert_eq!(res.status(), 200);

    let root = app
        .user(&a.account, "root@x.test", &[Role::SystemAdministrator])
        .await;
    let root = Tenant {
        key: app.api_key(&root).await,
        ..a.clone()
    };
    assert_eq!(count(&app, &root, "").await, 3);
}
