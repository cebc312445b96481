//! `hubcfg backup` and `hubcfg restore`: one archive (tar + gzip, 0600) of
//! what a hub cannot make again, with a manifest of sha256 sums; restore
//! verifies all of it before it changes anything.

pub mod archive;
pub mod create;
pub mod homes;
pub mod hub_db;
pub mod manifest;
pub mod packages;
pub mod restore;
pub mod tree;
pub mod verify;

#[cfg(test)]
mod tests;
