//! `hubcfg export z2jh`: this hub's settings as a Zero to JupyterHub
//! values file, with what has no equivalent written as comments and
//! warnings.

pub mod yaml;
