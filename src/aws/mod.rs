//! AWS clients, made on first use and shared, and the mapping of SDK errors to errors an
//! assistant can act on.

pub(crate) mod ec2;
pub(crate) mod firewall;
pub(crate) mod imds;
pub(crate) mod logs;
pub(crate) mod profiles;
pub(crate) mod record_set;
pub(crate) mod resolver;
pub(crate) mod route53;
pub(crate) mod rules;
pub(crate) mod ssm;
pub(crate) mod tags;
pub(crate) mod transit;

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_ec2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use tokio::sync::{Mutex, OnceCell};

use crate::config::AwsSettings;
use crate::error::{Error, Service};
use crate::region::RegionNames;

/// Every AWS client the tools need, for one region.
#[derive(Debug, Clone)]
pub(crate) struct RegionClients {
    pub(crate) region: RegionNames,
    pub(crate) ec2: aws_sdk_ec2::Client,
    pub(crate) route53: aws_sdk_route53::Client,
    pub(crate) resolver: aws_sdk_route53resolver::Client,
    pub(crate) profiles: aws_sdk_route53profiles::Client,
    pub(crate) ssm: aws_sdk_ssm::Client,
    pub(crate) logs: aws_sdk_cloudwatchlogs::Client,
    sts: aws_sdk_sts::Client,
}

/// The AWS side of the server. Building it reads nothing: the default credential and region
/// chain (environment, profiles, SSO, web identity, IMDS) runs on the first tool call, once.
#[derive(Debug)]
pub(crate) struct Aws {
    settings: AwsSettings,
    shared: OnceCell<SdkConfig>,
    by_region: Mutex<HashMap<String, Arc<RegionClients>>>,
    /// Who the credentials are, read once: every preview and change names it.
    identity: OnceCell<Identity>,
}

/// The profiles of the AWS config and credentials files (`AWS_CONFIG_FILE`,
/// `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/`), as the SDK itself reads them.
pub(crate) async fn known_profiles() -> Vec<String> {
    use aws_types::os_shim_internal::{Env, Fs};
    let files = aws_runtime::env_config::file::EnvConfigFiles::default();
    match aws_config::profile::load(&Fs::real(), &Env::real(), &files, None).await {
        Ok(set) => {
            let mut names: Vec<String> = set.profiles().map(str::to_string).collect();
            names.sort();
            names
        }
        Err(e) => {
            tracing::debug!("AWS profiles could not be read: {e}");
            Vec::new()
        }
    }
}

/// Who acts in AWS: the account, the caller's ARN and the profile in use.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub(crate) struct Identity {
    pub(crate) account_id: String,
    pub(crate) caller_arn: String,
    /// The profile the credentials come from (`--profile`, else `AWS_PROFILE`), or
    /// `default chain` where neither is set.
    pub(crate) profile: String,
}

impl Aws {
    pub(crate) fn new(settings: AwsSettings) -> Self {
        Self {
            settings,
            shared: OnceCell::new(),
            by_region: Mutex::new(HashMap::new()),
            identity: OnceCell::new(),
        }
    }

    /// Who the credentials are (`sts:GetCallerIdentity`, which needs no permission), read on
    /// first use and kept: the credentials of a running server do not change accounts.
    pub(crate) async fn identity(&self, region: &RegionNames) -> Result<Identity, Error> {
        let identity = self
            .identity
            .get_or_try_init(|| async {
                let clients = self.clients(Some(region)).await?;
                let out = clients
                    .sts
                    .get_caller_identity()
                    .send()
                    .await
                    .map_err(|e| sdk_error("sts:GetCallerIdentity", e))?;
                let account_id = out.account().map(str::to_string).ok_or_else(|| {
                    Error::aws(
                        "AWS sts:GetCallerIdentity",
                        "the answer has no account",
                        "Try again",
                    )
                })?;
                Ok::<_, Error>(Identity {
                    account_id,
                    caller_arn: out.arn().unwrap_or_default().to_string(),
                    profile: self
                        .settings
                        .profile
                        .clone()
                        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
                        .unwrap_or_else(|| "default chain".to_string()),
                })
            })
            .await?;
        Ok(identity.clone())
    }

    async fn shared_config(&self) -> &SdkConfig {
        self.shared
            .get_or_init(|| async {
                let mut loader = aws_config::defaults(BehaviorVersion::latest())
                    .timeout_config(
                        aws_config::timeout::TimeoutConfig::builder()
                            .connect_timeout(Duration::from_secs(5))
                            .operation_attempt_timeout(Duration::from_secs(20))
                            .operation_timeout(Duration::from_secs(60))
                            .build(),
                    )
                    // Standard mode retries throttling, 5xx and transient network errors with
                    // jittered backoff.
                    .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(4));
                if let Some(profile) = &self.settings.profile {
                    loader = loader.profile_name(profile);
                }
                if let Some(region) = &self.settings.region {
                    loader = loader.region(Region::new(region.clone()));
                }
                loader.load().await
            })
            .await
    }

    /// The clients for `requested`, or for the configured region when none is asked for.
    pub(crate) async fn clients(
        &self,
        requested: Option<&RegionNames>,
    ) -> Result<Arc<RegionClients>, Error> {
        let shared = self.shared_config().await;
        let region = match requested {
            Some(region) => region.clone(),
            None => {
                let configured = shared.region().ok_or_else(|| {
                    Error::Config(
                        "no AWS region is set: pass `region` (such as `us-west-2`), or start the \
                         server with --region or AWS_REGION"
                            .into(),
                    )
                })?;
                RegionNames::parse(configured.as_ref())?
            }
        };
        let mut by_region = self.by_region.lock().await;
        if let Some(clients) = by_region.get(&region.aws_region) {
            return Ok(clients.clone());
        }
        let aws_region = Region::new(region.aws_region.clone());
        let clients = Arc::new(RegionClients {
            ec2: aws_sdk_ec2::Client::from_conf(
                aws_sdk_ec2::config::Builder::from(shared)
                    .region(aws_region.clone())
                    .build(),
            ),
            route53: aws_sdk_route53::Client::from_conf(
                aws_sdk_route53::config::Builder::from(shared)
                    .region(aws_region.clone())
                    .build(),
            ),
            resolver: aws_sdk_route53resolver::Client::from_conf(
                aws_sdk_route53resolver::config::Builder::from(shared)
                    .region(aws_region.clone())
                    .build(),
            ),
            profiles: aws_sdk_route53profiles::Client::from_conf(
                aws_sdk_route53profiles::config::Builder::from(shared)
                    .region(aws_region.clone())
                    .build(),
            ),
            ssm: aws_sdk_ssm::Client::from_conf(
                aws_sdk_ssm::config::Builder::from(shared)
                    .region(aws_region.clone())
                    .build(),
            ),
            logs: aws_sdk_cloudwatchlogs::Client::from_conf(
                aws_sdk_cloudwatchlogs::config::Builder::from(shared)
                    .region(aws_region.clone())
                    .build(),
            ),
            sts: aws_sdk_sts::Client::from_conf(
                aws_sdk_sts::config::Builder::from(shared)
                    .region(aws_region)
                    .build(),
            ),
            region: region.clone(),
        });
        by_region.insert(region.aws_region, clients.clone());
        Ok(clients)
    }
}

/// Turns an SDK failure of the IAM action `action` (such as `ec2:DescribeVpcs`) into an error
/// that says what to do: which permission to grant, which id does not exist, or that AWS could
/// not be reached.
fn sdk_error<E, R>(action: &str, err: SdkError<E, R>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: Debug,
{
    let call = format!("AWS {action}");
    match &err {
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or("Unknown");
            let message = service.err().message().unwrap_or("no message");
            classify_service_error(&call, action, code, message)
        }
        SdkError::TimeoutError(_) => Error::aws(
            call,
            "AWS did not answer in time",
            "Try again; if it keeps timing out, check the network path to AWS",
        ),
        _ => {
            let detail = DisplayErrorContext(&err).to_string();
            if detail.to_ascii_lowercase().contains("credential") {
                Error::Credentials {
                    service: Service::Aws,
                    call,
                    code: None,
                    cause: "no usable AWS credentials were found".into(),
                    hint: "Set AWS_PROFILE (run `aws sso login` for SSO profiles) or \
                           AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the server's \
                           environment, then try again"
                        .into(),
                }
            } else {
                Error::aws(
                    call,
                    format!("AWS could not be reached ({})", last_cause(&detail)),
                    "Check the network, and AWS_ENDPOINT_URL if it is set",
                )
            }
        }
    }
}

fn classify_service_error(call: &str, action: &str, code: &str, message: &str) -> Error {
    let call = call.to_string();
    match code {
        "UnauthorizedOperation" | "AccessDenied" | "AccessDeniedException" => Error::Denied {
            service: Service::Aws,
            call,
            code: code.to_string(),
            cause: format!("AWS denied it ({code})"),
            hint: crate::iam::grant_hint(action),
        },
        "AuthFailure" | "InvalidClientTokenId" | "ExpiredToken" | "SignatureDoesNotMatch" => {
            Error::Credentials {
                service: Service::Aws,
                call,
                code: Some(code.to_string()),
                cause: format!("AWS rejected the credentials ({code})"),
                hint: "Refresh the credentials (for SSO: `aws sso login`) or check AWS_PROFILE"
                    .into(),
            }
        }
        _ if code.ends_with(".NotFound") || code.starts_with("NoSuch") => {
            Error::not_found(message.to_string(), "Check the id and the region")
        }
        _ => Error::Cloud {
            service: Service::Aws,
            call,
            code: Some(code.to_string()),
            cause: format!("{code}: {message}"),
            hint: "Check the arguments and try again".into(),
        },
    }
}

/// The innermost cause of an error chain rendered by `DisplayErrorContext`, which is the part
/// that names the refused connection or the unknown host.
fn last_cause(detail: &str) -> &str {
    detail.rsplit(": ").next().unwrap_or(detail)
}

/// The value of the `Name` tag, where there is one.
fn name_tag(tags: &[aws_sdk_ec2::types::Tag]) -> Option<String> {
    tags.iter()
        .find(|t| t.key() == Some("Name"))
        .and_then(|t| t.value())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denied_names_the_iam_action() {
        let e = classify_service_error(
            "AWS ec2:DescribeVpcs",
            "ec2:DescribeVpcs",
            "UnauthorizedOperation",
            "You are not authorized",
        )
        .to_string();
        assert!(e.contains("`ec2:DescribeVpcs`"), "{e}");
    }

    #[test]
    fn the_code_decides_the_kind_and_is_kept() {
        let classify = |code| classify_service_error("AWS x", "ec2:X", code, "message");
        assert!(matches!(
            classify("AccessDenied"),
            Error::Denied { service: Service::Aws, code, .. } if code == "AccessDenied"
        ));
        assert!(matches!(
            classify("ExpiredToken"),
            Error::Credentials { code: Some(code), .. } if code == "ExpiredToken"
        ));
        assert!(matches!(
            classify("VpcEndpointLimitExceeded"),
            Error::Cloud { code: Some(code), .. } if code == "VpcEndpointLimitExceeded"
        ));
    }

    #[test]
    fn not_found_passes_the_message_through() {
        let e = classify_service_error(
            "AWS ec2:DescribeVpcs",
            "ec2:DescribeVpcs",
            "InvalidVpcID.NotFound",
            "The vpc ID 'vpc-12345678' does not exist",
        );
        assert!(matches!(e, Error::NotFound { .. }));
        assert!(e.to_string().contains("vpc-12345678"));
    }

    #[test]
    fn the_innermost_cause_is_kept() {
        assert_eq!(
            last_cause(
                "dispatch failure: io error: client error (Connect): tcp connect error: Connection refused (os error 111)"
            ),
            "Connection refused (os error 111)"
        );
    }
}
