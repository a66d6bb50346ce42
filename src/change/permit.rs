//! The write permit. Every function that changes an AWS account or a Zilliz project takes a
//! `&WritePermit`, and this file is the only place one can be made: its field is private and
//! its one constructor is visible to [`crate::change`] alone, which calls it after the
//! read-only guard and the person's yes. So a preview path, having no permit, cannot reach a
//! write: the compiler refuses it (`tests/permit.rs` shows that it does).
//!
//! A permit names the plan it was granted for (a fingerprint of the changes the person was
//! shown), so a permit for one plan cannot apply another.
//!
//! This file depends on nothing else of the crate, so that the compile-fail test can build it
//! on its own.

use std::hash::{Hash, Hasher};

/// What a permit was granted for: the plan's preview lines, in order, fingerprinted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PlanPrint(u64);

impl PlanPrint {
    pub(super) fn of<S: AsRef<str>>(lines: &[S]) -> Self {
        // SipHash with fixed keys: the same plan gives the same print within a build.
        let mut hasher = std::hash::DefaultHasher::new();
        for line in lines {
            line.as_ref().hash(&mut hasher);
        }
        Self(hasher.finish())
    }
}

/// Proof that the person agreed to one plan, and that the server may change accounts.
#[derive(Debug)]
pub(crate) struct WritePermit {
    plan: PlanPrint,
}

impl WritePermit {
    /// Made only by the change path, once the guard and the person's yes are behind it.
    pub(super) fn grant(plan: PlanPrint) -> Self {
        Self { plan }
    }

    /// Whether this permit was granted for `plan`.
    pub(super) fn covers(&self, plan: PlanPrint) -> bool {
        self.plan == plan
    }

    /// A permit for the client tests of the write calls themselves, which exercise one call
    /// against a fake and have no plan.
    #[cfg(test)]
    pub(crate) fn for_tests() -> Self {
        Self { plan: PlanPrint(0) }
    }
}
