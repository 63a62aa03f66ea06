//! Bounded reads (item 2) and checked sizes (item 6): a gzip or zip bomb is stopped at its
//! declared size, declared sizes over the memory budget are refused before inflating, files
//! larger than the budget are refused before reading, and overflowing shapes are errors.

use super::common::zip_of;
use super::{data_msg, npy_f64};
use crate::common::{bin, write};
use flate2::write::GzEncoder;
use implicit_bias::data::{gunzip_bounded, load_csv, load_idx, parse_idx};
use implicit_bias::error::Error;
use implicit_bias::params_io::{parse_npy, parse_npz, parse_params_bytes, ParamsFormat};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

/// An IDX3 header for `n` images of `rows × cols`.
pub fn idx3_header(n: u32, rows: u32, cols: u32) -> Vec<u8> {
    [0x0803, n, rows, cols]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect()
}

/// An IDX1 labels file.
pub fn idx1(labels: &[u8]) -> Vec<u8> {
    let mut v = [0x0801u32, labels.len() as u32]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect::<Vec<u8>>();
    v.extend(labels);
    v
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// Mebibytes of zeros after the valid IDX images file of two 2×2 images, gzipped by
/// streaming a zero buffer through the encoder (never holding the inflated bytes).
pub const BOMB_MIB: usize = 256;

pub fn idx_bomb() -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&idx3_header(2, 2, 2)).unwrap();
    enc.write_all(&[7u8; 8]).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..BOMB_MIB {
        enc.write_all(&zeros).unwrap();
    }
    enc.finish().unwrap()
}

/// Run the binary with `args`, returning (exit status, stderr, peak RSS in KiB), measured
/// with `wait4` for this child alone; killed (and failed) after 60 s.
pub fn run_measured(args: &[&std::ffi::OsStr], dir: &Path) -> (i32, String, i64) {
    let err_path = dir.join("stderr.txt");
    // Reaped below by `wait4` (which also reports its peak RSS), not by `Child::wait`.
    #[allow(clippy::zombie_processes)]
    let child = bin()
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let start = Instant::now();
    let mut status = 0;
    // SAFETY: rusage is plain old data; wait4 only writes into the two out-pointers.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        assert!(r >= 0, "wait4 failed");
        if r == pid {
            break;
        }
        if start.elapsed() > Duration::from_secs(60) {
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("{args:?}: no exit within 60 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    let stderr = std::fs::read_to_string(&err_path).unwrap();
    (code, stderr, usage.ru_maxrss)
}

/// A `run` config whose data are the IDX files `img` and `lab` (relative to the config).
pub fn idx_config(img: &str, lab: &str) -> String {
    format!(
        r#"
[data]
path = "{img}"
labels = "{lab}"
format = "idx"
[model]
spec = "linear"
[train]
max_steps = 10
[[runs]]
label = "r"
optimizer = {{ type = "ngd" }}
schedule = {{ type = "constant", eta0 = 0.1 }}
"#
    )
}

/// The images file announces 2×2×2 pixels, then inflates to 256 MiB more: the loader stops
/// one byte past the announced size (before: everything was inflated first).
#[test]
fn idx_gzip_bomb_stops_at_the_announced_size() {
    let dir = tempfile::tempdir().unwrap();
    let t = Instant::now();
    let bomb = idx_bomb();
    let built = t.elapsed();
    let img = dir.path().join("img.idx3-ubyte.gz");
    let lab = dir.path().join("lab.idx1-ubyte.gz");
    std::fs::write(&img, &bomb).unwrap();
    std::fs::write(&lab, gzip(&idx1(&[1, 2]))).unwrap();

    let t = Instant::now();
    let msg = data_msg(load_idx(&img, &lab, false));
    let took = t.elapsed();
    assert!(msg.contains("img.idx3-ubyte.gz"), "{msg}");
    assert!(
        msg.contains("more than the 8 bytes the IDX header announces"),
        "{msg}"
    );
    eprintln!(
        "gzip bomb: {} compressed bytes inflating to {BOMB_MIB} MiB (built in {built:?}); \
         rejected in {took:?}",
        bomb.len()
    );
    // Inflating the whole bomb takes far longer than reading 25 bytes of it.
    assert!(took < Duration::from_secs(2), "{took:?}");

    // Through the CLI: exit 2, and the process never holds the inflated bytes.
    let cfg = write(
        dir.path(),
        "c.toml",
        &idx_config("img.idx3-ubyte.gz", "lab.idx1-ubyte.gz"),
    );
    let out = dir.path().join("out");
    let (code, err, rss_kib) = run_measured(
        &[
            "run".as_ref(),
            cfg.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
            "--quiet".as_ref(),
        ],
        dir.path(),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("announces"), "{err}");
    eprintln!(
        "CLI on the bomb: exit {code}, peak RSS {} MiB",
        rss_kib / 1024
    );
    assert!(
        rss_kib < (BOMB_MIB as i64 / 2) * 1024,
        "peak RSS {rss_kib} KiB: the bomb was inflated"
    );
}

/// Sizes announced beyond the memory budget are refused before anything is inflated: an IDX
/// header of 2^31 images (library, default budget) or of 60 000 × 28 × 28 under
/// `--memory-limit 16M` (CLI); an `.npz` member declaring 3.75 GiB.
#[test]
fn announced_sizes_over_the_budget_are_refused_before_inflating() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("big.idx3-ubyte.gz");
    let lab = dir.path().join("lab.idx1-ubyte.gz");
    std::fs::write(&img, gzip(&idx3_header(1 << 31, 28, 28))).unwrap();
    std::fs::write(&lab, gzip(&idx1(&[1]))).unwrap();
    let err = load_idx(&img, &lab, false).unwrap_err().to_string();
    assert!(
        err.contains("big.idx3-ubyte.gz") && err.contains("budget"),
        "{err}"
    );
    // A header whose dimensions overflow usize is an error too, never a panic.
    std::fs::write(&img, gzip(&idx3_header(u32::MAX, u32::MAX, u32::MAX))).unwrap();
    assert!(load_idx(&img, &lab, false).is_err());

    // The CLI with an explicit budget: 60 000 MNIST-sized images need 47 MB as bytes.
    let mut mnist = idx3_header(60_000, 28, 28);
    mnist.extend([0u8; 4096]);
    std::fs::write(dir.path().join("m.idx3-ubyte.gz"), gzip(&mnist)).unwrap();
    let cfg = write(
        dir.path(),
        "c.toml",
        &idx_config("m.idx3-ubyte.gz", "lab.idx1-ubyte.gz"),
    );
    let out = bin()
        .arg("run")
        .arg(&cfg)
        .arg("--out")
        .arg(dir.path().join("out"))
        .args(["--quiet", "--memory-limit", "16M"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("budget") && err.contains("m.idx3-ubyte.gz"),
        "{err}"
    );

    // An .npz member that declares 0xF000_0000 bytes (its real content is small).
    let mut zip = zip_of(&[("W.npy", &npy_f64(&[1.0, 2.0]))], true);
    patch_uncompressed_size(&mut zip, 0xF000_0000);
    let path = dir.path().join("big.npz");
    std::fs::write(&path, &zip).unwrap();
    let data = write(dir.path(), "d.csv", "1,1\n-1,-1\n");
    let out = bin()
        .args([
            "check",
            "--model",
            "linear",
            "--norm",
            "l2",
            "--memory-limit",
            "16M",
        ])
        .arg("--data")
        .arg(&data)
        .arg("--params")
        .arg(&path)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("W.npy") && err.contains("budget"), "{err}");
}

/// Set the uncompressed size of every member in the local and central headers of `zip`.
fn patch_uncompressed_size(zip: &mut [u8], size: u32) {
    let mut i = 0;
    while i + 4 <= zip.len() {
        let off = match &zip[i..i + 4] {
            [0x50, 0x4b, 0x03, 0x04] => Some(22),
            [0x50, 0x4b, 0x01, 0x02] => Some(24),
            _ => None,
        };
        if let Some(off) = off {
            zip[i + off..i + off + 4].copy_from_slice(&size.to_le_bytes());
        }
        i += 1;
    }
}

/// An `.npz` member that inflates to more than it declares (here: a valid 2-element array,
/// then 256 MiB of zeros, declared as just the array) is stopped one byte past the declared
/// size; one whose `.npy` header disagrees with its declared size is refused before its data
/// are inflated.
#[test]
fn npz_members_are_inflated_no_further_than_declared() {
    let npy = npy_f64(&[1.0, 2.0]);
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    w.start_file("W.npy", opts).unwrap();
    w.write_all(&npy).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..BOMB_MIB {
        w.write_all(&zeros).unwrap();
    }
    let mut zip = w.finish().unwrap().into_inner();
    patch_uncompressed_size(&mut zip, npy.len() as u32);
    let t = Instant::now();
    let err = parse_npz(&zip, "bomb.npz").unwrap_err().to_string();
    let took = t.elapsed();
    assert!(err.contains("bomb.npz[W.npy]"), "{err}");
    assert!(err.contains("inflates to more than its declared"), "{err}");
    eprintln!(
        "zip bomb: {} bytes inflating to {BOMB_MIB} MiB, rejected in {took:?}",
        zip.len()
    );
    assert!(took < Duration::from_secs(2), "{took:?}");

    // Declared size ≠ what the .npy header announces.
    let mut zip = zip_of(&[("W.npy", &npy)], true);
    patch_uncompressed_size(&mut zip, npy.len() as u32 + 8);
    let err = parse_npz(&zip, "lie.npz").unwrap_err().to_string();
    assert!(
        err.contains("lie.npz[W.npy]") && err.contains("announces"),
        "{err}"
    );
}

/// A plain file larger than the budget is refused before it is read (a sparse file: no disk
/// space used).
#[test]
fn files_larger_than_the_budget_are_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.csv");
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(implicit_bias::resources::memory_limit() + 1)
        .unwrap();
    let t = Instant::now();
    let err = load_csv(&path).unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(2));
    let msg = err.to_string();
    assert!(matches!(err, Error::Config(_)), "{msg}");
    assert!(msg.contains("huge.csv") && msg.contains("budget"), "{msg}");
    assert_eq!(err.exit_status(), 2);
}

/// `gunzip_bounded` and `parse_idx` are usable on bytes alone.
#[test]
fn byte_level_idx_and_gunzip() {
    let mut img = idx3_header(2, 1, 2);
    img.extend([0, 255, 51, 0]);
    let lab = idx1(&[4, 9]);
    let d = parse_idx(&img, &lab, "i", "l", false).unwrap();
    assert_eq!(d.y, vec![1.0, -1.0]);
    approx::assert_abs_diff_eq!(d.x[(1, 0)], 0.2, epsilon = 1e-15);
    let gz = gzip(&img);
    assert_eq!(gunzip_bounded(&gz, "g", 100).unwrap(), img);
    assert_eq!(gunzip_bounded(&gz, "g", img.len()).unwrap(), img);
    let msg = data_msg(gunzip_bounded(&gz, "g", img.len() - 1));
    assert!(msg.contains("more than 19 bytes"), "{msg}");
    let err = gunzip_bounded(b"not gzip", "g", 100).unwrap_err();
    assert!(
        matches!(err, Error::Io { .. }) && err.exit_status() == 2,
        "{err}"
    );
}

/// Checked arithmetic: overflowing shapes in IDX, `.npy`, safetensors and JSON parameter
/// files are errors naming the problem, and a huge shape over a short file is "truncated"
/// without allocating for the shape.
#[test]
fn overflowing_or_huge_shapes_are_errors() {
    let msg = data_msg(parse_idx(
        &idx3_header(u32::MAX, u32::MAX, u32::MAX),
        &idx1(&[]),
        "i",
        "l",
        false,
    ));
    assert!(msg.contains("overflow"), "{msg}");

    let npy = |shape: &str| {
        let mut h = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}");
        h.push('\n');
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend((h.len() as u16).to_le_bytes());
        out.extend(h.as_bytes());
        out.extend([0u8; 16]);
        out
    };
    let e = parse_npy(&npy("(4294967296, 4294967296, 4294967296)"), "o.npy").unwrap_err();
    assert!(e.to_string().contains("overflows"), "{e}");
    let e = parse_npy(&npy("(1000000000, 1000)"), "t.npy").unwrap_err();
    assert!(e.to_string().contains("truncated"), "{e}");

    let json = br#"{"blocks": {"W": {"shape": [4294967296, 4294967296], "data": [1]}}}"#;
    let e = parse_params_bytes(json, ParamsFormat::Json, "p.json").unwrap_err();
    assert!(e.to_string().contains("overflowing"), "{e}");

    let header =
        br#"{"W":{"dtype":"F64","shape":[4294967296,4294967296,16],"data_offsets":[0,8]}}"#;
    let mut st = (header.len() as u64).to_le_bytes().to_vec();
    st.extend(header);
    st.extend([0u8; 8]);
    assert!(parse_params_bytes(&st, ParamsFormat::Safetensors, "s.safetensors").is_err());

    // A member whose .npy header claims a 4 GiB header, inside a small archive.
    let mut bad = npy_f64(&[1.0]);
    bad[6] = 2;
    bad.splice(8..10, [0xff, 0xff, 0xff, 0xff]);
    let zip = zip_of(&[("W.npy", &bad)], true);
    let e = parse_npz(&zip, "h.npz").unwrap_err().to_string();
    assert!(
        e.contains("h.npz[W.npy]") && e.contains("declared size"),
        "{e}"
    );
}

/// A 1.4 MB JSON dataset whose row 0 has 200 000 features and whose 200 000 other rows are
/// empty used to reserve rows × d = 4·10^10 values up front and abort (SIGABRT); it is an
/// error naming row 1.
#[test]
fn json_rows_are_not_reserved_as_rows_times_width() {
    let n = 200_000;
    let text = format!(
        "{{\"x\": [[{}]{}], \"y\": [{}]}}",
        vec!["0"; n].join(","),
        ",[]".repeat(n),
        vec!["1"; n + 1].join(",")
    );
    let msg = data_msg(implicit_bias::data::parse_json(&text, "wide.json"));
    assert!(msg.contains("x[1] has no features"), "{msg}");
}
