//! What every domain operation works with: the clients, made lazily, and the settings.

use crate::aws::Aws;
use crate::config::Settings;
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
