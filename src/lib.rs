//! hubcfg: a Littlest JupyterHub installer and config tool in one binary.
//!
//! Pure logic (schema, effective config, rendering, username mapping) lives in
//! modules without I/O; side effects sit behind modules named for what they
//! touch (fsutil, cmd, systemd, users, install steps). The module map, who
//! calls whom, is in src/README.md.

pub mod acme_diagnosis;
pub mod acme_wait;
pub mod backup;
pub mod cli;
pub mod clock;
pub mod cmd;
pub mod config;
pub mod download;
pub mod effective;
pub mod error;
pub mod export;
pub mod firstuse;
pub mod fsutil;
pub mod http;
pub mod hub_api;
pub mod hub_probe;
pub mod hub_users;
pub mod install;
pub mod installer;
pub mod journal;
pub mod memory;
pub mod migrate;
pub mod native;
pub mod paths;
pub mod pins;
pub mod plugins;
pub mod pyhub;
pub mod reload;
pub mod render;
pub mod report;
pub mod schema;
pub mod status;
pub mod systemd;
pub mod tls_probe;
pub mod uninstall;
pub mod username;
pub mod users;
