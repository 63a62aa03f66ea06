//! SIGINT, SIGTERM and SIGHUP stop a `run` the same way: the running jobs stop at their next
//! step, every completed run is kept, the report of the completed runs is written, and the
//! process exits with status 128 + the signal number (130, 143, 129) — what Slurm's
//! `scancel` / time limit (SIGTERM) and a closed terminal (SIGHUP) send, not only Ctrl-C.
//!
//! The handler only stores the signal number in an atomic (async-signal-safe); a watcher
//! thread turns it into the grid's cancel flag. A second signal of any of the three while the
//! first is being handled restores the default action and re-raises it, so a user can still
//! force an exit.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Arc;
use std::time::Duration;

static RECEIVED: AtomicI32 = AtomicI32::new(0);

const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

extern "C" fn on_signal(sig: libc::c_int) {
    if RECEIVED
        .compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst)
        .is_err()
    {
        // Second signal: default action (terminate) now.
        unsafe {
            libc::signal(sig, libc::SIG_DFL);
            libc::raise(sig);
        }
    }
}

/// Install the handlers and a watcher that sets `cancel` once one of the signals arrives.
/// Returns false if a handler could not be installed (the signals then keep their default
/// action).
pub fn install(cancel: Arc<AtomicBool>) -> bool {
    let mut ok = true;
    for &sig in &SIGNALS {
        // SAFETY: `on_signal` is an `extern "C" fn(c_int)` that only touches an atomic and,
        // on a second signal, calls the async-signal-safe `signal` and `raise`.
        let prev = unsafe { libc::signal(sig, on_signal as *const () as libc::sighandler_t) };
        ok &= prev != libc::SIG_ERR;
    }
    std::thread::spawn(move || loop {
        if RECEIVED.load(Ordering::SeqCst) != 0 {
            cancel.store(true, Ordering::SeqCst);
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    });
    ok
}

/// The signal received, if any (its number).
pub fn received() -> Option<i32> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// Exit status for an interrupted run: 128 + the signal (130 when none is recorded, e.g. a
/// cancellation from elsewhere).
pub fn exit_status() -> u8 {
    received()
        .and_then(|s| u8::try_from(128 + s).ok())
        .unwrap_or(130)
}
