//! A minimal HTTP/1.1 client for `builtin:fetchurl`'s `http://` URLs
//! (and, through [`get`], for the evaluation-time fetchers of `cairn-glue`).
//!
//! Just enough for fetching a file: `GET` with `Connection: close`,
//! redirects (up to [`MAX_REDIRECTS`], relative or absolute, staying on
//! `http://`), bodies delimited by `Content-Length`, chunked encoding or
//! the end of the connection, and timeouts so that a silent server cannot
//! hang a build. There is no TLS: `https://` needs a TLS stack cairn does
//! not have yet, and is refused by the caller. The result is checked
//! against the derivation's hash anyway, as for every fixed output.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Redirects followed before giving up.
pub(crate) const MAX_REDIRECTS: usize = 10;

/// How long connecting, and each read or write, may take.
const TIMEOUT: Duration = Duration::from_secs(60);

/// `host`, `port` and `path?query` of an `http://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Url {
    host: String,
    port: u16,
    target: String,
}

fn parse(url: &str) -> Result<Url, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("'{url}' is not an http:// URL"))?;
    let (authority, target) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], rest[i..].to_owned()),
        None => (rest, "/".to_owned()),
    };
    let target = if target.starts_with('?') {
        format!("/{target}")
    } else {
        target
    };
    let target = target.split('#').next().unwrap_or("/").to_owned();
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6
            .split_once(']')
            .ok_or_else(|| format!("bad host in '{url}'"))?;
        (host.to_owned(), after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host.to_owned(), Some(port)),
            None => (authority.to_owned(), None),
        }
    };
    let port = match port {
        Some(p) => p.parse().map_err(|_| format!("bad port in '{url}'"))?,
        None => 80,
    };
    if host.is_empty() {
        return Err(format!("no host in '{url}'"));
    }
    Ok(Url { host, port, target })
}

/// Downloads the `http://` URL `url` into `out`, following redirects.
///
/// This is the client behind `builtin:fetchurl`, exported (as
/// `cairn_build::http_get`) so that the evaluation-time fetchers of
/// `cairn-glue` share it instead of carrying a second one. The error is a
/// reason without the URL (e.g. `HTTP error 404`, `connection to ADDR:
/// ...`); callers wrap it in their own `unable to download 'URL': ...`.
/// Anything other than `http://` (including `https://`) is refused.
pub fn get(url: &str, out: &mut dyn Write) -> Result<(), String> {
    let mut current = url.to_owned();
    for _ in 0..=MAX_REDIRECTS {
        match get_once(&current, out)? {
            None => return Ok(()),
            Some(location) => {
                current = resolve(&current, &location)?;
                if !current.starts_with("http://") {
                    return Err(format!(
                        "redirected to '{current}', which cairn cannot download yet"
                    ));
                }
            }
        }
    }
    Err(format!("more than {MAX_REDIRECTS} redirects"))
}

/// `location` relative to `base`.
fn resolve(base: &str, location: &str) -> Result<String, String> {
    if location.contains("://") {
        return Ok(location.to_owned());
    }
    let url = parse(base)?;
    let authority = if url.host.contains(':') {
        format!("[{}]:{}", url.host, url.port)
    } else {
        format!("{}:{}", url.host, url.port)
    };
    if location.starts_with('/') {
        Ok(format!("http://{authority}{location}"))
    } else {
        let dir = url.target.rsplit_once('/').map_or("", |(dir, _)| dir);
        Ok(format!("http://{authority}{dir}/{location}"))
    }
}

/// One request: the body goes to `out` on 200, a redirect returns its
/// `Location`.
fn get_once(url: &str, out: &mut dyn Write) -> Result<Option<String>, String> {
    let parsed = parse(url)?;
    let address = (parsed.host.as_str(), parsed.port)
        .to_socket_addrs()
        .map_err(|err| format!("cannot resolve '{}': {err}", parsed.host))?
        .next()
        .ok_or_else(|| format!("cannot resolve '{}'", parsed.host))?;
    let stream = TcpStream::connect_timeout(&address, TIMEOUT)
        .map_err(|err| format!("cannot connect to {address}: {err}"))?;
    let io = |err: std::io::Error| format!("connection to {address}: {err}");
    stream.set_read_timeout(Some(TIMEOUT)).map_err(io)?;
    stream.set_write_timeout(Some(TIMEOUT)).map_err(io)?;
    let host_header = if parsed.port == 80 {
        parsed.host.clone()
    } else {
        format!("{}:{}", parsed.host, parsed.port)
    };
    (&stream)
        .write_all(
            format!(
                "GET {} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: cairn\r\n\
                 Accept-Encoding: identity\r\nConnection: close\r\n\r\n",
                parsed.target
            )
            .as_bytes(),
        )
        .map_err(io)?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).map_err(io)?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("not an HTTP response: '{}'", line.trim_end()))?;
    let mut length: Option<u64> = None;
    let mut chunked = false;
    let mut location = None;
    loop {
        line.clear();
        if reader.read_line(&mut line).map_err(io)? == 0 {
            return Err("the connection closed inside the response headers".to_owned());
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let value = value.trim();
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.parse().ok(),
                "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
                "location" => location = Some(value.to_owned()),
                _ => {}
            }
        }
    }
    match status {
        200 => {}
        301 | 302 | 303 | 307 | 308 => {
            return location
                .map(Some)
                .ok_or_else(|| format!("HTTP {status} without a Location"));
        }
        other => return Err(format!("HTTP error {other}")),
    }
    let copy_error = |err: std::io::Error| format!("while downloading: {err}");
    if chunked {
        loop {
            line.clear();
            reader.read_line(&mut line).map_err(io)?;
            let size_text = line.trim_end().split(';').next().unwrap_or("");
            let size = u64::from_str_radix(size_text.trim(), 16)
                .map_err(|_| format!("bad chunk size '{}'", line.trim_end()))?;
            if size == 0 {
                break;
            }
            let copied = std::io::copy(&mut (&mut reader).take(size), out).map_err(copy_error)?;
            if copied != size {
                return Err("the connection closed inside a chunk".to_owned());
            }
            line.clear();
            reader.read_line(&mut line).map_err(io)?;
        }
    } else if let Some(length) = length {
        let copied = std::io::copy(&mut reader.take(length), out).map_err(copy_error)?;
        if copied != length {
            return Err(format!(
                "the connection closed after {copied} of {length} bytes"
            ));
        }
    } else {
        std::io::copy(&mut reader, out).map_err(copy_error)?;
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;

    use super::*;

    #[test]
    fn parses_urls() {
        assert_eq!(
            parse("http://example.invalid/a/b?c=d#frag").unwrap(),
            Url {
                host: "example.invalid".into(),
                port: 80,
                target: "/a/b?c=d".into()
            }
        );
        assert_eq!(parse("http://[::1]:8080").unwrap().port, 8080);
        assert_eq!(parse("http://[::1]:8080").unwrap().host, "::1");
        assert_eq!(parse("http://h:81?x").unwrap().target, "/?x");
        assert!(parse("http://:80/").is_err());
    }

    #[test]
    fn resolves_redirects() {
        assert_eq!(resolve("http://h:81/a/b", "c").unwrap(), "http://h:81/a/c");
        assert_eq!(resolve("http://h/a/b", "/x").unwrap(), "http://h:80/x");
        assert_eq!(resolve("http://h/a", "http://o/y").unwrap(), "http://o/y");
    }

    /// Serves `responses` in order on a loopback port, one per connection.
    fn serve(responses: Vec<Vec<u8>>) -> (u16, std::thread::JoinHandle<Vec<String>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let handle = std::thread::spawn(move || {
            let mut requests = Vec::new();
            for response in responses {
                let (stream, _) = listener.accept().unwrap();
                let mut reader = BufReader::new(&stream);
                let mut first = String::new();
                reader.read_line(&mut first).unwrap();
                requests.push(first.trim_end().to_owned());
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap() > 2 {
                    line.clear();
                }
                (&stream).write_all(&response).unwrap();
            }
            requests
        });
        (port, handle)
    }

    #[test]
    fn follows_a_redirect_and_reads_chunks() {
        let (port, server) = serve(vec![
            b"HTTP/1.1 302 Found\r\nLocation: /real\r\nContent-Length: 0\r\n\r\n".to_vec(),
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1\r\n\n\r\n0\r\n\r\n"
                .to_vec(),
        ]);
        let mut body = Vec::new();
        get(&format!("http://127.0.0.1:{port}/file"), &mut body).unwrap();
        assert_eq!(body, b"hello\n");
        assert_eq!(
            server.join().unwrap(),
            ["GET /file HTTP/1.1", "GET /real HTTP/1.1"]
        );
    }

    #[test]
    fn content_length_and_errors() {
        let (port, server) = serve(vec![
            b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabc".to_vec(),
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec(),
        ]);
        let mut body = Vec::new();
        get(&format!("http://127.0.0.1:{port}/a"), &mut body).unwrap();
        assert_eq!(body, b"abc");
        let err = get(&format!("http://127.0.0.1:{port}/b"), &mut Vec::new()).unwrap_err();
        assert_eq!(err, "HTTP error 404");
        server.join().unwrap();
    }
}
