//! The one way packages get into a Python environment (the hub env, the user
//! env, plugins): uv by default, pip as the fallback, both fed the machine's
//! pip settings.

pub mod pip_config;
pub mod translate;
