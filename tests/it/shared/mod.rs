//! The shared state (token store and rate budget), once per mode and once per engine
//! (the cases are in `cases.rs`): file, and PostgreSQL with the `postgres` feature.

pub(crate) mod strict;

#[cfg(feature = "blocking")]
mod locks;
#[cfg(all(feature = "postgres", feature = "blocking"))]
mod pg_faults;

#[cfg(feature = "blocking")]
mod blocking;
#[cfg(feature = "async")]
mod nonblocking;

use std::path::PathBuf;

use revolut_webhooks::shared_state::SharedState;

/// Where a test's store lives; every `open` is another process's handle on it.
pub(crate) enum Place {
    File(PathBuf),
    #[cfg(feature = "postgres")]
    Postgres(String),
}

impl Place {
    pub(crate) fn file(name: &str) -> Place {
        let dir = std::env::temp_dir().join(format!(
            "rw-shared-it-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::UNIX_EPOCH
                .elapsed()
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Place::File(dir.join("state.json"))
    }

    #[cfg(feature = "postgres")]
    pub(crate) fn postgres() -> Place {
        Place::Postgres(crate::pg_cluster::database())
    }

    pub(crate) fn open(&self) -> SharedState {
        match self {
            Place::File(path) => SharedState::file(path).unwrap(),
            #[cfg(feature = "postgres")]
            Place::Postgres(url) => SharedState::postgres(url).unwrap(),
        }
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        if let Place::File(path) = self
            && let Some(dir) = path.parent()
        {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
