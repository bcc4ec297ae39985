//! Opening the checkpoint's file: a regular file or nothing.
//!
//! The path is the user's, and may be hostile or a mistake: a symbolic link planted
//! to make this process write elsewhere, a FIFO that blocks any reader, a device
//! (`--state /dev/null` run as root must not replace the real one). So the type is
//! checked before opening, opening follows no link and never waits, and the type is
//! checked again on the opened file, which is what is read and written.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

use super::CheckpointError;

/// Opens `path` for reading and appending (`create`: creating it if missing), or
/// only for reading. `Ok(None)`: no such file and `create` is false.
pub(super) fn open(path: &Path, create: bool) -> Result<Option<File>, CheckpointError> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) => regular(path, &meta)?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if !create {
                return Ok(None);
            }
        }
        Err(source) => return Err(io_error("read", path, source)),
    }
    let mut options = OpenOptions::new();
    options.read(true);
    if create {
        options.append(true).create(true);
    }
    no_follow_no_wait(&mut options);
    let file = match options.open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound && !create => return Ok(None),
        Err(source) => {
            // Replaced by a link (or a FIFO, …) since it was looked at: say what it is.
            if let Ok(meta) = std::fs::symlink_metadata(path) {
                regular(path, &meta)?;
            }
            return Err(io_error(
                if create { "create" } else { "read" },
                path,
                source,
            ));
        }
    };
    let meta = file.metadata().map_err(|e| io_error("read", path, e))?;
    regular(path, &meta)?;
    Ok(Some(file))
}

/// Whether `path` still names `file`: not removed or replaced since it was opened.
#[cfg(unix)]
pub(super) fn still_named(path: &Path, file: &File) -> Result<bool, CheckpointError> {
    use std::os::unix::fs::MetadataExt;
    let opened = file.metadata().map_err(|e| io_error("read", path, e))?;
    match std::fs::symlink_metadata(path) {
        Ok(named) => Ok(named.dev() == opened.dev() && named.ino() == opened.ino()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(io_error("read", path, source)),
    }
}

/// Elsewhere an open file cannot be renamed over or removed (Windows), or there is
/// no identity to compare: the path is taken to name the file.
#[cfg(not(unix))]
pub(super) fn still_named(_path: &Path, _file: &File) -> Result<bool, CheckpointError> {
    Ok(true)
}

/// All of `file`, from its start.
pub(super) fn read_all(path: &Path, mut file: &File) -> Result<Vec<u8>, CheckpointError> {
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(|e| io_error("read", path, e))?;
    Ok(bytes)
}

fn regular(path: &Path, meta: &Metadata) -> Result<(), CheckpointError> {
    if meta.is_file() {
        return Ok(());
    }
    Err(CheckpointError::NotAFile {
        path: path.to_owned(),
        found: kind(meta),
    })
}

fn kind(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_symlink() {
        return "a symbolic link";
    }
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// `O_NOFOLLOW`: a link at the path is an error, not followed (so `create` cannot make
/// a file wherever a planted link points). `O_NONBLOCK`: opening a FIFO does not wait
/// for a writer; on a regular file, the only kind kept open, it changes nothing.
#[cfg(unix)]
fn no_follow_no_wait(options: &mut OpenOptions) {
    use std::os::unix::fs::OpenOptionsExt;
    options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
}

#[cfg(not(unix))]
fn no_follow_no_wait(_options: &mut OpenOptions) {}

pub(super) fn io_error(action: &'static str, path: &Path, source: io::Error) -> CheckpointError {
    CheckpointError::Io {
        action,
        path: path.to_owned(),
        source,
    }
}
