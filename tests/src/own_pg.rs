//! A PostgreSQL server of a story's own, in a temporary folder on a free loopback port: for
//! the stories that stop it (faults) or that need it configured their way (TLS with a
//! certificate made for the story). It needs a PostgreSQL installation (`initdb`, `pg_ctl`);
//! run as root, the server runs as the `postgres` user.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Says loudly that a story needing its own server cannot run here, or fails when CI requires
/// it (`TEST_REQUIRE_FAULTS=1`).
pub fn cannot_run(story: &str, why: &str) {
    assert!(
        std::env::var("TEST_REQUIRE_FAULTS").map_or(true, |v| v != "1"),
        "TEST_REQUIRE_FAULTS=1 but {story} cannot run: {why}"
    );
    eprintln!("\n!!! NOTICE: {story} did NOT run: {why}. !!!\n");
}

/// Whether this process runs as root.
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A loopback port nobody listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs a command to its end; its output in the error when it fails.
pub fn run(cmd: &mut Command, what: &str) -> Result<(), String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// The certificates of a TLS story: a CA of its own and the server's certificate it signed,
/// for `127.0.0.1` and `localhost`.
pub struct Certificates {
    pub ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    /// A second CA that signed nothing here: verifying against it must fail.
    pub other_ca: PathBuf,
}

impl Certificates {
    /// Makes them in `dir` with the `openssl` command.
    pub fn make(dir: &Path) -> Result<Certificates, String> {
        let openssl = |args: &[&str], what: &str| {
            run(Command::new("openssl").current_dir(dir).args(args), what)
        };
        for ca in ["ca", "other-ca"] {
            openssl(
                &[
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-days",
                    "2",
                    "-subj",
                    &format!("/CN=scenario-market test {ca}"),
                    "-keyout",
                    &format!("{ca}.key"),
                    "-out",
                    &format!("{ca}.crt"),
                ],
                "openssl: a test CA",
            )?;
        }
        openssl(
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                "/CN=127.0.0.1",
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
            ],
            "openssl: the server's request",
        )?;
        std::fs::write(
            dir.join("san.ext"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
        )
        .map_err(|e| e.to_string())?;
        openssl(
            &[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                "san.ext",
                "-out",
                "server.crt",
            ],
            "openssl: the server's certificate",
        )?;
        Ok(Certificates {
            ca: dir.join("ca.crt"),
            server_cert: dir.join("server.crt"),
            server_key: dir.join("server.key"),
            other_ca: dir.join("other-ca.crt"),
        })
    }
}

/// A PostgreSQL server of the story's own, in a temporary folder, on a free loopback port.
pub struct OwnPostgres {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    dir: tempfile::TempDir,
    root: bool,
}

impl OwnPostgres {
    /// A server that trusts every local connection, without TLS.
    pub fn create() -> Result<OwnPostgres, String> {
        let pg = Self::init()?;
        pg.start()?;
        Ok(pg)
    }

    /// A server that takes TCP connections over TLS only, with `certs`' server certificate.
    pub fn create_tls(certs: &Certificates) -> Result<OwnPostgres, String> {
        let pg = Self::init()?;
        let copy = |from: &Path, name: &str| -> Result<(), String> {
            let to = pg.data.join(name);
            std::fs::copy(from, &to).map_err(|e| format!("copy {name}: {e}"))?;
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| e.to_string())?;
            if pg.root {
                run(
                    Command::new("chown").arg("postgres:").arg(&to),
                    "chown the certificate",
                )?;
            }
            Ok(())
        };
        copy(&certs.server_cert, "server.crt")?;
        copy(&certs.server_key, "server.key")?;
        let append = |file: &str, text: &str| -> Result<(), String> {
            use std::io::Write;
            let path = pg.data.join(file);
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .map_err(|e| format!("{file}: {e}"))?;
            f.write_all(text.as_bytes()).map_err(|e| e.to_string())
        };
        append(
            "postgresql.conf",
            "\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n",
        )?;
        // TCP over TLS only: the local socket stays for the tools.
        std::fs::write(
            pg.data.join("pg_hba.conf"),
            "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostssl all all ::1/128 trust\n",
        )
        .map_err(|e| e.to_string())?;
        pg.start()?;
        Ok(pg)
    }

    fn init() -> Result<OwnPostgres, String> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .map_err(|_| "no PostgreSQL installation in /usr/lib/postgresql".to_string())?
            .flatten()
            .map(|e| e.path().join("bin"))
            .filter(|b| b.join("initdb").exists() && b.join("pg_ctl").exists())
            .max()
            .ok_or("no initdb and pg_ctl under /usr/lib/postgresql/*/bin")?;
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let root = is_root();
        if root {
            // The server refuses to run as root: the folder goes to the postgres user.
            run(
                Command::new("chown")
                    .arg("-R")
                    .arg("postgres:")
                    .arg(dir.path()),
                "chown the folder to postgres",
            )?;
        }
        let pg = OwnPostgres {
            bin,
            data: dir.path().join("data"),
            port: free_port(),
            dir,
            root,
        };
        run(
            pg.command("initdb").arg("-D").arg(&pg.data).args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
            ]),
            "initdb",
        )?;
        Ok(pg)
    }

    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        if self.root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        }
    }

    pub fn start(&self) -> Result<(), String> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=40",
            self.port,
            self.dir.path().display()
        );
        run(
            self.command("pg_ctl")
                .arg("-D")
                .arg(&self.data)
                .arg("-l")
                .arg(self.dir.path().join("log"))
                .args(["-w", "-t", "60", "-o", &options, "start"]),
            "pg_ctl start",
        )
    }

    /// Stops the server the hard way (as a crash does: no checkpoint, recovery on start).
    pub fn stop(&self) -> Result<(), String> {
        run(
            self.command("pg_ctl").arg("-D").arg(&self.data).args([
                "-m",
                "immediate",
                "-w",
                "stop",
            ]),
            "pg_ctl stop",
        )
    }

    /// The URL of its `postgres` database over TCP, as the `postgres` user.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}
