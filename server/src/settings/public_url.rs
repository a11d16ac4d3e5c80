//! Whether Twilio can use the public base URL. Twilio calls the webhooks and opens the Media
//! Streams (wss only) from the internet, so a loopback, private or local-name host, or plain
//! http, cannot work even when this server answers there itself. Pure: the host as written, no DNS.

use std::net::{Ipv4Addr, Ipv6Addr};

/// Why a host is out of Twilio's reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalHost {
    /// 127.0.0.0/8, ::1.
    Loopback,
    /// RFC 1918: 10/8, 172.16/12, 192.168/16.
    Private,
    /// 169.254/16, fe80::/10.
    LinkLocal,
    /// Carrier-grade NAT, 100.64/10 (RFC 6598).
    SharedNat,
    /// IPv6 unique local, fc00::/7.
    UniqueLocal,
    /// 0.0.0.0, ::.
    Unspecified,
    /// `localhost` and `*.localhost`.
    Localhost,
    /// A single-label name or a local-only suffix (`.local`, `.lan`, `.internal`, `.home.arpa`).
    LocalName,
}

impl LocalHost {
    fn words(self) -> &'static str {
        match self {
            LocalHost::Loopback => "a loopback address",
            LocalHost::Private => "a private network address (RFC 1918)",
            LocalHost::LinkLocal => "a link-local address",
            LocalHost::SharedNat => "a carrier-grade NAT address (100.64.0.0/10)",
            LocalHost::UniqueLocal => "a private IPv6 address (unique local, fc00::/7)",
            LocalHost::Unspecified => "an unspecified address (0.0.0.0 or ::)",
            LocalHost::Localhost => "localhost (a name for this machine only)",
            LocalHost::LocalName => "a local network name (unknown to public DNS)",
        }
    }

    /// Hosts a tunnel on this machine reaches by port alone (`ngrok http 3000`).
    fn is_this_machine(self) -> bool {
        matches!(self, LocalHost::Loopback | LocalHost::Localhost)
    }
}

/// What kind of local host `host` is, or None for a host the internet can reach.
pub fn local_host(host: &url::Host<&str>) -> Option<LocalHost> {
    match host {
        url::Host::Ipv4(ip) => ipv4(*ip),
        url::Host::Ipv6(ip) => ipv6(*ip),
        url::Host::Domain(name) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            if name == "localhost" || name.ends_with(".localhost") {
                Some(LocalHost::Localhost)
            } else if !name.contains('.')
                || [".local", ".lan", ".internal", ".home.arpa"]
                    .iter()
                    .any(|suffix| name.ends_with(suffix))
            {
                Some(LocalHost::LocalName)
            } else {
                None
            }
        }
    }
}

fn ipv4(ip: Ipv4Addr) -> Option<LocalHost> {
    let [first, second, ..] = ip.octets();
    if ip.is_loopback() {
        Some(LocalHost::Loopback)
    } else if ip.is_private() {
        Some(LocalHost::Private)
    } else if ip.is_link_local() {
        Some(LocalHost::LinkLocal)
    } else if first == 100 && (second & 0xc0) == 64 {
        Some(LocalHost::SharedNat)
    } else if ip.is_unspecified() {
        Some(LocalHost::Unspecified)
    } else {
        None
    }
}

fn ipv6(ip: Ipv6Addr) -> Option<LocalHost> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return ipv4(v4);
    }
    let first = ip.segments()[0];
    if ip.is_loopback() {
        Some(LocalHost::Loopback)
    } else if ip.is_unspecified() {
        Some(LocalHost::Unspecified)
    } else if (first & 0xfe00) == 0xfc00 {
        Some(LocalHost::UniqueLocal)
    } else if (first & 0xffc0) == 0xfe80 {
        Some(LocalHost::LinkLocal)
    } else {
        None
    }
}

/// Why Twilio cannot use `url`, and what to do instead, or None when it can (public https).
pub fn twilio_cannot_use(url: &url::Url) -> Option<String> {
    let local = url.host().as_ref().and_then(local_host);
    let plain_http = url.scheme() == "http";
    let reason = match (local, plain_http) {
        (None, false) => return None,
        (Some(kind), true) => format!("it is {} and plain http", kind.words()),
        (Some(kind), false) => format!("it is {}", kind.words()),
        (None, true) => "it is plain http".to_owned(),
    };
    let advice = match local {
        Some(kind) => {
            let origin = url.origin().ascii_serialization();
            let ngrok_target = match url.port_or_known_default() {
                Some(port) if kind.is_this_machine() && plain_http => port.to_string(),
                _ => origin.clone(),
            };
            format!(
                "Twilio needs a public https URL; for a test on this machine, run a tunnel (for \
                 example `cloudflared tunnel --url {origin}` or `ngrok http {ngrok_target}`) and \
                 set its https URL here."
            )
        }
        None => "Twilio needs https (its Media Streams need wss): serve this server over https, \
                 for example behind a reverse proxy with a certificate, and set that https URL \
                 here."
            .to_owned(),
    };
    Some(format!("{reason}. {advice}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(url: &str) -> Option<LocalHost> {
        url::Url::parse(url)
            .unwrap()
            .host()
            .as_ref()
            .and_then(local_host)
    }

    fn cannot(url: &str) -> Option<String> {
        twilio_cannot_use(&url::Url::parse(url).unwrap())
    }

    #[test]
    fn ipv4_loopback_private_link_local_and_cgnat_are_local() {
        assert_eq!(kind("http://127.0.0.1:3300"), Some(LocalHost::Loopback));
        assert_eq!(kind("http://127.8.9.10"), Some(LocalHost::Loopback));
        for private in ["10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.20"] {
            assert_eq!(
                kind(&format!("https://{private}")),
                Some(LocalHost::Private)
            );
        }
        assert_eq!(kind("https://169.254.10.1"), Some(LocalHost::LinkLocal));
        assert_eq!(kind("https://100.64.0.1"), Some(LocalHost::SharedNat));
        assert_eq!(kind("https://100.127.255.254"), Some(LocalHost::SharedNat));
        assert_eq!(kind("https://0.0.0.0"), Some(LocalHost::Unspecified));
        for public in ["172.32.0.1", "100.128.0.1", "8.8.8.8", "203.0.114.9"] {
            assert_eq!(kind(&format!("https://{public}")), None, "{public}");
        }
    }

    #[test]
    fn ipv6_loopback_unique_local_link_local_and_mapped_are_local() {
        assert_eq!(kind("http://[::1]:3000"), Some(LocalHost::Loopback));
        assert_eq!(kind("https://[fd12:3456::1]"), Some(LocalHost::UniqueLocal));
        assert_eq!(kind("https://[fe80::1]"), Some(LocalHost::LinkLocal));
        assert_eq!(
            kind("https://[::ffff:192.168.0.1]"),
            Some(LocalHost::Private)
        );
        assert_eq!(kind("https://[::]"), Some(LocalHost::Unspecified));
        assert_eq!(kind("https://[2606:4700::1111]"), None);
    }

    #[test]
    fn local_names_are_local_and_public_names_are_not() {
        assert_eq!(kind("http://localhost:3000"), Some(LocalHost::Localhost));
        assert_eq!(kind("http://LOCALHOST."), Some(LocalHost::Localhost));
        assert_eq!(kind("http://desk.localhost"), Some(LocalHost::Localhost));
        assert_eq!(kind("https://desk.local"), Some(LocalHost::LocalName));
        assert_eq!(kind("https://server"), Some(LocalHost::LocalName));
        assert_eq!(kind("https://nas.home.arpa"), Some(LocalHost::LocalName));
        assert_eq!(kind("https://abc.ngrok.app"), None);
        assert_eq!(kind("https://desk.example.com"), None);
    }

    #[test]
    fn public_https_is_fine() {
        assert_eq!(cannot("https://abc.trycloudflare.com"), None);
        assert_eq!(cannot("https://desk.example.com:8443"), None);
    }

    #[test]
    fn loopback_http_says_both_and_suggests_a_tunnel_to_its_port() {
        assert_eq!(
            cannot("http://127.0.0.1:3300").as_deref(),
            Some(
                "it is a loopback address and plain http. Twilio needs a public https URL; for \
                 a test on this machine, run a tunnel (for example `cloudflared tunnel --url \
                 http://127.0.0.1:3300` or `ngrok http 3300`) and set its https URL here."
            )
        );
    }

    #[test]
    fn private_https_and_public_http_each_say_their_own_reason() {
        let private = cannot("https://192.168.1.20:8443").unwrap();
        assert!(
            private.starts_with("it is a private network address (RFC 1918). ")
                && private.contains("`ngrok http https://192.168.1.20:8443`"),
            "{private}"
        );
        let http = cannot("http://desk.example.com").unwrap();
        assert!(
            http.starts_with("it is plain http. Twilio needs https (its Media Streams need wss)"),
            "{http}"
        );
    }
}
