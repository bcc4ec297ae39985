//! Uses the async client while `maybe-async/is_sync` is on in the same build.

use revolut_webhooks::nonblocking::Client;

/// Must still be an `async fn` calling `.await` on the client's futures.
pub async fn count_webhooks(client: &Client) -> revolut_webhooks::Result<usize> {
    Ok(client.webhooks().list().await?.len())
}

/// The futures must still be `Send`.
pub fn assert_send(client: &Client) {
    fn send<T: Send>(_: T) {}
    send(count_webhooks(client));
}
