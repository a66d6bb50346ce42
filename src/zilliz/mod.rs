//! The Zilliz Cloud control plane, as `docs/zilliz-control-plane.md` describes it.

mod envelope;
pub(crate) mod model;

use std::sync::OnceLock;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use url::Url;

pub(crate) use envelope::ApiFailure;
use model::{Cluster, EndpointService, Page, PrivateEndpoint};

use crate::change::WritePermit;
use crate::config::{Secret, ZillizSettings};
use crate::error::{Error, Service};

/// The largest page the control plane serves.
const PAGE_SIZE: u32 = 100;
/// A bound on paging, so that a control plane that keeps answering full pages cannot keep a
/// tool call busy forever.
const MAX_PAGES: u32 = 200;

pub(crate) struct Zilliz {
    settings: ZillizSettings,
    /// Made on first use: building a TLS client reads the system's roots, which start-up
    /// has no reason to pay for.
    http: OnceLock<reqwest::Client>,
    retry: ExponentialBuilder,
}

impl std::fmt::Debug for Zilliz {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Zilliz")
            .field("base_url", &self.settings.base_url.as_str())
            .finish_non_exhaustive()
    }
}

/// A failed call, before it is explained for the user.
#[derive(Debug)]
enum CallError {
    Api {
        failure: ApiFailure,
        request_id: Option<String>,
        /// What the answer's `Retry-After` asked for.
        retry_after: Option<Duration>,
    },
    Transport(reqwest::Error),
}

impl CallError {
    fn is_retryable(&self) -> bool {
        match self {
            Self::Api { failure, .. } => failure.is_retryable(),
            Self::Transport(e) => e.is_timeout() || e.is_connect() || e.is_request(),
        }
    }
}

impl Zilliz {
    pub(crate) fn new(settings: ZillizSettings) -> Self {
        Self {
            settings,
            http: OnceLock::new(),
            retry: ExponentialBuilder::default()
                .with_min_delay(Duration::from_millis(200))
                .with_max_delay(Duration::from_secs(3))
                .with_max_times(3)
                .with_jitter(),
        }
    }

    /// Replaces the backoff, to keep the tests' retries fast.
    #[cfg(test)]
    fn with_retry(mut self, retry: ExponentialBuilder) -> Self {
        self.retry = retry;
        self
    }

    fn key(&self) -> Result<&Secret, Error> {
        self.settings.api_key.as_ref().ok_or_else(|| {
            Error::Config(
                "no Zilliz Cloud API key: set ZILLIZ_CLOUD_API_KEY (or ZILLIZ_CLOUD_TOKEN) in the \
                 server's environment to a key from the Zilliz Cloud console (API Keys), then \
                 restart the server"
                    .into(),
            )
        })
    }

    fn http(&self) -> &reqwest::Client {
        self.http.get_or_init(|| {
            reqwest::Client::builder()
                .user_agent(concat!(
                    "zilliz-privatelink-mcp/",
                    env!("CARGO_PKG_VERSION")
                ))
                .connect_timeout(Duration::from_secs(5))
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap_or_default()
        })
    }

    fn url(&self, path: &str) -> Url {
        // The base ends with '/', and paths are relative, so a prefix in ZILLIZ_CLOUD_URI is kept.
        self.settings
            .base_url
            .join(path.trim_start_matches('/'))
            .unwrap_or_else(|_| self.settings.base_url.clone())
    }

    /// One call with retries on passing faults; `what` names it in errors (`GET /v2/clusters`).
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Value>,
    ) -> Result<T, Error> {
        let key = self.key()?;
        let what = format!("Zilliz {method} /{}", path.trim_start_matches('/'));
        let attempt = || async {
            let mut request = self
                .http()
                .request(method.clone(), self.url(path))
                .bearer_auth(key.expose())
                .header(reqwest::header::ACCEPT, "application/json")
                .query(query);
            if let Some(body) = &body {
                request = request.json(body);
            }
            let response = request.send().await.map_err(CallError::Transport)?;
            let status = response.status().as_u16();
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            let request_id = header("requestid");
            let retry_after = envelope::retry_after(header("retry-after").as_deref());
            let bytes = response.bytes().await.map_err(CallError::Transport)?;
            envelope::decode(status, &bytes).map_err(|failure| CallError::Api {
                failure,
                request_id,
                retry_after,
            })
        };
        let data = attempt
            .retry(self.retry)
            .when(CallError::is_retryable)
            // The server's own wait wins over the backoff's, within the same number of tries.
            .adjust(|err, backoff| {
                backoff.map(|d| match err {
                    CallError::Api {
                        retry_after: Some(wait),
                        ..
                    } => *wait,
                    _ => d,
                })
            })
            .notify(|err, after| tracing::warn!(call = %what, ?after, "retrying: {}", brief(err)))
            .await
            .map_err(|e| explain(&what, e))?;
        serde_json::from_value(data).map_err(|e| {
            Error::zilliz(
                what.clone(),
                format!("the answer did not have the expected shape ({e})"),
                "Check that ZILLIZ_CLOUD_URI points at the Zilliz Cloud control plane",
            )
        })
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, Error> {
        self.call(Method::GET, path, query, None).await
    }

    /// A call that changes the project: only with the permit for the plan it belongs to.
    async fn send(
        &self,
        _permit: &WritePermit,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Value>,
    ) -> Result<(), Error> {
        let _: Value = self.call(method, path, query, body).await?;
        Ok(())
    }

    /// Every item of a paged list, whose items sit in `data[list_field]`.
    async fn get_all<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        list_field: &str,
    ) -> Result<Vec<T>, Error> {
        let mut items: Vec<T> = Vec::new();
        for page_number in 1..=MAX_PAGES {
            let mut page_query = query.to_vec();
            page_query.push(("pageSize", PAGE_SIZE.to_string()));
            page_query.push(("currentPage", page_number.to_string()));
            let mut page: Page = self.get(path, &page_query).await?;
            let list = match page.rest.remove(list_field) {
                Some(Value::Array(list)) => list,
                _ => Vec::new(),
            };
            let got = list.len();
            for item in list {
                items.push(serde_json::from_value(item).map_err(|e| {
                    Error::zilliz(
                        format!("Zilliz GET /{path}"),
                        format!("an item of `{list_field}` did not have the expected shape ({e})"),
                        "Check that ZILLIZ_CLOUD_URI points at the Zilliz Cloud control plane",
                    )
                })?);
            }
            let total = page.count.unwrap_or(0) as usize;
            if got == 0 || items.len() >= total || got < PAGE_SIZE as usize {
                break;
            }
        }
        Ok(items)
    }

    /// Every cluster the key can see.
    pub(crate) async fn clusters(&self) -> Result<Vec<Cluster>, Error> {
        self.get_all("v2/clusters", &[], "clusters").await
    }

    /// The clusters of one project in one region: every cluster one private link there serves.
    /// Asked with the list's `projectId` and `regionId` filters (the Zilliz CLI's model declares
    /// them; the REST page does not), filtered here too, and, where the control plane refuses
    /// the filters (a code of its own other than a denial), read whole and filtered here.
    pub(crate) async fn clusters_in(
        &self,
        project_id: &str,
        region_id: &str,
    ) -> Result<Vec<Cluster>, Error> {
        let filters = [
            ("projectId", project_id.to_string()),
            ("regionId", region_id.to_string()),
        ];
        let listed = match self.get_all("v2/clusters", &filters, "clusters").await {
            Err(Error::Cloud {
                service: crate::error::Service::Zilliz,
                code: Some(_),
                ..
            }) => self.clusters().await?,
            other => other?,
        };
        Ok(listed
            .into_iter()
            .filter(|c| c.project_id.as_deref() == Some(project_id))
            .filter(|c| c.region_id.as_deref() == Some(region_id))
            .collect())
    }

    pub(crate) async fn cluster(&self, cluster_id: &str) -> Result<Cluster, Error> {
        self.get(&format!("v2/clusters/{cluster_id}"), &[]).await
    }

    /// The region's endpoint service, if Zilliz offers private links there.
    pub(crate) async fn endpoint_service(
        &self,
        region_id: &str,
    ) -> Result<Option<EndpointService>, Error> {
        let services: Vec<EndpointService> = self
            .get_all(
                "v2/privateEndpointServices",
                &[("regionId", region_id.to_string())],
                "endpointServices",
            )
            .await?;
        Ok(services
            .into_iter()
            .find(|s| s.region_id.as_deref().is_none_or(|r| r == region_id)))
    }

    pub(crate) async fn private_endpoints(
        &self,
        project_id: &str,
    ) -> Result<Vec<PrivateEndpoint>, Error> {
        self.get_all(
            &format!("v2/projects/{project_id}/privateEndpoints"),
            &[],
            "endpoints",
        )
        .await
    }

    pub(crate) async fn register_private_endpoint(
        &self,
        permit: &WritePermit,
        project_id: &str,
        region_id: &str,
        endpoint_id: &str,
    ) -> Result<(), Error> {
        self.send(
            permit,
            Method::POST,
            &format!("v2/projects/{project_id}/privateEndpoints"),
            &[],
            Some(json!({ "regionId": region_id, "endpointId": endpoint_id })),
        )
        .await
    }

    pub(crate) async fn delete_private_endpoint(
        &self,
        permit: &WritePermit,
        project_id: &str,
        region_id: &str,
        endpoint_id: &str,
    ) -> Result<(), Error> {
        self.send(
            permit,
            Method::DELETE,
            &format!("v2/projects/{project_id}/privateEndpoints/{endpoint_id}"),
            &[("regionId", region_id.to_string())],
            None,
        )
        .await
    }

    /// Allows an AWS account to connect to the region's endpoint service, where the service
    /// says `whitelistRequired`.
    pub(crate) async fn whitelist_account(
        &self,
        permit: &WritePermit,
        project_id: &str,
        region_id: &str,
        account_id: &str,
    ) -> Result<(), Error> {
        self.send(
            permit,
            Method::POST,
            &format!("v2/projects/{project_id}/privateEndpointWhitelist"),
            &[],
            Some(json!({ "regionId": region_id, "outerUserId": account_id })),
        )
        .await
    }
}

fn brief(err: &CallError) -> String {
    match err {
        CallError::Api { failure, .. } => {
            format!("HTTP {}: {}", failure.http_status, failure.message)
        }
        CallError::Transport(e) => transport_cause(e),
    }
}

fn transport_cause(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "no answer in time".into()
    } else if e.is_connect() {
        "could not connect".into()
    } else {
        // reqwest's Display carries the URL, which holds no secret (the key travels in a header).
        e.to_string()
    }
}

/// What a failed call means for the user, by the control plane's documented codes.
fn explain(what: &str, err: CallError) -> Error {
    let (failure, request_id) = match err {
        CallError::Transport(e) => {
            return Error::zilliz(
                what,
                format!(
                    "the Zilliz control plane could not be reached ({})",
                    transport_cause(&e)
                ),
                "Check the network and ZILLIZ_CLOUD_URI, then try again",
            );
        }
        CallError::Api {
            failure,
            request_id,
            ..
        } => (failure, request_id),
    };
    let cause = match (failure.code, &request_id) {
        (Some(code), Some(id)) => format!("code {code}: {} (requestid {id})", failure.message),
        (Some(code), None) => format!("code {code}: {}", failure.message),
        (None, Some(id)) => format!("{} (requestid {id})", failure.message),
        (None, None) => failure.message.clone(),
    };
    let hint = match failure.code {
        Some(21119 | 80001 | 80002) => {
            "The API key was rejected: set ZILLIZ_CLOUD_API_KEY to a valid key from the Zilliz \
             Cloud console (API Keys) and restart the server"
        }
        _ if failure.http_status == 401 => {
            "The API key was rejected: set ZILLIZ_CLOUD_API_KEY to a valid key from the Zilliz \
             Cloud console (API Keys) and restart the server"
        }
        Some(96001) => "Zilliz does not know that region: use a region id such as `aws-us-west-2`",
        Some(96005) => {
            "Zilliz does not know that project: call list_zilliz_clusters to see project ids"
        }
        Some(96012..=96016 | 96027) => {
            "The API key lacks permission for this project or call: use an organization-level key, or one with access to the project"
        }
        Some(96018) => "Call list_zilliz_clusters to see the clusters this key can reach",
        Some(96028) => {
            "Private links need the Enterprise plan: upgrade the project in the Zilliz Cloud console"
        }
        _ if failure.is_retryable() => {
            "The control plane kept failing after retries: try again in a minute"
        }
        _ => "Check the arguments and try again",
    };
    if failure.code == Some(96018) {
        return Error::not_found(format!("Zilliz cluster ({cause})"), hint);
    }
    let (call, hint) = (what.to_string(), hint.to_string());
    let code = failure.code.map(|c| c.to_string());
    match failure.code {
        Some(96012..=96016 | 96027) => Error::Denied {
            service: Service::Zilliz,
            call,
            code: code.unwrap_or_default(),
            cause,
            hint,
        },
        Some(21119 | 80001 | 80002) => Error::Credentials {
            service: Service::Zilliz,
            call,
            code,
            cause,
            hint,
        },
        _ if failure.http_status == 401 => Error::Credentials {
            service: Service::Zilliz,
            call,
            code,
            cause,
            hint,
        },
        _ => Error::Cloud {
            service: Service::Zilliz,
            call,
            code,
            cause,
            hint,
        },
    }
}

#[cfg(test)]
mod client_tests;
