//! Opt-out management (issue #6): `GET /endpoints/{id}/opt-outs`, `DELETE
//! /endpoints/{id}/opt-outs/{address}` (SystemAdministrator or Manager, within their accounts).

use crate::delivery_sim::{SimRig, TOKEN, quick_config, rig};
use crate::helpers::*;
use crate::inbound::{inbound_params, post_inbound};
use evo::carrier::sim::Faults;
use evo::domain::{AccountScope, EndpointId, PhoneNumber, Role};
use reqwest::Method;
use serde_json::{Value, json};

const CUSTOMER: &str = "+15556667777";

/// `+` percent-encoded, as a client puts an E.164 address in a path.
fn opt_out_path(endpoint: &str, address: &str) -> String {
    format!(
        "/endpoints/{endpoint}/opt-outs/{}",
        address.replace('+', "%2B")
    )
}

/// A user with `roles` in `account`, and their API key.
async fn member(app: &TestApp, account: &str, email: &str, roles: &[Role]) -> Auth {
    let user = app.user(account, email, roles).await;
    Auth::Key(app.api_key(&user).await)
}

async fn opt_out(app: &TestApp, t: &Tenant, address: &str) {
    app.store
        .add_opt_out(
            &AccountScope::All,
            &EndpointId::from_string(&t.endpoint),
            &PhoneNumber::parse(address).unwrap(),
        )
        .await
        .unwrap();
}

async fn list(app: &TestApp, endpoint: &str, auth: &Auth) -> Value {
    let res = app
        .get(&format!("/endpoints/{endpoint}/opt-outs"), auth)
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn delete(app: &TestApp, endpoint: &str, address: &str, auth: &Auth) -> reqwest::Response {
    app.request(Method::DELETE, &opt_out_path(endpoint, address), auth)
        .send()
        .await
        .unwrap()
}

async fn send_status(r: &SimRig) -> (u16, Value) {
    let body = json!({"endpointId": r.t.endpoint, "toAddress": CUSTOMER, "body": "promo"});
    let res = r.app.post_json("/messages", &key(&r.t), &body).await;
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test]
async fn a_stop_is_listed_and_lifting_it_lets_sends_through_again() {
    let r = rig(Faults::default(), quick_config()).await;
    let manager = member(&r.app, &r.t.account, "mgr@acme.test", &[Role::Manager]).await;
    assert_eq!(
        list(&r.app, &r.t.endpoint, &manager).await["optOuts"],
        json!([])
    );
    let stop = inbound_params(&r.t.number, CUSTOMER, "STOP", "SMoptout01");
    assert_eq!(post_inbound(&r, &stop, TOKEN).await.status(), 200);

    let listed = list(&r.app, &r.t.endpoint, &manager).await;
    let items = listed["optOuts"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{listed}");
    assert_eq!(items[0]["address"], CUSTOMER);
    assert!(items[0]["dateCreated"].as_str().unwrap().ends_with('Z'));
    let (status, refused) = send_status(&r).await;
    assert_eq!(
        (status, refused["responseStatus"]["errorCode"].clone()),
        (400, json!("RecipientOptedOut"))
    );

    let res = delete(&r.app, &r.t.endpoint, CUSTOMER, &manager).await;
    assert_eq!(res.status(), 204);
    assert!(res.bytes().await.unwrap().is_empty());
    assert_eq!(
        list(&r.app, &r.t.endpoint, &manager).await["optOuts"],
        json!([])
    );
    assert_eq!(send_status(&r).await.0, 200);
    // Lifting it again: there is nothing to lift.
    let again = delete(&r.app, &r.t.endpoint, CUSTOMER, &manager).await;
    assert_eq!(again.status(), 404);
    assert_eq!(response_status(again).await["errorCode"], "NotFound");
}

#[tokio::test]
async fn managers_and_system_administrators_only() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    opt_out(&app, &t, CUSTOMER).await;
    let path = format!("/endpoints/{}/opt-outs", t.endpoint);

    for auth in [key(&t), Auth::None] {
        let expected = if matches!(auth, Auth::None) { 401 } else { 403 };
        let res = app.get(&path, &auth).await;
        assert_eq!(res.status(), expected);
        let message = if expected == 401 {
            "Not Authenticated"
        } else {
            "Invalid Role"
        };
        assert_eq!(response_status(res).await["message"], message);
        let res = delete(&app, &t.endpoint, CUSTOMER, &auth).await;
        assert_eq!(res.status(), expected);
    }
    // A Customer role is not enough either: the roles are literal.
    let customer = member(&app, &t.account, "c@acme.test", &[Role::Customer]).await;
    assert_eq!(app.get(&path, &customer).await.status(), 403);

    let manager = member(&app, &t.account, "m@acme.test", &[Role::Manager]).await;
    assert_eq!(
        list(&app, &t.endpoint, &manager).await["optOuts"][0]["address"],
        CUSTOMER
    );
    // A system administrator needs no account of their own.
    let other = app.account("Elsewhere").await;
    let admin = member(&app, &other, "root@evo.test", &[Role::SystemAdministrator]).await;
    assert_eq!(
        list(&app, &t.endpoint, &admin).await["optOuts"][0]["address"],
        CUSTOMER
    );
    assert_eq!(
        delete(&app, &t.endpoint, CUSTOMER, &admin).await.status(),
        204
    );
}

#[tokio::test]
async fn another_accounts_endpoint_is_404_like_a_missing_one() {
    let app = spawn_app().await;
    let a = app.tenant("Acme").await;
    let b = app.tenant("Beta").await;
    opt_out(&app, &a, CUSTOMER).await;
    let b_manager = member(&app, &b.account, "m@beta.test", &[Role::Manager]).await;
    let missing = "0190000000007000800000000000dead";

    let foreign = app
        .get(&format!("/endpoints/{}/opt-outs", a.endpoint), &b_manager)
        .await;
    let absent = app
        .get(&format!("/endpoints/{missing}/opt-outs"), &b_manager)
        .await;
    assert_eq!(
        (foreign.status().as_u16(), absent.status().as_u16()),
        (404, 404)
    );
    let (foreign, absent) = (
        response_status(foreign).await,
        response_status(absent).await,
    );
    assert_eq!(
        foreign["message"]
            .as_str()
            .unwrap()
            .replace(&a.endpoint, "ID"),
        absent["message"].as_str().unwrap().replace(missing, "ID")
    );

    let foreign = delete(&app, &a.endpoint, CUSTOMER, &b_manager).await;
    let absent = delete(&app, missing, CUSTOMER, &b_manager).await;
    assert_eq!(
        (foreign.status().as_u16(), absent.status().as_u16()),
        (404, 404)
    );
    let (foreign, absent) = (
        response_status(foreign).await,
        response_status(absent).await,
    );
    assert_eq!(
        foreign["message"]
            .as_str()
            .unwrap()
            .replace(&a.endpoint, "ID"),
        absent["message"].as_str().unwrap().replace(missing, "ID")
    );
    // The opt-out is still there for A's own manager.
    let a_manager = member(&app, &a.account, "m@acme.test", &[Role::Manager]).await;
    assert_eq!(
        list(&app, &a.endpoint, &a_manager).await["optOuts"][0]["address"],
        CUSTOMER
    );
}

#[tokio::test]
async fn the_address_is_read_from_the_path_encoded_or_not_and_checked() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let manager = member(&app, &t.account, "m@acme.test", &[Role::Manager]).await;
    opt_out(&app, &t, CUSTOMER).await;
    opt_out(&app, &t, "+15556667778").await;
    assert_eq!(
        delete(&app, &t.endpoint, CUSTOMER, &manager).await.status(),
        204
    );
    // A literal `+` in a path is a plus, not a space.
    let literal = format!("/endpoints/{}/opt-outs/+15556667778", t.endpoint);
    let res = app
        .request(Method::DELETE, &literal, &manager)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);

    let res = delete(&app, &t.endpoint, "15556667778", &manager).await;
    assert_eq!(res.status(), 400);
    let status = response_status(res).await;
    assert_eq!(
        field_errors(&status),
        vec![("InvalidPhoneNumber".to_owned(), "Address".to_owned())]
    );
}

#[tokio::test]
async fn the_list_is_written_in_every_format_csv_one_row_per_opt_out() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let manager = member(&app, &t.account, "m@acme.test", &[Role::Manager]).await;
    opt_out(&app, &t, CUSTOMER).await;
    opt_out(&app, &t, "+15556667778").await;
    let path = format!("/endpoints/{}/opt-outs", t.endpoint);

    let xml = app.get_xml(&path, &manager).await.text().await.unwrap();
    assert!(
        xml.contains(
            "<ListOptOutsResponse xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\" \
             xmlns=\"http://schemas.datacontract.org/2004/07/Voice.Api.Endpoints\"><OptOuts><OptOutInfo><Address>+15556667777</Address><DateCreated>"
        ),
        "{xml}"
    );
    assert_eq!(xml.matches("<OptOutInfo>").count(), 2, "{xml}");

    let csv = app
        .get(&format!("{path}.csv"), &manager)
        .await
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert_eq!(lines[0], "Address,DateCreated");
    assert!(lines[1].starts_with("+15556667777,"), "{csv}");
    assert!(lines[2].starts_with("+15556667778,"), "{csv}");

    // An empty list still has its header.
    let other = app.tenant("Beta").await;
    let b_manager = member(&app, &other.account, "m@beta.test", &[Role::Manager]).await;
    let empty = format!("/endpoints/{}/opt-outs?format=csv", other.endpoint);
    assert_eq!(
        app.get(&empty, &b_manager).await.text().await.unwrap(),
        "Address,DateCreated\r\n"
    );
}

#[tokio::test]
async fn metadata_names_the_roles_any_of_which_will_do() {
    let app = spawn_app().await;
    let metadata: Value = app
        .get("/types/metadata", &Auth::None)
        .await
        .json()
        .await
        .unwrap();
    let op = |name: &str| {
        metadata["operations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["request"]["name"] == name)
            .cloned()
            .unwrap()
    };
    for name in ["ListOptOuts", "DeleteOptOut"] {
        let o = op(name);
        assert_eq!(o["requiresAuth"], true);
        assert_eq!(o["requiredRoles"], json!([]));
        assert_eq!(
            o["requiresAnyRole"],
            json!(["SystemAdministrator", "Manager"])
        );
    }
    assert_eq!(op("DeleteOptOut")["returnsVoid"], true);
    assert_eq!(op("SendMessage")["requiresAnyRole"], json!([]));

    let doc: Value = app
        .get("/openapi.json", &Auth::None)
        .await
        .json()
        .await
        .unwrap();
    let delete = &doc["paths"]["/endpoints/{endpointId}/opt-outs/{address}"]["delete"];
    assert!(delete["responses"]["204"].is_object(), "{delete}");
    assert!(
        delete["requestBody"].is_null(),
        "every field is in the path: {delete}"
    );
    assert!(
        delete["description"]
            .as_str()
            .unwrap()
            .ends_with("Requires one of the roles SystemAdministrator, Manager."),
        "{delete}"
    );
}

#[tokio::test]
async fn predefined_routes_reach_them_and_a_link_cannot_lift_an_opt_out() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let manager = member(&app, &t.account, "m@acme.test", &[Role::Manager]).await;
    opt_out(&app, &t, CUSTOMER).await;
    let query = format!("/json/reply/ListOptOuts?endpointId={}", t.endpoint);
    let listed: Value = app.get(&query, &manager).await.json().await.unwrap();
    assert_eq!(listed["optOuts"][0]["address"], CUSTOMER);
    let link = format!(
        "/json/reply/DeleteOptOut?endpointId={}&address=%2B15556667777",
        t.endpoint
    );
    assert_eq!(app.get(&link, &manager).await.status(), 405);
    let body = json!({"EndpointId": t.endpoint, "Address": CUSTOMER});
    let res = app
        .post_json("/json/reply/DeleteOptOut", &manager, &body)
        .await;
    assert_eq!(res.status(), 204);
    assert_eq!(
        list(&app, &t.endpoint, &manager).await["optOuts"],
        json!([])
    );
}
