//! Network faults on loopback, for the SDK path: an endpoint that accepts
//! connections and never answers, and a proxy in front of moto that carries a
//! chosen request out and then drops the connection instead of answering.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

/// Accepts every connection and never sends a byte.
pub struct SilentEndpoint {
    pub url: String,
}

impl SilentEndpoint {
    pub fn start() -> SilentEndpoint {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        thread::spawn(move || {
            let mut held = Vec::new();
            for conn in listener.incoming().flatten() {
                // Keep it open, say nothing.
                held.push(conn);
            }
        });
        SilentEndpoint { url }
    }
}

/// Forwards HTTP requests to `upstream`; a request whose text contains
/// `drop_marker` is carried out upstream, then the client's connection is
/// closed without an answer (a network drop after sending).
pub struct DroppingProxy {
    pub url: String,
    /// How many requests were dropped after being carried out.
    pub dropped: Arc<AtomicUsize>,
}

/// What the proxy does with a request that carries its marker.
#[derive(Clone, Copy)]
enum Fault {
    /// Carry it out upstream, then close the connection without an answer.
    DropAnswer,
    /// Never forward it: answer as STS does when AssumeRole is refused.
    DenyAssumeRole,
    /// Hold it this long, then forward it (a delay line: a distant region).
    Delay(std::time::Duration),
}

/// Forwards every request to `upstream` after a fixed delay, as a far-away
/// endpoint would answer (what scripts/bench-latency measures with).
pub struct DelayProxy {
    pub url: String,
}

impl DelayProxy {
    pub fn start(upstream: &str, delay: std::time::Duration) -> DelayProxy {
        // No markers: nothing is dropped or denied.
        let (url, _) = listen(upstream, &[], Fault::Delay(delay));
        DelayProxy { url }
    }
}

/// Forwards HTTP requests to `upstream`, but answers a request whose text
/// contains every one of `markers` with STS's `AccessDenied` (403), as AWS
/// does when a role's trust policy or an SCP refuses AssumeRole.
pub struct DenyingProxy {
    pub url: String,
}

impl DenyingProxy {
    pub fn start(upstream: &str, markers: &[&str]) -> DenyingProxy {
        let (url, _) = listen(upstream, markers, Fault::DenyAssumeRole);
        DenyingProxy { url }
    }
}

fn listen(upstream: &str, markers: &[&str], fault: Fault) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let upstream = upstream.trim_start_matches("http://").to_string();
    let markers: Vec<String> = markers.iter().map(|m| m.to_string()).collect();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let (upstream, markers, counter) = (upstream.clone(), markers.clone(), counter.clone());
            thread::spawn(move || serve(conn, &upstream, &markers, fault, &counter));
        }
    });
    (url, hits)
}

impl DroppingProxy {
    pub fn start(upstream: &str, drop_marker: &str) -> DroppingProxy {
        let (url, dropped) = listen(upstream, &[drop_marker], Fault::DropAnswer);
        DroppingProxy { url, dropped }
    }
}

/// One request from a keep-alive client connection: its bytes, or None at EOF.
fn read_request(conn: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        match conn.read(&mut byte) {
            Ok(1) => buf.push(byte[0]),
            _ => return None,
        }
    }
    let head = String::from_utf8_lossy(&buf).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    conn.read_exact(&mut body).ok()?;
    buf.extend(body);
    Some(buf)
}

/// The request with `Connection: close`, so the upstream answer ends at EOF.
fn closing(request: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(request);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines: Vec<&str> = head
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .collect();
    lines.push("Connection: close");
    format!("{}\r\n\r\n{body}", lines.join("\r\n")).into_bytes()
}

/// One request per client connection: the upstream answer says
/// `Connection: close`, so the client opens a new one for the next.
fn serve(
    mut client: TcpStream,
    upstream: &str,
    markers: &[String],
    fault: Fault,
    hits: &AtomicUsize,
) {
    let Some(request) = read_request(&mut client) else {
        return;
    };
    let text = String::from_utf8_lossy(&request).into_owned();
    if let Fault::Delay(d) = fault {
        thread::sleep(d);
    }
    let marked = !markers.is_empty() && markers.iter().all(|m| text.contains(m.as_str()));
    if marked && matches!(fault, Fault::DenyAssumeRole) {
        hits.fetch_add(1, Ordering::SeqCst);
        let body = "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to perform: sts:AssumeRole</Message></Error><RequestId>denied-by-test</RequestId></ErrorResponse>";
        let _ = client.write_all(
            format!(
                "HTTP/1.1 403 Forbidden\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        );
        let _ = client.shutdown(Shutdown::Both);
        return;
    }
    let Ok(mut up) = TcpStream::connect(upstream) else {
        return;
    };
    let mut answer = Vec::new();
    if up.write_all(&closing(&request)).is_err() || up.read_to_end(&mut answer).is_err() {
        return;
    }
    if marked {
        // Carried out upstream; the answer never arrives.
        hits.fetch_add(1, Ordering::SeqCst);
    } else {
        let _ = client.write_all(&answer);
    }
    let _ = client.shutdown(Shutdown::Both);
}
