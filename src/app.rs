//! What every domain operation works with: the clients, made lazily, and the settings.

use std::sync::Arc;

use crate::aws::Aws;
use crate::config::Settings;
use crate::error::Error;
use crate::zilliz::Zilliz;

#[derive(Debug)]
pub(crate) struct App {
    pub(crate) aws: Aws,
    pub(crate) zilliz: Arc<Zilliz>,
    pub(crate) settings: Settings,
    /// The account and region the last preview or change of this session named, shared by
    /// every profile the session uses.
    last_scope: Arc<std::sync::Mutex<Option<(String, String)>>>,
}

impl App {
    /// Builds the clients without touching the network.
    pub(crate) fn new(settings: Settings) -> Self {
        Self {
            aws: Aws::new(settings.aws.clone()),
            zilliz: Arc::new(Zilliz::new(settings.zilliz.clone())),
            settings,
            last_scope: Arc::default(),
        }
    }

    /// The same server acting through another AWS profile: its own AWS clients and identity,
    /// the same Zilliz client and the same session memory of what was previewed.
    pub(crate) fn with_profile(&self, profile: &str) -> Self {
        let mut settings = self.settings.clone();
        settings.aws.profile = Some(profile.to_string());
        Self {
            aws: Aws::new(settings.aws.clone()),
            zilliz: self.zilliz.clone(),
            settings,
            last_scope: self.last_scope.clone(),
        }
    }

    /// Notes the account and region a preview or change names, and warns loudly when they are
    /// not those the previous one of this session named.
    pub(crate) fn scope_warning(&self, account_id: &str, aws_region: &str) -> Option<String> {
        let mut last = self.last_scope.lock().unwrap_or_else(|e| e.into_inner());
        let now = (account_id.to_string(), aws_region.to_string());
        let warning = match &*last {
            Some((account, region)) if (account, region) != (&now.0, &now.1) => Some(format!(
                "ATTENTION: this runs in AWS account {} and region {}, NOT in account {account} \
                 and region {region} that the previous preview of this session named",
                now.0, now.1
            )),
            _ => None,
        };
        *last = Some(now);
        warning
    }
}

/// The refusal of a changing tool in read-only mode, naming the tool: the MCP layer answers
/// it for a hidden tool, and the change path ([`crate::change`]) before it asks anything.
pub(crate) fn read_only_refusal(tool: &str) -> Error {
    Error::Conflict(format!(
        "`{tool}` changes the AWS or Zilliz account and the server runs read-only \
         (--read-only or ZILLIZ_PRIVATELINK_READ_ONLY). Restart it without that setting to \
         make changes; the read-only tools still work."
    ))
}
