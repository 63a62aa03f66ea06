//! Multiclass data: CSV/JSON integer labels 0…C−1, forced `classes`, the MNIST IDX
//! labellings (10 classes, digit pairs, digit lists) and the `[data]` keys `classes`,
//! `digits` and `labels_as`.
//!
//! Each loader is checked on tiny hand-made inputs whose expected datasets are written out
//! here, on every documented error (with the line/field or key it must name), and on the
//! bundled MNIST fixture (the 2048 first training digits), whose per-digit counts are
//! measured, printed and pinned.

mod common;
use common::{idx_images, idx_labels};

use implicit_bias::data::{
    load_csv, load_csv_with, load_idx, load_idx_as, load_json_with, load_with, parse_csv,
    parse_csv_with, parse_idx_as, parse_json, parse_json_with, save_csv, DataConfig, Dataset,
    IdxLabels,
};
use implicit_bias::error::{Error, Result};
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------- helpers

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/datasets")
        .join(rel)
}

/// The message of an `Error::Data`, failing the test on any other outcome.
fn data_err(r: Result<Dataset>) -> String {
    match r {
        Err(Error::Data(msg)) => msg,
        Err(other) => panic!("expected Error::Data, got {other:?}"),
        Ok(d) => panic!("expected an error, got a {}×{} dataset", d.m(), d.d()),
    }
}

/// The message of an `Error::Config`, failing the test on any other outcome.
fn config_err(r: Result<Dataset>) -> String {
    match r {
        Err(Error::Config(msg)) => msg,
        Err(other) => panic!("expected Error::Config, got {other:?}"),
        Ok(d) => panic!("expected an error, got a {}×{} dataset", d.m(), d.d()),
    }
}

fn assert_contains(msg: &str, parts: &[&str]) {
    for p in parts {
        assert!(msg.contains(p), "message {msg:?} should contain {p:?}");
    }
}

/// The class index of every sample.
fn labels(d: &Dataset) -> Vec<usize> {
    (0..d.m()).map(|i| d.label(i)).collect()
}

/// How many samples have each class 0..C.
fn class_counts(d: &Dataset) -> Vec<usize> {
    let mut n = vec![0; d.classes];
    for i in 0..d.m() {
        n[d.label(i)] += 1;
    }
    n
}

const LABEL_EXPECTED: &str = "expected +1 or -1 (binary) or a class index 0, 1, 2, … (multiclass)";

// ---------------------------------------------------------------- CSV

#[test]
fn csv_integer_labels_make_a_multiclass_dataset() {
    let text = "# three classes\nlabel,a,b\n0,1,2\n2,3,4\n\n1,5,6\n2.0,7,8\n";
    let d = parse_csv(text, "c.csv").unwrap();
    assert_eq!((d.m(), d.d(), d.classes), (4, 2, 3));
    assert!(d.is_multiclass());
    assert_eq!(d.y, vec![0.0, 2.0, 1.0, 2.0]);
    assert_eq!(labels(&d), vec![0, 2, 1, 2]);
    assert_eq!(d.row(3), vec![7.0, 8.0]);
    // m(C − 1) margin rows, C outputs; a sample's C − 1 rows are contiguous and skip y_i.
    assert_eq!(
        (d.outputs(), d.rows_per_sample(), d.margin_rows()),
        (3, 2, 8)
    );
    let pairs: Vec<(usize, usize)> = (0..d.margin_rows()).map(|r| d.row_pair(r)).collect();
    assert_eq!(
        pairs,
        vec![
            (0, 1),
            (0, 2),
            (1, 0),
            (1, 1),
            (2, 0),
            (2, 2),
            (3, 0),
            (3, 1)
        ]
    );
    // Row 4 = (sample 2, class 0): s = e_1 − e_0.
    let mut s = [9.0; 3];
    assert_eq!(d.row_combo(4, &mut s), 2);
    assert_eq!(s, [-1.0, 1.0, 0.0]);
    // ±1 labels stay binary.
    let b = parse_csv("1,0.5\n-1,0.25\n", "b.csv").unwrap();
    assert_eq!(
        (b.classes, b.margin_rows(), b.y.clone()),
        (0, 2, vec![1.0, -1.0])
    );
}

#[test]
fn csv_zero_one_labels_are_ambiguous_unless_classes_are_forced() {
    let text = "label,a\n1,0.5\n0,0.25\n0,1\n";
    let msg = data_err(parse_csv(text, "z.csv"));
    assert_contains(
        &msg,
        &[
            "z.csv: line 3, field 1 (label): label 0",
            "ambiguous",
            "binary labels are +1/-1",
            "`--classes 2`",
            "`classes = 2` in [data]",
        ],
    );
    // Only zeros: ambiguous too.
    let msg = data_err(parse_csv("0,1\n0,2\n", "z.csv"));
    assert_contains(&msg, &["line 1, field 1 (label)", "ambiguous"]);

    let d = parse_csv_with(text, "z.csv", Some(2)).unwrap();
    assert_eq!((d.m(), d.classes, d.margin_rows()), (3, 2, 3));
    assert_eq!(labels(&d), vec![1, 0, 0]);
    assert_eq!(d.row_pair(0), (0, 0));
    assert_eq!(d.row_pair(1), (1, 1));
    // Through a file, by name and by extension.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("z.csv");
    std::fs::write(&p, text).unwrap();
    assert_eq!(load_csv_with(&p, Some(2)).unwrap(), d);
    assert_eq!(load_with(&p, Some(2)).unwrap(), d);
    assert_contains(&data_err(load_csv(&p)), &["z.csv", "line 3", "ambiguous"]);
    // A forced C larger than the largest label: the data have C classes all the same.
    let d5 = parse_csv_with(text, "z.csv", Some(5)).unwrap();
    assert_eq!((d5.classes, d5.margin_rows()), (5, 12));
}

#[test]
fn csv_forced_classes_reject_labels_outside_the_range() {
    let msg = data_err(parse_csv_with("0,1\n1,2\n# c\n3,4\n", "f.csv", Some(3)));
    assert_contains(
        &msg,
        &["f.csv: line 4, field 1 (label): label 3 is not a class index in 0..3 (classes = 3)"],
    );
    // ±1 labels are not class indices once classes are forced.
    let msg = data_err(parse_csv_with("1,1\n-1,2\n", "f.csv", Some(2)));
    assert_contains(
        &msg,
        &["line 2, field 1 (label): label -1 is not a class index in 0..2"],
    );
    let msg = data_err(parse_csv_with("0,1\n1.5,2\n", "f.csv", Some(3)));
    assert_contains(&msg, &["line 2, field 1 (label): label 1.5"]);
    // Non-numeric labels keep their parse-time error.
    let msg = data_err(parse_csv_with("0,1\nx,2\n", "f.csv", Some(3)));
    assert_contains(
        &msg,
        &[&format!(
            "line 2, field 1 (label): {LABEL_EXPECTED}, got `x`"
        )],
    );
    // classes = 0 or 1 is a configuration error, before any file is read.
    for c in [0, 1] {
        let msg = config_err(parse_csv_with("0,1\n", "f.csv", Some(c)));
        assert_contains(&msg, &[&format!("classes = {c}"), "at least 2 classes"]);
        let msg = config_err(load_csv_with("/nonexistent/f.csv", Some(c)));
        assert_contains(&msg, &["at least 2 classes"]);
    }
    let msg = config_err(parse_csv_with("0,1\n", "f.csv", Some(usize::MAX)));
    assert_contains(&msg, &["at most"]);
}

#[test]
fn csv_mixed_or_negative_labels_are_errors() {
    // −1 and 2: neither binary nor multiclass; both labels are located.
    let msg = data_err(parse_csv("1,0\n-1,0\n2,0\n", "m.csv"));
    assert_contains(
        &msg,
        &[
            "m.csv: line 3, field 1 (label): label 2 mixes with the binary label -1 at line 2, \
             field 1 (label)",
            "multiclass labels 0, 1, …, C-1",
        ],
    );
    let msg = data_err(parse_csv("2,0\n0,0\n-1,0\n", "m.csv"));
    assert_contains(
        &msg,
        &["line 1, field 1 (label): label 2 mixes", "at line 3"],
    );
    // A negative label other than −1 is no class index.
    let msg = data_err(parse_csv("0,1\n-2,1\n2,1\n", "m.csv"));
    assert_contains(&msg, &["line 2, field 1 (label)", LABEL_EXPECTED, "got -2"]);
}

// ---------------------------------------------------------------- JSON

#[test]
fn json_multiclass_and_forced_classes() {
    let d = parse_json(
        r#"{"x": [[1, 0], [0, 1], [1, 1]], "y": [0, 2, 1]}"#,
        "j.json",
    )
    .unwrap();
    assert_eq!((d.m(), d.d(), d.classes, d.margin_rows()), (3, 2, 3, 6));
    assert_eq!(labels(&d), vec![0, 2, 1]);
    assert_eq!(d.row_pair(2), (1, 0));

    let zo = r#"{"x": [[1], [2]], "y": [1, 0]}"#;
    let msg = data_err(parse_json(zo, "j.json"));
    assert_contains(&msg, &["j.json: y[1]: label 0", "ambiguous"]);
    let d = parse_json_with(zo, "j.json", Some(2)).unwrap();
    assert_eq!((d.classes, labels(&d)), (2, vec![1, 0]));

    let msg = data_err(parse_json_with(
        r#"{"x": [[1], [2]], "y": [0, 4]}"#,
        "j.json",
        Some(3),
    ));
    assert_contains(
        &msg,
        &["j.json: y[1]: label 4 is not a class index in 0..3"],
    );
    let msg = data_err(parse_json(r#"{"x": [[1], [2]], "y": [-1, 3]}"#, "j.json"));
    assert_contains(
        &msg,
        &["y[1]: label 3 mixes with the binary label -1 at y[0]"],
    );
    let msg = data_err(parse_json(r#"{"x": [[1], [2]], "y": [2, "b"]}"#, "j.json"));
    assert_contains(&msg, &[&format!("y[1]: {LABEL_EXPECTED}, got \"b\"")]);

    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("zo.JSON");
    std::fs::write(&p, zo).unwrap();
    assert_eq!(load_json_with(&p, Some(2)).unwrap(), d);
    assert_eq!(load_with(&p, Some(2)).unwrap(), d);
    assert_contains(
        &config_err(load_json_with(&p, Some(1))),
        &["at least 2 classes"],
    );
}

// ---------------------------------------------------------------- save_csv round trip

#[test]
fn save_csv_round_trips_multiclass_and_binary_data() {
    let dir = tempfile::tempdir().unwrap();
    let x = nalgebra::DMatrix::from_fn(6, 3, |i, j| (i as f64 - 2.5) / 3.0 + j as f64 * 1e-7);
    let mc = Dataset::multiclass(x.clone(), &[2, 0, 3, 1, 3, 0], 4).unwrap();
    let p = dir.path().join("mc.csv");
    save_csv(&p, &mc).unwrap();
    let text = std::fs::read_to_string(&p).unwrap();
    let first: Vec<&str> = text.lines().take(3).collect();
    assert_eq!(first[0], "label,x1,x2,x3");
    assert!(
        first[1].starts_with("2,") && first[2].starts_with("0,"),
        "{first:?}"
    );
    // Class 3 (= C − 1) occurs, so the plain loader infers C = 4; forcing C is exact too.
    for back in [load_csv(&p).unwrap(), load_csv_with(&p, Some(4)).unwrap()] {
        assert_eq!(back.classes, 4);
        assert_eq!(back.y, mc.y);
        for (a, b) in back.x.iter().zip(mc.x.iter()) {
            assert_eq!(a.to_bits(), b.to_bits());
        }
    }
    // Two classes are written 0/1: read back with classes forced (0/1 alone is ambiguous).
    let two = Dataset::multiclass(x.clone(), &[1, 0, 0, 1, 1, 0], 2).unwrap();
    let p2 = dir.path().join("two.csv");
    save_csv(&p2, &two).unwrap();
    assert_eq!(load_csv_with(&p2, Some(2)).unwrap(), two);
    assert_contains(&data_err(load_csv(&p2)), &["ambiguous"]);
    // A class that does not occur: forcing C restores `classes`.
    let gap = Dataset::multiclass(x.clone(), &[0, 1, 2, 1, 0, 2], 5).unwrap();
    let p3 = dir.path().join("gap.csv");
    save_csv(&p3, &gap).unwrap();
    assert_eq!(load_csv_with(&p3, Some(5)).unwrap(), gap);
    assert_eq!(load_csv(&p3).unwrap().classes, 3);
    // Binary data are still written ±1 and read back binary.
    let bin = Dataset::new(x, vec![1.0, -1.0, -1.0, 1.0, 1.0, -1.0]).unwrap();
    let p4 = dir.path().join("bin.csv");
    save_csv(&p4, &bin).unwrap();
    let text = std::fs::read_to_string(&p4).unwrap();
    assert!(text.lines().nth(2).unwrap().starts_with("-1,"));
    assert_eq!(load_csv(&p4).unwrap(), bin);
}

// ---------------------------------------------------------------- IDX

/// The digits of the synthetic set: every digit once, then 3, 6, 3.
const DIGITS: [u8; 13] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 3, 6, 3];

/// 13 images of 1×2 pixels; image i is (10·i, 255 − 10·i), so every row is distinct.
fn synthetic() -> (Vec<u8>, Vec<u8>) {
    let n = DIGITS.len();
    let px: Vec<u8> = (0..n)
        .flat_map(|i| [10 * i as u8, 255 - 10 * i as u8])
        .collect();
    (idx_images(n as u32, 1, 2, &px), idx_labels(&DIGITS))
}

/// Row i of the synthetic set, as loaded (pixels / 255).
fn synthetic_row(i: usize) -> Vec<f64> {
    vec![(10 * i) as f64 / 255.0, (255 - 10 * i) as f64 / 255.0]
}

fn parse_as(img: &[u8], lab: &[u8], how: &IdxLabels) -> Result<Dataset> {
    parse_idx_as(img, lab, "img", "lab", false, how)
}

/// Write the synthetic files into `dir`: (images path, labels path).
fn write_synthetic(dir: &Path) -> (PathBuf, PathBuf) {
    let (img, lab) = synthetic();
    let (ip, lp) = (dir.join("img.idx3-ubyte"), dir.join("lab.idx1-ubyte"));
    std::fs::write(&ip, img).unwrap();
    std::fs::write(&lp, lab).unwrap();
    (ip, lp)
}

#[test]
fn idx_as_ten_classes() {
    let (img, lab) = synthetic();
    let d = parse_as(&img, &lab, &IdxLabels::Classes).unwrap();
    assert_eq!((d.m(), d.d(), d.classes), (13, 2, 10));
    assert_eq!(
        labels(&d),
        DIGITS.iter().map(|&g| g as usize).collect::<Vec<_>>()
    );
    assert_eq!(d.margin_rows(), 13 * 9);
    assert_eq!(d.row(12), synthetic_row(12));
    // Even/odd is still the default and keeps every sample.
    let eo = parse_as(&img, &lab, &IdxLabels::EvenOdd).unwrap();
    assert_eq!(IdxLabels::default(), IdxLabels::EvenOdd);
    assert_eq!(eo.classes, 0);
    let want: Vec<f64> = DIGITS
        .iter()
        .map(|g| if g % 2 == 0 { 1.0 } else { -1.0 })
        .collect();
    assert_eq!(eo.y, want);
    assert_eq!(eo.x, d.x);
    // From files: load_idx is load_idx_as(EvenOdd).
    let dir = tempfile::tempdir().unwrap();
    let (ip, lp) = write_synthetic(dir.path());
    assert_eq!(load_idx(&ip, &lp, false).unwrap(), eo);
    assert_eq!(
        load_idx_as(&ip, &lp, false, &IdxLabels::Classes).unwrap(),
        d
    );
}

#[test]
fn idx_digit_pair_is_binary_with_only_those_samples() {
    let (img, lab) = synthetic();
    let d = parse_as(&img, &lab, &IdxLabels::Digits(vec![3, 6])).unwrap();
    // Samples 3, 6, 10, 11, 12 (digits 3, 6, 3, 6, 3), in their original order.
    let kept = [3usize, 6, 10, 11, 12];
    assert_eq!((d.m(), d.d(), d.classes), (5, 2, 0));
    assert_eq!(d.y, vec![1.0, -1.0, 1.0, -1.0, 1.0]);
    for (r, &i) in kept.iter().enumerate() {
        assert_eq!(d.row(r), synthetic_row(i), "kept row {r} = sample {i}");
    }
    // The order of the pair decides the sign.
    let r = parse_as(&img, &lab, &IdxLabels::Digits(vec![6, 3])).unwrap();
    assert_eq!(r.y, d.y.iter().map(|v| -v).collect::<Vec<_>>());
    assert_eq!(r.x, d.x);
    // Row normalization applies to the kept rows.
    let n = parse_idx_as(&img, &lab, "i", "l", true, &IdxLabels::Digits(vec![3, 6])).unwrap();
    for r in 0..n.m() {
        let norm = n.row(r).iter().map(|v| v * v).sum::<f64>().sqrt();
        assert!((norm - 1.0).abs() < 1e-14, "row {r}: {norm}");
    }
}

#[test]
fn idx_three_or_more_digits_are_classes_by_position() {
    let (img, lab) = synthetic();
    let d = parse_as(&img, &lab, &IdxLabels::Digits(vec![1, 2, 3])).unwrap();
    // Samples 1, 2, 3, 10, 12 (digits 1, 2, 3, 3, 3).
    assert_eq!((d.m(), d.classes, d.margin_rows()), (5, 3, 10));
    assert_eq!(labels(&d), vec![0, 1, 2, 2, 2]);
    assert_eq!(d.row(3), synthetic_row(10));
    // Class = position in the list, not the digit.
    let d = parse_as(&img, &lab, &IdxLabels::Digits(vec![9, 0, 6, 3])).unwrap();
    assert_eq!((d.m(), d.classes), (7, 4));
    // Samples 0 (0), 3 (3), 6 (6), 9 (9), 10 (3), 11 (6), 12 (3).
    assert_eq!(labels(&d), vec![1, 3, 2, 0, 3, 2, 3]);
    // All ten digits in order: class = position = digit, the same as `Classes`.
    let all = parse_as(&img, &lab, &IdxLabels::Digits((0..10).collect())).unwrap();
    assert_eq!(all, parse_as(&img, &lab, &IdxLabels::Classes).unwrap());
}

#[test]
fn idx_bad_digit_lists_are_errors() {
    let (img, lab) = synthetic();
    for (digits, part) in [
        (vec![], "at least two digits"),
        (vec![3], "at least two digits"),
        (vec![3, 3], "digit 3 is listed twice"),
        (vec![1, 2, 1], "digit 1 is listed twice"),
        (vec![3, 10], "10 is not a digit 0-9"),
        (vec![255, 1], "255 is not a digit 0-9"),
    ] {
        let how = IdxLabels::Digits(digits.clone());
        assert!(how.validate().is_err(), "{digits:?}");
        let msg = config_err(parse_as(&img, &lab, &how));
        assert_contains(&msg, &[&format!("digits = {digits:?}"), part]);
        // Checked before the files are read: no I/O error for missing files.
        let msg = config_err(load_idx_as("/nonexistent/i", "/nonexistent/l", false, &how));
        assert_contains(&msg, &[part]);
    }
    assert!(IdxLabels::Classes.validate().is_ok());
    assert!(IdxLabels::Digits(vec![3, 6]).validate().is_ok());

    // A listed digit that never occurs; no listed digit occurs at all.
    let lab_no7 = idx_labels(&[0, 1, 2, 3, 4, 5, 6, 8, 8, 9, 3, 6, 3]);
    let msg = data_err(parse_as(&img, &lab_no7, &IdxLabels::Digits(vec![3, 7])));
    assert_contains(
        &msg,
        &["lab: digit 7 of digits = [3, 7] never occurs among the 13 labels"],
    );
    let lab_none = idx_labels(&[0; 13]);
    let msg = data_err(parse_as(&img, &lab_none, &IdxLabels::Digits(vec![3, 7, 9])));
    assert_contains(&msg, &["lab: no sample has one of the digits [3, 7, 9]"]);
    // A label that is not a digit is an error even if its sample would be dropped.
    let mut bad = DIGITS;
    bad[5] = 12;
    let msg = data_err(parse_as(
        &img,
        &idx_labels(&bad),
        &IdxLabels::Digits(vec![3, 6]),
    ));
    assert_contains(&msg, &["label 5 is 12, not a digit"]);
}

// ---------------------------------------------------------------- [data] keys

fn cfg(toml_text: &str) -> DataConfig {
    toml::from_str(toml_text).unwrap_or_else(|e| panic!("{toml_text}: {e}"))
}

/// `[data]` text for the synthetic IDX files (relative to the directory they are in).
fn idx_cfg(extra: &str) -> DataConfig {
    cfg(&format!(
        "path = \"img.idx3-ubyte\"\nlabels = \"lab.idx1-ubyte\"\nformat = \"idx\"\n{extra}"
    ))
}

#[test]
fn data_config_parses_the_new_keys() {
    let c = idx_cfg("classes = 10\ndigits = [3, 6]\nlabels_as = \"classes\"");
    assert_eq!(c.classes, Some(10));
    assert_eq!(c.digits, Some(vec![3, 6]));
    assert_eq!(c.labels_as.as_deref(), Some("classes"));
    // Unknown keys are still refused; digits are small integers.
    assert!(toml::from_str::<DataConfig>("path = \"a.csv\"\ndigit = [3]").is_err());
    assert!(toml::from_str::<DataConfig>("path = \"a.csv\"\ndigits = [3, 600]").is_err());
    assert!(toml::from_str::<DataConfig>("path = \"a.csv\"\nclasses = -2").is_err());
    // Absent keys are not serialized (configs written before these keys are unchanged).
    let plain = cfg("path = \"a.csv\"");
    let text = toml::to_string(&plain).unwrap();
    for k in ["classes", "digits", "labels_as"] {
        assert!(!text.contains(k), "{text}");
    }
    let text = toml::to_string(&c).unwrap();
    assert_eq!(toml::from_str::<DataConfig>(&text).unwrap(), c);
}

#[test]
fn data_config_idx_labellings() {
    let dir = tempfile::tempdir().unwrap();
    write_synthetic(dir.path());
    let base = dir.path();
    let (img, lab) = synthetic();
    let parsed = |how: IdxLabels| parse_as(&img, &lab, &how).unwrap();
    let load = |extra: &str| idx_cfg(extra).load(base);

    let eo = parsed(IdxLabels::EvenOdd);
    assert_eq!(load("").unwrap(), eo);
    assert_eq!(load("labels_as = \"even_odd\"").unwrap(), eo);
    let ten = parsed(IdxLabels::Classes);
    assert_eq!(load("labels_as = \"classes\"").unwrap(), ten);
    assert_eq!(load("classes = 10").unwrap(), ten);
    assert_eq!(load("labels_as = \"classes\"\nclasses = 10").unwrap(), ten);
    let pair = parsed(IdxLabels::Digits(vec![3, 6]));
    assert_eq!(load("digits = [3, 6]").unwrap(), pair);
    let three = parsed(IdxLabels::Digits(vec![1, 2, 3]));
    assert_eq!(load("digits = [1, 2, 3]").unwrap(), three);
    assert_eq!(load("digits = [1, 2, 3]\nclasses = 3").unwrap(), three);
    // A pair with classes = 2: two classes by position (3 → 0, 6 → 1).
    let two = load("digits = [3, 6]\nclasses = 2").unwrap();
    assert_eq!((two.classes, two.m(), two.margin_rows()), (2, 5, 5));
    assert_eq!(labels(&two), vec![0, 1, 0, 1, 0]);
    assert_eq!(two.x, pair.x);
    // rows cuts after the digit filter: the first 3 threes and sixes.
    let head = load("digits = [3, 6]\nrows = 3").unwrap();
    assert_eq!((head.m(), head.y.clone()), (3, vec![1.0, -1.0, 1.0]));
    assert_eq!(head.row(2), synthetic_row(10));
    // normalize_rows with digits.
    let n = load("digits = [3, 6]\nnormalize_rows = true").unwrap();
    assert_eq!(n.m(), 5);
}

#[test]
fn data_config_contradictions_are_config_errors() {
    let dir = tempfile::tempdir().unwrap();
    write_synthetic(dir.path());
    std::fs::write(dir.path().join("zo.csv"), "0,1\n1,2\n0,3\n").unwrap();
    let base = dir.path();
    let idx = |extra: &str| config_err(idx_cfg(extra).load(base));
    let other = |text: &str| config_err(cfg(text).load(base));

    for (extra, parts) in [
        (
            "classes = 5",
            &["classes = 5 with IDX data", "digits = [a, b, …]"][..],
        ),
        (
            "labels_as = \"classes\"\nclasses = 3",
            &["classes = 3 with IDX data"],
        ),
        (
            "labels_as = \"even_odd\"\nclasses = 10",
            &[
                "labels_as = \"even_odd\" is binary",
                "contradicts classes = 10",
            ],
        ),
        (
            "labels_as = \"digits\"",
            &["unknown labels_as = \"digits\"", "\"even_odd\" or"],
        ),
        (
            "digits = [3, 6]\nlabels_as = \"classes\"",
            &["labels_as = \"classes\" contradicts digits = [3, 6]"],
        ),
        (
            "digits = [3, 6]\nlabels_as = \"even_odd\"",
            &["labels_as = \"even_odd\" contradicts digits = [3, 6]"],
        ),
        (
            "digits = [1, 2, 3]\nclasses = 2",
            &["classes = 2 contradicts digits = [1, 2, 3], which give 3 classes"],
        ),
        (
            "digits = [3, 6]\nclasses = 10",
            &["classes = 10 contradicts digits = [3, 6]"],
        ),
        (
            "digits = [3, 3]",
            &["[data]: digits = [3, 3]: digit 3 is listed twice"],
        ),
        ("digits = [4]", &["at least two digits"]),
        ("digits = [3, 11]", &["11 is not a digit"]),
        ("classes = 1", &["classes = 1", "at least 2 classes"]),
        ("classes = 0\ndigits = [3, 6]", &["classes = 0"]),
    ] {
        let msg = idx(extra);
        assert!(msg.starts_with("[data]"), "{msg}");
        assert_contains(&msg, parts);
    }
    // digits / labels_as are IDX keys.
    let msg = other("path = \"zo.csv\"\ndigits = [3, 6]");
    assert_contains(&msg, &["`digits`", "format = \"idx\"", "CSV/JSON data"]);
    let msg = other("path = \"zo.csv\"\nformat = \"csv\"\nlabels_as = \"classes\"");
    assert_contains(&msg, &["`labels_as`", "format = \"idx\""]);
    // Generators are binary: none of the label keys.
    let generator = "generator = { type = \"linear_teacher\", m = 6, d = 2, seed = 1 }";
    let msg = other(&format!("{generator}\nclasses = 3"));
    assert_contains(&msg, &["classes = 3", "not to a generator"]);
    let msg = other(&format!("{generator}\nformat = \"idx\"\ndigits = [3, 6]"));
    assert_contains(&msg, &["`digits`", "a generator"]);
    let msg = other(&format!("{generator}\nlabels_as = \"classes\""));
    assert_contains(&msg, &["`labels_as`", "a generator"]);
    assert_eq!(cfg(generator).load(base).unwrap().classes, 0);

    // CSV: 0/1 labels need classes = 2; classes forces C; a bad label names its line.
    let msg = data_err(cfg("path = \"zo.csv\"").load(base));
    assert_contains(
        &msg,
        &["zo.csv: line 1, field 1 (label)", "`classes = 2` in [data]"],
    );
    let d = cfg("path = \"zo.csv\"\nclasses = 2").load(base).unwrap();
    assert_eq!((d.classes, labels(&d)), (2, vec![0, 1, 0]));
    let d = cfg("path = \"zo.csv\"\nformat = \"csv\"\nclasses = 4\nrows = 2")
        .load(base)
        .unwrap();
    assert_eq!((d.classes, d.m()), (4, 2));
    let msg = config_err(cfg("path = \"zo.csv\"\nclasses = 1").load(base));
    assert_contains(&msg, &["classes = 1"]);
}

// ---------------------------------------------------------------- the bundled MNIST

/// Digit counts of the first 2048 MNIST training labels, as recorded in
/// `fixtures/datasets/mnist/provenance.md` and measured by `mnist_fixture_as_ten_classes`.
const MNIST_COUNTS: [usize; 10] = [192, 227, 203, 196, 220, 184, 205, 229, 179, 213];

fn mnist() -> (PathBuf, PathBuf) {
    (
        fixture("mnist/mnist-train-first2048-images.idx3-ubyte.gz"),
        fixture("mnist/mnist-train-first2048-labels.idx1-ubyte.gz"),
    )
}

#[test]
fn mnist_fixture_as_ten_classes() {
    let (img, lab) = mnist();
    let d = load_idx_as(&img, &lab, false, &IdxLabels::Classes).unwrap();
    assert_eq!((d.m(), d.d(), d.classes), (2048, 784, 10));
    assert_eq!(d.margin_rows(), 2048 * 9);
    let counts = class_counts(&d);
    println!("MNIST first 2048, digit counts: {counts:?}");
    assert!(
        counts.iter().all(|&n| n > 0),
        "every digit occurs: {counts:?}"
    );
    assert_eq!(counts, MNIST_COUNTS);
    assert_eq!(counts.iter().sum::<usize>(), 2048);
    // The provenance file states the same counts.
    let prov = std::fs::read_to_string(fixture("mnist/provenance.md")).unwrap();
    let stated: String = (0..10)
        .map(|g| format!("{g}: {}", MNIST_COUNTS[g]))
        .collect::<Vec<_>>()
        .join(", ");
    assert!(prov.contains(&stated), "provenance should list {stated}");
    // Same pixels as the even/odd load; the even/odd labels are the parities of the classes.
    let eo = load_idx(&img, &lab, false).unwrap();
    assert_eq!(eo.x, d.x);
    for i in 0..d.m() {
        assert_eq!(eo.y[i] > 0.0, d.label(i) % 2 == 0, "sample {i}");
    }
    // Through a [data] section.
    let c = cfg(&format!(
        "path = {:?}\nlabels = {:?}\nformat = \"idx\"\nlabels_as = \"classes\"",
        img.display().to_string(),
        lab.display().to_string()
    ));
    assert_eq!(c.load(Path::new("/")).unwrap(), d);
}

#[test]
fn mnist_fixture_as_digit_pair_three_vs_six() {
    let (img, lab) = mnist();
    let all = load_idx_as(&img, &lab, false, &IdxLabels::Classes).unwrap();
    let d = load_idx_as(&img, &lab, false, &IdxLabels::Digits(vec![3, 6])).unwrap();
    let threes = d.y.iter().filter(|&&y| y == 1.0).count();
    let sixes = d.y.iter().filter(|&&y| y == -1.0).count();
    println!("MNIST first 2048, digits [3, 6]: {threes} threes (+1), {sixes} sixes (-1)");
    assert_eq!((threes, sixes), (196, 205));
    assert_eq!((threes, sixes), (MNIST_COUNTS[3], MNIST_COUNTS[6]));
    assert_eq!((d.m(), d.d(), d.classes), (401, 784, 0));
    // Exactly the 3s and 6s of the full set, in order, with the same pixels.
    let kept: Vec<usize> = (0..all.m())
        .filter(|&i| matches!(all.label(i), 3 | 6))
        .collect();
    assert_eq!(kept.len(), d.m());
    for (r, &i) in kept.iter().enumerate() {
        assert_eq!(d.row(r), all.row(i), "row {r} = sample {i}");
        assert_eq!(d.y[r], if all.label(i) == 3 { 1.0 } else { -1.0 });
    }
    // A [data] section with rows: the first 100 of the 401.
    let c = cfg(&format!(
        "path = {:?}\nlabels = {:?}\nformat = \"idx\"\ndigits = [3, 6]\nrows = 100\n\
         normalize_rows = true",
        img.display().to_string(),
        lab.display().to_string()
    ));
    let h = c.load(Path::new("/")).unwrap();
    assert_eq!((h.m(), h.classes), (100, 0));
    assert_eq!(h.y, d.y[..100].to_vec());
}
