//! The web app: `frontend/dist`, built by `api/build.rs` and embedded in the binary (release
//! builds embed the files; debug builds read them from disk, so a rebuilt frontend shows at
//! once). Hashed files under `assets/` are cached for a year; every other path that is not a
//! file answers `index.html` (never cached) so client-side routes survive a reload.

use axum::body::Body;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use rust_embed::{EmbeddedFile, RustEmbed};

#[derive(RustEmbed)]
#[folder = "../frontend/dist"]
// A missing build is reported at run time (see `not_built`), not as a compile error.
#[allow_missing = true]
struct WebApp;

/// Strict: the built app needs no inline script or style, and talks only to its own origin
/// (`'self'` covers the same-origin websocket).
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
                   form-action 'self'; frame-ancestors 'none'";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

pub async fn serve(uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().trim_start_matches('/');
    if !path.is_empty()
        && path != "index.html"
        && let Some(file) = WebApp::get(path)
    {
        let cache = if path.starts_with("assets/") { IMMUTABLE } else { REVALIDATE };
        return file_response(path, file, cache, &headers);
    }
    if looks_like_file(path) {
        return (StatusCode::NOT_FOUND, [(CACHE_CONTROL, REVALIDATE)], "not found").into_response();
    }
    match WebApp::get("index.html") {
        Some(index) => file_response("index.html", index, REVALIDATE, &headers),
        None => not_built(),
    }
}

/// A path for a file (hashed asset, icon) rather than a client-side route: under `assets/`,
/// or a last segment with a short extension. Routes never contain dots in their last segment.
fn looks_like_file(path: &str) -> bool {
    if path.starts_with("assets/") {
        return true;
    }
    let last = path.rsplit('/').next().unwrap_or("");
    match last.rsplit_once('.') {
        Some((stem, ext)) => {
            !stem.is_empty() && (1..=5).contains(&ext.len()) && ext.chars().all(|c| c.is_ascii_alphanumeric())
        }
        None => false,
    }
}

fn file_response(path: &str, file: EmbeddedFile, cache: &'static str, headers: &HeaderMap) -> Response {
    let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..16]));
    let mut response = if headers.get(IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v == etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        Response::new(Body::from(file.data))
    };
    let h = response.headers_mut();
    let mime = file.metadata.mimetype();
    let mime = if mime.starts_with("text/") { format!("{mime}; charset=utf-8") } else { mime.to_string() };
    if let Ok(v) = HeaderValue::from_str(&mime) {
        h.insert(CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(ETAG, v);
    }
    h.insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    if path.ends_with(".html") {
        h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    }
    response
}

fn not_built() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(CONTENT_TYPE, "text/plain; charset=utf-8"), (CACHE_CONTROL, REVALIDATE)],
        "The web app is not built into this binary. Build it with `npm ci && npm run build` in frontend/ \
         (cargo does this unless PRAETOR_SKIP_FRONTEND_BUILD is set), then rebuild praetor. \
         The GraphQL API is at /graphql.",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::looks_like_file;

    #[test]
    fn routes_fall_back_to_the_app_and_files_do_not() {
        assert!(!looks_like_file(""));
        assert!(!looks_like_file("orgs/demo/projects/web/plans"));
        assert!(!looks_like_file("orgs/demo/plans/pln_01a20ccc5b23712c8d786b2141b19c8d"));
        assert!(looks_like_file("assets/index-abc123.js"));
        assert!(looks_like_file("assets/missing"));
        assert!(looks_like_file("favicon.ico"));
        assert!(looks_like_file("robots.txt"));
        assert!(!looks_like_file("orgs/demo/.well"));
    }
}
