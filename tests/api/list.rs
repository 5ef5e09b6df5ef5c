//! ListMessages paging, sorting and filters (contract b.3, Q16, Q17, Q21) and ListConversations.

use crate::helpers::*;
use evo::domain::{AccountScope, EndpointId, MessageBody, PhoneNumber, Timestamp};
use evo::store::{NewMessage, SendTarget};
use serde_json::Value;

async fn list(app: &TestApp, t: &Tenant, query: &str) -> Value {
    let res = app.get(&format!("/messages?{query}"), &key(t)).await;
    assert_eq!(res.status(), 200, "{query}");
    res.json().await.unwrap()
}

fn texts(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect()
}

/// Stores `n` messages "m0".."m{n-1}" straight through the store (the same code SendMessage runs).
async fn seed(app: &TestApp, t: &Tenant, n: usize) {
    let mut writes = tokio::task::JoinSet::new();
    for i in 0..n {
        let message = NewMessage {
            target: SendTarget::Endpoint {
                endpoint: EndpointId::from_string(&t.endpoint),
                to: PhoneNumber::parse(&format!("+1555{:07}", i % 7)).unwrap(),
            },
            body: MessageBody::parse(&format!("m{i}")).unwrap(),
            segments: evo::domain::segments("m"),
            sender: "seed".into(),
            date: Timestamp::from_millis(1_700_000_000_000 + i as i64 * 1000),
            idempotency: None,
        };
        let store = app.store.clone();
        writes.spawn(async move {
            store
                .send_message(&AccountScope::All, message)
                .await
                .unwrap()
        });
    }
    while let Some(done) = writes.join_next().await {
        done.unwrap();
    }
}

#[tokio::test]
async fn paging_defaults_to_25_newest_first_and_counts_pages() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    seed(&app, &t, 30).await;
    let first = list(&app, &t, "").await;
    assert_eq!(first["items"].as_array().unwrap().len(), 25);
    assert_eq!(first["totalCount"], 30);
    assert_eq!(first["totalPages"], 2);
    assert_eq!(first["hasMorePages"], true);
    assert_eq!(texts(&first)[0], "m29");
    let second = list(&app, &t, "page=1").await;
    assert_eq!(texts(&second), ["m4", "m3", "m2", "m1", "m0"]);
    assert_eq!(second["hasMorePages"], false);
    let small = list(&app, &t, "Page=2&CountPerPage=4").await;
    assert_eq!(texts(&small), ["m21", "m20", "m19", "m18"]);
    // Q21: a non-positive page size means the default.
    assert_eq!(
        list(&app, &t, "countPerPage=0").await["items"]
            .as_array()
            .unwrap()
            .len(),
        25
    );
    assert_eq!(
        list(&app, &t, "countPerPage=-3").await["items"]
            .as_array()
            .unwrap()
            .len(),
        25
    );
    assert_eq!(
        list(&app, &t, "all=true").await["items"]
            .as_array()
            .unwrap()
            .len(),
        30
    );
    assert_eq!(
        list(&app, &t, "page=9").await["items"],
        serde_json::json!([])
    );
}

#[tokio::test]
async fn page_size_is_capped_at_1000() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    seed(&app, &t, 1005).await;
    let page = list(&app, &t, "countPerPage=5000").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1000);
    assert_eq!(page["totalCount"], 1005);
    assert_eq!(page["totalPages"], 2);
}

#[tokio::test]
async fn r23_sorting_by_date_or_id_in_either_order_with_enum_names_or_numbers() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    seed(&app, &t, 3).await;
    assert_eq!(
        texts(&list(&app, &t, "sortOrder=Ascend").await),
        ["m0", "m1", "m2"]
    );
    assert_eq!(
        texts(&list(&app, &t, "sortField=date&sortOrder=Descend").await),
        ["m2", "m1", "m0"]
    );
    // Ids order by when each write ran, which concurrent sends do not fix: sorting by Id
    // returns every message in the order of its id.
    let by_id = list(&app, &t, "SortField=Id&SortOrder=ascend").await;
    let ids: Vec<&str> = by_id["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    // R23: enum members by name in any case, or by number.
    assert_eq!(
        texts(&list(&app, &t, "sortOrder=0").await),
        ["m0", "m1", "m2"]
    );
    assert_eq!(
        texts(&list(&app, &t, "sortOrder=1").await),
        ["m2", "m1", "m0"]
    );
    for bad in [
        "sortField=text",
        "sortOrder=Sideways",
        "page=-1",
        "page=x",
        "all=maybe",
        "afterDate=yesterday",
    ] {
        let res = app.get(&format!("/messages?{bad}"), &key(&t)).await;
        assert_eq!(res.status(), 400, "{bad}");
        let status = response_status(res).await;
        assert_eq!(field_errors(&status).len(), 1, "{bad}");
    }
}

#[tokio::test]
async fn simplified_paging_skips_totals_and_says_whether_more_exist() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    seed(&app, &t, 5).await;
    let page = list(&app, &t, "simplifiedPaging=true&countPerPage=3").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    assert_eq!(page["hasMorePages"], true);
    assert_eq!(page["totalCount"], 0);
    let last = list(&app, &t, "simplifiedPaging=true&countPerPage=3&page=1").await;
    assert_eq!(texts(&last), ["m1", "m0"]);
    assert_eq!(last["hasMorePages"], false);
}

#[tokio::test]
async fn r28_filters_by_ids_in_every_list_spelling_and_after_date() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    seed(&app, &t, 10).await;
    let all = list(&app, &t, "all=true").await;
    let ids: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    let pick = list(&app, &t, &format!("specificIds={},{}", ids[0], ids[1])).await;
    assert_eq!(pick["totalCount"], 2);
    let pick = list(
        &app,
        &t,
        &format!("specificIds={}&specificIds={}", ids[0], ids[1]),
    )
    .await;
    assert_eq!(pick["totalCount"], 2);
    let pick = list(&app, &t, &format!("specificIds=[{}]", ids[2])).await;
    assert_eq!(pick["totalCount"], 1);
    assert_eq!(
        list(&app, &t, &format!("endpointIds={}", t.endpoint)).await["totalCount"],
        10
    );
    assert_eq!(list(&app, &t, "endpointIds=other").await["totalCount"], 0);
    assert_eq!(
        list(&app, &t, &format!("accountIds={}", t.account)).await["totalCount"],
        10
    );
    assert_eq!(list(&app, &t, "customerIds=none").await["totalCount"], 0);

    // AfterDate is strictly after, RFC 3339 or YYYY-MM-DD (Q4).
    let after = Timestamp::from_millis(1_700_000_000_000 + 6_000).to_rfc3339();
    assert_eq!(
        texts(&list(&app, &t, &format!("afterDate={after}")).await),
        ["m9", "m8", "m7"]
    );
    assert_eq!(
        list(&app, &t, "afterDate=2023-11-14").await["totalCount"],
        10
    );
    assert_eq!(
        list(&app, &t, "afterDate=2023-11-15").await["totalCount"],
        0
    );

    // Conversations: most recent first, each with its latest message.
    let convs: Value = app
        .get("/conversations", &key(&t))
        .await
        .json()
        .await
        .unwrap();
    let convs = convs["conversations"].as_array().unwrap().clone();
    assert_eq!(convs.len(), 7);
    assert_eq!(convs[0]["mostRecentMessage"]["text"], "m9");
    assert_eq!(convs[0]["otherAddress"], "+15550000002");
    let conv = convs[0]["id"].as_str().unwrap();
    assert_eq!(
        texts(&list(&app, &t, &format!("conversationIds={conv}")).await),
        ["m9", "m2"]
    );
    let recent: Value = app
        .get(&format!("/conversations?afterDate={after}"), &key(&t))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(recent["conversations"].as_array().unwrap().len(), 3);
    let none: Value = app
        .get("/conversations?endpointIds=other", &key(&t))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none["conversations"], serde_json::json!([]));
}

#[tokio::test]
async fn r46_list_xml_uses_the_generic_root_and_head_answers() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    seed(&app, &t, 1).await;
    let res = app.get_xml("/messages", &key(&t)).await;
    let text = res.text().await.unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    assert_eq!(
        doc.root_element().tag_name().name(),
        "ListResponseOfMessageInfo"
    );
    let names: Vec<&str> = doc
        .root_element()
        .children()
        .filter(|n| n.is_element())
        .map(|n| n.tag_name().name())
        .collect();
    assert_eq!(names, ["HasMorePages", "Items", "TotalCount", "TotalPages"]);
    let item = doc
        .descendants()
        .find(|n| n.tag_name().name() == "MessageInfo")
        .unwrap();
    assert_eq!(
        item.tag_name().namespace(),
        Some("http://schemas.datacontract.org/2004/07/Voice.Api.Messaging")
    );
    let res = app
        .request(reqwest::Method::HEAD, "/messages", &key(&t))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}
