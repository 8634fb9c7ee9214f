//! A moto server per test: started on a free loopback port, seeded with boto3,
//! stopped when the test ends (and by a watchdog if the test process dies).

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub struct Moto {
    pub endpoint: String,
    child: Child,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port")
}

impl Moto {
    /// Starts moto; a missing moto fails the test loudly (scripts/test installs it).
    pub fn start() -> Moto {
        let port = free_port();
        // The shell watchdog kills moto when this test process goes away.
        let script = format!(
            "python3 -m moto.server -H 127.0.0.1 -p {port} >/dev/null 2>&1 & m=$!; \
             while kill -0 {pid} 2>/dev/null && kill -0 $m 2>/dev/null; do sleep 1; done; kill $m 2>/dev/null",
            pid = std::process::id()
        );
        let child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start sh for moto");
        let endpoint = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "moto did not start on port {port} within 60 s: is it installed? run scripts/test (pip install 'moto[server]==5.2.*')"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Moto { endpoint, child }
    }

    /// Seeds the server (see seed_moto.py for the spec) and returns what was made.
    pub fn seed(&self, spec: &Value) -> Value {
        self.python(spec, None)
    }

    /// What boto3 reads of an account: each instance's profile, the inline
    /// policies of some roles (see seed_moto.py).
    pub fn fleet(&self, spec: &Value) -> Value {
        self.python(spec, Some("fleet"))
    }

    /// Every object under a bucket's prefix, read back through boto3:
    /// `{"records": [{"key", "record"}]}`.
    pub fn objects(&self, bucket: &str, prefix: &str) -> Value {
        self.python(
            &serde_json::json!({"bucket": bucket, "prefix": prefix}),
            Some("objects"),
        )
    }

    fn python(&self, spec: &Value, mode: Option<&str>) -> Value {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/seed_moto.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(&self.endpoint)
            .args(mode)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot run python3");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(spec.to_string().as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "seed_moto.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Environment for the SDK and the binary: dummy credentials, this endpoint.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_SESSION_TOKEN", "testing".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            (
                "AWS_CONFIG_FILE",
                "/nonexistent/rolecall-test-config".into(),
            ),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                "/nonexistent/rolecall-test-credentials".into(),
            ),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ]
    }

    /// An SDK adapter pointed at this server.
    pub fn cloud(&self) -> rolecall::aws::sdk::SdkCloud {
        use aws_config::{BehaviorVersion, Region};
        use aws_sdk_ec2::config::Credentials;
        let config = aws_config::SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(&self.endpoint)
            .credentials_provider(aws_sdk_ec2::config::SharedCredentialsProvider::new(
                Credentials::new("testing", "testing", None, None, "test"),
            ))
            .build();
        rolecall::aws::sdk::SdkCloud::from_config(config)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        // Stop the server the watchdog started, then the watchdog.
        let _ = Command::new("pkill")
            .args(["-P", &self.child.id().to_string()])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
