//! Where a planner streams text as it arrives (a model's tokens), so the caller can forward
//! it to `chatEvents` before the plan is complete.

use async_trait::async_trait;
use tokio::sync::mpsc;

#[async_trait]
pub trait DeltaSink: Send + Sync {
    /// A piece of text, in order. A sink that can no longer deliver drops it: streaming is a
    /// courtesy, the final outcome carries the whole text.
    async fn delta(&self, text: &str);
}

/// Drops every delta.
#[derive(Debug, Clone, Copy, Default)]
pub struct Discard;

#[async_trait]
impl DeltaSink for Discard {
    async fn delta(&self, _text: &str) {}
}

#[async_trait]
impl DeltaSink for mpsc::Sender<String> {
    async fn delta(&self, text: &str) {
        // Waiting applies the consumer's back-pressure; a closed channel means nobody listens.
        let _ = self.send(text.to_string()).await;
    }
}

#[async_trait]
impl DeltaSink for mpsc::UnboundedSender<String> {
    async fn delta(&self, text: &str) {
        let _ = self.send(text.to_string());
    }
}
