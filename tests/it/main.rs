//! The one integration test binary: the real server, spoken to over HTTP and websockets.

mod audit;
mod auth;
mod limits;
mod mutations;
mod subscriptions;
mod tenancy;
