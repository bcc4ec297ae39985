//! The delivery pool: a queue of jobs ordered by when their next attempt is due, and
//! at most `MAX_WORKERS` threads working it.
//
// However many events are emitted, a worker makes one attempt at a time, so a job
// waiting for its retry holds no thread. Jobs beyond what the workers can take wait
// in the queue; none is dropped.
//
// Two of the unreliable sender's switches live here: a job picked for reordering
// is held aside until the next job's first attempt is over (or `MAX_HOLD`), and a
// retry may fall due on the emulator's clock as well as in real time.

use std::cmp::Ordering as CmpOrdering;
use std::collections::BinaryHeap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use super::super::times::{after, plus};
use super::courier::Courier;
use super::job::{Job, Next};

/// Most delivery threads per emulator.
pub(crate) const MAX_WORKERS: usize = 8;
/// Longest a job picked for reordering waits for a next job to overtake it.
pub(crate) const MAX_HOLD: Duration = Duration::from_secs(2);
/// How often a worker looks at the emulator's clock while a retry waits on it.
const CLOCK_POLL: Duration = Duration::from_millis(10);

/// A job in the queue, ordered by when its next attempt is due (earliest first),
/// then by arrival.
struct Queued {
    due: Instant,
    /// When it is also due on the emulator's clock, if that counts.
    due_on_clock: Option<OffsetDateTime>,
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
    /// A job held back by the reorder switch, and until when at most.
    held: Option<(Instant, Job)>,
}

/// The delivery queue and its workers.
pub(crate) struct Pool {
    state: Mutex<PoolState>,
    work: Condvar,
    courier: Arc<Courier>,
    stopped: Mutex<bool>,
    stop_signal: Condvar,
}

impl Pool {
    pub(super) fn new(courier: Arc<Courier>) -> Pool {
        Pool {
            state: Mutex::default(),
            work: Condvar::new(),
            courier,
            stopped: Mutex::new(false),
            stop_signal: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, PoolState> {
        // Every change is a push, a pop or a counter step; a panic cannot tear them.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Cancels pending retries and wakes every worker to see it; first attempts
    /// still go out.
    pub(super) fn stop(&self) {
        *self.stopped.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.stop_signal.notify_all();
        let _guard = self.lock();
        self.work.notify_all();
    }

    fn is_stopped(&self) -> bool {
        *self.stopped.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sleeps `d` of real time; `false` if the emulator stopped meanwhile.
    fn sleep(&self, d: Duration) -> bool {
        let deadline = after(d);
        let mut stopped = self.stopped.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if *stopped {
                return false;
            }
            let now = Instant::now();
            if now >= deadline {
                return true;
            }
            stopped = self
                .stop_signal
                .wait_timeout(stopped, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

fn push(state: &mut PoolState, due: Instant, job: Job) {
    push_on(state, due, None, job);
}

fn push_on(state: &mut PoolState, due: Instant, due_on_clock: Option<OffsetDateTime>, job: Job) {
    state.seq += 1;
    let seq = state.seq;
    state.queue.push(Queued {
        due,
        due_on_clock,
        seq,
        job,
    });
}

/// Queues a retry: due after the retry interval, and also when the emulator's
/// clock passed the interval since the last attempt, if the clock counts.
fn push_retry(courier: &Courier, state: &mut PoolState, job: Job) {
    let interval = courier.settings.retry_interval;
    let on_clock = courier.settings.retry_on_clock.then(|| {
        let last = job.last_sent_at();
        let interval = time::Duration::try_from(interval).unwrap_or(time::Duration::MAX);
        plus(last, interval)
    });
    push_on(state, after(interval), on_clock, job);
}

/// Takes the job to attempt now, if any: the earliest due in real time, else the
/// first due on the emulator's clock.
fn pop_ready(
    state: &mut PoolState,
    now: Instant,
    clock: impl Fn() -> OffsetDateTime,
) -> Option<Job> {
    if state.queue.peek().is_some_and(|q| q.due <= now) {
        return state.queue.pop().map(|q| q.job);
    }
    if !state.queue.iter().any(|q| q.due_on_clock.is_some()) {
        return None;
    }
    let clock_now = clock();
    let mut all = std::mem::take(&mut state.queue).into_vec();
    let ready = all
        .iter()
        .enumerate()
        .filter(|(_, q)| q.due_on_clock.is_some_and(|t| t <= clock_now))
        .min_by_key(|(_, q)| (q.due_on_clock, q.seq))
        .map(|(i, _)| i);
    let job = ready.map(|i| all.swap_remove(i).job);
    state.queue = all.into();
    job
}

/// How long a worker may sleep before something may be due.
fn next_wake(state: &PoolState, now: Instant) -> Option<Duration> {
    let mut wait = state
        .queue
        .peek()
        .map(|q| q.due.saturating_duration_since(now));
    if let Some((until, _)) = &state.held {
        let held = until.saturating_duration_since(now);
        wait = Some(wait.map_or(held, |w| w.min(held)));
    }
    if state.queue.iter().any(|q| q.due_on_clock.is_some()) {
        wait = Some(wait.map_or(CLOCK_POLL, |w| w.min(CLOCK_POLL)));
    }
    wait
}

/// Queues a job's first attempt, starting a worker if none is free and fewer than
/// [`MAX_WORKERS`] run. With `hold`, the job waits aside until the next job's first
/// attempt is over (at most [`MAX_HOLD`]); a job already held is released first.
pub(super) fn enqueue(pool: &Arc<Pool>, mut job: Job, hold: bool) {
    let mut state = pool.lock();
    let now = Instant::now();
    if hold {
        if let Some((_, earlier)) = state.held.take() {
            push(&mut state, now, earlier);
        }
        state.held = Some((after(MAX_HOLD), job));
    } else {
        if let Some((_, held)) = state.held.take() {
            job.then = Some(Box::new(held));
        }
        push(&mut state, now, job);
    }
    let waiting = state.queue.len() + usize::from(state.held.is_some());
    let free = state.workers - state.busy;
    if waiting > free && state.workers < MAX_WORKERS {
        let worker = pool.clone();
        let spawned = std::thread::Builder::new()
            .name("revolut-emulator-delivery".into())
            .spawn(move || work(&worker));
        if spawned.is_ok() {
            state.workers += 1;
        } else if state.workers == 0 {
            // No thread at all: deliver right here, slower but never lost (and
            // nothing is held: no worker would release it).
            if let Some((_, held)) = state.held.take() {
                push(&mut state, now, held);
            }
            drop(state);
            run_here(pool);
            return;
        }
    }
    pool.work.notify_one();
}

/// Runs every queued job to its end on the calling thread.
fn run_here(pool: &Pool) {
    loop {
        let Some(queued) = pool.lock().queue.pop() else {
            return;
        };
        let wait = queued.due.saturating_duration_since(Instant::now());
        if !queued.job.untried() && !pool.sleep(wait) {
            cancel(queued.job);
            continue;
        }
        let mut job = queued.job;
        let then = job.then.take();
        match job.attempt(&pool.courier) {
            Next::Retry(job) => push_retry(&pool.courier, &mut pool.lock(), job),
            Next::Again(job) => push(&mut pool.lock(), Instant::now(), job),
            Next::Finished => {}
        }
        if let Some(then) = then {
            push(&mut pool.lock(), Instant::now(), *then);
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
fn work(pool: &Pool) {
    let mut me = Worker { pool, busy: false };
    loop {
        let job = {
            let mut state = pool.lock();
            loop {
                let now = Instant::now();
                if state.held.as_ref().is_some_and(|(until, _)| *until <= now) || pool.is_stopped()
                {
                    // Held long enough (or stopping): it goes out like any first attempt.
                    if let Some((_, held)) = state.held.take() {
                        push(&mut state, now, held);
                    }
                }
                if pool.is_stopped() {
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
                if let Some(job) = pop_ready(&mut state, now, || pool.courier.store.now()) {
                    // Counted busy under the same lock, so `enqueue` never
                    // mistakes this worker for a free one.
                    state.busy += 1;
                    me.busy = true;
                    break Some(job);
                }
                state = match next_wake(&state, now) {
                    Some(wait) => {
                        pool.work
                            .wait_timeout(state, wait)
                            .unwrap_or_else(|e| e.into_inner())
                            .0
                    }
                    None => pool.work.wait(state).unwrap_or_else(|e| e.into_inner()),
                };
            }
        };
        let (next, then) = match job {
            Some(mut job) => {
                let then = job.then.take();
                (Some(job.attempt(&pool.courier)), then)
            }
            None => (None, None),
        };
        let mut state = pool.lock();
        state.busy -= 1;
        me.busy = false;
        match next {
            Some(Next::Retry(job)) => push_retry(&pool.courier, &mut state, job),
            Some(Next::Again(job)) => push(&mut state, Instant::now(), job),
            _ => {}
        }
        // The held job goes out once the one that overtook it was tried.
        if let Some(then) = then {
            push(&mut state, Instant::now(), *then);
        }
        pool.work.notify_all();
    }
}
