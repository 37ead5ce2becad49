//! Mail transports against real peers: `.eml` files, a real SMTP server (aiosmtpd) and an
//! HTTP stand-in for SendGrid that checks the exact request.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use beeget_api::{
    config::{Secret, SendGridConfig, SmtpConfig, SmtpTls, StoreConfig},
    email::{
        MailError, Mailer, OutboxMailer, OutgoingEmail, SendGridMailer, SmtpMailer,
        templates::{EmailTemplates, SalesReport, TopProduct},
    },
};
use serde_json::json;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{body_json, header, method, path},
};

const CSV: &str = "date,orders,revenue\n2026-11-24,3,267.00\n";

fn report_email(to: &str) -> OutgoingEmail {
    let templates = EmailTemplates::new(&StoreConfig::default()).unwrap();
    let report = SalesReport {
        date: "2026-11-24".into(),
        orders: 3,
        revenue: "$267.00".into(),
        average_order: "$89.00".into(),
        top_products: vec![TopProduct {
            title: "Linen Wrap Midi Dress".into(),
            quantity: 2,
            revenue: "$178.00".into(),
        }],
    };
    templates
        .daily_sales_report(to, &report, CSV.as_bytes().to_vec())
        .unwrap()
}

/// Checks an RFC 5322 message for the headers, both alternative parts and the CSV attachment.
fn assert_report_message(raw: &str, to: &str) {
    let lower = raw.to_lowercase();
    assert!(raw.contains("From: \"Beeget Fashion\" <hello@beeget.local>"), "{raw}");
    assert!(raw.contains(&format!("To: {to}")), "{raw}");
    assert!(raw.contains("Subject: Daily sales report 2026-11-24"), "{raw}");
    assert!(raw.contains("Date: "), "{raw}");
    assert!(lower.contains("content-type: multipart/mixed"), "{raw}");
    assert!(lower.contains("content-type: multipart/alternative"), "{raw}");
    assert!(lower.contains("content-type: text/plain; charset=utf-8"), "{raw}");
    assert!(lower.contains("content-type: text/html; charset=utf-8"), "{raw}");
    assert!(
        lower.contains("content-disposition: attachment; filename=\"sales-2026-11-24.csv\""),
        "{raw}"
    );
    assert!(raw.contains("Linen Wrap Midi Dress"), "{raw}");
    assert!(raw.contains("2026-11-24,3,267.00"), "attachment body missing: {raw}");
}

#[tokio::test]
async fn outbox_writes_an_eml_file_per_message() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    let mailer = OutboxMailer::new("Beeget Fashion <hello@beeget.local>", outbox.to_str().unwrap()).unwrap();
    mailer.send(&report_email("staff@beeget.local")).await.unwrap();
    mailer.send(&report_email("boss@beeget.local")).await.unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&outbox).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert_eq!(files.len(), 2);
    assert!(files.iter().all(|f| f.extension().unwrap() == "eml"));
    assert_report_message(&std::fs::read_to_string(&files[0]).unwrap(), "staff@beeget.local");
    assert_report_message(&std::fs::read_to_string(&files[1]).unwrap(), "boss@beeget.local");

    let mut bad = report_email("staff@beeget.local");
    bad.to = "not an address".into();
    assert!(matches!(mailer.send(&bad).await, Err(MailError::Invalid(_))));
}

/// A Python with aiosmtpd, from `BEEGET_TEST_SMTP_PYTHON` or the PATH. In CI it must exist.
fn aiosmtpd_python() -> Option<String> {
    let candidates = std::env::var("BEEGET_TEST_SMTP_PYTHON")
        .into_iter()
        .chain(["python3".to_owned()]);
    for python in candidates {
        let ok = Command::new(&python)
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Some(python);
        }
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must provide aiosmtpd (BEEGET_TEST_SMTP_PYTHON)"
    );
    eprintln!("skipping: no python with aiosmtpd");
    None
}

struct SmtpServer {
    child: Child,
    port: u16,
    maildir: PathBuf,
}

impl SmtpServer {
    fn start(python: &str, dir: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let maildir = dir.join("maildir");
        let child = Command::new(python)
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(10), "aiosmtpd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child, port, maildir }
    }

    fn messages(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else {
            return Vec::new();
        };
        entries
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn smtp_delivers_headers_both_parts_and_attachment_to_a_real_server() {
    let Some(python) = aiosmtpd_python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = SmtpServer::start(&python, dir.path());
    let config = SmtpConfig {
        host: "127.0.0.1".into(),
        port: server.port,
        tls: SmtpTls::None,
        ..SmtpConfig::default()
    };
    let mailer = SmtpMailer::new("Beeget Fashion <hello@beeget.local>", &config).unwrap();
    // Two messages over the pooled connection.
    mailer.send(&report_email("staff@beeget.local")).await.unwrap();
    mailer.send(&report_email("boss@beeget.local")).await.unwrap();
    let started = Instant::now();
    while server.messages().len() < 2 {
        assert!(started.elapsed() < Duration::from_secs(10), "messages never arrived");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let messages = server.messages();
    let staff = messages
        .iter()
        .find(|m| m.contains("To: staff@beeget.local"))
        .expect("staff copy");
    assert_report_message(staff, "staff@beeget.local");

    // A server that is not there is a delivery failure (retryable), not a panic.
    let gone = SmtpConfig {
        port: std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port(),
        timeout_secs: 2,
        ..config
    };
    let mailer = SmtpMailer::new("Beeget Fashion <hello@beeget.local>", &gone).unwrap();
    assert!(matches!(
        mailer.send(&report_email("staff@beeget.local")).await,
        Err(MailError::Delivery(_))
    ));
}

fn sendgrid(server: &MockServer) -> SendGridMailer {
    let config = SendGridConfig {
        api_key: Secret::new("SG.test-key"),
        base_url: server.uri(),
        timeout_secs: 5,
    };
    SendGridMailer::new("Beeget Fashion <hello@beeget.local>", &config).unwrap()
}

#[tokio::test]
async fn sendgrid_sends_the_exact_v3_request() {
    let server = MockServer::start().await;
    let email = report_email("Ada Lovelace <ada@example.com>");
    let expected = json!({
        "personalizations": [{"to": [{"email": "ada@example.com", "name": "Ada Lovelace"}]}],
        "from": {"email": "hello@beeget.local", "name": "Beeget Fashion"},
        "subject": "Daily sales report 2026-11-24",
        "content": [
            {"type": "text/plain", "value": email.text},
            {"type": "text/html", "value": email.html},
        ],
        "attachments": [{
            "content": "ZGF0ZSxvcmRlcnMscmV2ZW51ZQoyMDI2LTExLTI0LDMsMjY3LjAwCg==",
            "type": "text/csv; charset=utf-8",
            "filename": "sales-2026-11-24.csv",
            "disposition": "attachment",
        }],
    });
    Mock::given(method("POST"))
        .and(path("/v3/mail/send"))
        .and(header("authorization", "Bearer SG.test-key"))
        .and(header("content-type", "application/json"))
        .and(body_json(&expected))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&server)
        .await;
    sendgrid(&server).send(&email).await.unwrap();
}

#[tokio::test]
async fn sendgrid_errors_become_delivery_failures_with_the_api_text() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/mail/send"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "errors": [{"message": "The from address does not match a verified Sender Identity.", "field": "from"}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let err = sendgrid(&server)
        .send(&report_email("ada@example.com"))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        MailError::Delivery(
            "sendgrid answered 400: The from address does not match a verified Sender Identity.".into()
        )
    );

    let unavailable = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_string("try later"))
        .mount(&unavailable)
        .await;
    let err = sendgrid(&unavailable)
        .send(&report_email("ada@example.com"))
        .await
        .unwrap_err();
    assert_eq!(err, MailError::Delivery("sendgrid answered 503: try later".into()));
}

/// rustls needs one process-wide crypto provider; without it the first TLS handshake panics.
/// A handshake against a local peer that is not a TLS server must fail as a delivery error.
#[tokio::test]
async fn tls_clients_start_a_handshake_without_panicking() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let peer = tokio::spawn(async move {
        use tokio::io::AsyncReadExt;
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut hello = [0u8; 5];
        socket.read_exact(&mut hello).await.unwrap();
        hello
    });
    let config = SendGridConfig {
        api_key: Secret::new("SG.test-key"),
        base_url: format!("https://127.0.0.1:{port}"),
        timeout_secs: 5,
    };
    let mailer = SendGridMailer::new("Beeget Fashion <hello@beeget.local>", &config).unwrap();
    let err = mailer.send(&report_email("ada@example.com")).await.unwrap_err();
    assert!(matches!(err, MailError::Delivery(_)), "{err:?}");
    let record = peer.await.unwrap();
    assert_eq!(record[0], 0x16, "the client sent a TLS handshake record");
}
