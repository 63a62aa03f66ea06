//! Dataset loaders (CSV, JSON, IDX), the bundled fixtures and the seeded generators.
//!
//! Loader tests check that every malformed input gives an [`Error`] whose message names the
//! line/row and field, and (proptest) that no input string makes the CSV parser panic.
//! Fixture tests pin the bundled files to the checksums recorded in their provenance files
//! (parsed from those files, so the test and the documentation cannot drift apart).
//! Generator tests check determinism, the documented sampling procedures (re-implemented
//! here from the doc comments) and the labelling rules.

mod common;
use common::{idx_images, idx_labels};

use approx::{abs_diff_eq, assert_abs_diff_eq};
use implicit_bias::data::generators::{self, ReluTeacher};
use implicit_bias::data::{load, load_csv, load_idx, load_json, save_csv, Dataset};
use implicit_bias::error::{Error, Result};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{StandardNormal, Uniform};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------- helpers

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/datasets")
        .join(rel)
}

/// Parse CSV text through a temporary `.csv` file (the in-memory `parse_csv` is not
/// re-exported by `data`; going through the file also exercises `load_csv`).
fn csv(text: &str) -> Result<Dataset> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("input.csv");
    std::fs::write(&path, text).unwrap();
    load_csv(&path)
}

fn json(text: &str) -> Result<Dataset> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("input.json");
    std::fs::write(&path, text).unwrap();
    load_json(&path)
}

/// The message of an `Error::Data`, panicking (test failure) on any other outcome.
fn data_err(r: Result<Dataset>) -> String {
    match r {
        Err(Error::Data(msg)) => msg,
        Err(other) => panic!("expected Error::Data, got {other:?}"),
        Ok(d) => panic!("expected an error, got a {}×{} dataset", d.m(), d.d()),
    }
}

fn assert_contains(msg: &str, parts: &[&str]) {
    for p in parts {
        assert!(msg.contains(p), "message {msg:?} should contain {p:?}");
    }
}

fn sha256_hex(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The sha256 recorded for `file` in a provenance file, in `sha256sum` format
/// (`<64 hex>  <name>`).
fn recorded_sha256(provenance: &Path, file: &str) -> String {
    let text = std::fs::read_to_string(provenance).unwrap();
    let hits: Vec<&str> = text
        .lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let (hash, name) = (parts.next()?, parts.next()?);
            (name == file && hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
                .then_some(hash)
        })
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "exactly one sha256 line for {file} in {provenance:?}"
    );
    hits[0].to_ascii_lowercase()
}

fn count_pos(d: &Dataset) -> usize {
    d.y.iter().filter(|&&y| y == 1.0).count()
}

fn row_norm(d: &Dataset, i: usize) -> f64 {
    d.row(i).iter().map(|v| v * v).sum::<f64>().sqrt()
}

// ---------------------------------------------------------------- CSV

#[test]
fn csv_valid_with_header_comments_blank_lines_and_label_forms() {
    let text = "# a comment\n\n label , f1, f2 \n1,0.5,-2\n+1, 1e-3 ,3\n\n# more\n-1,0,0.25\r\n1.0,7,8\n-1.0,-1,-1\n";
    let d = csv(text).unwrap();
    assert_eq!((d.m(), d.d()), (5, 2));
    assert_eq!(d.y, vec![1.0, 1.0, -1.0, 1.0, -1.0]);
    assert_eq!(d.row(0), vec![0.5, -2.0]);
    assert_eq!(d.row(1), vec![1e-3, 3.0]);
    assert_eq!(d.row(4), vec![-1.0, -1.0]);
}

#[test]
fn csv_header_is_optional() {
    let with = csv("label,a,b\n1,2,3\n-1,4,5\n").unwrap();
    let without = csv("1,2,3\n-1,4,5\n").unwrap();
    assert_eq!(with, without);
    // A BOM before the header is ignored.
    assert_eq!(csv("\u{feff}label,a,b\n1,2,3\n-1,4,5\n").unwrap(), without);
}

/// What a label may be, in every bad-label message.
const LABEL_EXPECTED: &str = "expected +1 or -1 (binary) or a class index 0, 1, 2, … (multiclass)";

#[test]
fn csv_bad_label_names_line_and_field() {
    // A label 2 among ±1 labels: neither binary nor multiclass; both lines are named.
    let text = "label,a\n1,0\n-1,0\n# c\n\n1,0\n2,0\n";
    let msg = data_err(csv(text));
    assert_contains(
        &msg,
        &[
            "input.csv",
            "line 7, field 1 (label): label 2 mixes with the binary label -1 at line 3, field 1",
        ],
    );
    // Labels that are not numbers (or not finite) are refused while reading the line.
    for bad in ["nan", "inf", "abc", "", "1e400"] {
        let msg = data_err(csv(&format!("1,0\n{bad},1\n")));
        assert_contains(
            &msg,
            &[
                "line 2, field 1 (label)",
                &format!("{LABEL_EXPECTED}, got `{bad}`"),
            ],
        );
    }
    // A number that is neither ±1 nor a class index.
    let msg = data_err(csv("1,0\n1.5,1\n"));
    assert_contains(
        &msg,
        &["line 2, field 1 (label)", LABEL_EXPECTED, "got 1.5"],
    );
    // 0 next to 1: ambiguous (binary labels are ±1); the message says how to force classes.
    let msg = data_err(csv("1,0\n0,1\n"));
    assert_contains(
        &msg,
        &[
            "line 2, field 1 (label): label 0",
            "ambiguous",
            "--classes 2",
        ],
    );
}

#[test]
fn csv_non_finite_or_non_numeric_feature_names_line_and_field() {
    let msg = data_err(csv("1,1,2,3,4\n-1,1,2,3,4\n1,1,2,3,nan\n"));
    assert_contains(&msg, &["line 3, field 5: `nan` is not a finite number"]);
    let msg = data_err(csv("1,inf\n"));
    assert_contains(&msg, &["line 1, field 2: `inf` is not a finite number"]);
    let msg = data_err(csv("1,2\n-1,x7\n"));
    assert_contains(&msg, &["line 2, field 2: `x7` is not a finite number"]);
    let msg = data_err(csv("1,2,,3\n"));
    assert_contains(&msg, &["line 1, field 3: empty field"]);
    // Overflowing literals are not finite either.
    let msg = data_err(csv("1,1e400\n"));
    assert_contains(&msg, &["line 1, field 2", "not a finite number"]);
    // Another separator: the hint says so.
    let msg = data_err(csv("1,2 3\n"));
    assert_contains(&msg, &["comma-separated"]);
}

#[test]
fn csv_ragged_rows_and_missing_features() {
    let msg = data_err(csv("# c\n1,1,2,3,4\n-1,1,2,3,4\n1,1,2,3\n"));
    assert_contains(&msg, &["line 4 has 3 features, line 2 has 4"]);
    let msg = data_err(csv("1,1\n-1\n"));
    assert_contains(&msg, &["line 2 has a label but no features"]);
}

#[test]
fn csv_no_data() {
    for text in [
        "",
        "\n\n",
        "# only comments\n",
        "label,a,b\n# nothing else\n",
    ] {
        let msg = data_err(csv(text));
        assert_contains(&msg, &["input.csv", "no data"]);
    }
}

#[test]
fn csv_missing_file_is_io_error() {
    match load_csv("/nonexistent/dir/data.csv") {
        Err(Error::Io { path, .. }) => assert!(path.contains("data.csv")),
        other => panic!("expected Error::Io, got {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Arbitrary text never panics; whatever parses is a valid dataset.
    #[test]
    fn csv_arbitrary_text_never_panics(chars in prop::collection::vec(any::<char>(), 0..200)) {
        let text: String = chars.into_iter().collect();
        if let Ok(d) = csv(&text) {
            if d.is_multiclass() {
                // Class indices 0..C, stored exactly.
                let c = d.classes as f64;
                prop_assert!(d.y.iter().all(|&y| y.fract() == 0.0 && (0.0..c).contains(&y)));
            } else {
                prop_assert!(d.y.iter().all(|&y| y == 1.0 || y == -1.0));
            }
            prop_assert!(d.x.iter().all(|v| v.is_finite()));
        }
    }

    /// Near-valid CSV built from tokens (numbers, separators, comments, junk) never panics,
    /// and any error is a `Data` error that names a line or says there is no data.
    #[test]
    fn csv_token_soup_never_panics(tokens in prop::collection::vec(
        prop::sample::select(vec![
            "1", "-1", "+1", "1.0", "0.5", "-3e2", "nan", "inf", "", "abc", ",", ",", ",",
            "\n", "\n", "\r\n", "#", " ", "label", "\u{feff}", "2",
        ]),
        0..60,
    )) {
        let text: String = tokens.concat();
        match csv(&text) {
            Ok(d) => prop_assert!(d.m() >= 1 && d.d() >= 1),
            Err(Error::Data(msg)) => prop_assert!(msg.contains("line ") || msg.contains("no data"), "{}", msg),
            Err(e) => prop_assert!(false, "unexpected error kind {:?}", e),
        }
    }

    /// save_csv → load_csv reproduces every bit (shortest round-trip formatting), including
    /// subnormals, signed zeros and extreme magnitudes.
    #[test]
    fn csv_save_load_round_trip_is_exact(
        m in 1usize..12,
        d in 1usize..6,
        seed in any::<u64>(),
    ) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let special = [0.0, -0.0, f64::MIN_POSITIVE, 5e-324, -f64::MAX, f64::MAX, 1.0 / 3.0, 0.1];
        let x = nalgebra::DMatrix::from_fn(m, d, |_, _| {
            if rng.random_range(0..4) == 0 {
                special[rng.random_range(0..special.len())]
            } else {
                let mant: f64 = rng.sample(StandardNormal);
                mant * 10f64.powi(rng.random_range(-300..300))
            }
        });
        let y = (0..m).map(|_| if rng.random::<bool>() { 1.0 } else { -1.0 }).collect();
        let data = Dataset::new(x, y).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rt.csv");
        save_csv(&path, &data).unwrap();
        let back = load_csv(&path).unwrap();
        prop_assert_eq!(back.y.clone(), data.y.clone());
        prop_assert_eq!((back.m(), back.d()), (m, d));
        for (a, b) in back.x.iter().zip(data.x.iter()) {
            prop_assert_eq!(a.to_bits(), b.to_bits());
        }
    }
}

// ---------------------------------------------------------------- JSON and dispatch

#[test]
fn json_valid() {
    let d = json(r#"{"x": [[1, 2.5], [-3, 4e-2]], "y": [1, -1.0], "note": "ignored"}"#).unwrap();
    assert_eq!((d.m(), d.d()), (2, 2));
    assert_eq!(d.y, vec![1.0, -1.0]);
    assert_eq!(d.row(1), vec![-3.0, 0.04]);
}

#[test]
fn json_errors_name_field_and_row() {
    let cases: &[(&str, &[&str])] = &[
        (r#"{"y": [1]}"#, &["missing field \"x\""]),
        (r#"{"x": [[1]]}"#, &["missing field \"y\""]),
        (r#"[1, 2]"#, &["expected a JSON object", "an array"]),
        (
            r#"{"x": 3, "y": [1]}"#,
            &["field \"x\" must be an array", "a number"],
        ),
        (
            r#"{"x": [[1]], "y": "1"}"#,
            &["field \"y\" must be an array", "a string"],
        ),
        (
            r#"{"x": [[1], 2], "y": [1, 1]}"#,
            &["x[1] must be an array of numbers"],
        ),
        (
            r#"{"x": [[1, 2], [3, "a"]], "y": [1, 1]}"#,
            &["x[1][1]: expected a finite number", "\"a\""],
        ),
        (
            r#"{"x": [[1, 2], [3, null]], "y": [1, 1]}"#,
            &["x[1][1]", "null"],
        ),
        (
            r#"{"x": [[1, 2], [3, 4], [5]], "y": [1, 1, 1]}"#,
            &["x[2] has 1 features, x[0] has 2"],
        ),
        (
            r#"{"x": [[1], [2], [3], [4]], "y": [1, -1, 1, 2]}"#,
            &["y[3]: label 2 mixes with the binary label -1 at y[1]"],
        ),
        (
            r#"{"x": [[1], [2]], "y": [1, "a"]}"#,
            &[
                "y[1]: expected +1 or -1 (binary) or a class index 0, 1, 2, … (multiclass), \
                 got \"a\"",
            ],
        ),
        (
            r#"{"x": [[1], [2]], "y": [1, null]}"#,
            &["y[1]: expected +1 or -1 (binary)", "got null"],
        ),
        (
            r#"{"x": [[1], [2]], "y": [1, 0.5]}"#,
            &["y[1]: expected +1 or -1 (binary)", "got 0.5"],
        ),
        (
            r#"{"x": [[1], [2]], "y": [1]}"#,
            &["\"x\" has 2 rows but \"y\" has 1 labels"],
        ),
        (r#"{"x": [], "y": []}"#, &["no rows"]),
        (r#"{"x": [[]], "y": [1]}"#, &["x[0] has no features"]),
    ];
    for (text, parts) in cases {
        let msg = data_err(json(text));
        assert_contains(&msg, &["input.json"]);
        assert_contains(&msg, parts);
    }
}

#[test]
fn json_syntax_error_is_json_error() {
    for text in [
        "",
        "{",
        r#"{"x": [[1e400]], "y": [1]}"#,
        "{\"x\": [[1]], \"y\": [1],}",
    ] {
        match json(text) {
            Err(Error::Json(msg)) => assert!(msg.contains("input.json"), "{msg}"),
            other => panic!("expected Error::Json for {text:?}, got {other:?}"),
        }
    }
}

#[test]
fn load_dispatches_on_extension() {
    let dir = tempfile::tempdir().unwrap();
    let c = dir.path().join("a.CSV");
    let j = dir.path().join("a.json");
    std::fs::write(&c, "1,2\n-1,3\n").unwrap();
    std::fs::write(&j, r#"{"x": [[2], [3]], "y": [1, -1]}"#).unwrap();
    assert_eq!(load(&c).unwrap(), load(&j).unwrap());

    let t = dir.path().join("data.txt");
    std::fs::write(&t, "1,2\n").unwrap();
    let msg = data_err(load(&t));
    assert_contains(&msg, &["data.txt", "unknown data file extension `.txt`"]);
    let msg = data_err(load(dir.path().join("noext")));
    assert_contains(&msg, &["noext", "unknown data file extension"]);
}

// ---------------------------------------------------------------- IDX

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// Write images/labels files into `dir` and load them.
fn idx_load(dir: &Path, img: &[u8], lab: &[u8], gz: bool, normalize: bool) -> Result<Dataset> {
    let (ip, lp) = if gz {
        (dir.join("img.idx3-ubyte.gz"), dir.join("lab.idx1-ubyte.gz"))
    } else {
        (dir.join("img.idx3-ubyte"), dir.join("lab.idx1-ubyte"))
    };
    let (img, lab) = if gz {
        (gzip(img), gzip(lab))
    } else {
        (img.to_vec(), lab.to_vec())
    };
    std::fs::write(&ip, img).unwrap();
    std::fs::write(&lp, lab).unwrap();
    load_idx(&ip, &lp, normalize)
}

#[test]
fn idx_small_files_plain_and_gzip() {
    let dir = tempfile::tempdir().unwrap();
    // Three 2×2 images; the third is all zero.
    let px = [0u8, 255, 51, 102, 3, 4, 0, 0, 0, 0, 0, 0];
    let img = idx_images(3, 2, 2, &px);
    let lab = idx_labels(&[0, 1, 7]);
    for gz in [false, true] {
        let d = idx_load(dir.path(), &img, &lab, gz, false).unwrap();
        assert_eq!((d.m(), d.d()), (3, 4));
        assert_eq!(d.y, vec![1.0, -1.0, -1.0]);
        assert_eq!(d.row(0), vec![0.0, 1.0, 51.0 / 255.0, 102.0 / 255.0]);
        let n = load_idx_normalized(dir.path(), &img, &lab, gz);
        // Row 0 scaled to unit norm: same direction, norm 1 up to rounding (4 terms: 1e-15).
        let r0 = d.row(0);
        let s = row_norm(&d, 0);
        for (a, b) in n.row(0).iter().zip(&r0) {
            assert!(abs_diff_eq!(*a, b / s, epsilon = 1e-15), "{a} vs {}", b / s);
        }
        assert_abs_diff_eq!(row_norm(&n, 1), 1.0, epsilon = 1e-15);
        // The all-zero row is left as is.
        assert_eq!(n.row(2), vec![0.0; 4]);
    }
}

fn load_idx_normalized(dir: &Path, img: &[u8], lab: &[u8], gz: bool) -> Dataset {
    idx_load(dir, img, lab, gz, true).unwrap()
}

#[test]
fn idx_errors() {
    let dir = tempfile::tempdir().unwrap();
    let px = [1u8; 8];
    let good_img = idx_images(2, 2, 2, &px);
    let good_lab = idx_labels(&[2, 3]);
    assert!(idx_load(dir.path(), &good_img, &good_lab, false, false).is_ok());

    // Bad magic (labels file given as images).
    let msg = data_err(idx_load(dir.path(), &good_lab, &good_lab, false, false));
    assert_contains(
        &msg,
        &[
            "img.idx3-ubyte",
            "bad IDX magic number 0x00000801, expected 0x00000803",
        ],
    );
    // Bad magic in the labels file.
    let msg = data_err(idx_load(dir.path(), &good_img, &good_img, false, false));
    assert_contains(&msg, &["lab.idx1-ubyte", "expected 0x00000801"]);
    // Truncated header and truncated pixel data.
    let msg = data_err(idx_load(
        dir.path(),
        &good_img[..10],
        &good_lab,
        false,
        false,
    ));
    assert_contains(&msg, &["truncated IDX header"]);
    let msg = data_err(idx_load(
        dir.path(),
        &good_img[..20],
        &good_lab,
        false,
        false,
    ));
    assert_contains(&msg, &["truncated file", "8 pixel bytes, found 4"]);
    let msg = data_err(idx_load(
        dir.path(),
        &good_img,
        &good_lab[..9],
        false,
        false,
    ));
    assert_contains(
        &msg,
        &["lab.idx1-ubyte", "truncated file", "2 label bytes, found 1"],
    );
    // Trailing bytes.
    let mut long = good_img.clone();
    long.push(0);
    let msg = data_err(idx_load(dir.path(), &long, &good_lab, false, false));
    assert_contains(&msg, &["1 trailing bytes"]);
    // Count mismatch.
    let msg = data_err(idx_load(
        dir.path(),
        &good_img,
        &idx_labels(&[1, 2, 3]),
        false,
        false,
    ));
    assert_contains(&msg, &["has 2 images but", "has 3 labels"]);
    // A label that is not a digit.
    let msg = data_err(idx_load(
        dir.path(),
        &good_img,
        &idx_labels(&[1, 12]),
        false,
        false,
    ));
    assert_contains(&msg, &["label 1 is 12, not a digit"]);
    // A gzip file without a .gz name: the magic check hints at it.
    let ip = dir.path().join("zipped.idx3-ubyte");
    let lp = dir.path().join("lab.idx1-ubyte");
    std::fs::write(&ip, gzip(&good_img)).unwrap();
    std::fs::write(&lp, &good_lab).unwrap();
    let msg = data_err(load_idx(&ip, &lp, false));
    assert_contains(&msg, &["gzip"]);
    // A .gz name on a file that is not gzip: I/O error naming the file.
    let ip = dir.path().join("plain.idx3-ubyte.gz");
    std::fs::write(&ip, &good_img).unwrap();
    match load_idx(&ip, &lp, false) {
        Err(Error::Io { path, .. }) => assert!(path.contains("plain.idx3-ubyte.gz")),
        other => panic!("expected Error::Io, got {other:?}"),
    }
}

// ---------------------------------------------------------------- fixtures

#[test]
fn digits_fixture_shape_norms_balance_and_checksum() {
    let path = fixture("digits_even_odd.csv");
    let prov = fixture("digits_even_odd.provenance.md");
    assert_eq!(
        sha256_hex(&path),
        recorded_sha256(&prov, "digits_even_odd.csv"),
        "the CSV differs from the one recorded in its provenance file"
    );

    let d = load(&path).unwrap();
    assert_eq!((d.m(), d.d()), (1797, 64));
    // Rows were divided by their norm in double precision; recomputing the norm of 64
    // non-negative terms here costs at most ~64 ulps ≈ 1.4e-14, so 1e-12 is generous yet
    // far below any real normalization error.
    for i in 0..d.m() {
        let n = row_norm(&d, i);
        assert!(
            abs_diff_eq!(n, 1.0, epsilon = 1e-12),
            "row {i} has norm {n}"
        );
    }
    assert!(d.x.iter().all(|&v| (0.0..=1.0).contains(&v)));
    // Counts documented in the provenance file: 891 even (+1), 906 odd (−1).
    let pos = count_pos(&d);
    assert_eq!((pos, d.m() - pos), (891, 906));
    let prov_text = std::fs::read_to_string(&prov).unwrap();
    assert!(prov_text.contains("891 × +1") && prov_text.contains("906 × −1"));
}

#[test]
fn mnist_fixture_loads_as_even_vs_odd() {
    let img = fixture("mnist/mnist-train-first2048-images.idx3-ubyte.gz");
    let lab = fixture("mnist/mnist-train-first2048-labels.idx1-ubyte.gz");
    let prov = fixture("mnist/provenance.md");
    for f in [&img, &lab] {
        let name = f.file_name().unwrap().to_str().unwrap();
        assert_eq!(sha256_hex(f), recorded_sha256(&prov, name), "{name}");
    }

    let d = load_idx(&img, &lab, false).unwrap();
    assert_eq!((d.m(), d.d()), (2048, 784));
    assert!(d.x.iter().all(|&v| (0.0..=1.0).contains(&v)));
    // MNIST pixels span the full byte range 0..=255.
    assert_eq!(d.x.max(), 1.0);
    assert_eq!(d.x.min(), 0.0);
    // 999 even digits (provenance: 192 + 203 + 220 + 205 + 179).
    assert_eq!(count_pos(&d), 999);
    assert_eq!(d.m() - count_pos(&d), 1049);

    let n = load_idx(&img, &lab, true).unwrap();
    assert_eq!(n.y, d.y);
    for i in 0..n.m() {
        // 784 terms: rounding ≲ 784 ulps ≈ 2e-13.
        assert!(
            abs_diff_eq!(row_norm(&n, i), 1.0, epsilon = 1e-12),
            "row {i}"
        );
    }
    // Normalization is a per-row rescaling of the unnormalized data.
    let s = row_norm(&d, 5);
    assert_abs_diff_eq!(n.x[(5, 400)], d.x[(5, 400)] / s, epsilon = 1e-15);
}

// ---------------------------------------------------------------- generators

fn config_err<T: std::fmt::Debug>(r: Result<T>) {
    assert!(
        matches!(r, Err(Error::Config(_))),
        "expected Error::Config, got {r:?}"
    );
}

#[test]
fn generators_validate_arguments() {
    config_err(generators::linear_teacher(0, 3, None, 1));
    config_err(generators::linear_teacher(5, 0, None, 1));
    config_err(generators::linear_teacher(5, 3, Some(0), 1));
    config_err(generators::linear_teacher(5, 3, Some(4), 1));
    config_err(generators::linear_teacher_with_margin(5, 3, None, -0.1, 1));
    config_err(generators::linear_teacher_with_margin(
        5,
        3,
        None,
        f64::NAN,
        1,
    ));
    config_err(generators::linear_teacher_weights(0, None, 1));
    config_err(ReluTeacher::sparse(0, 2, 1, 1));
    config_err(ReluTeacher::sparse(4, 0, 1, 1));
    config_err(ReluTeacher::sparse(4, 2, 0, 1));
    config_err(ReluTeacher::sparse(4, 2, 5, 1));
    config_err(ReluTeacher::sparse(4, 2, 2, 1).unwrap().sample(0, 1));
    config_err(generators::two_clusters_2d_n(0, 1));
    config_err(generators::quadratic_rank4(10, 3, false, 1));
    config_err(generators::quadratic_rank4(0, 4, false, 1));
    // A teacher whose public fields were broken is rejected, not indexed out of bounds.
    let mut t = ReluTeacher::sparse(4, 2, 2, 1).unwrap();
    t.w.pop();
    config_err(t.sample(3, 1));
    config_err(ReluTeacher::sparse(4, 2, 2, 1).unwrap().output(&[1.0]));
}

#[test]
fn generators_are_deterministic_per_seed_and_differ_across_seeds() {
    type Gen = Box<dyn Fn(u64) -> Dataset>;
    let teacher = ReluTeacher::sparse(10, 4, 3, 9).unwrap();
    let gens: Vec<(&str, Gen)> = vec![
        (
            "linear",
            Box::new(|s| generators::linear_teacher(30, 5, None, s).unwrap()),
        ),
        (
            "linear sparse",
            Box::new(|s| generators::linear_teacher(30, 5, Some(2), s).unwrap()),
        ),
        (
            "linear margin",
            Box::new(|s| generators::linear_teacher_with_margin(30, 5, None, 0.5, s).unwrap()),
        ),
        ("relu", Box::new(move |s| teacher.sample(30, s).unwrap())),
        (
            "clusters",
            Box::new(|s| generators::two_clusters_2d(s).unwrap()),
        ),
        (
            "quadratic",
            Box::new(|s| generators::quadratic_rank4(30, 6, true, s).unwrap()),
        ),
    ];
    for (name, g) in &gens {
        assert_eq!(g(11), g(11), "{name}: same seed, same data");
        assert_ne!(g(11).x, g(12).x, "{name}: different seeds, different data");
    }
    assert_eq!(
        ReluTeacher::sparse(10, 4, 3, 5).unwrap(),
        ReluTeacher::sparse(10, 4, 3, 5).unwrap()
    );
    assert_ne!(
        ReluTeacher::sparse(10, 4, 3, 5).unwrap(),
        ReluTeacher::sparse(10, 4, 3, 6).unwrap()
    );
}

#[test]
fn linear_teacher_separates_its_data_with_requested_sparsity() {
    for (d, s, seed) in [
        (8, None, 1u64),
        (20, Some(3), 2),
        (5, Some(5), 3),
        (1, Some(1), 4),
    ] {
        let data = generators::linear_teacher(200, d, s, seed).unwrap();
        let w = generators::linear_teacher_weights(d, s, seed).unwrap();
        let nnz = w.iter().filter(|&&v| v != 0.0).count();
        assert_eq!(nnz, s.unwrap_or(d));
        for i in 0..data.m() {
            let z: f64 = data.row(i).iter().zip(&w).map(|(a, b)| a * b).sum();
            assert!(
                data.y[i] * z > 0.0,
                "sample {i} not separated by the teacher"
            );
        }
        if d > 1 {
            let pos = count_pos(&data);
            assert!(pos > 0 && pos < data.m(), "both classes present");
        }
    }
    // min_margin = 0 is exactly the plain generator.
    assert_eq!(
        generators::linear_teacher(50, 6, Some(2), 8).unwrap(),
        generators::linear_teacher_with_margin(50, 6, Some(2), 0.0, 8).unwrap()
    );
}

#[test]
fn linear_teacher_with_margin_enforces_it_and_fails_when_impossible() {
    let (d, s, seed, gamma) = (12, Some(4), 3u64, 0.8);
    let data = generators::linear_teacher_with_margin(300, d, s, gamma, seed).unwrap();
    let w = generators::linear_teacher_weights(d, s, seed).unwrap();
    let wn = w.iter().map(|v| v * v).sum::<f64>().sqrt();
    let min = (0..data.m())
        .map(|i| data.y[i] * data.row(i).iter().zip(&w).map(|(a, b)| a * b).sum::<f64>() / wn)
        .fold(f64::INFINITY, f64::min);
    assert!(min >= gamma, "smallest margin {min} < {gamma}");
    // P(|N(0,1)| ≥ 50) is 0 in double precision: bounded retries end in an error.
    assert!(matches!(
        generators::linear_teacher_with_margin(1, 2, None, 50.0, 1),
        Err(Error::Numerical(_))
    ));
}

/// The documented procedure of `linear_teacher` (dense teacher), re-implemented.
#[test]
fn linear_teacher_follows_documented_procedure() {
    let (m, d, seed) = (7, 3, 42u64);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let w: Vec<f64> = (0..d).map(|_| rng.sample(StandardNormal)).collect();
    let data = generators::linear_teacher(m, d, None, seed).unwrap();
    for i in 0..m {
        let x: Vec<f64> = (0..d).map(|_| rng.sample(StandardNormal)).collect();
        assert_eq!(data.row(i), x);
        let z: f64 = x.iter().zip(&w).map(|(a, b)| a * b).sum();
        assert_eq!(data.y[i], z.signum());
    }
}

#[test]
fn relu_teacher_is_sparse_and_labels_train_and_test_alike() {
    let (d, k, a) = (30, 8, 3);
    let t = ReluTeacher::sparse(d, k, a, 17).unwrap();
    assert_eq!((t.w.len(), t.u.len()), (k * d, k));
    for j in 0..k {
        let nnz = t.w[j * d..(j + 1) * d]
            .iter()
            .filter(|&&v| v != 0.0)
            .count();
        assert_eq!(nnz, a, "neuron {j}");
    }
    assert!(t.u.iter().all(|&u| u == 1.0 || u == -1.0));

    let train = t.sample(250, 1).unwrap();
    let test = t.sample(500, 2).unwrap();
    assert_ne!(train.x.rows(0, 10), test.x.rows(0, 10));
    for data in [&train, &test] {
        for i in 0..data.m() {
            let f = t.output(&data.row(i)).unwrap();
            assert!(f != 0.0 && data.y[i] == f.signum(), "sample {i}: f = {f}");
        }
    }
    // For this seed both signs occur among the u_j, so both classes appear.
    assert!(t.u.contains(&1.0) && t.u.contains(&-1.0));
    let pos = count_pos(&test);
    assert!(pos > 0 && pos < test.m());
    // Same seed for teacher and sample: the sample uses another ChaCha stream, so it is not
    // the teacher's own draws replayed.
    let same = t.sample(5, 17).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(17);
    let replay: Vec<f64> = (0..d).map(|_| rng.sample(StandardNormal)).collect();
    assert_ne!(same.row(0), replay);
}

#[test]
fn two_clusters_match_paper_construction() {
    let data = generators::two_clusters_2d(5).unwrap();
    assert_eq!((data.m(), data.d()), (100, 2));
    assert!(data.y[..50].iter().all(|&y| y == 1.0));
    assert!(data.y[50..].iter().all(|&y| y == -1.0));
    let c = [0.5f64.cos(), 0.5f64.sin()];
    // Reimplementation of the documented draws: ε_i = (e1, e2) from U[−0.6, 0.6).
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let u = Uniform::new(-0.6f64, 0.6).unwrap();
    for i in 0..100 {
        let sgn = data.y[i];
        let (e1, e2): (f64, f64) = (rng.sample(u), rng.sample(u));
        assert_eq!(data.row(i), vec![sgn * c[0] + e1, sgn * c[1] + e2]);
        // Within the ±0.6 box of its centre; 1e-15 absorbs the rounding of centre + ε.
        for (j, cj) in c.iter().enumerate() {
            assert_abs_diff_eq!(data.x[(i, j)], sgn * cj, epsilon = 0.6 + 1e-15);
        }
        // Separated through the origin by c (margin ≥ 1 − 0.6(cos 0.5 + sin 0.5) ≈ 0.186).
        assert!(sgn * (c[0] * data.x[(i, 0)] + c[1] * data.x[(i, 1)]) >= 0.18);
    }
    let big = generators::two_clusters_2d_n(7, 5).unwrap();
    assert_eq!((big.m(), count_pos(&big)), (14, 7));
    // The n = 50 case is the same stream.
    assert_eq!(generators::two_clusters_2d_n(50, 5).unwrap(), data);
}

#[test]
fn quadratic_rank4_labels_match_formula() {
    let q = |x: &[f64]| x[0] * x[0] + x[1] * x[1] - x[2] * x[2] - x[3] * x[3];
    let raw = generators::quadratic_rank4(400, 6, false, 21).unwrap();
    let nrm = generators::quadratic_rank4(400, 6, true, 21).unwrap();
    assert_eq!(raw.y, nrm.y, "normalizing rows does not change labels");
    for i in 0..raw.m() {
        assert_eq!(raw.y[i], q(&raw.row(i)).signum());
        assert_eq!(nrm.y[i], q(&nrm.row(i)).signum());
        // Unit rows; 6 terms ⇒ rounding ≲ 1e-15.
        assert_abs_diff_eq!(row_norm(&nrm, i), 1.0, epsilon = 1e-14);
        let s = row_norm(&raw, i);
        assert_abs_diff_eq!(nrm.x[(i, 0)], raw.x[(i, 0)] / s, epsilon = 1e-15);
    }
    // The form has signature (2, 2): the classes are balanced in expectation (P = 1/2);
    // 400 samples ⇒ sd 10, so 140..260 is a 6-sigma band.
    let pos = count_pos(&raw);
    assert!((140..=260).contains(&pos), "{pos} positives");
}
