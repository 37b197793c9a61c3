//! The one integration test binary: the real server, spoken to over HTTP and websockets.

mod accounts;
mod audit;
mod auth;
mod chat;
mod chat_access;
mod chat_agents;
mod chat_delivery;
mod cli_login;
mod costs;
mod engine;
mod governance;
mod governance_control;
mod handlers;
mod identity;
mod limits;
mod mutations;
mod oracle;
mod plans;
mod policies;
mod secrets;
mod sockets;
mod subscriptions;
mod tenancy;
mod triggers;
mod webhook_outbox;
mod webhooks;
