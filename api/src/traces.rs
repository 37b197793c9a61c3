//! Traces: the server's `tracing` spans — each HTTP request, GraphQL operation, decision, plan
//! job, step, handler call and database transaction — exported over OTLP/HTTP (protobuf) when
//! `traces.otlp_endpoint` is set (off by default). A caller's W3C `traceparent` is continued; the
//! request span carries the request id, and every log line inside a request carries the trace
//! id (`trace_id`), so a log line leads to its trace and back.

use std::time::Duration;

use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::config::TracesConfig;

/// The traces endpoint: the collector's base URL with `/v1/traces` added (as OTLP's
/// `OTEL_EXPORTER_OTLP_ENDPOINT` is read), or a URL that already names a path, as it is.
pub fn traces_url(endpoint: &str) -> String {
    let e = endpoint.trim().trim_end_matches('/');
    let has_path = e.split_once("://").map(|(_, rest)| rest.contains('/')).unwrap_or(false);
    if has_path { e.to_string() } else { format!("{e}/v1/traces") }
}

/// The tracer provider that exports spans, if an endpoint is set. Keep it for the life of the
/// process and call `shutdown` at exit so the last batch is sent.
pub fn provider(config: &TracesConfig) -> Result<Option<SdkTracerProvider>, String> {
    if config.otlp_endpoint.trim().is_empty() {
        return Ok(None);
    }
    // The exporter's HTTPS client needs the process's TLS provider (without one, it panics).
    crate::install_crypto_provider();
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(traces_url(&config.otlp_endpoint))
        .with_timeout(Duration::from_millis(config.timeout_ms))
        .build()
        .map_err(|e| format!("traces.otlp_endpoint: {e}"))?;
    Ok(Some(build(config, exporter)))
}

/// A provider sending to `exporter` as configured (sampling, service name).
pub fn build(
    config: &TracesConfig,
    exporter: impl opentelemetry_sdk::trace::SpanExporter + 'static,
) -> SdkTracerProvider {
    let resource = opentelemetry_sdk::Resource::builder().with_service_name(config.service_name.clone()).build();
    SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(config.sample_ratio))))
        .with_resource(resource)
        .build()
}

/// The `tracing` layer that turns spans into OpenTelemetry spans of `provider`.
pub fn layer<S>(provider: &SdkTracerProvider) -> impl tracing_subscriber::Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    tracing_opentelemetry::layer().with_tracer(provider.tracer("praetor"))
}

struct Headers<'a>(&'a axum::http::HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

/// Makes `span` a child of the caller's trace when the request carries a W3C `traceparent`.
pub fn continue_caller(span: &tracing::Span, headers: &axum::http::HeaderMap) {
    if headers.get("traceparent").is_none() {
        return;
    }
    let parent = TraceContextPropagator::new().extract(&Headers(headers));
    if parent.span().span_context().is_valid() {
        let _ = span.set_parent(parent);
    }
}

/// The trace id of `span`, when it is exported (nothing when traces are off).
pub fn trace_id(span: &tracing::Span) -> Option<String> {
    let cx = span.context();
    let sc = cx.span().span_context().clone();
    sc.is_valid().then(|| sc.trace_id().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exporter_is_built_only_for_an_endpoint() {
        let off = TracesConfig::default();
        assert!(provider(&off).unwrap().is_none(), "off by default");
        let on = TracesConfig { otlp_endpoint: "http://127.0.0.1:4318".into(), ..Default::default() };
        let p = provider(&on).unwrap().expect("an exporter for the endpoint");
        // Nothing listens there: shutting down sends nothing and must not hang or panic.
        let _ = p.shutdown();
        let bad = TracesConfig { otlp_endpoint: "http://[::1".into(), ..Default::default() };
        assert!(provider(&bad).is_err(), "an endpoint that is not a URL is refused at start");
    }

    #[test]
    fn the_collector_base_url_gets_the_traces_path() {
        assert_eq!(traces_url("http://collector:4318"), "http://collector:4318/v1/traces");
        assert_eq!(traces_url("http://collector:4318/"), "http://collector:4318/v1/traces");
        assert_eq!(traces_url("https://x.example/otlp/v1/traces"), "https://x.example/otlp/v1/traces");
    }
}
