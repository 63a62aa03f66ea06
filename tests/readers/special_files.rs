//! Non-regular files (item 3) and exit statuses (item 4): a FIFO used to block forever and a
//! symlink to `/dev/zero` was read until memory ran out. Every loader now refuses both, and
//! directories, quickly and with the path and its kind; missing paths are I/O errors; and
//! the CLI exits with status 2 for all of them, for non-UTF-8 CSV and TOML, and for corrupt
//! gzip data.

use super::bounded::{gzip, idx1, idx3_header, idx_config};
use crate::common::{bin, write};
use implicit_bias::error::{Error, Result};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Run `f` on another thread; fail if it has not returned within 10 s (it is blocked).
fn within_10s<T: Send + 'static>(what: String, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(10))
        .unwrap_or_else(|_| panic!("{what}: no answer within 10 s (blocked reading?)"))
}

/// Run a command; kill it and fail after 30 s.
fn output_within_30s(mut cmd: Command) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(30) {
            child.kill().unwrap();
            panic!("{cmd:?}: no exit within 30 s (blocked reading?)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// Make a FIFO at `path` with `mkfifo`; `false` (after saying why) when mkfifo is absent.
fn mkfifo(path: &Path) -> bool {
    match Command::new("mkfifo").arg(path).status() {
        Ok(s) => {
            assert!(s.success(), "mkfifo {} failed", path.display());
            true
        }
        Err(e) => {
            eprintln!("SKIPPED the FIFO cases: cannot run mkfifo ({e})");
            false
        }
    }
}

/// A file-reading entry point, its result reduced to success or the error.
type Loader = fn(&Path) -> Result<()>;

/// Every file-reading entry point, with the extension it needs.
fn loaders() -> Vec<(&'static str, Loader)> {
    use implicit_bias::data;
    use implicit_bias::params_io::{load_params_file, load_weights};
    fn good_labels() -> PathBuf {
        super::fixtures().join("datasets/mnist/mnist-train-first2048-labels.idx1-ubyte.gz")
    }
    vec![
        ("csv", |p| data::load_csv(p).map(drop)),
        ("json", |p| data::load_json(p).map(drop)),
        ("csv", |p| data::load(p).map(drop)),
        ("idx3-ubyte", |p| {
            data::load_idx(p, good_labels(), false).map(drop)
        }),
        ("idx3-ubyte.gz", |p| {
            data::load_idx(p, good_labels(), false).map(drop)
        }),
        ("npy", |p| load_params_file(p).map(drop)),
        ("npz", |p| load_params_file(p).map(drop)),
        ("safetensors", |p| load_params_file(p).map(drop)),
        ("json", |p| load_params_file(p).map(drop)),
        ("txt", |p| load_weights(p).map(drop)),
        ("toml", |p| {
            implicit_bias::experiment::ExperimentConfig::load(p).map(drop)
        }),
        ("toml", |p| {
            implicit_bias::theorem_case::TheoremCase::load(p).map(drop)
        }),
    ]
}

/// Each loader on a FIFO, a symlink to /dev/zero, a directory (all `Error::Data` naming the
/// path and its kind) and a missing path (`Error::Io`): an answer within seconds, exit
/// status 2.
#[test]
fn every_loader_refuses_non_regular_files_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let have_fifo = mkfifo(&fifo);
    let sub = dir.path().join("subdir");
    std::fs::create_dir(&sub).unwrap();
    let mut targets: Vec<(&str, PathBuf, Option<&str>)> = vec![
        (
            "zero",
            PathBuf::from("/dev/zero"),
            Some("is a character device"),
        ),
        ("dir", sub, Some("is a directory")),
        ("missing", dir.path().join("does-not-exist"), None),
    ];
    if have_fifo {
        targets.push(("fifo", fifo, Some("is a FIFO (named pipe)")));
    }
    for (kind, target, expect) in targets {
        for (i, (ext, load)) in loaders().into_iter().enumerate() {
            let link = dir.path().join(format!("{kind}{i}.{ext}"));
            std::os::unix::fs::symlink(&target, &link).unwrap();
            let what = format!("{kind} as .{ext} (loader {i})");
            let l2 = link.clone();
            let err = within_10s(what.clone(), move || load(&l2)).unwrap_err();
            assert_eq!(err.exit_status(), 2, "{what}: {err}");
            let msg = err.to_string();
            assert!(msg.contains(&*link.display().to_string()), "{what}: {msg}");
            match expect {
                Some(e) => {
                    assert!(matches!(err, Error::Data(_)), "{what}: {err:?}");
                    assert!(
                        msg.contains(e) && msg.contains("not a regular file"),
                        "{what}: {msg}"
                    );
                }
                None => assert!(
                    matches!(&err, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound),
                    "{what}: {err:?}"
                ),
            }
        }
    }
}

/// A `run` config reading `data` (relative to the config directory) as CSV.
fn csv_config(data: &str) -> String {
    idx_config("x", "y").replace(
        "path = \"x\"\nlabels = \"y\"\nformat = \"idx\"",
        &format!("path = \"{data}\""),
    )
}

fn run_cmd(cfg: &Path, out: &Path) -> Command {
    let mut c = bin();
    c.arg("run").arg(cfg).arg("--out").arg(out).arg("--quiet");
    c
}

fn assert_exit_2(out: &Output, needles: &[&str], what: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{what}: {err}");
    for n in needles {
        assert!(err.contains(n), "{what}: expected `{n}` in: {err}");
    }
}

/// The CLI on a config whose data path is a FIFO or /dev/zero (`run`), on `check --data` /
/// `--params` FIFOs, and on a config file that is a FIFO: exit 2 within seconds, nothing
/// written to `--out`.
#[test]
fn cli_exits_2_on_fifos_and_devices() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let have_fifo = mkfifo(&fifo);
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.csv")).unwrap();
    let cfg = write(dir.path(), "zero.toml", &csv_config("zero.csv"));
    let out = dir.path().join("out");
    let o = output_within_30s(run_cmd(&cfg, &out));
    assert_exit_2(
        &o,
        &["zero.csv", "character device"],
        "run, data = /dev/zero",
    );
    assert!(!out.exists());
    if !have_fifo {
        return;
    }
    for name in ["data.csv", "theta.npz", "c.toml"] {
        std::os::unix::fs::symlink(&fifo, dir.path().join(name)).unwrap();
    }
    let cfg = write(dir.path(), "fifo.toml", &csv_config("data.csv"));
    let o = output_within_30s(run_cmd(&cfg, &out));
    assert_exit_2(&o, &["data.csv", "FIFO"], "run, data = FIFO");
    assert!(!out.exists());
    let o = output_within_30s(run_cmd(&dir.path().join("c.toml"), &out));
    assert_exit_2(&o, &["c.toml", "FIFO"], "run, config = FIFO");

    let good = write(dir.path(), "good.csv", "1,1\n-1,-1\n");
    let theta = write(dir.path(), "t.json", "{\"theta\": [1]}");
    let check = |data: &Path, params: &Path| {
        let mut c = bin();
        c.args(["check", "--model", "linear", "--norm", "l2", "--data"])
            .arg(data)
            .arg("--params")
            .arg(params);
        output_within_30s(c)
    };
    let o = check(&dir.path().join("data.csv"), &theta);
    assert_exit_2(&o, &["data.csv", "FIFO"], "check --data FIFO");
    let o = check(&good, &dir.path().join("theta.npz"));
    assert_exit_2(&o, &["theta.npz", "FIFO"], "check --params FIFO");
}

/// Bad input exits 2 through the CLI: non-UTF-8 CSV (`check`) and TOML (`run`), a missing or
/// directory data path, and corrupt or truncated gzip IDX data.
#[test]
fn cli_exits_2_on_bad_bytes_and_bad_paths() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("latin1.csv"), b"1,0.5\n-1,caf\xe9\n").unwrap();
    let theta = write(p, "t.json", "{\"theta\": [1]}");
    let mut c = bin();
    c.args(["check", "--model", "linear", "--norm", "l2", "--data"])
        .arg(p.join("latin1.csv"))
        .arg("--params")
        .arg(&theta);
    assert_exit_2(
        &output_within_30s(c),
        &["latin1.csv", "not UTF-8", "offset 12"],
        "csv",
    );

    let mut toml = csv_config("d.csv").into_bytes();
    toml.extend(b"# \xff\n");
    std::fs::write(p.join("bad.toml"), toml).unwrap();
    let out = p.join("out");
    let o = output_within_30s(run_cmd(&p.join("bad.toml"), &out));
    assert_exit_2(&o, &["bad.toml", "not UTF-8"], "toml");

    std::fs::create_dir(p.join("adir.csv")).unwrap();
    for (data, needle) in [
        ("missing.csv", "missing.csv"),
        ("adir.csv", "is a directory"),
    ] {
        let cfg = write(p, "c.toml", &csv_config(data));
        let o = output_within_30s(run_cmd(&cfg, &out));
        assert_exit_2(&o, &[needle], data);
        assert!(!out.exists());
    }

    // Corrupt gzip: not gzip at all, truncated, and a flipped byte in the deflate stream.
    let mut img = idx3_header(2, 2, 2);
    img.extend([9u8; 8]);
    std::fs::write(p.join("lab.idx1-ubyte.gz"), gzip(&idx1(&[1, 2]))).unwrap();
    let gz = gzip(&img);
    let mut flipped = gz.clone();
    flipped[12] ^= 0xff;
    for (name, bytes) in [
        ("plain.idx3-ubyte.gz", img.clone()),
        ("cut.idx3-ubyte.gz", gz[..gz.len() / 2].to_vec()),
        ("flip.idx3-ubyte.gz", flipped),
    ] {
        std::fs::write(p.join(name), bytes).unwrap();
        let cfg = write(p, "c.toml", &idx_config(name, "lab.idx1-ubyte.gz"));
        let o = output_within_30s(run_cmd(&cfg, &out));
        assert_exit_2(&o, &[name], name);
    }
}
