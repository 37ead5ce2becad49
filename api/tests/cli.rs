//! The `beeget` binary as an operator runs it: configuration errors, first run, JSON logs,
//! graceful shutdown, `openapi`, `seed` and `user create`.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `beeget` in an empty folder, configured only through `BEEGET_*` variables.
fn beeget(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_beeget"));
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env(
            "BEEGET_DATABASE__URL",
            format!("sqlite://{}?mode=rwc", dir.join("beeget.db").display()),
        )
        .env("BEEGET_SEED__DIR", repo_root().join("seeds"))
        .env("BEEGET_MEDIA__DIR", dir.join("media"))
        .env("BEEGET_SEED__DEMO_ACCOUNTS_FILE", dir.join("demo-accounts.txt"))
        .env("BEEGET_SERVER__ADDR", "127.0.0.1:0")
        .env("BEEGET_SERVER__SHUTDOWN_GRACE_SECS", "5");
    cmd
}

fn http_get(port: u16, path: &str, request_id: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nhost: localhost\r\nx-request-id: {request_id}\r\nconnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

struct Server {
    child: Child,
    port: u16,
}

impl Server {
    /// Starts `serve`, waits for the line announcing its address, then for `/readyz` to
    /// answer 200 (its catalogue index built), as a load balancer would.
    fn start(cmd: &mut Command) -> Self {
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let port = stdout.lines().find_map(|line| {
            let line = line.unwrap();
            let rest = line.strip_prefix("Beeget API on http://127.0.0.1:")?;
            Some(rest.split('/').next().unwrap().parse::<u16>().unwrap())
        });
        // The pipe closes here (nothing more is read from stdout).
        if let Some(port) = port {
            let started = Instant::now();
            while !http_get(port, "/readyz", "ready").starts_with("HTTP/1.1 200") {
                assert!(
                    started.elapsed() < Duration::from_secs(60),
                    "the server never became ready"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
            return Self { child, port };
        }
        let mut err = String::new();
        child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
        let status = child.wait().unwrap();
        panic!("server did not start ({status}): {err}");
    }

    /// SIGTERM, then the exit status and everything written to stderr.
    fn terminate(mut self) -> (std::process::ExitStatus, String) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let started = Instant::now();
        let exit = loop {
            if let Some(exit) = self.child.try_wait().unwrap() {
                break exit;
            }
            assert!(started.elapsed() < Duration::from_secs(15), "server ignored SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut err = String::new();
        self.child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
        (exit, err)
    }
}

#[test]
fn bad_configuration_stops_start_up_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = beeget(dir.path())
        .env("BEEGET_SERVER__ADDR", "not-an-address")
        .arg("serve")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("server.addr"), "{out:?}");

    let out = beeget(dir.path())
        .env("BEEGET_SERVER__MAX_BODY_BYTES", "lots")
        .arg("serve")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("server.max_body_bytes"),
        "{out:?}"
    );

    std::fs::write(dir.path().join("bad.toml"), "[store]\ncurrency = \"dollars\"\n").unwrap();
    let out = beeget(dir.path())
        .args(["--config", "bad.toml", "migrate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("store.currency"),
        "{out:?}"
    );

    let out = beeget(dir.path())
        .args(["--config", "missing.toml", "migrate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.toml"), "{out:?}");
    assert!(
        !dir.path().join("beeget.db").exists(),
        "nothing may start with a bad config"
    );
}

#[test]
fn config_file_values_are_overridden_by_env() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.toml"), "[server]\nbase_path = \"/shop\"\n").unwrap();
    let out = beeget(dir.path()).arg("openapi").output().unwrap();
    assert!(out.status.success());
    let spec: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        spec["servers"][0]["url"], "/shop",
        "config.toml in the working folder is read"
    );
    let out = beeget(dir.path())
        .env("BEEGET_SERVER__BASE_PATH", "/api")
        .arg("openapi")
        .output()
        .unwrap();
    let spec: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(spec["servers"][0]["url"], "/api", "env wins over the file");
}

#[test]
fn openapi_command_prints_the_committed_spec() {
    let dir = tempfile::tempdir().unwrap();
    let out = beeget(dir.path()).arg("openapi").output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let committed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo_root().join("openapi/openapi.json")).unwrap()).unwrap();
    assert!(
        printed == committed,
        "openapi/openapi.json is stale: run `just openapi` and commit it"
    );
}

/// The spec comes from the operations alone: no database or queue is opened to print it.
#[test]
fn openapi_needs_no_database_or_queue() {
    let dir = tempfile::tempdir().unwrap();
    let out = beeget(dir.path())
        .env("BEEGET_DATABASE__URL", "postgres://nobody@127.0.0.1:1/nowhere")
        .env("BEEGET_REDIS__URL", "redis://127.0.0.1:1/0")
        .arg("openapi")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(printed["paths"]["/orders"]["post"].is_object());
    assert!(!dir.path().join("data").exists(), "no database file was made");
}

#[test]
fn first_serve_migrates_seeds_creates_demo_accounts_logs_json_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(beeget(dir.path()).env("BEEGET_LOG__FORMAT", "json").arg("serve"));
    let response = http_get(server.port, "/products?limit=1", "cli-test-7");
    // Lists and product pages come from the catalogue index: no SQL for the products; a
    // product page reads only the (cached) category tree and running promotions.
    http_get(server.port, "/products?sort=price_desc&limit=3&page=2", "cli-test-8");
    http_get(server.port, "/products/linen-wrap-midi-dress", "cli-test-9");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"total\":"), "{response}");
    assert!(
        response.to_lowercase().contains("x-request-id: cli-test-7"),
        "{response}"
    );
    let docs = http_get(server.port, "/docs", "docs");
    assert!(docs.starts_with("HTTP/1.1 200"));

    let accounts = std::fs::read_to_string(dir.path().join("demo-accounts.txt")).unwrap();
    assert!(accounts.contains("admin admin@beeget.local ") && accounts.contains("user shopper@beeget.local "));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("demo-accounts.txt"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert!(
        dir.path().join("media/products").is_dir(),
        "seed images copied to the media folder"
    );

    let (exit, stderr) = server.terminate();
    assert!(exit.success(), "graceful shutdown exits 0: {exit:?} {stderr}");
    // Every log line of the request is JSON and carries its request id.
    let request_lines: Vec<serde_json::Value> = stderr
        .lines()
        .filter(|l| l.contains("cli-test-7"))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect();
    assert!(!request_lines.is_empty(), "{stderr}");
    for line in &request_lines {
        assert_eq!(line["span"]["request_id"], "cli-test-7", "{line}");
    }
    assert!(request_lines.iter().any(|l| l["fields"]["status"] == 200));
    let queries = |request_id: &str| db_queries(&stderr, request_id);
    assert_eq!(
        queries("cli-test-7"),
        0,
        "a list page is answered by the catalogue index"
    );
    assert_eq!(queries("cli-test-8"), 0, "any list page, any sort and depth");
    assert_eq!(
        queries("cli-test-9"),
        2,
        "a product page: the category tree and the running promotions, cached after that"
    );
    for secret in accounts.lines().skip(1).filter_map(|l| l.split(' ').nth(2)) {
        assert!(!stderr.contains(secret), "a demo password reached the log");
    }
}

#[test]
fn production_never_creates_accounts_implicitly() {
    let dir = tempfile::tempdir().unwrap();
    // Production refuses the development secrets, naming the key to set.
    let out = beeget(dir.path())
        .env("BEEGET_ENV", "production")
        .arg("serve")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("BEEGET_AUTH__SIGNING_KEYS__"),
        "{out:?}"
    );
    let out = beeget(dir.path())
        .env("BEEGET_ENV", "production")
        .env(
            "BEEGET_AUTH__SIGNING_KEYS__DEV",
            "a-production-signing-secret-of-40-bytes!!",
        )
        .arg("serve")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("BEEGET_ENCRYPTION__KEYS__"),
        "{out:?}"
    );
    let production = || {
        let mut command = beeget(dir.path());
        command
            .env("BEEGET_ENV", "production")
            .env(
                "BEEGET_AUTH__SIGNING_KEYS__DEV",
                "a-production-signing-secret-of-40-bytes!!",
            )
            .env(
                "BEEGET_ENCRYPTION__KEYS__DEV",
                "cHJvZHVjdGlvbi1lbmNyeXB0aW9uLWtleS0zMmJ5dGU=",
            );
        command
    };
    // So is the development key of the name search's blind index.
    let out = production().arg("serve").output().unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("BEEGET_ENCRYPTION__SEARCH_KEY"),
        "{out:?}"
    );
    let production = move || {
        let mut command = production();
        command.env(
            "BEEGET_ENCRYPTION__SEARCH_KEY",
            "cHJvZHVjdGlvbi1ibGluZC1pbmRleC1rZXktMzJieXQ=",
        );
        command
    };
    // The fake payment provider gives goods away: refused too.
    let out = production().arg("serve").output().unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("BEEGET_PAYMENTS__PROVIDER=stripe"),
        "{out:?}"
    );

    let server = Server::start(
        production()
            .env("BEEGET_PAYMENTS__PROVIDER", "stripe")
            .env("BEEGET_PAYMENTS__STRIPE__SECRET_KEY", "sk_live_not_contacted_at_start")
            .env("BEEGET_PAYMENTS__STRIPE__WEBHOOK_SECRET", "whsec_not_used_here")
            .arg("serve"),
    );
    assert!(http_get(server.port, "/readyz", "r").starts_with("HTTP/1.1 200"));
    let (exit, log) = server.terminate();
    assert!(exit.success(), "{exit:?}: {log}");
    assert!(!dir.path().join("demo-accounts.txt").exists());
}

#[test]
fn seed_is_idempotent_and_adds_synthetic_products() {
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let out = beeget(dir.path()).arg("migrate").output().unwrap();
        assert!(out.status.success(), "migrate runs, and runs again as a no-op: {out:?}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("migrations applied"));
    }
    let out = beeget(dir.path()).arg("seed").output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let first = String::from_utf8_lossy(&out.stdout).into_owned();
    let out = beeget(dir.path()).args(["seed", "--synthetic", "25"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let second = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(first.lines().next(), second.lines().next(), "same counts on re-seed");
    assert!(second.contains("added 25 synthetic products"));

    let server = Server::start(beeget(dir.path()).arg("serve"));
    let body = http_get(server.port, "/products?limit=1&search=benchmark", "s");
    assert!(body.contains("\"total\":25"), "{body}");
    server.terminate();

    // Deterministic: running it again changes nothing.
    let out = beeget(dir.path()).args(["seed", "--synthetic", "25"]).output().unwrap();
    assert!(out.status.success());
    let server = Server::start(beeget(dir.path()).arg("serve"));
    let body = http_get(server.port, "/products?limit=1&search=benchmark", "s");
    assert!(body.contains("\"total\":25"), "{body}");
    server.terminate();
}

#[test]
fn mail_test_sends_through_the_configured_transport() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    let out = beeget(dir.path())
        .env("BEEGET_EMAIL__OUTBOX_DIR", &outbox)
        .args(["mail", "test", "--to", "Ada <ada@example.com>"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("through the outbox transport"));
    let files: Vec<_> = std::fs::read_dir(&outbox).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1);
    let eml = std::fs::read_to_string(&files[0]).unwrap();
    assert!(eml.contains("To: Ada <ada@example.com>") && eml.contains("Subject: Beeget Fashion test email"));

    let out = beeget(dir.path())
        .env("BEEGET_EMAIL__TRANSPORT", "sendgrid")
        .args(["mail", "test", "--to", "ada@example.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "sendgrid without a key is a config error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("email.sendgrid.api_key"));
}

/// `beeget user create`, the password typed on standard input.
fn user_create(dir: &Path, email: &str, name: &str, role: &str, password: &str) -> std::process::Output {
    let mut child = beeget(dir)
        .args([
            "user",
            "create",
            "--email",
            email,
            "--name",
            name,
            "--role",
            role,
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn user_create_reads_the_password_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let create = |email: &str, password: &str| user_create(dir.path(), email, "Staff Member", "admin", password);
    let out = create("Staff@Beeget.dev", "correct horse battery staple");
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("created admin staff@beeget.dev"));

    let out = create("staff@beeget.dev", "another long password");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));

    let out = create("second@beeget.dev", "short");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("password"), "{out:?}");
}

#[test]
fn gdpr_export_and_erase_an_account_by_email() {
    let dir = tempfile::tempdir().unwrap();
    let create = |email: &str, role: &str| {
        let out = user_create(
            dir.path(),
            email,
            "Lin Operator-Case",
            role,
            "correct horse battery staple",
        );
        assert!(out.status.success(), "{out:?}");
    };
    create("gdpr-cli@example.com", "user");
    create("only-admin@example.com", "admin");

    let file = dir.path().join("export.json");
    stdout_of(
        beeget(dir.path())
            .args(["gdpr", "export", "GDPR-cli@example.com", "--output"])
            .arg(&file),
    );
    let export: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(export["profile"]["email"], "gdpr-cli@example.com");
    assert_eq!(export["profile"]["name"], "Lin Operator-Case");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }

    // Without --yes the operator types the email to confirm; anything else erases nothing.
    let mut child = beeget(dir.path())
        .args(["gdpr", "erase", "gdpr-cli@example.com"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"no\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("nothing erased"),
        "{out:?}"
    );

    let receipt = stdout_of(beeget(dir.path()).args(["gdpr", "erase", "gdpr-cli@example.com", "--yes"]));
    let receipt: serde_json::Value = serde_json::from_str(&receipt).unwrap();
    assert_eq!(receipt["requestedBy"], "operator");
    assert_eq!(receipt["ordersAnonymised"], 0);
    assert!(receipt.get("actorId").is_none(), "{receipt}");
    for args in [
        ["gdpr", "export", "gdpr-cli@example.com"].as_slice(),
        &["gdpr", "erase", "gdpr-cli@example.com", "--yes"],
    ] {
        let out = beeget(dir.path()).args(args).output().unwrap();
        assert!(!out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("no account with email"),
            "{out:?}"
        );
    }
    let out = beeget(dir.path())
        .args(["gdpr", "erase", "only-admin@example.com", "--yes"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("last admin"), "{out:?}");
}

fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn jobs_are_queued_listed_run_by_a_separate_worker_and_retried_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let jobs = |args: &[&str]| {
        let mut cmd = beeget(dir.path());
        cmd.arg("jobs").args(args);
        cmd
    };
    let out = stdout_of(&mut jobs(&["run", "cleanupAbandonedCarts", "--inline"]));
    assert!(out.contains("cleanupAbandonedCarts done"), "{out}");
    assert!(
        stdout_of(&mut jobs(&["list"])).contains("no jobs"),
        "inline runs bypass the queue"
    );

    let out = stdout_of(&mut jobs(&["run", "cleanupabandonedcarts"]));
    let id = out
        .trim()
        .strip_prefix("cleanupAbandonedCarts queued as ")
        .unwrap_or_else(|| panic!("{out}"))
        .to_owned();
    let queued = stdout_of(&mut jobs(&["list", "--status", "queued", "--json"]));
    let record: serde_json::Value = serde_json::from_str(queued.lines().next().unwrap()).unwrap();
    assert_eq!(record["id"], id.as_str());
    assert_eq!(record["status"], "queued");
    assert_eq!(record["queue"], "maintenance");

    // `beeget worker` alone (as beside an API with jobs.run_in_server = false) runs it.
    let mut worker = beeget(dir.path())
        .arg("worker")
        .env("BEEGET_JOBS__POLL_INTERVAL_MS", "100")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        let done = stdout_of(&mut jobs(&["list", "--status", "done", "--json"]));
        if done.contains(&id) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the worker never ran the job"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Command::new("kill")
        .args(["-TERM", &worker.id().to_string()])
        .status()
        .unwrap();
    let exit = loop {
        if let Some(exit) = worker.try_wait().unwrap() {
            break exit;
        }
        assert!(started.elapsed() < Duration::from_secs(45), "worker ignored SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "worker stops cleanly on SIGTERM: {exit}");

    let out = jobs(&["retry", &id]).output().unwrap();
    assert!(!out.status.success(), "a done job is not retried");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no failed job with id"),
        "{out:?}"
    );
    let out = beeget(dir.path())
        .arg("worker")
        .env("BEEGET_JOBS__SCHEDULE__SENDEVERYTHING", "0 * * * * *")
        .output()
        .unwrap();
    assert!(!out.status.success(), "an unknown scheduled job stops start-up");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("jobs.schedule.sendeverything: no such schedulable job"),
        "{out:?}"
    );
    let out = jobs(&["run", "sendEverything"]).output().unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("known: cleanupAbandonedCarts"),
        "{out:?}"
    );
}

#[test]
fn keys_rotate_re_encrypts_personal_data_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut create = beeget(dir.path())
        .args([
            "user",
            "create",
            "--email",
            "ops@example.com",
            "--name",
            "Ops",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    create
        .stdin
        .take()
        .unwrap()
        .write_all(b"a-long-enough-ops-password\n")
        .unwrap();
    assert!(create.wait().unwrap().success());
    let rotate = || {
        stdout_of(
            beeget(dir.path())
                .env(
                    "BEEGET_ENCRYPTION__KEYS__K2",
                    "cm90YXRlZC1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcyE=",
                )
                .env("BEEGET_ENCRYPTION__CURRENT_KEY", "k2")
                .args(["keys", "rotate"]),
        )
    };
    assert!(rotate().contains("re-encrypted 1 user names, 0 addresses and 0 order addresses with key k2"));
    assert!(
        rotate().contains("re-encrypted 0 user names"),
        "a second run has nothing to do"
    );
}

/// The SQL statements a request ran, from its closing JSON log line.
fn db_queries(stderr: &str, request_id: &str) -> u64 {
    stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|l| l["span"]["request_id"] == request_id && l["fields"]["message"] == "request finished")
        .unwrap_or_else(|| panic!("no finish line for {request_id}"))["fields"]["db_queries"]
        .as_u64()
        .unwrap()
}

/// A request with an optional bearer token and JSON body; returns the status line and the
/// body as text.
fn http_call(
    port: u16,
    method: &str,
    path: &str,
    request_id: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let auth = token
        .map(|t| format!("authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let body = body.unwrap_or("");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nhost: localhost\r\nx-request-id: {request_id}\r\n{auth}content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, raw) = response.split_once("\r\n\r\n").unwrap();
    let raw = if head.to_lowercase().contains("transfer-encoding: chunked") {
        // Chunk sizes on their own lines around the data.
        raw.split("\r\n").skip(1).step_by(2).collect::<String>()
    } else {
        raw.to_owned()
    };
    (head.lines().next().unwrap().to_owned(), raw)
}

/// `http_call` with the body read as JSON (`null` when it is not JSON).
fn http_json(
    port: u16,
    method: &str,
    path: &str,
    request_id: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (String, serde_json::Value) {
    let (status, raw) = http_call(port, method, path, request_id, token, body);
    (status, serde_json::from_str(&raw).unwrap_or(serde_json::Value::Null))
}

#[test]
fn a_cart_costs_the_same_statements_with_one_line_or_many() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        beeget(dir.path())
            .env("BEEGET_LOG__FORMAT", "json")
            .env("BEEGET_RATE_LIMIT__ENABLED", "false")
            .arg("serve"),
    );
    let port = server.port;
    let accounts = std::fs::read_to_string(dir.path().join("demo-accounts.txt")).unwrap();
    let password = accounts
        .lines()
        .find(|l| l.starts_with("user shopper@beeget.local "))
        .and_then(|l| l.split(' ').nth(2))
        .unwrap()
        .to_owned();
    let login = format!(r#"{{"email":"shopper@beeget.local","password":"{password}"}}"#);
    let (status, pair) = http_json(port, "POST", "/auth/login", "login", None, Some(&login));
    assert!(status.contains("200"), "{status} {pair}");
    let token = pair["accessToken"].as_str().unwrap().to_owned();

    let (_, page) = http_json(port, "GET", "/products?inStock=true&limit=8", "list", None, None);
    let mut picks = Vec::new();
    for item in page["items"].as_array().unwrap() {
        let path = format!("/products/{}", item["slug"].as_str().unwrap());
        let (_, product) = http_json(port, "GET", &path, "product", None, None);
        if let Some(v) = product["variants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["inStock"] == true)
        {
            picks.push((product["id"].clone(), v["id"].clone()));
        }
    }
    assert!(picks.len() >= 4, "{picks:?}");
    let add = |i: usize| {
        let body = format!(r#"{{"productId":{},"variantId":{},"qty":1}}"#, picks[i].0, picks[i].1);
        let (status, cart) = http_json(port, "POST", "/cart", &format!("add-{i}"), Some(&token), Some(&body));
        assert!(status.contains("200"), "{status} {cart}");
    };
    add(0);
    http_json(port, "GET", "/cart", "cart-one-line", Some(&token), None);
    (1..4).for_each(add);
    let (_, cart) = http_json(port, "GET", "/cart", "cart-four-lines", Some(&token), None);
    assert_eq!(cart["items"].as_array().unwrap().len(), 4, "{cart}");

    let (exit, stderr) = server.terminate();
    assert!(exit.success());
    let queries = |request_id: &str| db_queries(&stderr, request_id);
    assert_eq!(
        queries("cart-one-line"),
        queries("cart-four-lines"),
        "a cart is priced in a fixed number of statements, never one per line"
    );
}

/// `seed --synthetic-orders` adds the same history however often it runs, and `jobs run
/// dailySalesReport --date` mails that day's figures to every configured recipient, the CSV
/// the one the API answers for the day; `reports sales` prints it too and `reports rebuild`
/// restores the rollups it reads from.
#[test]
fn synthetic_orders_feed_the_daily_sales_report_for_a_given_date() {
    let dir = tempfile::tempdir().unwrap();
    let out = stdout_of(beeget(dir.path()).args(["seed", "--synthetic-orders", "1500"]));
    assert!(out.contains("added 1500 synthetic orders"), "{out}");
    let out = stdout_of(beeget(dir.path()).args(["seed", "--synthetic-orders", "1500"]));
    assert!(out.contains("added 0 synthetic orders"), "deterministic: {out}");
    let out = user_create(
        dir.path(),
        "analyst@example.com",
        "Ana",
        "admin",
        "velvet-trench-coat-42",
    );
    assert!(out.status.success(), "{out:?}");

    let server = Server::start(
        beeget(dir.path())
            .env("BEEGET_RATE_LIMIT__ENABLED", "false")
            .arg("serve"),
    );
    let port = server.port;
    let (status, session) = http_json(
        port,
        "POST",
        "/auth/login",
        "login",
        None,
        Some(r#"{"email":"analyst@example.com","password":"velvet-trench-coat-42"}"#),
    );
    assert!(status.contains("200"), "{status} {session}");
    let token = session["accessToken"].as_str().unwrap().to_owned();
    let (_, orders) = http_json(port, "GET", "/admin/orders?limit=1", "orders", Some(&token), None);
    assert_eq!(orders["total"], 1500, "every synthetic order is listed");
    let (_, month) = http_json(port, "GET", "/admin/reports/sales", "month", Some(&token), None);
    let busy = month["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|day| day["orders"].as_u64().unwrap() > 0)
        .expect("two orders a day on average")["start"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, csv) = http_call(
        port,
        "GET",
        &format!("/admin/reports/sales?start={busy}&end={busy}&format=csv"),
        "csv",
        Some(&token),
        None,
    );
    assert!(status.contains("200"), "{status}");
    server.terminate();
    let row = csv.lines().nth(1).unwrap().to_owned();

    let outbox = dir.path().join("outbox");
    let run = |args: &[&str]| {
        beeget(dir.path())
            .env("BEEGET_EMAIL__OUTBOX_DIR", &outbox)
            .env(
                "BEEGET_EMAIL__REPORT_RECIPIENTS",
                r#"["Ops Team <ops@example.com>", "cfo@example.com"]"#,
            )
            .arg("jobs")
            .args(args)
            .output()
            .unwrap()
    };
    let refused = run(&["run", "cleanupAbandonedCarts", "--date", &busy]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--date applies to dailySalesReport only"));
    let out = run(&["run", "dailySalesReport", "--date", &busy, "--inline"]);
    assert!(out.status.success(), "{out:?}");
    let mails: Vec<_> = std::fs::read_dir(&outbox).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(mails.len(), 1, "one message for both recipients");
    let raw = std::fs::read_to_string(&mails[0]).unwrap();
    let raw = raw.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
    assert!(raw.contains("ops@example.com") && raw.contains("cfo@example.com"));
    assert!(raw.contains(&format!("sales-{busy}.csv")));
    assert!(
        raw.contains(&row),
        "the attachment holds the API's figures: {row}\n{raw}"
    );

    // `reports sales` prints the API's CSV; `reports rebuild` sums rollups lost behind the
    // server's back (here: emptied by hand) again from the orders.
    let report = || stdout_of(beeget(dir.path()).args(["reports", "sales", "--start", &busy, "--end", &busy]));
    assert_eq!(report(), csv, "the CLI prints what the API answers");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use sea_orm::ConnectionTrait;
        let url = format!("sqlite://{}", dir.path().join("beeget.db").display());
        let db = sea_orm::Database::connect(url).await.unwrap();
        db.execute_unprepared("DELETE FROM sales_slots").await.unwrap();
        db.close().await.unwrap();
    });
    assert!(!report().contains(&row), "the figures come from the rollup");
    let out = stdout_of(beeget(dir.path()).args(["reports", "rebuild"]));
    assert!(out.contains("rebuilt"), "{out}");
    assert_eq!(report(), csv, "rebuilt from the orders");
}
