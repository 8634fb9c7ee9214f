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

impl DroppingProxy {
    pub fn start(upstream: &str, drop_marker: &str) -> DroppingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let upstream = upstream.trim_start_matches("http://").to_string();
        let marker = drop_marker.to_string();
        let dropped = Arc::new(AtomicUsize::new(0));
        let counter = dropped.clone();
        thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let (upstream, marker, counter) =
                    (upstream.clone(), marker.clone(), counter.clone());
                thread::spawn(move || serve(conn, &upstream, &marker, &counter));
            }
        });
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
fn serve(mut client: TcpStream, upstream: &str, marker: &str, dropped: &AtomicUsize) {
    let Some(request) = read_request(&mut client) else {
        return;
    };
    let Ok(mut up) = TcpStream::connect(upstream) else {
        return;
    };
    let mut answer = Vec::new();
    if up.write_all(&closing(&request)).is_err() || up.read_to_end(&mut answer).is_err() {
        return;
    }
    if String::from_utf8_lossy(&request).contains(marker) {
        // Carried out upstream; the answer never arrives.
        dropped.fetch_add(1, Ordering::SeqCst);
    } else {
        let _ = client.write_all(&answer);
    }
    let _ = client.shutdown(Shutdown::Both);
}
