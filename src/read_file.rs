//! Reading input files: one place for every file the crate reads (data, parameters,
//! weights, experiment configs, theorem cases, run records).
//!
//! * **Regular files only.** The path is resolved through symlinks and must name a regular
//!   file: a FIFO (which would block forever), a character or block device (`/dev/zero` is
//!   endless), a socket or a directory is an [`Error::Data`] naming the path and its kind,
//!   before anything is opened for reading. A missing or unreadable path is an
//!   [`Error::Io`] with the path. All of these exit with status 2 in the CLI.
//! * **Bounded.** The file's size is compared with the memory budget
//!   ([`crate::resources::memory_limit`]) before it is read, and the read itself stops one
//!   byte past the budget, so a file that grows while it is read cannot exhaust memory either.
//! * **Text** ([`read_text`], [`decode_text`]) must be UTF-8; a leading UTF-8 byte-order mark
//!   is removed. Invalid UTF-8 is an [`Error::Data`] naming the byte offset (from the start
//!   of the file) and the value of the first invalid byte.

use crate::error::{Error, Result};
use crate::resources::{memory_limit, reserve};
use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;

/// The UTF-8 byte-order mark.
const BOM: &str = "\u{feff}";

/// What a non-regular file is, for error messages.
fn kind_of(meta: &Metadata) -> &'static str {
    let ft = meta.file_type();
    if ft.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if ft.is_char_device() {
            return "a character device";
        }
        if ft.is_block_device() {
            return "a block device";
        }
        if ft.is_socket() {
            return "a socket";
        }
    }
    "not a file"
}

/// Error unless `meta` (of `path`, symlinks followed) describes a regular file.
fn require_regular(path: &Path, what: &str, meta: &Metadata) -> Result<()> {
    if meta.is_file() {
        return Ok(());
    }
    Err(Error::Data(format!(
        "{what} `{}` is {}, not a regular file",
        path.display(),
        kind_of(meta)
    )))
}

/// Open `path` for reading without blocking on a FIFO that appeared after the `stat`.
fn open(path: &Path) -> std::io::Result<File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK);
    }
    opts.open(path)
}

/// Check that `path` is a regular file that fits the memory budget, and return its size.
///
/// `what` names the file in messages (`"data file"`, `"parameter file"`, …).
fn check_regular_file(path: &Path, what: &str) -> Result<u64> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    require_regular(path, what, &meta)?;
    let len = meta.len();
    reserve(
        &format!("reading {what} `{}` ({len} bytes)", path.display()),
        u128::from(len),
    )?;
    Ok(len)
}

/// Read the whole of the regular file `path` (see the module docs); `what` names it in
/// messages.
pub fn read_bytes(path: &Path, what: &str) -> Result<Vec<u8>> {
    let len = check_regular_file(path, what)?;
    let file = open(path).map_err(|e| Error::io(path, e))?;
    // The path may have been replaced between the stat and the open: check the open file.
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    require_regular(path, what, &meta)?;
    let limit = memory_limit();
    let mut buf = Vec::with_capacity(usize::try_from(len.min(limit)).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| Error::io(path, e))?;
    if buf.len() as u64 > limit {
        return Err(Error::Config(format!(
            "{what} `{}` grew past the memory budget of {} while it was read",
            path.display(),
            crate::resources::show_bytes(u128::from(limit))
        )));
    }
    Ok(buf)
}

/// Read the regular file `path` as UTF-8 text, without a leading byte-order mark (see the
/// module docs); `what` names it in messages.
pub fn read_text(path: &Path, what: &str) -> Result<String> {
    let bytes = read_bytes(path, what)?;
    let mut text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        not_utf8(e.as_bytes(), at, &path.display().to_string())
    })?;
    if text.starts_with(BOM) {
        text.drain(..BOM.len());
    }
    Ok(text)
}

/// `bytes` as UTF-8 text without a leading byte-order mark; `source` names the input in the
/// [`Error::Data`] for invalid UTF-8 (which gives the offset and value of the first invalid
/// byte).
pub fn decode_text<'a>(bytes: &'a [u8], source: &str) -> Result<&'a str> {
    let text = std::str::from_utf8(bytes).map_err(|e| not_utf8(bytes, e.valid_up_to(), source))?;
    Ok(text.strip_prefix(BOM).unwrap_or(text))
}

/// The error for `bytes` that are valid UTF-8 only up to offset `at`.
fn not_utf8(bytes: &[u8], at: usize, source: &str) -> Error {
    let what = match bytes.get(at) {
        Some(b) => format!("byte 0x{b:02x} at offset {at}"),
        None => format!("a truncated character at offset {at}"),
    };
    Error::Data(format!(
        "{source}: not UTF-8 text ({what} is not valid UTF-8; save the file as UTF-8)"
    ))
}
