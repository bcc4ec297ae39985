//! The delivery pool: a queue of jobs ordered by when their next attempt is due, and
//! at most `MAX_WORKERS` threads working it.
//
// However many events are emitted, a worker makes one attempt at a time, so a job
// waiting for its retry holds no thread. Jobs beyond what the workers can take wait
// in the queue; none is dropped.

use std::cmp::Ordering as CmpOrdering;
use std::collections::BinaryHeap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Instant;

use super::super::times::after;
use super::Deliverer;
use super::job::{Job, Next};

/// Most delivery threads per emulator.
pub(crate) const MAX_WORKERS: usize = 8;

/// A job in the queue, ordered by when its next attempt is due (earliest first),
/// then by arrival.
struct Queued {
    due: Instant,
    seq: u64,
    job: Job,
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == CmpOrdering::Equal
    }
}

impl Eq for Queued {}

impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}

impl Ord for Queued {
    // Reversed: `BinaryHeap` is a max-heap, and the earliest due job must come first.
    fn cmp(&self, other: &Self) -> CmpOrdering {
        (other.due, other.seq).cmp(&(self.due, self.seq))
    }
}

#[derive(Default)]
struct PoolState {
    queue: BinaryHeap<Queued>,
    seq: u64,
    workers: usize,
    busy: usize,
}

/// The delivery queue and its workers.
#[derive(Default)]
pub(crate) struct Pool {
    state: Mutex<PoolState>,
    work: Condvar,
}

impl Pool {
    fn lock(&self) -> MutexGuard<'_, PoolState> {
        // Every change is a push, a pop or a counter step; a panic cannot tear them.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wakes every worker, to see that the emulator stopped.
    pub(crate) fn wake_all(&self) {
        let _guard = self.lock();
        self.work.notify_all();
    }
}

fn push(state: &mut PoolState, due: Instant, job: Job) {
    state.seq += 1;
    let seq = state.seq;
    state.queue.push(Queued { due, seq, job });
}

/// Queues a job's first attempt, starting a worker if none is free and fewer than
/// [`MAX_WORKERS`] run.
pub(super) fn enqueue(deliverer: &Arc<Deliverer>, job: Job) {
    let pool = &deliverer.pool;
    let mut state = pool.lock();
    push(&mut state, Instant::now(), job);
    let free = state.workers - state.busy;
    if state.queue.len() > free && state.workers < MAX_WORKERS {
        let worker = deliverer.clone();
        let spawned = std::thread::Builder::new()
            .name("revolut-emulator-delivery".into())
            .spawn(move || work(&worker));
        if spawned.is_ok() {
            state.workers += 1;
        } else if state.workers == 0 {
            // No thread at all: deliver right here, slower but never lost.
            drop(state);
            run_here(deliverer);
            return;
        }
    }
    pool.work.notify_one();
}

/// Runs every queued job to its end on the calling thread.
fn run_here(deliverer: &Deliverer) {
    loop {
        let Some(queued) = deliverer.pool.lock().queue.pop() else {
            return;
        };
        let wait = queued.due.saturating_duration_since(Instant::now());
        if !queued.job.untried() && !deliverer.sleep(wait) {
            cancel(queued.job);
            continue;
        }
        if let Next::Retry(job) = queued.job.attempt(deliverer) {
            push(
                &mut deliverer.pool.lock(),
                after(deliverer.settings.retry_interval),
                job,
            );
        }
    }
}

fn cancel(job: Job) {
    // Its report says `Cancelled` with the attempts made so far.
    let _ = job.finish();
}

/// Keeps the pool's counts right when a worker ends, even by a panic.
struct Worker<'a> {
    pool: &'a Pool,
    busy: bool,
}

impl Drop for Worker<'_> {
    fn drop(&mut self) {
        let mut state = self.pool.lock();
        state.workers -= 1;
        if self.busy {
            state.busy -= 1;
        }
    }
}

/// A worker: takes the earliest due job, makes one attempt, requeues a retry;
/// ends once the emulator stopped and no first attempt is left.
fn work(deliverer: &Deliverer) {
    let pool = &deliverer.pool;
    let mut me = Worker { pool, busy: false };
    loop {
        let job = {
            let mut state = pool.lock();
            loop {
                let now = Instant::now();
                if deliverer.is_stopped() {
                    // Retries are cancelled; first attempts still go out.
                    let jobs: Vec<Job> = std::mem::take(&mut state.queue)
                        .into_iter()
                        .map(|q| q.job)
                        .collect();
                    let (untried, retries): (Vec<Job>, Vec<Job>) =
                        jobs.into_iter().partition(Job::untried);
                    for job in untried {
                        push(&mut state, now, job);
                    }
                    drop(state);
                    retries.into_iter().for_each(cancel);
                    state = pool.lock();
                    if state.queue.is_empty() {
                        return;
                    }
                }
                match state.queue.peek().map(|q| q.due) {
                    Some(due) if due <= now => {
                        let job = state.queue.pop().map(|q| q.job);
                        // Counted busy under the same lock, so `enqueue` never
                        // mistakes this worker for a free one.
                        state.busy += 1;
                        me.busy = true;
                        break job;
                    }
                    Some(due) => {
                        state = pool
                            .work
                            .wait_timeout(state, due - now)
                            .unwrap_or_else(|e| e.into_inner())
                            .0;
                    }
                    None => {
                        state = pool.work.wait(state).unwrap_or_else(|e| e.into_inner());
                    }
                }
            }
        };
        let next = job.map(|job| job.attempt(deliverer));
        let mut state = pool.lock();
        state.busy -= 1;
        me.busy = false;
        if let Some(Next::Retry(job)) = next {
            push(&mut state, after(deliverer.settings.retry_interval), job);
            pool.work.notify_one();
        }
    }
}
