//! Metadata pages (R80), generated from the registry.

use crate::helpers::*;
use reqwest::header::{CONTENT_TYPE, HOST};

const SEED_PAGE: &str = include_str!("../fixtures/seed/SendMessage.txt");

/// The page's visible text, line by line, without whitespace (the seed page's normal form).
fn normalise_html(html: &str) -> Vec<String> {
    let body = html.split_once("</head>").map_or(html, |(_, b)| b);
    let mut text = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
    normalise_text(&text)
}

fn normalise_text(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.chars().filter(|c| !c.is_whitespace()).collect::<String>())
        .filter(|l| !l.is_empty())
        .collect()
}

#[tokio::test]
async fn r80_the_xml_page_for_send_message_reproduces_the_seed() {
    let app = spawn_app().await;
    let res = app
        .request(
            reqwest::Method::GET,
            "/xml/metadata?op=SendMessage",
            &Auth::None,
        )
        .header(HOST, "evovoice.io")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = normalise_html(&res.text().await.unwrap());
    let seed = normalise_text(SEED_PAGE);
    for (i, (got, want)) in page.iter().zip(seed.iter()).enumerate() {
        assert_eq!(got, want, "line {i}");
    }
    assert_eq!(page.len(), seed.len(), "{page:#?}");
}

#[tokio::test]
async fn every_operation_has_a_page_in_every_format_and_the_index_links_them() {
    let app = spawn_app().await;
    let index = app
        .get("/metadata", &Auth::None)
        .await
        .text()
        .await
        .unwrap();
    for op in [
        "SendMessage",
        "ListMessages",
        "ListConversations",
        "Authenticate",
        "GetAuthStatus",
    ] {
        for format in ["json", "xml", "jsv", "csv", "jsonl"] {
            let link = format!("/{format}/metadata?op={op}");
            assert!(index.contains(&link), "{link}");
            let res = app.get(&link, &Auth::None).await;
            assert_eq!(res.status(), 200, "{link}");
            let text = res.text().await.unwrap();
            assert!(text.contains(&format!("{op} Parameters:")), "{link}");
            assert!(text.contains(&format!("?format={format}")), "{link}");
        }
    }
    let json = app
        .get("/json/metadata?op=ListMessages", &Auth::None)
        .await
        .text()
        .await
        .unwrap();
    assert!(json.contains("?callback=myCallback"));
    assert!(json.contains("SortOrders Enum:"));
    assert!(json.contains("ListResponseOfMessageInfo Parameters:"));
    let res = app.get("/json/metadata?op=Nope", &Auth::None).await;
    assert_eq!(res.status(), 404);
}
