//! A fault proxy in front of moto: the provider's S3 and IAM endpoints point
//! here, every request is passed on to moto, and one chosen AWS call can be
//! made to fail in the ways a real network fails:
//!
//! - [`Fault::Status500`]: answer HTTP 500 without passing the call on;
//! - [`Fault::Close`]: close the connection without passing the call on;
//! - [`Fault::DropAnswer`]: pass the call on, let moto carry it out, and
//!   close the connection before the answer reaches the provider — the call
//!   is done, but the provider never hears;
//! - [`Fault::Denied`]: answer as IAM does to a caller without the
//!   permission (HTTP 403, `AccessDenied`), without passing the call on;
//! - [`Fault::Hold`]: keep the call waiting until [`FaultProxy::release`],
//!   so that a test can interrupt Terraform in the middle of an apply.
//!
//! Calls are named as AWS names its operations (`iam:CreateRole`,
//! `s3:PutBucketPolicy`, `cloudfront:CreateDistribution`), from the IAM form
//! body, the CloudFront REST path, or the S3 method, path and query. Every
//! request is forwarded with `Connection: close`, so one connection carries
//! one call.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

/// How the chosen call fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    Status500,
    Close,
    DropAnswer,
    Denied,
    Hold,
}

impl Fault {
    /// The modes of the fault matrix.
    pub const MATRIX: [Fault; 3] = [Fault::Status500, Fault::Close, Fault::DropAnswer];
}

#[derive(Default)]
struct State {
    armed: Option<(String, Fault)>,
    /// Every call seen, in order.
    calls: Vec<String>,
    /// How many requests were faulted.
    faulted: usize,
    /// Whether a held call may go on.
    released: bool,
    /// Whether a call is being held now.
    holding: bool,
}

/// The proxy; it runs until the test process ends.
#[derive(Clone)]
pub struct FaultProxy {
    addr: SocketAddr,
    state: Arc<(Mutex<State>, Condvar)>,
}

impl FaultProxy {
    /// Listen on 127.0.0.1 and pass everything on to `upstream`
    /// (`http://127.0.0.1:<port>`).
    pub fn start(upstream: &str) -> FaultProxy {
        let upstream: SocketAddr = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .expect("upstream is http://<ip>:<port>");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fault proxy");
        let proxy = FaultProxy {
            addr: listener.local_addr().unwrap(),
            state: Arc::new((Mutex::new(State::default()), Condvar::new())),
        };
        let p = proxy.clone();
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let p = p.clone();
                thread::spawn(move || {
                    if let Err(e) = p.serve(client, upstream) {
                        eprintln!("fault proxy: {e}");
                    }
                });
            }
        });
        proxy
    }

    /// The endpoint URL to give the provider.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Make every request of `call` fail with `fault` until [`disarm`](Self::disarm).
    pub fn arm(&self, call: &str, fault: Fault) {
        let mut s = self.state.0.lock().unwrap();
        s.armed = Some((call.to_owned(), fault));
        s.faulted = 0;
        s.released = false;
    }

    pub fn disarm(&self) {
        let mut s = self.state.0.lock().unwrap();
        s.armed = None;
        s.released = true;
        self.state.1.notify_all();
    }

    /// Let a held call go on.
    pub fn release(&self) {
        let mut s = self.state.0.lock().unwrap();
        s.released = true;
        self.state.1.notify_all();
    }

    /// Wait (bounded) until a call is being held.
    pub fn wait_until_holding(&self, limit: Duration) -> bool {
        let (lock, cv) = &*self.state;
        let guard = lock.lock().unwrap();
        let (guard, _) = cv.wait_timeout_while(guard, limit, |s| !s.holding).unwrap();
        guard.holding
    }

    /// Whether a call is being held now.
    pub fn is_holding(&self) -> bool {
        self.state.0.lock().unwrap().holding
    }

    /// How many requests were faulted since the last [`arm`](Self::arm).
    pub fn faulted(&self) -> usize {
        self.state.0.lock().unwrap().faulted
    }

    /// The calls seen so far, in order, and forget them.
    pub fn take_calls(&self) -> Vec<String> {
        std::mem::take(&mut self.state.0.lock().unwrap().calls)
    }

    fn serve(&self, mut client: TcpStream, upstream: SocketAddr) -> std::io::Result<()> {
        client.set_read_timeout(Some(Duration::from_secs(120)))?;
        let Some(request) = read_request(&mut client)? else {
            return Ok(());
        };
        let call = call_name(&request);
        let fault = {
            let mut s = self.state.0.lock().unwrap();
            s.calls.push(call.clone());
            let fault = match &s.armed {
                Some((c, f)) if *c == call => Some(*f),
                _ => None,
            };
            if fault.is_some() {
                s.faulted += 1;
            }
            fault
        };
        match fault {
            Some(Fault::Status500) => {
                client.write_all(
                    b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                )?;
                return Ok(());
            }
            Some(Fault::Close) => {
                let _ = client.shutdown(Shutdown::Both);
                return Ok(());
            }
            Some(Fault::Denied) => {
                let action = call.split(':').nth(1).unwrap_or_default();
                let body = format!(
                    "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type>\
                     <Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/test is not authorized \
                     to perform: iam:{action} on resource: arn:aws:iam::123456789012:role/</Message></Error>\
                     <RequestId>denied-by-the-fault-proxy</RequestId></ErrorResponse>"
                );
                client.write_all(
                    format!(
                        "HTTP/1.1 403 Forbidden\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\
                         Connection: close\r\n\r\n{body}",
                        body.len()
                    )
                    .as_bytes(),
                )?;
                return Ok(());
            }
            Some(Fault::Hold) => self.hold(),
            Some(Fault::DropAnswer) | None => {}
        }
        let mut moto = TcpStream::connect(upstream)?;
        moto.write_all(&request.raw)?;
        let mut answer = Vec::new();
        moto.read_to_end(&mut answer)?;
        if fault == Some(Fault::DropAnswer) {
            let _ = client.shutdown(Shutdown::Both);
            return Ok(());
        }
        client.write_all(&answer)
    }

    fn hold(&self) {
        let (lock, cv) = &*self.state;
        let mut s = lock.lock().unwrap();
        s.holding = true;
        cv.notify_all();
        let (mut s, _) = cv
            .wait_timeout_while(s, Duration::from_secs(120), |s| !s.released)
            .unwrap();
        s.holding = false;
    }
}

/// One request as read from the client, rewritten for one call per
/// connection.
struct Request {
    method: String,
    target: String,
    body: Vec<u8>,
    /// What is sent to moto.
    raw: Vec<u8>,
}

fn read_request(client: &mut TcpStream) -> std::io::Result<Option<Request>> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default().to_owned();
    let mut head = line.clone();
    let mut length = 0usize;
    let mut chunked = false;
    loop {
        let mut h = String::new();
        reader.read_line(&mut h)?;
        if h == "\r\n" || h.is_empty() {
            break;
        }
        let lower = h.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
            chunked = true;
        }
        if lower.starts_with("connection:") {
            continue;
        }
        head.push_str(&h);
    }
    head.push_str("Connection: close\r\n\r\n");
    let mut raw = head.into_bytes();
    let body = if chunked {
        // Pass the chunks on as they came; keep the decoded body.
        let mut body = Vec::new();
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            raw.extend_from_slice(size.as_bytes());
            let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
                .unwrap_or(0);
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk)?;
            raw.extend_from_slice(&chunk);
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
        body
    } else {
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        raw.extend_from_slice(&body);
        body
    };
    Ok(Some(Request {
        method,
        target,
        body,
        raw,
    }))
}

/// The AWS operation a request is: `iam:<Action>` from an IAM form body, or
/// the S3 operation from the method, path (path-style) and query.
fn call_name(r: &Request) -> String {
    let body = String::from_utf8_lossy(&r.body);
    if let Some(action) = body.split('&').find_map(|kv| kv.strip_prefix("Action=")) {
        return format!("iam:{action}");
    }
    let (path, query) = r.target.split_once('?').unwrap_or((&r.target, ""));
    if let Some(rest) = path.strip_prefix("/2020-05-31/") {
        return format!("cloudfront:{}", cloudfront_operation(&r.method, rest));
    }
    let sub = query
        .split('&')
        .map(|kv| kv.split('=').next().unwrap_or(""))
        .find(|k| !k.is_empty() && !k.starts_with("x-id") && *k != "list-type")
        .unwrap_or("");
    // Path-style: `/<bucket>` or `/<bucket>/` is the bucket, `/<bucket>/<key>`
    // an object.
    let object = path
        .trim_start_matches('/')
        .trim_end_matches('/')
        .contains('/');
    let op = match (r.method.as_str(), sub, object) {
        ("PUT", "", false) => "CreateBucket",
        ("PUT", "", true) => "PutObject",
        ("PUT", "policy", _) => "PutBucketPolicy",
        ("PUT", "ownershipControls", _) => "PutBucketOwnershipControls",
        ("PUT", "publicAccessBlock", _) => "PutPublicAccessBlock",
        ("PUT", "tagging", false) => "PutBucketTagging",
        ("DELETE", "", false) => "DeleteBucket",
        ("DELETE", "", true) => "DeleteObject",
        ("DELETE", "policy", _) => "DeleteBucketPolicy",
        ("DELETE", "tagging", false) => "DeleteBucketTagging",
        ("POST", "delete", _) => "DeleteObjects",
        ("GET", "", true) => "GetObject",
        ("HEAD", "", true) => "HeadObject",
        ("HEAD", "", false) => "HeadBucket",
        ("GET", other, _) => return format!("s3:GET?{other}"),
        (m, other, _) => return format!("s3:{m}?{other}"),
    };
    format!("s3:{op}")
}

/// The CloudFront operation of a REST path below `/2020-05-31/`:
/// `distribution[/<id>[/config]]` and `origin-access-control[/<id>]`.
fn cloudfront_operation(method: &str, rest: &str) -> String {
    let parts: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let op = match (method, parts.as_slice()) {
        ("POST", ["distribution"]) => "CreateDistribution",
        ("GET", ["distribution"]) => "ListDistributions",
        ("GET", ["distribution", _]) => "GetDistribution",
        ("DELETE", ["distribution", _]) => "DeleteDistribution",
        ("GET", ["distribution", _, "config"]) => "GetDistributionConfig",
        ("PUT", ["distribution", _, "config"]) => "UpdateDistribution",
        ("POST", ["origin-access-control"]) => "CreateOriginAccessControl",
        ("GET", ["origin-access-control"]) => "ListOriginAccessControls",
        ("GET", ["origin-access-control", _]) => "GetOriginAccessControl",
        ("DELETE", ["origin-access-control", _]) => "DeleteOriginAccessControl",
        _ => return format!("{method}?{rest}"),
    };
    op.to_owned()
}

/// Whether a call changes anything (the ones the fault matrix breaks).
pub fn is_mutating(call: &str) -> bool {
    let op = call.split(':').nth(1).unwrap_or(call);
    !(op.starts_with("Get")
        || op.starts_with("List")
        || op.starts_with("Head")
        || op.starts_with("GET"))
}
