//! Fetching documents by URI — task results (the keeper's verification) and task specs (the
//! indexer's explorer) — with one set of rules: `http://`, `https://`, `ipfs://CID[/path]`
//! through a gateway, `file://` only where local files are allowed (a devnet), a size limit
//! checked while streaming, and errors that say whether to retry.

use std::time::Duration;

use futures_util::StreamExt;

/// Why a document (a result, a spec) could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The URI's scheme is not one this fetcher reads.
    #[error(
        "URI {0:?}: unsupported scheme (use http://, https://, ipfs://CID[/path], or file:// where local files are allowed)"
    )]
    Scheme(String),
    /// The server answered with an error status.
    #[error("URI {uri}: HTTP {status}")]
    Status {
        /// The URI.
        uri: String,
        /// The status.
        status: u16,
    },
    /// The document is larger than allowed.
    #[error("URI {uri}: more than {limit} bytes")]
    TooLarge {
        /// The URI.
        uri: String,
        /// The limit.
        limit: u64,
    },
    /// The connection failed or timed out.
    #[error("URI {uri}: {source}")]
    Http {
        /// The URI.
        uri: String,
        /// The transport error.
        source: reqwest::Error,
    },
    /// A file could not be read.
    #[error("URI {uri}: {source}")]
    File {
        /// The URI.
        uri: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl FetchError {
    /// Worth trying again later (the server or network may recover); otherwise the document, as
    /// named, cannot be read.
    pub fn retryable(&self) -> bool {
        match self {
            FetchError::Http { .. } => true,
            FetchError::Status { status, .. } => *status == 429 || *status >= 500,
            FetchError::Scheme(_) | FetchError::TooLarge { .. } | FetchError::File { .. } => false,
        }
    }
}

/// Fetches documents by URI: `http://`, `https://`, `ipfs://` through a gateway, and `file://`
/// where allowed, with a size limit and a timeout.
#[derive(Debug, Clone)]
pub struct Fetcher {
    http: reqwest::Client,
    ipfs_gateway: String,
    allow_files: bool,
    default_max: u64,
}

impl Fetcher {
    /// A fetcher using `ipfs_gateway` (e.g. `https://ipfs.io`) for `ipfs://` URIs; `file://`
    /// URIs only when `allow_files` (a local devnet). Each request times out after `timeout`.
    pub fn new(ipfs_gateway: &str, allow_files: bool, timeout: Duration) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(timeout)
                .build()
                .unwrap_or_default(),
            ipfs_gateway: ipfs_gateway.trim_end_matches('/').to_owned(),
            allow_files,
            default_max: 256 << 20,
        }
    }

    /// The bytes at `uri`, at most `max` of them.
    pub async fn fetch(&self, uri: &str, max: Option<u64>) -> Result<Vec<u8>, FetchError> {
        let limit = max.unwrap_or(self.default_max);
        let too_large = || FetchError::TooLarge {
            uri: uri.to_owned(),
            limit,
        };
        if let Some(path) = uri.strip_prefix("file://") {
            if !self.allow_files {
                return Err(FetchError::Scheme(uri.to_owned()));
            }
            let file = |source| FetchError::File {
                uri: uri.to_owned(),
                source,
            };
            let len = tokio::fs::metadata(path).await.map_err(file)?.len();
            if len > limit {
                return Err(too_large());
            }
            return tokio::fs::read(path).await.map_err(file);
        }
        let url = if let Some(rest) = uri.strip_prefix("ipfs://") {
            format!("{}/ipfs/{rest}", self.ipfs_gateway)
        } else if uri.starts_with("http://") || uri.starts_with("https://") {
            uri.to_owned()
        } else {
            return Err(FetchError::Scheme(uri.to_owned()));
        };
        let http = |source| FetchError::Http {
            uri: uri.to_owned(),
            source,
        };
        let resp = self.http.get(&url).send().await.map_err(http)?;
        if !resp.status().is_success() {
            return Err(FetchError::Status {
                uri: uri.to_owned(),
                status: resp.status().as_u16(),
            });
        }
        if resp.content_length().is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        let mut stream = resp.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(http)?;
            if body.len() as u64 + chunk.len() as u64 > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `https://` URIs are spoken to in TLS: a local listener receives a TLS handshake record
    /// (0x16, version 3.x) as the first bytes, not a plain HTTP request and not nothing (a
    /// build of reqwest without TLS refuses the scheme before connecting).
    #[tokio::test]
    async fn https_uris_open_a_tls_connection() {
        use tokio::io::AsyncReadExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            let (mut sock, _) = listener.accept().await.unwrap();
            let mut first = [0u8; 3];
            sock.read_exact(&mut first).await.unwrap();
            first // dropped: the handshake fails
        });
        let f = Fetcher::new("http://127.0.0.1:1", false, Duration::from_secs(5));
        let err = f
            .fetch(&format!("https://127.0.0.1:{port}/result.json"), None)
            .await
            .unwrap_err();
        assert!(matches!(err, FetchError::Http { .. }), "{err}");
        assert!(err.retryable());
        let first = server.await.unwrap();
        assert_eq!(first[0], 0x16, "a TLS handshake record, got {first:?}");
        assert_eq!(first[1], 0x03);
    }

    #[tokio::test]
    async fn unknown_schemes_and_files_where_not_allowed_are_refused() {
        let f = Fetcher::new("http://127.0.0.1:1", false, Duration::from_secs(5));
        for uri in ["ftp://x/y", "file:///etc/hostname", "result.json"] {
            let err = f.fetch(uri, None).await.unwrap_err();
            assert!(matches!(err, FetchError::Scheme(_)), "{uri}: {err}");
            assert!(!err.retryable());
        }
    }
}
