//! `X-Twilio-Signature`, pure: base64(HMAC-SHA1(auth token, URL + sorted params)). The URL is the
//! public URL Twilio requested (rebuilt from `PUBLIC_BASE_URL`, never from the Host header); a
//! match is accepted with the port removed or with the default port added, as Twilio's own
//! validators do.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// The string Twilio signs: the URL, then each parameter name and value, names sorted byte-wise,
/// repeated names with their values sorted.
pub fn string_to_sign(url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort_by(|a, b| {
        a.0.as_bytes()
            .cmp(b.0.as_bytes())
            .then(a.1.as_bytes().cmp(b.1.as_bytes()))
    });
    let mut text = url.to_owned();
    for (name, value) in sorted {
        text.push_str(name);
        text.push_str(value);
    }
    text
}

/// The signature of `url` and `params` under `auth_token`.
pub fn sign(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()) else {
        // HMAC accepts keys of any length; this branch cannot be taken.
        return String::new();
    };
    mac.update(string_to_sign(url, params).as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The URL with its port removed and with the scheme's default port added.
fn port_variants(url: &str) -> Vec<String> {
    let mut variants = vec![url.to_owned()];
    if let Ok(parsed) = url::Url::parse(url) {
        let mut without = parsed.clone();
        if without.set_port(None).is_ok() {
            variants.push(without.to_string());
        }
        if let Some(default) = parsed.port_or_known_default() {
            // `Url` drops a default port when set, so splice it in by hand.
            if parsed.port().is_none() {
                if let Some(host) = parsed.host_str() {
                    let with =
                        url.replacen(&format!("://{host}"), &format!("://{host}:{default}"), 1);
                    variants.push(with);
                }
            }
        }
    }
    variants
}

/// Checks a signature in constant time against every accepted form of the URL.
pub fn verify(auth_token: &str, url: &str, params: &[(String, String)], signature: &str) -> bool {
    let Ok(given) = base64::engine::general_purpose::STANDARD.decode(signature.trim()) else {
        return false;
    };
    port_variants(url).iter().any(|candidate| {
        let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()) else {
            return false;
        };
        mac.update(string_to_sign(candidate, params).as_bytes());
        mac.verify_slice(&given).is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "12345";
    const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";

    fn params() -> Vec<(String, String)> {
        [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675309"),
            ("Digits", "1234"),
            ("From", "+14158675309"),
            ("To", "+18005551212"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    #[test]
    fn the_documented_string_and_signature() {
        assert_eq!(
            string_to_sign(URL, &params()),
            "https://mycompany.com/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDECaller+14158675309Digits1234From+14158675309To+18005551212"
        );
        assert_eq!(sign(TOKEN, URL, &params()), "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
        assert!(verify(
            TOKEN,
            URL,
            &params(),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        ));
    }

    #[test]
    fn port_variants_are_accepted_both_ways() {
        assert_eq!(
            sign(
                TOKEN,
                "https://mycompany.com:443/myapp.php?foo=1&bar=2",
                &params()
            ),
            "kvajT1Ptam85bY51eRf/AJRuM3w="
        );
        assert!(
            verify(TOKEN, URL, &params(), "kvajT1Ptam85bY51eRf/AJRuM3w="),
            "signed with :443, checked without"
        );
        assert!(verify(
            TOKEN,
            "https://mycompany.com:443/myapp.php?foo=1&bar=2",
            &params(),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        ));
        assert_eq!(
            sign(
                TOKEN,
                "http://mycompany.com:80/myapp.php?foo=1&bar=2",
                &params()
            ),
            "0ZXoZLH/DfblKGATFgpif+LLRf4="
        );
        assert!(verify(
            TOKEN,
            "http://mycompany.com/myapp.php?foo=1&bar=2",
            &params(),
            "0ZXoZLH/DfblKGATFgpif+LLRf4="
        ));
        assert_eq!(
            sign(
                TOKEN,
                "http://mycompany.com:1234/myapp.php?foo=1&bar=2",
                &params()
            ),
            "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="
        );
    }

    #[test]
    fn repeated_keys_are_signed_with_sorted_values() {
        let params: Vec<(String, String)> = [
            ("Sid", "CA123"),
            ("SidAccount", "AC123"),
            ("Digits", "5678"),
            ("Digits", "1234"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert!(string_to_sign(URL, &params).contains("Digits1234Digits5678"));
        assert_eq!(sign(TOKEN, URL, &params), "IK+Dwps556ElfBT0I3Rgjkr1wJU=");
    }

    #[test]
    fn the_json_body_variant_signs_the_url_only() {
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";
        assert_eq!(sign(TOKEN, url, &[]), "a9nBmqA0ju/hNViExpshrM61xv4=");
    }

    #[test]
    fn forged_or_altered_requests_fail() {
        assert!(!verify(
            TOKEN,
            URL,
            &params(),
            "RSOYDt4T1cUTdK1PDd93/VVr8B9="
        ));
        assert!(!verify(
            "54321",
            URL,
            &params(),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        ));
        let mut altered = params();
        altered[2].1 = "9999".into();
        assert!(!verify(
            TOKEN,
            URL,
            &altered,
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        ));
        assert!(!verify(TOKEN, URL, &params(), "not base64!"));
    }
}
