//! A small in-process read-through cache with a time-to-live, for catalogue reads that many
//! shoppers repeat (list pages, product pages, the category tree). Writers call `clear`;
//! other instances see changes within the TTL. Concurrent misses on one key load it once
//! (single flight), so an expired hot page does not send a stampede to the database.

use std::{
    collections::HashMap,
    hash::Hash,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

pub struct TtlCache<K, V> {
    ttl: Duration,
    max_entries: usize,
    entries: Mutex<HashMap<K, (Instant, V)>>,
    in_flight: Mutex<HashMap<K, Arc<tokio::sync::Mutex<()>>>>,
}

impl<K: Hash + Eq + Clone, V: Clone> TtlCache<K, V> {
    /// A `ttl` of zero disables caching.
    pub fn new(ttl: Duration, max_entries: usize) -> Self {
        Self {
            ttl,
            max_entries: max_entries.max(1),
            entries: Mutex::new(HashMap::new()),
            in_flight: Mutex::new(HashMap::new()),
        }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|(stored, _)| stored.elapsed() < self.ttl)
            .map(|(_, v)| v.clone())
    }

    pub fn put(&self, key: K, value: V) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.max_entries {
            entries.retain(|_, (stored, _)| stored.elapsed() < self.ttl);
            if entries.len() >= self.max_entries {
                // Still full of live entries: start over rather than track recency on every read.
                entries.clear();
            }
        }
        entries.insert(key, (Instant::now(), value));
    }

    /// Returns the cached value or loads, stores and returns a fresh one. Errors are not cached.
    pub async fn get_or_load<E, F>(&self, key: K, load: F) -> Result<V, E>
    where
        F: Future<Output = Result<V, E>>,
    {
        if self.ttl.is_zero() {
            return load.await;
        }
        if let Some(hit) = self.get(&key) {
            return Ok(hit);
        }
        let gate = {
            let mut in_flight = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
            in_flight.entry(key.clone()).or_default().clone()
        };
        let _turn = gate.lock().await;
        // Whoever held the gate before us may have loaded it already.
        if let Some(hit) = self.get(&key) {
            return Ok(hit);
        }
        let loaded = load.await;
        if let Ok(value) = &loaded {
            self.put(key.clone(), value.clone());
        }
        self.in_flight.lock().unwrap_or_else(|e| e.into_inner()).remove(&key);
        loaded
    }

    pub fn clear(&self) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hits_expire_and_clear() {
        let cache = TtlCache::new(Duration::from_secs(60), 10);
        assert_eq!(cache.get_or_load("a", async { Ok::<_, ()>(1) }).await.unwrap(), 1);
        assert_eq!(
            cache.get_or_load("a", async { Ok::<_, ()>(2) }).await.unwrap(),
            1,
            "served from cache"
        );
        cache.clear();
        assert_eq!(cache.get(&"a"), None);

        let short = TtlCache::new(Duration::from_millis(20), 10);
        short.put("a", 1);
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert_eq!(
            short.get_or_load("a", async { Ok::<_, ()>(3) }).await.unwrap(),
            3,
            "expired"
        );
    }

    #[tokio::test]
    async fn zero_ttl_disables_and_errors_are_not_cached() {
        let off = TtlCache::new(Duration::ZERO, 10);
        off.put("a", 1);
        assert_eq!(off.get(&"a"), None);
        let cache: TtlCache<&str, i32> = TtlCache::new(Duration::from_secs(60), 10);
        assert!(cache.get_or_load("a", async { Err::<i32, _>("boom") }).await.is_err());
        assert_eq!(cache.get(&"a"), None);
    }

    #[tokio::test]
    async fn concurrent_misses_load_once() {
        let cache = Arc::new(TtlCache::new(Duration::from_secs(60), 10));
        let loads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let (cache, loads) = (cache.clone(), loads.clone());
                tokio::spawn(async move {
                    cache
                        .get_or_load("hot", async {
                            loads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            Ok::<_, ()>(7)
                        })
                        .await
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap(), Ok(7));
        }
        assert_eq!(loads.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[test]
    fn bounded_size() {
        let cache = TtlCache::new(Duration::from_secs(60), 3);
        for i in 0..10 {
            cache.put(i, i);
        }
        assert!(cache.entries.lock().unwrap().len() <= 3);
        assert_eq!(cache.get(&9), Some(9));
    }
}
