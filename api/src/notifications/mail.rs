//! E-mail over SMTP (the `lettre` crate): the transport built from `notifications.smtp_url`,
//! and one message sent. The URL names the server and how to reach it (`smtp://host:25` in
//! the clear, `smtp://host:587?tls=required` with STARTTLS, `smtps://host:465`); a username
//! and password, when given, are sent with it. Neither is ever logged.

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::NotificationsConfig;
use crate::error::{Error, Result};

/// What became of one message.
#[derive(Debug, PartialEq, Eq)]
pub enum Sent {
    /// The server took it.
    Yes,
    /// The server refused it for good (a 5xx, an address it will never take): not retried.
    Refused(String),
    /// It may work later (the server unreachable, a 4xx): retried.
    Failed(String),
}

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// The mailer `config` describes; none without an SMTP URL.
    pub fn new(config: &NotificationsConfig) -> Result<Option<Self>> {
        let url = config.smtp_url.trim();
        if url.is_empty() {
            return Ok(None);
        }
        let invalid =
            |what: &str, e: &dyn std::fmt::Display| Error::validation(format!("notifications.{what}"), e.to_string());
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            // The URL may hold a password: say what is wrong without repeating it.
            .map_err(|e| invalid("smtp_url", &e))?
            .timeout(Some(std::time::Duration::from_millis(config.smtp_timeout_ms)));
        if !config.smtp_username.is_empty() {
            builder = builder.credentials(Credentials::new(config.smtp_username.clone(), config.smtp_password.clone()));
        }
        let from: Mailbox = config.from.parse().map_err(|e| invalid("from", &e))?;
        Ok(Some(Self { transport: builder.build(), from }))
    }

    /// Sends one plain-text message to `to`.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Sent {
        let to: Mailbox = match to.parse() {
            Ok(m) => m,
            Err(e) => return Sent::Refused(format!("not an e-mail address: {e}")),
        };
        let message = match Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
        {
            Ok(m) => m,
            Err(e) => return Sent::Refused(format!("the message could not be built: {e}")),
        };
        match self.transport.send(message).await {
            Ok(_) => Sent::Yes,
            Err(e) if e.is_permanent() => Sent::Refused(e.to_string()),
            Err(e) => Sent::Failed(e.to_string()),
        }
    }
}
