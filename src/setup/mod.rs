//! The changing half of the server: each step of Zilliz's guide as a function that reads with
//! read calls only, works out a plan (a list of [`crate::change::plan::Change`] values) as a
//! pure function of what it read, and hands it to the one change path ([`crate::change`]),
//! which previews it, asks, and applies it with the permit it alone can make. Every step looks
//! for what an earlier call made before it makes anything, so a second identical call is a
//! no-op.

pub(crate) mod access;
pub(crate) mod dns;
pub(crate) mod endpoint;
pub(crate) mod register;
pub(crate) mod remove;
pub(crate) mod wait;
