//! Why a connection to an external service failed, sorted into the few cases a person can act on
//! (DNS, refused, no route, TLS, timeout) and said in plain words naming the host and what to
//! check. Shared by the Twilio REST client, the realtime WebSocket handshakes and the public URL
//! check of Settings › Connections, so the same failure reads the same everywhere.

use std::error::Error;
use std::io;
use std::time::Duration;

/// What kind of network failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkProblem {
    /// The host name did not resolve (no DNS, no internet access, or a typo in the URL).
    Dns,
    /// The host answered that nothing accepts connections on that port (or a firewall rejected).
    Refused,
    /// No route to the network or the host.
    Unreachable,
    /// TCP connected but TLS failed: the certificate or the handshake.
    Tls,
    /// No answer in the time allowed.
    Timeout,
    /// Anything else; the detail says what.
    Other,
}

impl NetworkProblem {
    /// Sorts an error by walking its `source()` chain. `io::Error::source()` skips the error it
    /// wraps, so the walk steps into `get_ref()` instead. DNS failures have no type of their own:
    /// they are recognised by hyper-util's "dns error" and the resolver's "failed to lookup
    /// address" texts. rustls errors arrive as `io::Error`s of kind `InvalidData` (bad certificate
    /// or message), and a peer that hangs up mid-handshake as `UnexpectedEof` or
    /// `ConnectionReset`; those mean TLS only when `tls_handshake` says one was under way (and
    /// hyper-util does not say the TCP connect itself failed), since plain connections fail with
    /// them too.
    pub fn classify(error: &(dyn Error + 'static), tls_handshake: bool) -> Self {
        let mut tls_handshake = tls_handshake;
        for cause in chain(error) {
            let text = cause.to_string().to_ascii_lowercase();
            if text == "dns error"
                || text.contains("failed to lookup address")
                || text.contains("name or service not known")
            {
                return NetworkProblem::Dns;
            }
            if text == "tcp connect error" {
                tls_handshake = false;
            }
            if let Some(io_error) = cause.downcast_ref::<io::Error>() {
                match io_error.kind() {
                    io::ErrorKind::ConnectionRefused => return NetworkProblem::Refused,
                    io::ErrorKind::NetworkUnreachable | io::ErrorKind::HostUnreachable => {
                        return NetworkProblem::Unreachable
                    }
                    io::ErrorKind::TimedOut => return NetworkProblem::Timeout,
                    io::ErrorKind::InvalidData
                    | io::ErrorKind::UnexpectedEof
                    | io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionAborted
                        if tls_handshake =>
                    {
                        return NetworkProblem::Tls
                    }
                    _ => {}
                }
            }
            if text.contains("certificate") {
                return NetworkProblem::Tls;
            }
        }
        NetworkProblem::Other
    }

    /// The plain sentence: what failed with `host`, then what to check. `setting` names where the
    /// service's address comes from (e.g. `TWILIO_API_BASE_URL`); `detail` is the underlying
    /// error's own words (shown for TLS and other failures) or, for a timeout, the wait.
    pub fn describe(self, host: &str, setting: &str, detail: &str) -> String {
        match self {
            NetworkProblem::Dns => format!(
                "cannot find {host} (DNS lookup failed): check this server's DNS and internet \
                 access, or {setting}"
            ),
            NetworkProblem::Refused => format!(
                "{host} refused the connection (nothing accepts connections on that port): check \
                 {setting}, or a firewall that rejects outgoing connections"
            ),
            NetworkProblem::Unreachable => format!(
                "cannot reach {host} (no network route): check this server's network connection \
                 and firewall"
            ),
            NetworkProblem::Tls if detail.to_ascii_lowercase().contains("certificate") => format!(
                "the certificate of {host} was not accepted ({detail}): check this server's clock, \
                 or a proxy that intercepts https"
            ),
            NetworkProblem::Tls => format!(
                "the secure connection (TLS) to {host} failed ({detail}): check that {setting} \
                 points to an https/wss service, or a proxy that intercepts https"
            ),
            NetworkProblem::Timeout => format!(
                "{host} did not answer within {detail}: check this server's internet access and \
                 firewall, or {setting}"
            ),
            NetworkProblem::Other => format!("cannot connect to {host}: {detail}"),
        }
    }
}

/// A failed connection: the kind, the host, where its address comes from, and the raw words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkFailure {
    pub problem: NetworkProblem,
    /// `host` or `host:port`, as written in the URL.
    pub host: String,
    /// Where the address comes from, named in the advice (`TWILIO_API_BASE_URL`, ...).
    pub setting: &'static str,
    /// The innermost error's message, or for a timeout the wait ("15 seconds").
    pub detail: String,
}

impl std::fmt::Display for NetworkFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            &self
                .problem
                .describe(&self.host, self.setting, &self.detail),
        )
    }
}

impl NetworkFailure {
    /// A failure with no error value behind it (the caller knows what happened).
    pub fn new(
        problem: NetworkProblem,
        host: impl Into<String>,
        setting: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        NetworkFailure {
            problem,
            host: host.into(),
            setting,
            detail: detail.into(),
        }
    }

    /// No answer from `host` within `wait`.
    pub fn timeout(host: impl Into<String>, setting: &'static str, wait: Duration) -> Self {
        Self::new(NetworkProblem::Timeout, host, setting, wait_words(wait))
    }

    /// Sorts an `error` met while talking to `host`.
    pub fn from_error(
        error: &(dyn Error + 'static),
        tls_handshake: bool,
        host: impl Into<String>,
        setting: &'static str,
    ) -> Self {
        Self::new(
            NetworkProblem::classify(error, tls_handshake),
            host,
            setting,
            innermost(error),
        )
    }

    /// Sorts a reqwest failure. A connect error on an https URL may be the TLS handshake; a
    /// timeout (reqwest's own, which has no `io::Error`) reports the `wait` it was given.
    pub fn from_reqwest(error: &reqwest::Error, setting: &'static str, wait: Duration) -> Self {
        let host = error
            .url()
            .map(host_and_port)
            .unwrap_or_else(|| "the server".to_owned());
        if error.is_timeout() {
            return Self::timeout(host, setting, wait);
        }
        let tls = error.is_connect() && error.url().is_some_and(|u| u.scheme() == "https");
        Self::from_error(error, tls, host, setting)
    }
}

/// `host` or `host:port` (only when the URL names a port), for messages.
pub fn host_and_port(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or("the server");
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// "15 seconds", "1 second", "0.2 seconds".
pub fn wait_words(wait: Duration) -> String {
    let seconds = wait.as_secs_f64();
    if wait.subsec_millis() == 0 {
        let whole = wait.as_secs();
        format!("{whole} second{}", if whole == 1 { "" } else { "s" })
    } else {
        format!("{seconds:.1} seconds")
    }
}

/// The error and its causes, stepping into the error an `io::Error` wraps.
fn chain<'a>(error: &'a (dyn Error + 'static)) -> impl Iterator<Item = &'a (dyn Error + 'static)> {
    std::iter::successors(
        Some(error),
        |&cause: &&'a (dyn Error + 'static)| match cause.downcast_ref::<io::Error>() {
            Some(io_error) => io_error
                .get_ref()
                .map(|inner| inner as &(dyn Error + 'static)),
            None => cause.source(),
        },
    )
}

/// The message of the deepest cause: the most specific words ("Connection refused (os error
/// 111)", "invalid peer certificate: UnknownIssuer"), without the wrappers' "error sending
/// request".
fn innermost(error: &(dyn Error + 'static)) -> String {
    chain(error)
        .last()
        .map(ToString::to_string)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// hyper-util's shape: a wrapper with a message whose source is the resolver's `io::Error`.
    #[derive(Debug)]
    struct Wrapper(&'static str, io::Error);

    impl std::fmt::Display for Wrapper {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl Error for Wrapper {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&self.1)
        }
    }

    /// Stands in for `rustls::Error`, which reaches us inside an `io::Error`.
    #[derive(Debug)]
    struct FakeRustls(&'static str);

    impl std::fmt::Display for FakeRustls {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl Error for FakeRustls {}

    fn classify(error: &(dyn Error + 'static), tls: bool) -> NetworkProblem {
        NetworkProblem::classify(error, tls)
    }

    #[test]
    fn dns_failures_are_recognised_by_their_words() {
        let lookup =
            io::Error::other("failed to lookup address information: Name or service not known");
        assert_eq!(classify(&lookup, false), NetworkProblem::Dns);
        let wrapped = Wrapper("dns error", io::Error::other("anything"));
        assert_eq!(classify(&wrapped, true), NetworkProblem::Dns);
    }

    #[test]
    fn io_kinds_found_deep_in_the_chain_decide() {
        let refused = Wrapper(
            "tcp connect error",
            io::Error::from(io::ErrorKind::ConnectionRefused),
        );
        assert_eq!(classify(&refused, true), NetworkProblem::Refused);
        for kind in [
            io::ErrorKind::NetworkUnreachable,
            io::ErrorKind::HostUnreachable,
        ] {
            let error = Wrapper("tcp connect error", io::Error::from(kind));
            assert_eq!(classify(&error, false), NetworkProblem::Unreachable);
        }
        let timed_out = io::Error::from(io::ErrorKind::TimedOut);
        assert_eq!(classify(&timed_out, false), NetworkProblem::Timeout);
        let other = io::Error::from(io::ErrorKind::ConnectionReset);
        assert_eq!(classify(&other, false), NetworkProblem::Other);
    }

    #[test]
    fn tls_errors_inside_io_errors_count_only_during_a_handshake() {
        let corrupt = io::Error::new(
            io::ErrorKind::InvalidData,
            FakeRustls("received corrupt message of type InvalidContentType"),
        );
        assert_eq!(classify(&corrupt, true), NetworkProblem::Tls);
        assert_eq!(classify(&corrupt, false), NetworkProblem::Other);
        let hung_up = io::Error::from(io::ErrorKind::ConnectionReset);
        assert_eq!(classify(&hung_up, true), NetworkProblem::Tls);
        let reset_during_tcp = Wrapper("tcp connect error", hung_up);
        assert_eq!(classify(&reset_during_tcp, true), NetworkProblem::Other);
        let certificate = io::Error::new(
            io::ErrorKind::InvalidData,
            FakeRustls("invalid peer certificate: UnknownIssuer"),
        );
        assert_eq!(classify(&certificate, false), NetworkProblem::Tls);
        assert_eq!(
            innermost(&certificate),
            "invalid peer certificate: UnknownIssuer",
            "the wrapped error's own words are the detail"
        );
    }

    #[test]
    fn sentences_name_the_host_and_what_to_check() {
        let dns = NetworkProblem::Dns.describe("api.openai.com", "OPENAI_REALTIME_URL", "");
        assert_eq!(
            dns,
            "cannot find api.openai.com (DNS lookup failed): check this server's DNS and \
             internet access, or OPENAI_REALTIME_URL"
        );
        let certificate = NetworkProblem::Tls.describe(
            "api.twilio.com",
            "TWILIO_API_BASE_URL",
            "invalid peer certificate: UnknownIssuer",
        );
        assert!(certificate.starts_with("the certificate of api.twilio.com was not accepted"));
        let timeout = NetworkFailure::timeout("x.example", "X_URL", Duration::from_secs(15));
        assert!(
            timeout
                .to_string()
                .starts_with("x.example did not answer within 15 seconds"),
            "{timeout}"
        );
    }

    #[test]
    fn waits_read_naturally() {
        assert_eq!(wait_words(Duration::from_secs(15)), "15 seconds");
        assert_eq!(wait_words(Duration::from_secs(1)), "1 second");
        assert_eq!(wait_words(Duration::from_millis(200)), "0.2 seconds");
    }

    #[test]
    fn hosts_keep_an_explicit_port_only() {
        let url = |s: &str| url::Url::parse(s).unwrap();
        assert_eq!(
            host_and_port(&url("https://api.twilio.com/x")),
            "api.twilio.com"
        );
        assert_eq!(
            host_and_port(&url("http://127.0.0.1:3300")),
            "127.0.0.1:3300"
        );
        assert_eq!(host_and_port(&url("ws://[::1]:9/v1")), "[::1]:9");
    }
}

/// Loopback servers that fail in each way, for the tests of the clients and checks.
#[cfg(test)]
pub mod test_servers {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// A loopback port nothing listens on (bound, then released): connecting is refused.
    pub async fn closed_port() -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap().port()
    }

    /// Accepts connections, reads the first bytes and answers plain-text garbage: a TLS client
    /// sees a corrupt handshake.
    pub async fn garbling() -> u16 {
        serve(|mut socket| async move {
            let mut buffer = [0u8; 1024];
            let _ = socket.read(&mut buffer).await;
            let _ = socket.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
        })
        .await
    }

    /// Accepts connections and closes them at once: a TLS client sees the handshake cut short.
    pub async fn closing() -> u16 {
        serve(|socket| async move { drop(socket) }).await
    }

    /// Accepts connections and holds them open without a word: the client times out.
    pub async fn silent() -> u16 {
        serve(|socket| async move {
            tokio::time::sleep(std::time::Duration::from_secs(30)).await;
            drop(socket);
        })
        .await
    }

    async fn serve<F, Fut>(handle: F) -> u16
    where
        F: Fn(tokio::net::TcpStream) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(handle(socket));
            }
        });
        port
    }
}
