//! Running the hub: the Traefik API secret, the hubcfg service's hub API
//! token, the systemd units (written, enabled, restarted only when needed,
//! then checked through Traefik), and the /usr/bin links.

mod api_secret;
mod hub_token;
mod links;
mod units;

pub use api_secret::{ApiSecret, SECRET_MODE, SecretAction};
pub use hub_token::HubToken;
pub use links::{LinkAction, Links, replace_link};
pub use units::{
    HUB_UNIT, ServiceAction, Services, TRAEFIK_UNIT, UNIT_DIR, diagnose, render_unit,
    rendered_units,
};

#[cfg(test)]
use units::HUB_TEMPLATE;

#[cfg(test)]
mod secret_tests;
#[cfg(test)]
mod tests;
