//! Single-flight collections: concurrent scrapes of one target and module
//! share one collection, which publishes each collector's result as it
//! finishes, so a scrape whose deadline comes first still answers with
//! what is done.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use ipmi_core::Deadline;
use tokio::sync::watch;

use crate::collector::{collect, CollectError, CollectorName, Context};
use crate::config::Module;
use crate::link::{Link, Target};
use crate::metric::Sample;
use crate::selfmetrics::SelfMetrics;
use crate::sessions::{Pool, SessionKey};

/// One collector's result.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Its `ipmi_up`.
    pub up: bool,
    /// Its samples (empty when down).
    pub samples: Vec<Sample>,
}

/// A collection's state: the collectors finished so far.
#[derive(Clone, Debug, Default)]
pub struct Progress {
    /// Finished collectors, in run order.
    pub done: Vec<(CollectorName, Outcome)>,
    /// No more results will come.
    pub finished: bool,
}

impl Progress {
    /// The result of `name`, if it finished.
    pub fn get(&self, name: CollectorName) -> Option<&Outcome> {
        self.done.iter().find(|(n, _)| *n == name).map(|(_, o)| o)
    }
}

type FlightKey = (Target, String);

/// A running collection: its id and where its progress shows.
type Running = (u64, watch::Receiver<Arc<Progress>>);

/// The collections in flight.
#[derive(Debug)]
pub struct Flights {
    running: Mutex<HashMap<FlightKey, Running>>,
    next_id: AtomicU64,
    pool: Pool,
    metrics: SelfMetrics,
}

impl Flights {
    /// Collections over `pool`'s sessions, counted in `metrics`.
    pub fn new(pool: Pool, metrics: SelfMetrics) -> Flights {
        Flights {
            running: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
            pool,
            metrics,
        }
    }

    /// The session pool.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The results for `target` with module `module_name` available at
    /// `deadline`: joins the collection in flight, or starts one bounded
    /// by `deadline`.
    pub async fn scrape(
        self: &Arc<Self>,
        target: Target,
        module_name: &str,
        module: Arc<Module>,
        deadline: Deadline,
    ) -> Arc<Progress> {
        let key = (target, module_name.to_string());
        let mut rx = {
            let mut running = self.running.lock().unwrap();
            match running.get(&key) {
                Some((_, rx)) => rx.clone(),
                None => {
                    let id = self.next_id.fetch_add(1, Ordering::Relaxed);
                    let (tx, rx) = watch::channel(Arc::new(Progress::default()));
                    running.insert(key.clone(), (id, rx.clone()));
                    let me = self.clone();
                    tokio::spawn(async move { me.run(key, id, module, deadline, tx).await });
                    rx
                }
            }
        };
        loop {
            if rx.borrow_and_update().finished {
                break;
            }
            tokio::select! {
                changed = rx.changed() => if changed.is_err() { break },
                _ = tokio::time::sleep_until(deadline.instant().into()) => break,
            }
        }
        let progress = rx.borrow().clone();
        progress
    }

    async fn run(
        self: Arc<Self>,
        key: FlightKey,
        id: u64,
        module: Arc<Module>,
        deadline: Deadline,
        tx: watch::Sender<Arc<Progress>>,
    ) {
        self.metrics.in_flight.inc();
        let mut progress = Progress::default();
        let slot = self.pool.slot(&SessionKey::new(&key.0, &module));
        let until = deadline.instant().into();
        if let Ok(mut slot) = tokio::time::timeout_at(until, slot.lock_owned()).await {
            let ctx = Context {
                deadline,
                exclude_sensor_ids: module.exclude_sensor_ids.clone(),
            };
            for &name in &module.collectors {
                if deadline.is_expired(Instant::now()) {
                    break;
                }
                let start = Instant::now();
                let result = tokio::time::timeout_at(until, async {
                    if slot.link().is_none() {
                        match Link::open(&key.0, &module, deadline).await {
                            Ok(link) => slot.set(link),
                            Err(e) => return Err(e.into()),
                        }
                    }
                    let (link, cached) = slot.parts();
                    let link = link.expect("opened above");
                    let mut samples = Vec::new();
                    collect(name, link, &ctx, cached, &mut samples)
                        .await
                        .map(|_| samples)
                })
                .await;
                self.metrics
                    .observe_collection(name, start.elapsed().as_secs_f64());
                let outcome = match result {
                    Ok(Ok(samples)) => Outcome { up: true, samples },
                    Ok(Err(e)) => {
                        if e.is_timeout() {
                            self.metrics.deadline_hit(name);
                        }
                        if matches!(e, CollectError::NotImplemented(_)) {
                            tracing::debug!(collector = name.as_str(), "{e}");
                        } else {
                            tracing::warn!(target = ?key.0, collector = name.as_str(), "collector failed: {e}");
                        }
                        if e.breaks_session() {
                            slot.discard();
                        }
                        Outcome {
                            up: false,
                            samples: Vec::new(),
                        }
                    }
                    Err(_) => {
                        tracing::warn!(target = ?key.0, collector = name.as_str(), "collector did not finish before the deadline");
                        slot.discard();
                        break;
                    }
                };
                progress.done.push((name, outcome));
                tx.send_replace(Arc::new(progress.clone()));
            }
        }
        for &name in &module.collectors {
            if progress.get(name).is_none() {
                // Cut at the deadline, or never reached before it.
                self.metrics.deadline_hit(name);
            }
        }
        {
            let mut running = self.running.lock().unwrap();
            if running.get(&key).is_some_and(|(i, _)| *i == id) {
                running.remove(&key);
            }
        }
        // Counted out before anyone can see the result, so that a scrape
        // answered with it never counts it as still running.
        self.metrics.in_flight.dec();
        progress.finished = true;
        tx.send_replace(Arc::new(progress));
    }
}
