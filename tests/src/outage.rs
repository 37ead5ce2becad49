//! A TCP proxy that a test can cut, stall and restore, to stand between the app and
//! PostgreSQL or Redis: `cut` ends every open connection and refuses new ones (each is
//! accepted and closed at once, as a server that went away would answer); `stall` keeps every
//! connection open but forwards nothing, old or new (a server or network that hangs, where
//! only the client's own timeouts help); `restore` lets connections through again.

use std::{net::SocketAddr, sync::Arc};

use tokio::{
    net::{TcpListener, TcpStream},
    sync::watch,
    task::JoinHandle,
};

/// What the proxy does with traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Up,
    Cut,
    Stalled,
}

pub struct CutProxy {
    /// Where the app should connect instead of the real server.
    pub addr: SocketAddr,
    /// The mode, and a counter bumped on every change so connections notice each one.
    mode: Arc<watch::Sender<(Mode, u64)>>,
    accept: JoinHandle<()>,
}

impl CutProxy {
    /// Starts forwarding a free local port to `target` (`host:port`).
    pub async fn start(target: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let addr = listener.local_addr().expect("proxy address");
        let mode = Arc::new(watch::channel((Mode::Up, 0_u64)).0);
        let (target, accepting) = (target.to_owned(), mode.clone());
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let changes = accepting.subscribe();
                let target = target.clone();
                tokio::spawn(serve(client, target, changes));
            }
        });
        Self { addr, mode, accept }
    }

    fn set(&self, mode: Mode) {
        self.mode.send_modify(|(current, changes)| {
            *current = mode;
            *changes += 1;
        });
    }

    /// The server goes away: open connections end, new ones are closed on arrival.
    pub fn cut(&self) {
        self.set(Mode::Cut);
    }

    /// The server hangs: connections stay open, old and new, and no byte moves.
    pub fn stall(&self) {
        self.set(Mode::Stalled);
    }

    /// The server is back (connections held by a stall are closed: their streams lost bytes).
    pub fn restore(&self) {
        self.set(Mode::Up);
    }

    /// `url` with its `host:port` replaced by this proxy's, e.g.
    /// `postgres://postgres@127.0.0.1:5432/db` → `postgres://postgres@127.0.0.1:40123/db`.
    pub fn route(&self, url: &str) -> String {
        let (scheme, rest) = url.split_once("://").expect("a URL with a scheme");
        let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let userinfo = authority.rsplit_once('@').map(|(user, _)| format!("{user}@"));
        format!("{scheme}://{}{}{tail}", userinfo.unwrap_or_default(), self.addr)
    }
}

/// The `host:port` of a database or Redis URL.
pub fn host_port(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host)
        .to_owned()
}

impl Drop for CutProxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

/// One client connection through the proxy, by the mode at each moment: forwarded while up,
/// closed when cut, held silent while stalled (and closed when the stall ends).
async fn serve(mut client: TcpStream, target: String, mut changes: watch::Receiver<(Mode, u64)>) {
    let mode = changes.borrow_and_update().0;
    match mode {
        Mode::Cut => return,
        Mode::Stalled => {
            let _ = changes.changed().await;
            return;
        }
        Mode::Up => {}
    }
    let Ok(mut server) = TcpStream::connect(&target).await else {
        return;
    };
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => return,
        _ = changes.changed() => {}
    }
    if changes.borrow_and_update().0 == Mode::Stalled {
        // Both sockets stay open, nothing forwarded, until the next change.
        let _ = changes.changed().await;
    }
}

#[cfg(test)]
mod tests {
    use super::host_port;

    #[test]
    fn host_and_port_come_after_the_user() {
        assert_eq!(host_port("postgres://postgres@127.0.0.1:5432/db?x=1"), "127.0.0.1:5432");
        assert_eq!(host_port("redis://127.0.0.1:6379/0"), "127.0.0.1:6379");
    }
}
