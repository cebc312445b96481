//! A local ACME CA: pebble, with pebble-challtestsrv as its DNS server
//! (every name is 127.0.0.1). Debian package `pebble`.

use super::free_port;
use super::server::{START, Server, command_after, wait_until_ready};
use super::tls::{client_trusting, signed_cert};
use std::net::UdpSocket;
use std::path::Path;
use std::time::Duration;

pub struct Acme {
    pub pebble: Server,
    pub dns: Server,
    /// The ACME directory, for a `caServer` setting.
    pub dir_url: String,
    mgmt_url: String,
    client: reqwest::blocking::Client,
}

impl Acme {
    /// Starts challtestsrv, then (once it answers DNS) pebble, which
    /// validates tls-alpn-01 challenges on 127.0.0.1:`tls_port` and http-01
    /// ones on 127.0.0.1:`http_port`; returns
    /// once pebble's ACME directory and management API answer over https.
    /// pebble's certificate is signed by the CA that `tls::openssl_cert`
    /// made in `work`. pebble starts after `pebble_delay`: zero, except to
    /// show that a pebble slow to start is waited for.
    pub fn start(work: &Path, http_port: u16, tls_port: u16, pebble_delay: Duration) -> Acme {
        let (acme, mgmt, dns, dns_mgmt) = (free_port(), free_port(), free_port(), free_port());
        let dns_server = Server::start(
            "pebble-challtestsrv",
            work,
            std::process::Command::new("pebble-challtestsrv")
                .args(["-dns01", &format!("127.0.0.1:{dns}")])
                .args(["-http01", "", "-https01", "", "-tlsalpn01", ""])
                .args(["-defaultIPv6", ""])
                .args(["-management", &format!("127.0.0.1:{dns_mgmt}")]),
        );
        dns_server.wait_for_ports(&[dns_mgmt]);
        wait_until_ready(
            &format!("pebble-challtestsrv answering DNS on 127.0.0.1:{dns} (udp)"),
            START,
            &[&dns_server],
            || dns_answers(dns, "hub.test"),
        );

        let (crt, key) = signed_cert(work, "pebble", "/CN=127.0.0.1", "IP:127.0.0.1");
        std::fs::write(
            work.join("pebble.json"),
            serde_json::json!({"pebble": {
                "listenAddress": format!("127.0.0.1:{acme}"),
                "managementListenAddress": format!("127.0.0.1:{mgmt}"),
                "certificate": crt,
                "privateKey": key,
                "httpPort": http_port,
                "tlsPort": tls_port,
                "ocspResponderURL": "",
                "externalAccountBindingRequired": false,
            }})
            .to_string(),
        )
        .unwrap();
        let pebble = Server::start(
            "pebble",
            work,
            command_after(pebble_delay, "pebble")
                .arg("-config")
                .arg(work.join("pebble.json"))
                .args(["-dnsserver", &format!("127.0.0.1:{dns}")])
                .env("PEBBLE_VA_NOSLEEP", "1")
                .env("PEBBLE_WFE_NONCEREJECT", "0"),
        );
        let ca = std::fs::read(work.join("ca.pem")).unwrap();
        let a = Acme {
            dir_url: format!("https://127.0.0.1:{acme}/dir"),
            mgmt_url: format!("https://127.0.0.1:{mgmt}"),
            client: client_trusting(&ca, None),
            pebble,
            dns: dns_server,
        };
        for url in [a.dir_url.clone(), format!("{}/roots/0", a.mgmt_url)] {
            wait_until_ready(
                &format!("pebble answering {url}"),
                START,
                &a.servers(),
                || a.get(&url),
            );
        }
        a
    }

    pub fn servers(&self) -> [&Server; 2] {
        [&self.pebble, &self.dns]
    }

    /// The root that pebble's issued certificates chain to (PEM).
    pub fn root_pem(&self) -> Vec<u8> {
        self.get(&format!("{}/roots/0", self.mgmt_url))
            .unwrap_or_else(|e| panic!("pebble's root certificate: {e}"))
    }

    /// The body of a 200 answer to GET `url`.
    fn get(&self, url: &str) -> Result<Vec<u8>, String> {
        let r = self.client.get(url).send().map_err(|e| error_chain(&e))?;
        if r.status() != 200 {
            return Err(format!("{url} answered {}", r.status()));
        }
        r.bytes().map(|b| b.to_vec()).map_err(|e| error_chain(&e))
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text += &format!(": {s}");
        source = s.source();
    }
    text
}

/// Ok once the DNS server on 127.0.0.1:`port` (udp) answers an A query
/// for `name` with at least one record.
pub fn dns_answers(port: u16, name: &str) -> Result<(), String> {
    let mut query = vec![0x68, 0x63, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in name.split('.') {
        query.push(label.len() as u8);
        query.extend_from_slice(label.as_bytes());
    }
    query.extend_from_slice(&[0, 0, 1, 0, 1]); // end of name, type A, class IN
    let socket = UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    socket
        .set_read_timeout(Some(Duration::from_millis(500)))
        .map_err(|e| e.to_string())?;
    socket
        .send_to(&query, ("127.0.0.1", port))
        .map_err(|e| format!("sending a DNS query: {e}"))?;
    let mut reply = [0u8; 512];
    let n = socket
        .recv(&mut reply)
        .map_err(|e| format!("no DNS answer: {e}"))?;
    let answers = if n >= 12 {
        u16::from_be_bytes([reply[6], reply[7]])
    } else {
        0
    };
    if n < 12 || reply[..2] != query[..2] || reply[2] & 0x80 == 0 || reply[3] & 0x0f != 0 {
        Err(format!(
            "not a DNS answer, or an error: {:02x?}",
            &reply[..n.min(12)]
        ))
    } else if answers == 0 {
        Err(format!("DNS answer without records for {name}"))
    } else {
        Ok(())
    }
}
