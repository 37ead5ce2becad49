//! The Redis connection the job queue uses, with apalis-redis's one fixed key moved under
//! `redis.key_prefix`.
//!
//! apalis-redis 1.0 keeps a registry of queue names at `core:apalis:queues:list`, named inside
//! two of its Lua scripts and one command, where no setting reaches it. This connection
//! rewrites that key to `<prefix>:apalis:queues:list` on the way out: in a plain command's
//! arguments, and in a script's text when the script is loaded. Scripts are called by their
//! SHA1 (`EVALSHA`), which redis-rs answers a `NOSCRIPT` by loading the script and calling
//! again; so the first call of each script in this process is answered `NOSCRIPT` here, the
//! load that follows is rewritten, and later calls go to the rewritten script's SHA1. (Sent
//! as it is, the first call could reach the original, unprefixed script that another process
//! loaded into the server's script cache.)

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
};

use redis::{
    Arg, Cmd, ErrorKind, RedisError, RedisFuture, ServerErrorKind, Value,
    aio::{ConnectionLike, ConnectionManager},
};
use sha1::{Digest, Sha1};

/// The key apalis-redis 1.0 writes outside any prefix.
const FIXED_REGISTRY_KEY: &[u8] = b"core:apalis:queues:list";

/// A `ConnectionManager` that keeps every key apalis writes under the configured prefix;
/// cheap to clone (clones share the script table).
#[derive(Clone)]
pub struct NamespacedConnection {
    inner: ConnectionManager,
    registry_key: Arc<[u8]>,
    /// The SHA1 apalis calls a script by → the SHA1 to call instead (the rewritten script's,
    /// or the same when the script needed no rewriting). A script absent here is not yet
    /// loaded by this process.
    scripts: Arc<Mutex<HashMap<Vec<u8>, Vec<u8>>>>,
}

/// What to do with one outgoing command.
enum Outgoing {
    AsIs,
    Send(Cmd),
    /// A script this process has not loaded: answer `NOSCRIPT` so that the caller loads it.
    NotLoaded,
    /// `SCRIPT LOAD` of a script: send `load`, remember the server's SHA1 for `original_sha`.
    Load {
        original_sha: Vec<u8>,
        load: Cmd,
    },
}

impl NamespacedConnection {
    pub fn new(inner: ConnectionManager, prefix: &str) -> Self {
        Self {
            inner,
            registry_key: format!("{prefix}:apalis:queues:list").into_bytes().into(),
            scripts: Arc::default(),
        }
    }

    fn scripts(&self) -> std::sync::MutexGuard<'_, HashMap<Vec<u8>, Vec<u8>>> {
        self.scripts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn outgoing(&self, cmd: &Cmd) -> Outgoing {
        // A command with a cursor (SCAN and the like) names no apalis key; it goes as it is.
        let args: Option<Vec<&[u8]>> = cmd
            .args_iter()
            .map(|arg| match arg {
                Arg::Simple(bytes) => Some(bytes),
                _ => None,
            })
            .collect();
        let Some(args) = args else {
            return Outgoing::AsIs;
        };
        let Some(name) = args.first() else {
            return Outgoing::AsIs;
        };
        if name.eq_ignore_ascii_case(b"EVALSHA") && args.len() > 1 {
            return match self.scripts().get(args[1]) {
                None => Outgoing::NotLoaded,
                Some(sha) if sha.as_slice() == args[1] => Outgoing::AsIs,
                Some(sha) => Outgoing::Send(rebuilt(&args, |i, arg| if i == 1 { sha } else { arg })),
            };
        }
        if name.eq_ignore_ascii_case(b"SCRIPT") && args.len() == 3 && args[1].eq_ignore_ascii_case(b"LOAD") {
            let body = replace(args[2], FIXED_REGISTRY_KEY, &self.registry_key);
            let load = rebuilt(&args, |i, arg| if i == 2 { &body } else { arg });
            return Outgoing::Load {
                original_sha: hex::encode(Sha1::digest(args[2])).into_bytes(),
                load,
            };
        }
        if args.contains(&FIXED_REGISTRY_KEY) {
            let key: &[u8] = &self.registry_key;
            return Outgoing::Send(rebuilt(
                &args,
                |_, arg| {
                    if arg == FIXED_REGISTRY_KEY { key } else { arg }
                },
            ));
        }
        Outgoing::AsIs
    }
}

/// A command made of `args`, each passed through `pick(index, arg)`.
fn rebuilt<'a>(args: &[&'a [u8]], pick: impl Fn(usize, &'a [u8]) -> &'a [u8]) -> Cmd {
    let mut cmd = Cmd::new();
    for (i, arg) in args.iter().enumerate() {
        cmd.arg(pick(i, arg));
    }
    cmd
}

/// `text` with every `from` replaced by `to`.
fn replace(text: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.windows(from.len()).position(|w| w == from) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(to);
        rest = &rest[at + from.len()..];
    }
    out.extend_from_slice(rest);
    out
}

impl ConnectionLike for NamespacedConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        Box::pin(async move {
            match self.outgoing(cmd) {
                Outgoing::AsIs => self.inner.req_packed_command(cmd).await,
                Outgoing::Send(rewritten) => self.inner.req_packed_command(&rewritten).await,
                Outgoing::NotLoaded => Err(RedisError::from((
                    ErrorKind::Server(ServerErrorKind::NoScript),
                    "NOSCRIPT",
                    "not yet loaded by this process".to_owned(),
                ))),
                Outgoing::Load { original_sha, load } => {
                    let answer = self.inner.req_packed_command(&load).await?;
                    let Value::BulkString(sha) = answer else {
                        return Ok(answer);
                    };
                    self.scripts().insert(original_sha.clone(), sha);
                    // The caller checks the SHA1 of what it asked to load.
                    Ok(Value::BulkString(original_sha))
                }
            }
        })
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a redis::Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        // apalis-redis sends no pipelines; ours hold no apalis keys.
        self.inner.req_packed_commands(pipeline, offset, count)
    }

    fn get_db(&self) -> i64 {
        self.inner.get_db()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_every_occurrence_and_nothing_else() {
        assert_eq!(
            replace(
                b"zadd core:apalis:queues:list x; zrange core:apalis:queues:list",
                FIXED_REGISTRY_KEY,
                b"p:q"
            ),
            b"zadd p:q x; zrange p:q"
        );
        assert_eq!(
            replace(b"core:apalis:queues", FIXED_REGISTRY_KEY, b"p:q"),
            b"core:apalis:queues"
        );
    }
}
