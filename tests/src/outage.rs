//! A TCP proxy that a test can cut and restore, to stand between the app and PostgreSQL or
//! Redis: `cut` ends every open connection and refuses new ones (each is accepted and closed at
//! once, as a server that went away would answer), `restore` lets them through again.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use tokio::{
    net::{TcpListener, TcpStream},
    sync::watch,
    task::JoinHandle,
};

pub struct CutProxy {
    /// Where the app should connect instead of the real server.
    pub addr: SocketAddr,
    up: Arc<AtomicBool>,
    cuts: watch::Sender<u64>,
    accept: JoinHandle<()>,
}

impl CutProxy {
    /// Starts forwarding a free local port to `target` (`host:port`).
    pub async fn start(target: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let addr = listener.local_addr().expect("proxy address");
        let up = Arc::new(AtomicBool::new(true));
        let (cuts, _) = watch::channel(0_u64);
        let (target, accepting_up, accepting_cuts) = (target.to_owned(), up.clone(), cuts.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !accepting_up.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let mut cut = accepting_cuts.subscribe();
                let target = target.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Self { addr, up, cuts, accept }
    }

    /// The server goes away: open connections end, new ones are closed on arrival.
    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cuts.send_modify(|n| *n += 1);
    }

    /// The server is back.
    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
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

#[cfg(test)]
mod tests {
    use super::host_port;

    #[test]
    fn host_and_port_come_after_the_user() {
        assert_eq!(host_port("postgres://postgres@127.0.0.1:5432/db?x=1"), "127.0.0.1:5432");
        assert_eq!(host_port("redis://127.0.0.1:6379/0"), "127.0.0.1:6379");
    }
}
