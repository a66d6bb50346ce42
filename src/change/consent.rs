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
pub(crate) enum Answer {
    Yes,
    /// Declined, cancelled, or accepted with `confirm: false`; says which.
    No(String),
    /// The question could not be put (the client failed or timed out); says why.
    Unasked(String),
}

type Ask = dyn Fn(String) -> Pin<Box<dyn Future<Output = Answer> + Send>> + Send + Sync;

/// How this call can reach the person.
#[derive(Clone, Default)]
pub(crate) struct Consent {
    way: Way,
}

#[derive(Clone, Default)]
enum Way {
    /// The client cannot ask the person.
    #[default]
    None,
    /// The server asks through the client, during the call (elicitation).
    During(Arc<Ask>),
    /// The client asks between calls (MCP 2026-07-28, where a server sends no requests): the
    /// answer this call brought back, if any, with the state it echoed.
    Between(Option<(Answer, Option<String>)>),
}

impl std::fmt::Debug for Consent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let way = match &self.way {
            Way::None => "none",
            Way::During(_) => "during the call",
            Way::Between(_) => "between calls",
        };
        f.debug_struct("Consent").field("asks", &way).finish()
    }
}

impl Consent {
    /// The client cannot ask the person.
    pub(crate) fn unavailable() -> Self {
        Self::default()
    }

    /// The client can ask the person during the call; `ask` puts the question and waits.
    pub(crate) fn through(
        ask: impl Fn(String) -> Pin<Box<dyn Future<Output = Answer> + Send>> + Send + Sync + 'static,
    ) -> Self {
        Self {
            way: Way::During(Arc::new(ask)),
        }
    }

    /// The client asks the person between calls: `answer` is what it brought back with this
    /// call, with the state it echoed.
    pub(crate) fn between_calls(answer: Option<(Answer, Option<String>)>) -> Self {
        Self {
            way: Way::Between(answer),
        }
    }
}

/// A short fingerprint of a question: an answer counts only for the question it was given
/// to, so a plan that changed between the two calls is asked about again.
fn fingerprint(question: &str) -> String {
    use std::hash::{Hash, Hasher};
    // SipHash with fixed keys: the same text gives the same value in every run of this build.
    let mut hasher = std::hash::DefaultHasher::new();
    question.hash(&mut hasher);
    format!("consent-{:016x}", hasher.finish())
}

/// Whether to go ahead with a change the caller confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Decision {
    Go,
    /// The person said no, or could not be asked: nothing changes.
    Declined(Refusal),
}

/// Why a confirmed change does not go ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Refusal {
    /// Declined, cancelled, or accepted with `confirm: false`; says which.
    Said(String),
    /// The question could not be put; says why.
    Unasked(String),
}

impl Refusal {
    /// The answer's message, `nothing_done` saying what did not happen ("nothing was changed").
    pub(super) fn say(&self, nothing_done: &str) -> String {
        match self {
            Self::Said(how) => format!(
                "The person {how}: {nothing_done}. Ask them what to change, then preview again."
            ),
            // A question that could not be put is not a yes.
            Self::Unasked(why) => format!(
                "The person could not be asked ({why}): {nothing_done}. Try again; where the \
                 client's questions do not work, the server's --consent confirm lets confirm: \
                 true decide."
            ),
        }
    }
}

/// Decides, as `mode` says, whether a confirmed change goes ahead: asks the person where the
/// client can; refuses in `elicit` mode where it cannot. Between calls, the first call ends
/// with [`Error::AnswerNeeded`], which the adapter turns into a question for the client.
pub(super) async fn obtain(
    mode: ConsentMode,
    consent: &Consent,
    question: String,
) -> Result<Decision, Error> {
    match (mode, &consent.way) {
        (ConsentMode::Confirm, _) | (ConsentMode::Auto, Way::None) => Ok(Decision::Go),
        (ConsentMode::Elicit, Way::None) => Err(Error::Conflict(
            "the server runs with --consent elicit (ZILLIZ_PRIVATELINK_CONSENT=elicit), so a \
             change needs the person's answer to a question the client puts to them, and this \
             client did not declare that it can ask (MCP elicitation). Use a client that \
             supports elicitation, or restart the server with --consent auto"
                .into(),
        )),
        (_, Way::During(ask)) => Ok(decide(ask(question).await)),
        (_, Way::Between(answer)) => {
            let state = fingerprint(&question);
            match answer {
                Some((answer, Some(echoed))) if *echoed == state => Ok(decide(answer.clone())),
                _ => Err(Error::AnswerNeeded { question, state }),
            }
        }
    }
}

fn decide(answer: Answer) -> Decision {
    match answer {
        Answer::Yes => Decision::Go,
        Answer::No(how) => Decision::Declined(Refusal::Said(how)),
        Answer::Unasked(why) => Decision::Declined(Refusal::Unasked(why)),
    }
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
            matches!(obtain(Auto, &no, q()).await.unwrap(), Decision::Declined(r) if r.say("nothing ran").contains("declined: nothing ran"))
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

    #[tokio::test]
    async fn between_calls_an_answer_counts_only_for_the_question_it_was_given_to() {
        let q = "apply these changes?".to_string();
        // First call: no answer yet, so the question goes back with its state.
        let Err(Error::AnswerNeeded { question, state }) =
            obtain(ConsentMode::Auto, &Consent::between_calls(None), q.clone()).await
        else {
            panic!("expected a question")
        };
        assert_eq!(question, q);
        assert_eq!(state, fingerprint(&q));
        // The retry brings the answer and the state back.
        let yes = Consent::between_calls(Some((Answer::Yes, Some(state.clone()))));
        assert_eq!(
            obtain(ConsentMode::Auto, &yes, q.clone()).await.unwrap(),
            Decision::Go
        );
        let no = Consent::between_calls(Some((Answer::No("declined".into()), Some(state))));
        assert!(matches!(
            obtain(ConsentMode::Elicit, &no, q.clone()).await.unwrap(),
            Decision::Declined(_)
        ));
        // A plan that changed since the question was put is asked about again.
        assert!(matches!(
            obtain(ConsentMode::Auto, &yes, "another plan".into()).await,
            Err(Error::AnswerNeeded { .. })
        ));
        // confirm mode does not ask.
        assert_eq!(
            obtain(ConsentMode::Confirm, &Consent::between_calls(None), q)
                .await
                .unwrap(),
            Decision::Go
        );
    }
}
