//! `zilliz-privatelink-mcp`: an MCP server that connects applications in AWS to Zilliz Cloud
//! over PrivateLink.
//!
//! The flow reads top-down: `main.rs` (the command line) → [`mcp`] (the MCP adapter, thin
//! handlers) → domain modules ([`discovery`], [`setup`], [`status`], [`diagnose`]) → clients
//! ([`aws`], [`zilliz`]). Pure logic (regions, addresses, validation, rules, paging, endpoint
//! states, status derivation, reachability) is plain functions over plain data.

pub mod address;
pub mod app;
pub mod audit;
pub mod aws;
pub mod config;
pub mod consent;
pub mod diagnose;
pub mod discovery;
pub mod endpoint_state;
pub mod error;
pub mod export;
pub mod facts;
pub mod iam;
pub mod mcp;
pub mod paging;
pub mod region;
pub mod remedy;
pub mod setup;
pub mod status;
pub mod summary;
pub mod validate;
pub mod verdict;
pub mod zilliz;
