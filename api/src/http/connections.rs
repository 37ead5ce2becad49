//! Limits on connections, so idle, slow or stalled clients cannot take every socket and task
//! the process has:
//! - a cap on open connections (`server.max_connections`): past it, new connections wait in
//!   the listen backlog until one closes (each holds a permit until it closes);
//! - an idle timeout (`server.idle_timeout_secs`): a connection whose reads or writes make no
//!   progress for that long fails with `TimedOut`, which ends it. That closes a request line,
//!   headers or body sent in part and abandoned, an idle keep-alive, and a client that stops
//!   reading its answer. A handler working on a request is not timed: the connection waits on
//!   neither reads nor writes then.

use std::{
    io::{Error, ErrorKind, Result as IoResult},
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use poem::http::uri::Scheme;
use poem::{
    listener::Acceptor,
    web::{LocalAddr, RemoteAddr},
};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    sync::{OwnedSemaphorePermit, Semaphore},
    time::{Instant, Sleep},
};

/// Wraps an acceptor so that at most `max` of its connections are open at once, each closed
/// once idle for `idle`.
pub struct LimitedAcceptor<A> {
    inner: A,
    permits: Arc<Semaphore>,
    idle: Duration,
}

impl<A> LimitedAcceptor<A> {
    pub fn new(inner: A, max: usize, idle: Duration) -> Self {
        Self {
            inner,
            permits: Arc::new(Semaphore::new(max.max(1))),
            idle,
        }
    }
}

impl<A: Acceptor> Acceptor for LimitedAcceptor<A> {
    type Io = Limited<A::Io>;

    fn local_addr(&self) -> Vec<LocalAddr> {
        self.inner.local_addr()
    }

    async fn accept(&mut self) -> IoResult<(Self::Io, LocalAddr, RemoteAddr, Scheme)> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(std::io::Error::other)?;
        let (io, local, remote, scheme) = self.inner.accept().await?;
        let limited = Limited {
            io,
            _permit: permit,
            idle: self.idle,
            deadline: Box::pin(tokio::time::sleep(self.idle)),
        };
        Ok((limited, local, remote, scheme))
    }
}

/// A connection that gives its permit back when it closes and fails once idle too long.
pub struct Limited<Io> {
    io: Io,
    _permit: OwnedSemaphorePermit,
    idle: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl<Io> Limited<Io> {
    /// Progress was made: the idle clock starts again.
    fn progressed(&mut self) {
        let next = Instant::now() + self.idle;
        self.deadline.as_mut().reset(next);
    }

    /// While waiting: the error that ends the connection once the idle time has passed.
    fn expired(&mut self, cx: &mut Context<'_>) -> Option<Error> {
        self.deadline
            .as_mut()
            .poll(cx)
            .is_ready()
            .then(|| Error::new(ErrorKind::TimedOut, "connection idle for too long"))
    }

    fn track<T>(&mut self, cx: &mut Context<'_>, polled: Poll<IoResult<T>>) -> Poll<IoResult<T>> {
        match polled {
            Poll::Ready(result) => {
                self.progressed();
                Poll::Ready(result)
            }
            Poll::Pending => match self.expired(cx) {
                Some(error) => Poll::Ready(Err(error)),
                None => Poll::Pending,
            },
        }
    }
}

impl<Io: AsyncRead + Unpin> AsyncRead for Limited<Io> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<IoResult<()>> {
        let polled = Pin::new(&mut self.io).poll_read(cx, buf);
        self.track(cx, polled)
    }
}

impl<Io: AsyncWrite + Unpin> AsyncWrite for Limited<Io> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<IoResult<usize>> {
        let polled = Pin::new(&mut self.io).poll_write(cx, buf);
        self.track(cx, polled)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<IoResult<()>> {
        let polled = Pin::new(&mut self.io).poll_flush(cx);
        self.track(cx, polled)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<IoResult<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<IoResult<usize>> {
        let polled = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.track(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}
