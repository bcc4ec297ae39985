//! Accepting connections and reading their requests, each on a reader thread of its
//! own and a bounded number at a time: a slow or idle sender holds one reader until
//! its deadline, never the listener. Each request read goes, as it completes, to the
//! one thread that verifies, forwards and prints (so lines never interleave).

use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use super::wire::{Answer, Request, read_request};

/// The most connections read at once; the next ones wait in the kernel's backlog
/// until a reader is free (at the latest one deadline later).
const MAX_READERS: usize = 16;

/// A connection whose request was read (or refused while reading).
pub(super) struct Arrival {
    pub(super) stream: TcpStream,
    pub(super) read: Result<Request, Answer>,
}

/// Starts accepting on `listener`; each request must arrive within `deadline` of
/// its reader taking it.
pub(super) fn spawn(
    listener: TcpListener,
    deadline: Duration,
) -> std::io::Result<Receiver<Arrival>> {
    let (tx, rx) = mpsc::channel();
    let free = Arc::new(Readers::new(MAX_READERS));
    thread::Builder::new()
        .name("listen-accept".into())
        .spawn(move || {
            for stream in listener.incoming() {
                // A connection that failed before it was accepted is the sender's problem.
                let Ok(mut stream) = stream else { continue };
                free.take();
                let (tx, done) = (tx.clone(), free.clone());
                let spawned = thread::Builder::new()
                    .name("listen-read".into())
                    .spawn(move || {
                        let read = read_request(&mut stream, Instant::now() + deadline);
                        done.give_back();
                        // The printing thread is gone only when listen is ending.
                        let _ = tx.send(Arrival { stream, read });
                    });
                if spawned.is_err() {
                    // No thread: the connection is dropped (closed), its slot freed.
                    free.give_back();
                }
            }
        })?;
    Ok(rx)
}

/// A counting semaphore of free readers.
struct Readers {
    free: Mutex<usize>,
    freed: Condvar,
}

impl Readers {
    fn new(n: usize) -> Readers {
        Readers {
            free: Mutex::new(n),
            freed: Condvar::new(),
        }
    }

    /// Waits for a free reader and takes it.
    fn take(&self) {
        // A count is whole even if a holder panicked: poison is ignored.
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        while *free == 0 {
            free = self
                .freed
                .wait(free)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *free -= 1;
    }

    fn give_back(&self) {
        *self.free.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        self.freed.notify_one();
    }
}
