//! One link per target and credentials, reused across collectors and
//! scrapes, kept alive while in use and closed once idle.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ipmi_core::PrivilegeLevel;
use prometheus_client::metrics::gauge::Gauge;
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

use crate::collector::Cached;
use crate::config::Module;
use crate::link::{Link, Target};

/// How long a keepalive or a Close Session may take.
const MAINTENANCE_LIMIT: Duration = Duration::from_secs(1);

/// What makes two scrapes share a session.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SessionKey {
    target: Target,
    user: String,
    pass: String,
    privilege: PrivilegeLevel,
}

impl SessionKey {
    /// The key of `target` reached with `module`'s credentials.
    pub fn new(target: &Target, module: &Module) -> SessionKey {
        SessionKey {
            target: target.clone(),
            user: module.user.clone(),
            pass: module.pass.clone(),
            privilege: module.privilege_level(),
        }
    }
}

/// A session slot: the link, if open, and when it was last used.
#[derive(Debug)]
pub struct Slot {
    link: Option<Link>,
    cached: Cached,
    last_used: Instant,
    open: Gauge,
}

impl Slot {
    /// The open link, if any.
    pub fn link(&mut self) -> Option<&mut Link> {
        self.last_used = Instant::now();
        self.link.as_mut()
    }

    /// The open link, if any, and what the target keeps across scrapes.
    pub fn parts(&mut self) -> (Option<&mut Link>, &mut Cached) {
        self.last_used = Instant::now();
        (self.link.as_mut(), &mut self.cached)
    }

    /// Stores a newly opened link.
    pub fn set(&mut self, link: Link) {
        if self.link.replace(link).is_none() {
            self.open.inc();
        }
        self.last_used = Instant::now();
    }

    /// Drops the link (its Drop sends Close Session without waiting).
    pub fn discard(&mut self) {
        if self.link.take().is_some() {
            self.open.dec();
        }
    }

    fn take(&mut self) -> Option<Link> {
        let link = self.link.take();
        if link.is_some() {
            self.open.dec();
        }
        link
    }
}

/// The sessions of every target.
#[derive(Debug)]
pub struct Pool {
    slots: Mutex<HashMap<SessionKey, Arc<AsyncMutex<Slot>>>>,
    open: Gauge,
    idle_close: Duration,
}

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} as {:?}", self.target, self.user)
    }
}

impl Pool {
    /// A pool closing sessions unused for `idle_close`, counting open ones in `open`.
    pub fn new(open: Gauge, idle_close: Duration) -> Pool {
        Pool {
            slots: Mutex::new(HashMap::new()),
            open,
            idle_close,
        }
    }

    /// The slot of `key`, created empty if new (not locked yet).
    pub fn slot(&self, key: &SessionKey) -> Arc<AsyncMutex<Slot>> {
        let mut slots = self.slots.lock().unwrap();
        slots
            .entry(key.clone())
            .or_insert_with(|| {
                Arc::new(AsyncMutex::new(Slot {
                    link: None,
                    cached: Cached::default(),
                    last_used: Instant::now(),
                    open: self.open.clone(),
                }))
            })
            .clone()
    }

    /// Sends due keepalives and closes idle links; slots busy with a
    /// collection are left alone.
    pub async fn maintain(&self) {
        let slots: Vec<(SessionKey, Arc<AsyncMutex<Slot>>)> = self
            .slots
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (key, slot) in slots {
            let Ok(mut guard) = slot.clone().try_lock_owned() else {
                continue;
            };
            if guard.last_used.elapsed() >= self.idle_close {
                if let Some(link) = guard.take() {
                    link.close(MAINTENANCE_LIMIT).await;
                }
                self.forget(&key, &slot, guard);
            } else if let Some(link) = guard.link.as_mut() {
                if !link.keep_alive(MAINTENANCE_LIMIT).await {
                    guard.discard();
                }
            }
        }
    }

    /// Closes every link (at shutdown).
    pub async fn close_all(&self) {
        let slots: Vec<Arc<AsyncMutex<Slot>>> =
            self.slots.lock().unwrap().drain().map(|(_, v)| v).collect();
        for slot in slots {
            if let Ok(mut guard) = slot.try_lock_owned() {
                if let Some(link) = guard.take() {
                    link.close(MAINTENANCE_LIMIT).await;
                }
            }
        }
    }

    fn forget(&self, key: &SessionKey, slot: &Arc<AsyncMutex<Slot>>, guard: OwnedMutexGuard<Slot>) {
        let mut slots = self.slots.lock().unwrap();
        // Only if nobody picked the slot up meanwhile (we hold its lock,
        // and the map's clone plus ours are the only references).
        if Arc::strong_count(slot) <= 3 && guard.link.is_none() {
            slots.remove(key);
        }
    }
}
