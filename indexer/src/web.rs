//! The market explorer: a web page served by the indexer's own HTTP server under `/` (overview,
//! `/tasks`, `/tasks/{id}`, `/providers`, `/providers/{address}`), built from the read API alone.
//!
//! The page is one HTML shell, two scripts (the explorer, `app.js`, and its wallet actions,
//! `dapp.js`) and a style sheet (`indexer/web/`), plus the chart
//! library uPlot (pinned in `package-lock.json`, copied in by `build.rs`) and the TypeScript SDK
//! bundled by `build.rs` for the wallet actions; all are compiled into the binary. The content
//! security policy allows this origin only, so the page fetches nothing from elsewhere: no CDN,
//! no analytics. A browser wallet (EIP-1193, `window.ethereum`) reaches the chain itself.

use axum::{
    Router,
    http::header,
    response::{IntoResponse, Response},
    routing::get,
};

const INDEX: &str = include_str!("../web/index.html");
const APP_JS: &str = include_str!("../web/app.js");
const DAPP_JS: &str = include_str!("../web/dapp.js");
const APP_CSS: &str = include_str!("../web/app.css");
const UPLOT_JS: &str = include_str!(concat!(env!("OUT_DIR"), "/uPlot.iife.min.js"));
const UPLOT_CSS: &str = include_str!(concat!(env!("OUT_DIR"), "/uPlot.min.css"));
const SDK_JS: &str = include_str!(concat!(env!("OUT_DIR"), "/swan-sdk.js"));

/// This origin only; uPlot sizes its canvas with inline styles.
const CSP: &str = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
                   connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

fn send(body: &'static str, content_type: &'static str, cache: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, cache),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

async fn page() -> Response {
    send(INDEX, "text/html; charset=utf-8", "no-cache")
}

/// The page's routes, for [`crate::api::router`] to merge (they need no state).
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    const JS: &str = "text/javascript; charset=utf-8";
    const CSS: &str = "text/css; charset=utf-8";
    const ASSET: &str = "public, max-age=300";
    Router::new()
        .route("/", get(page))
        .route("/tasks", get(page))
        .route("/tasks/{id}", get(page))
        .route("/providers", get(page))
        .route("/providers/{address}", get(page))
        .route("/assets/app.js", get(|| async { send(APP_JS, JS, ASSET) }))
        .route(
            "/assets/dapp.js",
            get(|| async { send(DAPP_JS, JS, ASSET) }),
        )
        .route(
            "/assets/app.css",
            get(|| async { send(APP_CSS, CSS, ASSET) }),
        )
        .route(
            "/assets/uPlot.iife.min.js",
            get(|| async { send(UPLOT_JS, JS, ASSET) }),
        )
        .route(
            "/assets/uPlot.min.css",
            get(|| async { send(UPLOT_CSS, CSS, ASSET) }),
        )
        .route(
            "/assets/swan-sdk.js",
            get(|| async { send(SDK_JS, JS, ASSET) }),
        )
        .route("/new", get(page))
}
