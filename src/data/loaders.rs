//! Dataset file formats: CSV, JSON and (in the sibling module `idx`) MNIST's IDX.
//!
//! * **CSV** ([`load_csv`], [`parse_csv`], [`save_csv`]) — one sample per line, the label
//!   first, then the features, comma-separated. Whitespace around fields
//!   is ignored and blank lines and lines starting with `#` are skipped. **Header rule:** the
//!   first remaining line is a header (and skipped) only if *none* of its fields parses as a
//!   number (`label,x1,x2`); a first line with at least one numeric field is data, so
//!   `pos,0.5,0.2` is an error naming line 1, field 1 — never a silently dropped row.
//! * **JSON** ([`load_json`], [`parse_json`]) — `{"x": [[x_11, …, x_1d], …], "y": [y_1, …]}`;
//!   other top-level fields are ignored.
//! * **IDX** ([`load_idx`](super::load_idx), [`parse_idx`](super::parse_idx)) — the MNIST
//!   format (big-endian header, unsigned bytes), gzip-compressed when the file name ends in
//!   `.gz`; digits are labelled even → +1, odd → −1 as in the experiments of \[M\] §6, or, with
//!   [`load_idx_as`](super::load_idx_as), as 10 classes or a subset of digits
//!   ([`IdxLabels`](super::IdxLabels)).
//!
//! **Labels: binary or multiclass.** CSV and JSON labels are numbers, read by
//! [`Dataset::from_raw_labels`]: all labels ±1 (`1`, `+1`, `-1`, `1.0`, …) make a binary
//! dataset; non-negative integers with maximum ≥ 2 (`0`, `1`, `2`, …) a multiclass one with
//! C = max + 1 classes; labels only 0 and 1 are ambiguous and an error (binary labels are
//! ±1), unless the number of classes is given: the `*_with` functions ([`parse_csv_with`],
//! [`load_csv_with`], [`parse_json_with`], [`load_json_with`], [`load_with`]) take
//! `classes: Option<usize>`, and `Some(C)` reads every label as a class index in 0..C (so
//! `Some(2)` reads 0/1 labels as two classes; the CLI's `--classes C`, `classes = C` in a
//! `[data]` section). The functions without `_with` are `classes = None`.
//!
//! **Reading files.** Every loader reads through [`crate::read_file`]: the path must be a
//! regular file (after following symlinks; a FIFO, a device such as `/dev/zero` or a
//! directory is an [`Error::Data`] naming the path and its kind), its size must fit the
//! memory budget ([`crate::resources`]) before it is read, and text must be UTF-8 — a leading
//! UTF-8 byte-order mark is ignored in CSV and JSON alike (also by [`parse_csv`] and
//! [`parse_json`] on text), and invalid UTF-8 is an [`Error::Data`] giving the byte offset.
//!
//! Every error names the source (file path) and the offending line/row and field, and no
//! input makes these functions panic.

use crate::data::{Dataset, MAX_CLASSES};
use crate::error::{Error, Result};
use crate::read_file::read_text;
use nalgebra::DMatrix;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// What a label may be, for error messages.
const LABEL_EXPECTED: &str = "expected +1 or -1 (binary) or a class index 0, 1, 2, … (multiclass)";

/// Load a CSV dataset from `path`: [`load_csv_with`] with `classes = None` (labels ±1 are
/// binary, integer labels 0…C−1 with C ≥ 3 multiclass; see the module docs).
///
/// Format: one sample per line, `label,x_1,…,x_d`, where the label is a number — +1 or −1
/// (written `1`, `+1`, `-1`, `1.0`, `-1.0`, …) for binary data, a class index `0`, `1`,
/// `2`, … for multiclass data — and every feature is a finite number.
/// Fields are comma-separated and trimmed; blank lines and lines whose first non-blank
/// character is `#` are skipped. The first other line is a header, and skipped, only if
/// *none* of its fields parses as a number (e.g. `label,x1,x2`); a first line with some
/// numeric field is a data row like any other, so a non-numeric label there
/// (`pos,0.5,0.2`) is an error naming line and field rather than a silently lost row.
/// A UTF-8 byte-order mark is ignored.
///
/// Errors ([`Error::Data`]) name the source, the 1-based line and the 1-based field, e.g.
/// * ``data.csv: line 1, field 1 (label): expected +1 or -1 (binary) or a class index 0, 1,
///   2, … (multiclass), got `pos` (…)``,
/// * `data.csv: line 7, field 1 (label): label 2 mixes with the binary label -1 at line 3,
///   field 1 (label): …`,
/// * `data.csv: line 2, field 1 (label): label 0: labels 0/1 are ambiguous — …` (pass
///   `classes = Some(2)` to read them as two classes),
/// * ``data.csv: line 3, field 5: `nan` is not a finite number``,
/// * `data.csv: line 4 has 3 features, line 2 has 4`,
/// * `data.csv: no data rows (only blank lines, comments or a header)`,
/// * `data.csv: not UTF-8 text (byte 0xff at offset 12 …)`,
/// * ``data file `data.csv` is a FIFO (named pipe), not a regular file``.
///
/// A missing or unreadable file is an [`Error::Io`] with the path; a file larger than the
/// memory budget is an [`Error::Config`] (see [`crate::read_file`]).
pub fn load_csv(path: impl AsRef<Path>) -> Result<Dataset> {
    load_csv_with(path, None)
}

/// Load a CSV dataset from `path` (the format of [`load_csv`]) with an optional forced
/// number of classes: `Some(C)` reads every label as a class index in 0..C (an error names
/// the first label that is not), `None` decides from the labels
/// ([`Dataset::from_raw_labels`]). `Some(C)` with C < 2 or C > [`MAX_CLASSES`] is an
/// [`Error::Config`], reported before the file is read.
pub fn load_csv_with(path: impl AsRef<Path>, classes: Option<usize>) -> Result<Dataset> {
    check_classes(classes)?;
    let path = path.as_ref();
    let text = read_text(path, "data file")?;
    parse_csv_with(&text, &path.display().to_string(), classes)
}

/// Parse CSV text in the format of [`load_csv`]; `source` names the input in error
/// messages (usually the file path). Same as [`parse_csv_with`] with `classes = None`.
pub fn parse_csv(text: &str, source: &str) -> Result<Dataset> {
    parse_csv_with(text, source, None)
}

/// Parse CSV text in the format of [`load_csv`], with an optional forced number of classes
/// (see [`load_csv_with`]); `source` names the input in error messages.
pub fn parse_csv_with(text: &str, source: &str, classes: Option<usize>) -> Result<Dataset> {
    check_classes(classes)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut values: Vec<f64> = Vec::new();
    let mut labels: Vec<f64> = Vec::new();
    // The 1-based line of each sample, for label errors.
    let mut label_lines: Vec<usize> = Vec::new();
    // (number of features, line where that width was first seen)
    let mut width: Option<(usize, usize)> = None;
    let mut seen_first = false;

    for (idx, raw) in text.lines().enumerate() {
        let lineno = idx + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = line.split(',');
        // `split` always yields at least one item.
        let first = fields.next().unwrap_or("").trim();
        let first_line = !seen_first;
        if first_line {
            seen_first = true;
            if is_header(line) {
                continue;
            }
        }
        labels.push(parse_label(first, source, lineno, first_line)?);
        label_lines.push(lineno);

        let start = values.len();
        for (k, field) in fields.enumerate() {
            values.push(parse_feature(field.trim(), source, lineno, k + 2)?);
        }
        let n = values.len() - start;
        if n == 0 {
            return Err(Error::Data(format!(
                "{source}: line {lineno} has a label but no features"
            )));
        }
        match width {
            None => width = Some((n, lineno)),
            Some((d, first_line)) if d != n => {
                return Err(Error::Data(format!(
                    "{source}: line {lineno} has {n} features, line {first_line} has {d} \
                     (every row needs the same number of features)"
                )));
            }
            Some(_) => {}
        }
    }

    let Some((d, _)) = width else {
        return Err(Error::Data(format!(
            "{source}: no data rows (only blank lines, comments or a header)"
        )));
    };
    let m = labels.len();
    let x = DMatrix::from_row_slice(m, d, &values);
    let describe = |i: usize| match label_lines.get(i) {
        Some(l) => format!("line {l}, field 1 (label)"),
        None => format!("sample {i}, field 1 (label)"),
    };
    Dataset::from_raw_labels(x, &labels, classes, &describe).map_err(|e| prefix(source, e))
}

/// A forced number of classes must be in 2..=[`MAX_CLASSES`].
fn check_classes(classes: Option<usize>) -> Result<()> {
    match classes {
        Some(c) if c < 2 => Err(Error::Config(format!(
            "classes = {c}: a multiclass dataset needs at least 2 classes (binary data need \
             no `classes`: their labels are +1/-1)"
        ))),
        Some(c) if c > MAX_CLASSES => Err(Error::Config(format!(
            "classes = {c}: at most {MAX_CLASSES} classes are supported"
        ))),
        _ => Ok(()),
    }
}

/// The header rule: a (first) line is a header only if none of its fields is a number.
fn is_header(line: &str) -> bool {
    line.split(',').all(|f| f.trim().parse::<f64>().is_err())
}

/// Parse a CSV label field: a finite number (whether it is a valid ±1 or class label is
/// decided by [`Dataset::from_raw_labels`] once all labels are known). On the first
/// non-comment line, a non-numeric label gets a hint about the header rule.
fn parse_label(field: &str, source: &str, lineno: usize, first_line: bool) -> Result<f64> {
    match field.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Err(_) if first_line => Err(Error::Data(format!(
            "{source}: line {lineno}, field 1 (label): {LABEL_EXPECTED}, got `{field}` \
             (the line has numeric fields, so it is data, not a header: a header has no \
             numeric field){}",
            separator_hint(field)
        ))),
        _ => Err(Error::Data(format!(
            "{source}: line {lineno}, field 1 (label): {LABEL_EXPECTED}, got `{field}`{}",
            separator_hint(field)
        ))),
    }
}

/// Parse a CSV feature field: a finite number.
fn parse_feature(field: &str, source: &str, lineno: usize, fieldno: usize) -> Result<f64> {
    if field.is_empty() {
        return Err(Error::Data(format!(
            "{source}: line {lineno}, field {fieldno}: empty field (expected a finite number)"
        )));
    }
    match field.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(Error::Data(format!(
            "{source}: line {lineno}, field {fieldno}: `{field}` is not a finite number{}",
            separator_hint(field)
        ))),
    }
}

/// A hint for files that use another separator than the comma.
fn separator_hint(field: &str) -> &'static str {
    if field.contains([';', '\t', ' ']) {
        " (fields must be comma-separated)"
    } else {
        ""
    }
}

/// Prefix the message of a [`Error::Data`] with the source name.
pub(super) fn prefix(source: &str, e: Error) -> Error {
    match e {
        Error::Data(msg) => Error::Data(format!("{source}: {msg}")),
        other => other,
    }
}

/// Load a JSON dataset `{"x": [[…], …], "y": […]}` from `path`: [`load_json_with`] with
/// `classes = None`.
///
/// `x` is an array of m rows, each an array of d ≥ 1 finite numbers; `y` is an array of m
/// numeric labels, all +1 or −1 (binary) or class indices 0, 1, 2, … (multiclass with
/// C = max + 1 ≥ 3; see the module docs). Other top-level fields are ignored. Syntax errors are
/// [`Error::Json`]; structural errors are [`Error::Data`] naming the field and the row
/// index (`x[3][5]`, `y[7]`, …). The file is read like a CSV file (regular files only,
/// UTF-8 with an optional byte-order mark; see [`load_csv`]).
pub fn load_json(path: impl AsRef<Path>) -> Result<Dataset> {
    load_json_with(path, None)
}

/// Load a JSON dataset (the format of [`load_json`]) with an optional forced number of
/// classes, as [`load_csv_with`] does for CSV: `Some(C)` reads every `y[i]` as a class
/// index in 0..C.
pub fn load_json_with(path: impl AsRef<Path>, classes: Option<usize>) -> Result<Dataset> {
    check_classes(classes)?;
    let path = path.as_ref();
    let text = read_text(path, "data file")?;
    parse_json_with(&text, &path.display().to_string(), classes)
}

/// Parse JSON text in the format of [`load_json`]; `source` names the input in errors. A
/// leading byte-order mark is ignored. Same as [`parse_json_with`] with `classes = None`.
pub fn parse_json(text: &str, source: &str) -> Result<Dataset> {
    parse_json_with(text, source, None)
}

/// Parse JSON text in the format of [`load_json`] with an optional forced number of
/// classes (see [`load_json_with`]); `source` names the input in errors.
pub fn parse_json_with(text: &str, source: &str, classes: Option<usize>) -> Result<Dataset> {
    check_classes(classes)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| Error::Json(format!("{source}: {e}")))?;
    let data_err = |msg: String| Error::Data(format!("{source}: {msg}"));
    let obj = value.as_object().ok_or_else(|| {
        data_err(format!(
            "expected a JSON object with fields \"x\" and \"y\", got {}",
            kind(&value)
        ))
    })?;
    let x = obj
        .get("x")
        .ok_or_else(|| data_err("missing field \"x\" (the m×d feature rows)".into()))?;
    let y = obj.get("y").ok_or_else(|| {
        data_err("missing field \"y\" (the m labels: +1/-1, or class indices 0, 1, 2, …)".into())
    })?;
    let rows = x.as_array().ok_or_else(|| {
        data_err(format!(
            "field \"x\" must be an array of rows, got {}",
            kind(x)
        ))
    })?;
    let labels = y.as_array().ok_or_else(|| {
        data_err(format!(
            "field \"y\" must be an array of labels, got {}",
            kind(y)
        ))
    })?;
    if rows.is_empty() {
        return Err(data_err("\"x\" has no rows (m = 0)".into()));
    }
    if rows.len() != labels.len() {
        return Err(data_err(format!(
            "\"x\" has {} rows but \"y\" has {} labels",
            rows.len(),
            labels.len()
        )));
    }

    let mut d = 0;
    let mut values = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let row = row.as_array().ok_or_else(|| {
            data_err(format!(
                "x[{i}] must be an array of numbers, got {}",
                kind(row)
            ))
        })?;
        if row.is_empty() {
            return Err(data_err(format!("x[{i}] has no features")));
        }
        if i == 0 {
            d = row.len();
            // Later rows may be shorter (an error below), so bound the reservation by the
            // most numbers `text` can hold (each takes at least two characters, `0,`).
            values.reserve(rows.len().saturating_mul(d).min(text.len() / 2 + 1));
        } else if row.len() != d {
            return Err(data_err(format!(
                "x[{i}] has {} features, x[0] has {d} (every row needs the same number of features)",
                row.len()
            )));
        }
        for (j, v) in row.iter().enumerate() {
            match v.as_f64() {
                Some(f) if f.is_finite() => values.push(f),
                _ => {
                    return Err(data_err(format!(
                        "x[{i}][{j}]: expected a finite number, got {}",
                        short(v)
                    )))
                }
            }
        }
    }
    let mut y_vec = Vec::with_capacity(labels.len());
    for (i, v) in labels.iter().enumerate() {
        match v.as_f64() {
            Some(f) if f.is_finite() => y_vec.push(f),
            _ => {
                return Err(data_err(format!(
                    "y[{i}]: {LABEL_EXPECTED}, got {}",
                    short(v)
                )))
            }
        }
    }
    let x = DMatrix::from_row_slice(rows.len(), d, &values);
    Dataset::from_raw_labels(x, &y_vec, classes, &|i| format!("y[{i}]"))
        .map_err(|e| prefix(source, e))
}

/// The JSON type of a value, for error messages.
fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// A value rendered for an error message, cut to a reasonable length.
fn short(v: &serde_json::Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        let cut: String = s.chars().take(40).collect();
        format!("{cut}… ({})", kind(v))
    } else {
        s
    }
}

/// Write `data` as CSV: a header `label,x1,…,xd`, then one line per sample, label first —
/// `1` or `-1` for binary data, the class index (`0`, `1`, `2`, …) for multiclass data.
/// Numbers use Rust's shortest round-trip formatting (`{:?}` of `f64`), so [`load_csv`]
/// reads back exactly the same bits.
///
/// Binary data read back with [`load_csv`]. Multiclass data read back with
/// [`load_csv_with`]`(path, Some(data.classes))`, which restores `classes` exactly; plain
/// [`load_csv`] infers C = (largest label present) + 1, which is the same only when the
/// last class occurs and C ≥ 3 (labels only 0/1 are refused as ambiguous).
pub fn save_csv(path: impl AsRef<Path>, data: &Dataset) -> Result<()> {
    let path = path.as_ref();
    let file = File::create(path).map_err(|e| Error::io(path, e))?;
    let mut w = BufWriter::new(file);
    let mut line = String::from("label");
    for j in 1..=data.d() {
        line.push_str(&format!(",x{j}"));
    }
    line.push('\n');
    w.write_all(line.as_bytes())
        .map_err(|e| Error::io(path, e))?;
    for i in 0..data.m() {
        line.clear();
        if data.is_multiclass() {
            line.push_str(&data.label(i).to_string());
        } else {
            line.push_str(if data.y[i] > 0.0 { "1" } else { "-1" });
        }
        for j in 0..data.d() {
            line.push_str(&format!(",{:?}", data.x[(i, j)]));
        }
        line.push('\n');
        w.write_all(line.as_bytes())
            .map_err(|e| Error::io(path, e))?;
    }
    w.flush().map_err(|e| Error::io(path, e))
}

/// Load a dataset, choosing the format by extension: `.csv` → [`load_csv`], `.json` →
/// [`load_json`] (case-insensitive). Any other extension is an [`Error::Data`] naming the
/// path; IDX files need two paths and are read with [`load_idx`](super::load_idx). Same as
/// [`load_with`] with `classes = None`.
pub fn load(path: impl AsRef<Path>) -> Result<Dataset> {
    load_with(path, None)
}

/// Load a dataset by extension like [`load`], with an optional forced number of classes:
/// `.csv` → [`load_csv_with`], `.json` → [`load_json_with`]. `Some(C)` reads every label as
/// a class index in 0..C (e.g. `Some(2)` for 0/1 labels); `None` decides from the labels.
pub fn load_with(path: impl AsRef<Path>, classes: Option<usize>) -> Result<Dataset> {
    let path = path.as_ref();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("csv") => load_csv_with(path, classes),
        Some("json") => load_json_with(path, classes),
        other => Err(Error::Data(format!(
            "`{}`: unknown data file extension {} (expected .csv or .json; \
             IDX files are read with load_idx)",
            path.display(),
            match other {
                Some(e) => format!("`.{e}`"),
                None => "(none)".to_string(),
            }
        ))),
    }
}

/// Every data file format (for `implicit-bias list`): `format` in a `[data]` section, or
/// chosen from the extension.
pub fn formats_catalogue() -> Vec<crate::catalogue::Row> {
    use crate::catalogue::Row;
    vec![
        Row::new(
            "csv",
            "csv",
            "label,x1,…,xd per line (labels ±1, or class indices 0…C−1 for C classes; \
             `classes = C` forces C; optional header; `.csv`)",
        ),
        Row::new(
            "json",
            "json",
            "{\"x\": [[…], …], \"y\": [±1 or class index, …]} (`classes = C` forces C; `.json`)",
        ),
        Row::new(
            "idx",
            "idx {path, labels, labels_as = even_odd, digits}",
            "MNIST IDX images + labels, plain or gzip: even digits = +1 / odd = −1, \
             `labels_as = \"classes\"` (10 classes), or `digits = [a, b]` (a = +1, b = −1; \
             3+ digits: class = position)",
        ),
    ]
}
