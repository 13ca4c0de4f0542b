//! A Meilisearch server of a story's own (the binary named by `MEILI_BIN`, which `.ci/run`
//! sets), in a temporary folder on a free loopback port, over plain HTTP or over TLS with a
//! certificate the story made. Without the binary the story says so loudly, and
//! `TEST_REQUIRE_MEILI=1` (as in CI) makes that a failure.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct OwnMeili {
    child: Option<Child>,
    bin: String,
    dir: tempfile::TempDir,
    pub port: u16,
    pub key: String,
    /// The server's certificate and key, for https.
    tls: Option<(PathBuf, PathBuf)>,
}

impl OwnMeili {
    /// Starts one (`tls`: the certificate and key files), or says why `story` cannot run.
    pub fn create(story: &str, tls: Option<(PathBuf, PathBuf)>) -> Option<OwnMeili> {
        let Ok(bin) = std::env::var("MEILI_BIN") else {
            assert!(
                std::env::var("TEST_REQUIRE_MEILI").map_or(true, |v| v != "1"),
                "TEST_REQUIRE_MEILI=1 but MEILI_BIN is not set"
            );
            eprintln!("\n!!! NOTICE: MEILI_BIN is not set: {story} did NOT run. !!!\n");
            return None;
        };
        let mut m = OwnMeili {
            child: None,
            bin,
            dir: tempfile::tempdir().unwrap(),
            port: crate::own_pg::free_port(),
            key: "own-meili-master-key-0123456789".into(),
            tls,
        };
        m.start();
        Some(m)
    }

    /// Its URL: `https://127.0.0.1:…` over TLS, else `http://…`.
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    pub fn start(&mut self) {
        let mut cmd = Command::new(&self.bin);
        cmd.arg("--db-path")
            .arg(self.dir.path().join("db"))
            .arg("--http-addr")
            .arg(format!("127.0.0.1:{}", self.port))
            .arg("--master-key")
            .arg(&self.key)
            .arg("--no-analytics");
        if let Some((cert, key)) = &self.tls {
            cmd.arg("--ssl-cert-path")
                .arg(cert)
                .arg("--ssl-key-path")
                .arg(key);
        }
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start Meilisearch");
        self.child = Some(child);
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("Meilisearch did not start");
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for OwnMeili {
    fn drop(&mut self) {
        self.stop();
    }
}
