//! What every domain operation works with: the clients, made lazily, and the settings.

use crate::aws::Aws;
use crate::config::Settings;
use crate::error::Error;
use crate::zilliz::Zilliz;

#[derive(Debug)]
pub struct App {
    pub aws: Aws,
    pub zilliz: Zilliz,
    pub settings: Settings,
}

impl App {
    /// Builds the clients without touching the network.
    pub fn new(settings: Settings) -> Self {
        Self {
            aws: Aws::new(settings.aws.clone()),
            zilliz: Zilliz::new(settings.zilliz.clone()),
            settings,
        }
    }
}

/// Proof that a change is allowed. Every function that changes an account takes one, and
/// [`App::ensure_write_allowed`] is the only way to get one, so no change can skip the check.
#[derive(Debug)]
pub struct WritePermit(());

impl App {
    /// The one guard in front of every change: refuses in read-only mode, naming the tool.
    pub fn ensure_write_allowed(&self, tool: &str) -> Result<WritePermit, Error> {
        if self.settings.read_only {
            return Err(read_only_refusal(tool));
        }
        Ok(WritePermit(()))
    }
}

pub fn read_only_refusal(tool: &str) -> Error {
    Error::Conflict(format!(
        "`{tool}` changes the AWS or Zilliz account and the server runs read-only \
         (--read-only or ZILLIZ_PRIVATELINK_READ_ONLY). Restart it without that setting to \
         make changes; the read-only tools still work."
    ))
}
