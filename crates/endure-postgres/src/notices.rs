//! Notices between processes ([`endure_store::notices`]) over `LISTEN`/`NOTIFY`: one channel
//! for every Endure process on the server; a payload starts with the schema and the node it is
//! for, and each listener keeps its own.
//!
//! A listener has a connection of its own (notifications arrive on the connection that
//! listens). When it drops, the listener connects again, doubling its wait up to
//! [`RECONNECT_MAX_MS`], and then reports [`Notice::Missed`].

use endure_store::notices::{MAX_NOTICE_BYTES, NOTICE_QUEUE, check_notice};
use endure_store::{Notice, StoreError};
use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_postgres::AsyncMessage;

/// The channel every Endure process listens on.
pub(crate) const CHANNEL: &str = "endure_notices";

/// The first wait before connecting again, in ms.
const RECONNECT_MIN_MS: u64 = 100;
/// The longest wait between attempts to connect again, in ms.
pub const RECONNECT_MAX_MS: u64 = 2_000;

/// The start of every payload meant for `node` of the deployment in `scope` (its schema).
pub(crate) fn address(scope: &str, node: &str) -> String {
    format!("{scope}\n{node}\n")
}

/// The whole payload of a notice, or why it cannot be sent.
pub(crate) fn payload(scope: &str, node: &str, body: &str) -> Result<String, StoreError> {
    check_notice(body)?;
    let p = address(scope, node) + body;
    // PostgreSQL refuses payloads of 8000 bytes or more.
    if p.len() >= 8_000 {
        return Err(StoreError::Backend(format!(
            "a notice for node \"{node}\" is over the limit of {MAX_NOTICE_BYTES} bytes"
        )));
    }
    Ok(p)
}

/// The `application_name` of a deployment's listening connections (so an operator can tell
/// them apart in `pg_stat_activity`).
pub fn application_name(scope: &str) -> String {
    let mut name = format!("endure-notices {scope}");
    name.truncate(63);
    name
}

/// One connection that listens, with the task driving it; ends when the connection does.
async fn connect(
    pg: &tokio_postgres::Config,
    prefix: &str,
    tx: &mpsc::Sender<Notice>,
) -> Result<Listening, StoreError> {
    let (client, mut conn) = pg
        .connect(tokio_postgres::NoTls)
        .await
        .map_err(crate::backend)?;
    let prefix = prefix.to_string();
    let out = tx.clone();
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| conn.poll_message(cx));
        let mut missed = false;
        while let Some(Ok(m)) = messages.next().await {
            let AsyncMessage::Notification(n) = m else {
                continue;
            };
            let Some(body) = n.payload().strip_prefix(prefix.as_str()) else {
                continue;
            };
            if missed && out.try_send(Notice::Missed).is_ok() {
                missed = false;
            }
            if missed || out.try_send(Notice::Message(body.to_string())).is_err() {
                if out.is_closed() {
                    return;
                }
                missed = true;
            }
        }
    });
    match client.batch_execute(&format!("LISTEN {CHANNEL}")).await {
        Ok(()) => Ok(Listening {
            _client: client,
            driver,
        }),
        Err(e) => {
            driver.abort();
            Err(crate::backend(e))
        }
    }
}

/// A listening connection: the client must live as long as the connection (dropping it
/// closes the connection); `driver` ends when the connection does.
struct Listening {
    _client: tokio_postgres::Client,
    driver: tokio::task::JoinHandle<()>,
}

/// Listens for `node`'s notices: the first connection is made before this returns (so a
/// notice sent after it arrives); later ones by a task that ends when the receiver is dropped.
pub(crate) async fn listen(
    pg: tokio_postgres::Config,
    scope: &str,
    node: &str,
) -> Result<mpsc::Receiver<Notice>, StoreError> {
    let (tx, rx) = mpsc::channel(NOTICE_QUEUE);
    let prefix = address(scope, node);
    let mut pg = pg;
    pg.application_name(application_name(scope));
    let first = connect(&pg, &prefix, &tx).await?;
    tokio::spawn(async move {
        let mut running = first;
        loop {
            tokio::select! {
                _ = &mut running.driver => {}
                _ = tx.closed() => {
                    running.driver.abort();
                    return;
                }
            }
            let mut wait = RECONNECT_MIN_MS;
            running = loop {
                tokio::select! {
                    _ = tokio::time::sleep(std::time::Duration::from_millis(wait)) => {}
                    _ = tx.closed() => return,
                }
                if let Ok(next) = connect(&pg, &prefix, &tx).await {
                    break next;
                }
                wait = (wait * 2).min(RECONNECT_MAX_MS);
            };
            // Whatever was sent while no connection listened is lost.
            let _ = tx.send(Notice::Missed).await;
        }
    });
    Ok(rx)
}
