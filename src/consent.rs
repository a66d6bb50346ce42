//! The person's own yes to a change. `confirm: true` says the assistant heard a yes; where the
//! client can ask the person directly (MCP elicitation), the server asks them itself, so that
//! no model, prompt injection or misunderstanding can apply a change the person never saw.
//! The MCP adapter supplies the way to ask; this module decides, as `--consent` says.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::config::ConsentMode;
use crate::error::Error;

/// The person's answer to a question put through the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Yes,
    /// Declined, cancelled, or accepted with `confirm: false`; says which.
    No(String),
    /// The question could not be put (the client failed or timed out); says why.
    Unasked(String),
}

type Ask = dyn Fn(String) -> Pin<Box<dyn Future<Output = Answer> + Send>> + Send + Sync;

/// How this call can reach the person: through the client, or not at all.
#[derive(Clone, Default)]
pub struct Consent {
    ask: Option<Arc<Ask>>,
}

impl std::fmt::Debug for Consent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Consent")
            .field("can_ask", &self.ask.is_some())
            .finish()
    }
}

impl Consent {
    /// The client cannot ask the person.
    pub fn unavailable() -> Self {
        Self::default()
    }

    /// The client can ask the person; `ask` puts the question and waits for the answer.
    pub fn through(
        ask: impl Fn(String) -> Pin<Box<dyn Future<Output = Answer> + Send>> + Send + Sync + 'static,
    ) -> Self {
        Self {
            ask: Some(Arc::new(ask)),
        }
    }
}

/// Whether to go ahead with a change the caller confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Go,
    /// The person said no: nothing changes, and this says so.
    Declined(String),
}

/// Decides, as `mode` says, whether a confirmed change goes ahead: asks the person where the
/// client can; refuses in `elicit` mode where it cannot.
pub async fn obtain(
    mode: ConsentMode,
    consent: &Consent,
    question: String,
) -> Result<Decision, Error> {
    let ask = match (mode, &consent.ask) {
        (ConsentMode::Confirm, _) | (ConsentMode::Auto, None) => return Ok(Decision::Go),
        (ConsentMode::Elicit, None) => {
            return Err(Error::Conflict(
                "the server runs with --consent elicit (ZILLIZ_PRIVATELINK_CONSENT=elicit), so a \
                 change needs the person's answer to a question the client puts to them, and \
                 this client did not declare that it can ask (MCP elicitation). Use a client \
                 that supports elicitation, or restart the server with --consent auto"
                    .into(),
            ));
        }
        (_, Some(ask)) => ask,
    };
    Ok(match ask(question).await {
        Answer::Yes => Decision::Go,
        Answer::No(how) => Decision::Declined(format!(
            "The person {how}: nothing was changed. Ask them what to change, then preview again."
        )),
        // A question that could not be put is not a yes.
        Answer::Unasked(why) => Decision::Declined(format!(
            "The person could not be asked ({why}): nothing was changed. Try again; where the \
             client's questions do not work, the server's --consent confirm lets confirm: true \
             decide."
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answering(answer: Answer) -> Consent {
        Consent::through(move |_| {
            let answer = answer.clone();
            Box::pin(async move { answer })
        })
    }

    #[tokio::test]
    async fn each_mode_decides_as_documented() {
        let q = || "apply?".to_string();
        let yes = answering(Answer::Yes);
        let no = answering(Answer::No("declined".into()));
        let broken = answering(Answer::Unasked("timed out".into()));
        let none = Consent::unavailable();
        use ConsentMode::*;
        assert_eq!(obtain(Auto, &yes, q()).await.unwrap(), Decision::Go);
        assert!(
            matches!(obtain(Auto, &no, q()).await.unwrap(), Decision::Declined(m) if m.contains("declined"))
        );
        assert!(matches!(
            obtain(Auto, &broken, q()).await.unwrap(),
            Decision::Declined(_)
        ));
        assert_eq!(obtain(Auto, &none, q()).await.unwrap(), Decision::Go);
        assert!(obtain(Elicit, &none, q()).await.is_err());
        assert!(matches!(
            obtain(Elicit, &no, q()).await.unwrap(),
            Decision::Declined(_)
        ));
        // confirm mode never asks, even a client that would say no.
        assert_eq!(obtain(Confirm, &no, q()).await.unwrap(), Decision::Go);
    }
}
