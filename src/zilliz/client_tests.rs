//! The Zilliz client against a fake of the documented calls, over real HTTP.

use std::time::Duration;

use backon::ExponentialBuilder;
use serde_json::json;
use url::Url;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::change::WritePermit;
use crate::config::{Secret, ZillizSettings};
use crate::error::Error;
use crate::zilliz::Zilliz;

const KEY: &str = "zk-unit-test-key";

fn client(server: &MockServer, key: Option<&str>) -> Zilliz {
    Zilliz::new(ZillizSettings {
        api_key: key.map(Secret::new),
        base_url: Url::parse(&format!("{}/", server.uri())).unwrap(),
    })
    .with_retry(
        ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(1))
            .with_max_times(3),
    )
}

fn ok(data: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({ "code": 0, "data": data }))
}

#[tokio::test]
async fn sends_the_bearer_key_and_reads_every_page() {
    let server = MockServer::start().await;
    let clusters: Vec<_> = (0..150)
        .map(|i| json!({ "clusterId": format!("in01-{i:015x}"), "projectId": "proj-1", "unknown": [1] }))
        .collect();
    for (page, chunk) in clusters.chunks(100).enumerate() {
        Mock::given(method("GET"))
            .and(path("/v2/clusters"))
            .and(header("authorization", format!("Bearer {KEY}").as_str()))
            .and(query_param("pageSize", "100"))
            .and(query_param("currentPage", (page + 1).to_string().as_str()))
            .respond_with(ok(json!({ "count": 150, "currentPage": page + 1, "pageSize": 100, "clusters": chunk })))
            .expect(1)
            .mount(&server)
            .await;
    }
    let got = client(&server, Some(KEY)).clusters().await.unwrap();
    assert_eq!(got.len(), 150);
    assert_eq!(got[149].cluster_id, format!("in01-{:015x}", 149));
}

#[tokio::test]
async fn a_wrong_key_is_a_clear_error_with_the_request_id() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header("requestid", "req-42")
                .set_body_json(json!({ "code": 21119, "message": "The apikey is illegal" })),
        )
        .expect(1) // a 4xx is never retried
        .mount(&server)
        .await;
    let err = client(&server, Some("zk-wrong"))
        .cluster("in01-abc")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Credentials { code: Some(code), .. } if code == "21119"),
        "{err:?}"
    );
    let err = err.to_string();
    assert!(err.contains("21119") && err.contains("req-42"), "{err}");
    assert!(err.contains("ZILLIZ_CLOUD_API_KEY"), "{err}");
    assert!(!err.contains("zk-wrong"), "{err}");
}

#[tokio::test]
async fn an_error_code_inside_http_200_is_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/clusters/in01-missing"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "code": 96018, "message": "cluster not exist" })),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server, Some(KEY))
        .cluster("in01-missing")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    assert!(err.to_string().contains("96018"), "{err}");
}

#[tokio::test]
async fn a_503_succeeds_on_retry() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/clusters/in01-abc"))
        .respond_with(ResponseTemplate::new(503).set_body_string("upstream busy"))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/clusters/in01-abc"))
        .respond_with(ok(
            json!({ "clusterId": "in01-abc", "privateLinkAddress": "", "status": "SOMETHING_NEW" }),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let cluster = client(&server, Some(KEY))
        .cluster("in01-abc")
        .await
        .unwrap();
    assert_eq!(cluster.status.as_deref(), Some("SOMETHING_NEW"));
    assert_eq!(cluster.private_link(), None);
}

#[tokio::test]
async fn persistent_5xx_gives_up_with_a_clear_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502))
        .expect(4)
        .mount(&server)
        .await;
    let err = client(&server, Some(KEY))
        .clusters()
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("HTTP 502") && err.contains("try again"),
        "{err}"
    );
}

#[tokio::test]
async fn registration_posts_the_documented_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/projects/proj-1/privateEndpoints"))
        .and(header("content-type", "application/json"))
        .and(body_json(
            json!({ "regionId": "aws-us-west-2", "endpointId": "vpce-0123456789abcdef0" }),
        ))
        .respond_with(ok(
            json!({ "endpointId": "vpce-0123456789abcdef0", "regionId": "aws-us-west-2" }),
        ))
        .expect(1)
        .mount(&server)
        .await;
    client(&server, Some(KEY))
        .register_private_endpoint(
            &WritePermit::for_tests(),
            "proj-1",
            "aws-us-west-2",
            "vpce-0123456789abcdef0",
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn no_key_fails_before_any_call_and_names_the_variable() {
    let server = MockServer::start().await;
    let err = client(&server, None)
        .clusters()
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("ZILLIZ_CLOUD_API_KEY"), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn throttling_is_retried_after_the_wait_the_server_asks_for() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/projects/proj-1/privateEndpoints"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "1")
                .set_body_json(json!({ "code": 429, "message": "Too Many Requests" })),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/projects/proj-1/privateEndpoints"))
        .respond_with(ok(
            json!({ "endpointId": "vpce-0123456789abcdef0", "regionId": "aws-us-west-2" }),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let started = std::time::Instant::now();
    client(&server, Some(KEY))
        .register_private_endpoint(
            &WritePermit::for_tests(),
            "proj-1",
            "aws-us-west-2",
            "vpce-0123456789abcdef0",
        )
        .await
        .unwrap();
    // The backoff alone would have waited about a millisecond.
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_key_without_permission_is_denied_with_zillizs_code() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({ "code": 96013, "message": "permission denied" })),
        )
        .mount(&server)
        .await;
    let err = client(&server, Some(KEY))
        .cluster("in01-abc")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Denied { code, .. } if code == "96013"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_projects_clusters_in_a_region_are_asked_with_the_lists_filters() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/clusters"))
        .and(query_param("projectId", "proj-1"))
        .and(query_param("regionId", "aws-us-west-2"))
        .respond_with(ok(json!({ "count": 3, "clusters": [
            { "clusterId": "in01-a", "projectId": "proj-1", "regionId": "aws-us-west-2" },
            { "clusterId": "in01-b", "projectId": "proj-1", "regionId": "aws-us-west-2" },
            // A control plane that ignores a filter: filtered here too.
            { "clusterId": "in01-c", "projectId": "proj-2", "regionId": "aws-us-west-2" },
        ]})))
        .expect(1)
        .mount(&server)
        .await;
    let got = client(&server, Some(KEY))
        .clusters_in("proj-1", "aws-us-west-2")
        .await
        .unwrap();
    let ids: Vec<&str> = got.iter().map(|c| c.cluster_id.as_str()).collect();
    assert_eq!(ids, ["in01-a", "in01-b"]);
}

#[tokio::test]
async fn filters_the_control_plane_refuses_fall_back_to_the_whole_list() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/clusters"))
        .and(query_param("projectId", "proj-1"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({ "code": 90002, "message": "unknown parameter projectId" })),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/clusters"))
        .respond_with(ok(json!({ "count": 2, "clusters": [
            { "clusterId": "in01-a", "projectId": "proj-1", "regionId": "aws-us-west-2" },
            { "clusterId": "in01-e", "projectId": "proj-1", "regionId": "aws-eu-central-1" },
        ]})))
        .expect(1)
        .mount(&server)
        .await;
    let got = client(&server, Some(KEY))
        .clusters_in("proj-1", "aws-us-west-2")
        .await
        .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].cluster_id, "in01-a");
}
