//! Keeping the hub's routes on the entrypoint users reach.
//!
//! jupyterhub-traefik-proxy binds each route it writes to rules/rules.toml to
//! the entrypoint it was told at the time (`http` or `https`) and never
//! revisits existing routes. Without this, turning https on or off would
//! leave every route that already exists on the other entrypoint: the hub
//! would answer 404 on the new one. TLJH hides this by truncating rules.toml
//! on every reload (W6), which drops the routes of running servers.

use crate::error::{Error, Result};
use toml_edit::{Array, DocumentMut, Item, Value};

/// Returns the rewritten rules.toml text when any of the hub's routers
/// (those listed under `[jupyterhub.routes.*]`, the proxy's own record of
/// them) sits on another entrypoint than `entrypoint`; `None` when nothing needs to change. Other routers are left
/// as they are.
pub fn retarget(text: &str, entrypoint: &str) -> Result<Option<String>> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| Error::new(format!("rules.toml is not valid TOML: {e}")))?;
    let hub_routers: Vec<String> = doc
        .get("jupyterhub")
        .and_then(|j| j.get("routes"))
        .and_then(Item::as_table_like)
        .map(|routes| {
            routes
                .iter()
                .filter_map(|(_, r)| r.get("router").and_then(Item::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let Some(routers) = doc
        .get_mut("http")
        .and_then(|h| h.get_mut("routers"))
        .and_then(Item::as_table_like_mut)
    else {
        return Ok(None);
    };
    let mut changed = false;
    for name in &hub_routers {
        let Some(router) = routers.get_mut(name).and_then(Item::as_table_like_mut) else {
            continue;
        };
        let current: Vec<&str> = router
            .get("entryPoints")
            .and_then(Item::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if current != [entrypoint] {
            let mut eps = Array::new();
            eps.push(entrypoint);
            router.insert("entryPoints", Item::Value(Value::Array(eps)));
            changed = true;
        }
    }
    Ok(changed.then(|| doc.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    // As jupyterhub-traefik-proxy 2.1's file provider writes it (a hub route
    // and a user's), plus a router of the admin's own.
    const RULES: &str = r#"[http.routers.router__2F]
service = "service__2F"
rule = "PathPrefix(`/`)"
entryPoints = [ "http",]

[http.routers.router__2Fuser_2Fann_2F]
service = "service__2Fuser_2Fann_2F"
rule = "( PathPrefix(`/user/ann/`) || Path(`/user/ann`) )"
entryPoints = [ "http",]

[http.routers.mine]
service = "x"
rule = "PathPrefix(`/mine`)"
entryPoints = [ "alsoHub",]

[jupyterhub.routes.router__2F]
routespec = "/"
target = "http://127.0.0.1:15001"
router = "router__2F"
service = "service__2F"

[jupyterhub.routes.router__2Fuser_2Fann_2F]
routespec = "/user/ann/"
target = "http://127.0.0.1:40000"
router = "router__2Fuser_2Fann_2F"
service = "service__2Fuser_2Fann_2F"

[http.services.service__2F.loadBalancer]
passHostHeader = true
[[http.services.service__2F.loadBalancer.servers]]
url = "http://127.0.0.1:15001"

[http.services.service__2Fuser_2Fann_2F.loadBalancer]
passHostHeader = true
[[http.services.service__2Fuser_2Fann_2F.loadBalancer.servers]]
url = "http://127.0.0.1:40000"

[jupyterhub.routes.router__2F.data]
hub = true

[jupyterhub.routes.router__2Fuser_2Fann_2F.data]
user = "ann"
"#;

    fn entrypoints(text: &str) -> Vec<(String, String)> {
        let t: toml::Table = text.parse().unwrap();
        t["http"]["routers"]
            .as_table()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v["entryPoints"][0].as_str().unwrap().to_string()))
            .collect()
    }

    #[test]
    fn hub_routes_move_and_others_stay() {
        let out = retarget(RULES, "https").unwrap().expect("routes moved");
        let eps = entrypoints(&out);
        assert!(eps.contains(&("router__2F".into(), "https".into())));
        assert!(eps.contains(&("router__2Fuser_2Fann_2F".into(), "https".into())));
        assert!(eps.contains(&("mine".into(), "alsoHub".into())));
        // Everything else in the file is kept.
        assert!(out.contains("url = \"http://127.0.0.1:15001\""));
        assert!(out.contains("routespec = \"/user/ann/\""));
    }

    #[test]
    fn nothing_to_do_when_already_there() {
        assert_eq!(retarget(RULES, "http").unwrap(), None);
        let moved = retarget(RULES, "https").unwrap().unwrap();
        assert_eq!(retarget(&moved, "https").unwrap(), None);
    }

    #[test]
    fn empty_or_routeless_files_are_fine() {
        assert_eq!(retarget("", "https").unwrap(), None);
        assert_eq!(retarget("[jupyterhub]\n", "https").unwrap(), None);
    }

    #[test]
    fn broken_file_is_an_error() {
        assert!(retarget("[http", "https").is_err());
    }
}
