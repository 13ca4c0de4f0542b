//! A real SMTP server inside the tests (mailin-embedded on a loopback port): it keeps every
//! message it accepts, and can be told to refuse the next attempts with a temporary error, as
//! a relay that is busy or down for a while does.

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use mailin_embedded::response::{self, Response};
use mailin_embedded::{Handler, Server};

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The envelope recipients.
    pub to: Vec<String>,
    pub raw: Vec<u8>,
}

impl Received {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.raw)
            .expect("a well-formed message")
    }

    /// A header's raw value, trimmed and unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        let m = self.parsed();
        m.header_raw(name)
            .map(|v| v.replace("\r\n", "").replace('\n', "").trim().to_string())
    }

    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or_default().to_string()
    }

    pub fn text(&self) -> String {
        self.parsed().body_text(0).unwrap_or_default().to_string()
    }

    pub fn html(&self) -> String {
        self.parsed().body_html(0).unwrap_or_default().to_string()
    }
}

#[derive(Clone)]
struct Sink {
    kept: Arc<Mutex<Vec<Received>>>,
    refuse: Arc<AtomicUsize>,
    attempts: Arc<AtomicUsize>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Sink {
    fn mail(&mut self, _ip: std::net::IpAddr, _domain: &str, _from: &str) -> Response {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        let refused = self
            .refuse
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if refused {
            response::NO_SERVICE
        } else {
            self.to.clear();
            self.data.clear();
            response::OK
        }
    }

    fn rcpt(&mut self, to: &str) -> Response {
        self.to.push(to.trim_matches(['<', '>']).to_string());
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        self.kept.lock().unwrap().push(Received {
            to: std::mem::take(&mut self.to),
            raw: std::mem::take(&mut self.data),
        });
        response::OK
    }
}

/// The running server. It lives until the test process ends.
pub struct SmtpSink {
    pub url: String,
    kept: Arc<Mutex<Vec<Received>>>,
    refuse: Arc<AtomicUsize>,
    attempts: Arc<AtomicUsize>,
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        Self::start_on(0)
    }

    /// Starts on this loopback port (0: any free one), e.g. where a server was down.
    pub fn start_on(port: u16) -> SmtpSink {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("a loopback port");
        let port = listener.local_addr().unwrap().port();
        let sink = Sink {
            kept: Default::default(),
            refuse: Default::default(),
            attempts: Default::default(),
            to: vec![],
            data: vec![],
        };
        let out = SmtpSink {
            url: format!("smtp://127.0.0.1:{port}"),
            kept: sink.kept.clone(),
            refuse: sink.refuse.clone(),
            attempts: sink.attempts.clone(),
        };
        let mut server = Server::new(sink);
        server
            .with_name("sink.test")
            .with_num_threads(2)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            if let Err(e) = server.serve() {
                eprintln!("the test SMTP server stopped: {e}");
            }
        });
        out
    }

    /// Refuses the next `n` messages with "421 service not available".
    pub fn refuse_next(&self, n: usize) {
        self.refuse.store(n, Ordering::SeqCst);
    }

    /// How many messages were begun (refused ones included).
    pub fn attempts(&self) -> usize {
        self.attempts.load(Ordering::SeqCst)
    }

    /// Every message accepted so far, in order.
    pub fn received(&self) -> Vec<Received> {
        self.kept.lock().unwrap().clone()
    }

    /// The messages to one address.
    pub fn to(&self, address: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t == address))
            .collect()
    }
}
