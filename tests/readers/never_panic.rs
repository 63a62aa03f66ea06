//! No input makes a byte-level parser panic (item 8): random bytes and random mutations
//! (overwritten bytes, then an optional cut) of the fixture files, 256 cases per parser.
//! Every error is bad input (exit status 2).

use super::bounded::{gzip, idx1};
use super::fixtures;
use implicit_bias::data::{gunzip_bounded, parse_csv, parse_idx, parse_json};
use implicit_bias::error::Result;
use implicit_bias::params_io::{parse_params_bytes, ParamsFormat};
use implicit_bias::read_file::decode_text;
use proptest::prelude::*;
use std::sync::OnceLock;

/// The fixture bytes every mutation starts from.
struct Seeds {
    csv: Vec<u8>,
    json: Vec<u8>,
    images: Vec<u8>,
    labels: Vec<u8>,
    images_gz: Vec<u8>,
    params: Vec<(ParamsFormat, Vec<u8>)>,
}

fn seeds() -> &'static Seeds {
    static SEEDS: OnceLock<Seeds> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let read = |p: &str| std::fs::read(fixtures().join(p)).unwrap();
        // The first 12 lines of the two-layer fixture's data, and the same rows as JSON.
        let full = String::from_utf8(read("params/torch_two_layer_data.csv")).unwrap();
        let csv: String = full.lines().take(12).map(|l| format!("{l}\n")).collect();
        let data = parse_csv(&csv, "seed.csv").unwrap();
        let rows: Vec<Vec<f64>> = (0..data.m()).map(|i| data.row(i)).collect();
        let json = serde_json::json!({"x": rows, "y": data.y}).to_string();
        // Four MNIST images (28×28) and their labels, from the bundled fixture.
        let gz = read("datasets/mnist/mnist-train-first2048-images.idx3-ubyte.gz");
        let all = gunzip_bounded(&gz, "mnist", 2 << 20).unwrap();
        let mut images = [0x0803u32, 4, 28, 28]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect::<Vec<u8>>();
        images.extend(&all[16..16 + 4 * 784]);
        let labels = idx1(&[5, 0, 4, 1]);
        let images_gz = gzip(&images);
        let params = vec![
            (ParamsFormat::Npy, read("params/torch_two_layer_W_fortran_be_v2.npy")),
            (ParamsFormat::Npz, read("params/torch_two_layer.npz")),
            (ParamsFormat::Safetensors, read("params/torch_two_layer.safetensors")),
            (
                ParamsFormat::Json,
                br#"{"blocks": {"W": {"shape": [2, 3], "data": [1, 2, 3, 4, 5, 6]}, "u": {"shape": [2], "data": [1, -1]}}}"#.to_vec(),
            ),
        ];
        Seeds { csv: csv.into_bytes(), json: json.into_bytes(), images, labels, images_gz, params }
    })
}

/// `seed` with up to 8 bytes overwritten and, with `cut`, truncated.
fn mutate(seed: &[u8], edits: &[(usize, u8)], cut: Option<usize>) -> Vec<u8> {
    let mut b = seed.to_vec();
    for &(i, v) in edits {
        let n = b.len();
        if n > 0 {
            b[i % n] = v;
        }
    }
    if let Some(c) = cut {
        b.truncate(c % (b.len() + 1));
    }
    b
}

fn edits() -> impl Strategy<Value = (Vec<(usize, u8)>, Option<usize>)> {
    (
        prop::collection::vec((any::<usize>(), any::<u8>()), 0..8),
        prop::option::weighted(0.25, any::<usize>()),
    )
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..600)
}

/// Ok, or an error that is bad input.
fn bad_input_or_ok<T>(r: Result<T>) -> std::result::Result<(), TestCaseError> {
    if let Err(e) = r {
        prop_assert_eq!(e.exit_status(), 2, "{}", e);
    }
    Ok(())
}

fn text_parsers(b: &[u8]) -> std::result::Result<(), TestCaseError> {
    let text = String::from_utf8_lossy(b);
    bad_input_or_ok(parse_csv(&text, "f.csv"))?;
    bad_input_or_ok(parse_json(&text, "f.json"))?;
    bad_input_or_ok(decode_text(b, "f.txt"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn csv_and_json_never_panic((e, cut) in edits(), json in any::<bool>()) {
        let s = seeds();
        text_parsers(&mutate(if json { &s.json } else { &s.csv }, &e, cut))?;
    }

    #[test]
    fn text_parsers_on_random_bytes_never_panic(b in bytes()) {
        text_parsers(&b)?;
    }

    #[test]
    fn idx_never_panics((e, cut) in edits(), which in 0u8..3, random in bytes()) {
        let s = seeds();
        let (img, lab) = match which {
            0 => (mutate(&s.images, &e, cut), s.labels.clone()),
            1 => (s.images.clone(), mutate(&s.labels, &e, cut)),
            _ => (random.clone(), random),
        };
        bad_input_or_ok(parse_idx(&img, &lab, "i", "l", which == 0))?;
    }

    #[test]
    fn gunzip_never_panics((e, cut) in edits(), random in bytes(), limit in 0usize..4000) {
        let s = seeds();
        let gz = mutate(&s.images_gz, &e, cut);
        match gunzip_bounded(&gz, "g", limit) {
            Ok(out) => {
                prop_assert!(out.len() <= limit);
                bad_input_or_ok(parse_idx(&out, &s.labels, "g", "l", false))?;
            }
            Err(err) => prop_assert_eq!(err.exit_status(), 2),
        }
        bad_input_or_ok(gunzip_bounded(&random, "r", limit))?;
    }

    #[test]
    fn params_never_panic((e, cut) in edits(), which in 0usize..4, random in bytes()) {
        let (format, seed) = &seeds().params[which];
        bad_input_or_ok(parse_params_bytes(&mutate(seed, &e, cut), *format, "p"))?;
        bad_input_or_ok(parse_params_bytes(&random, *format, "r"))?;
    }
}

/// The unmutated seeds parse (so the mutations start from valid files).
#[test]
fn seeds_are_valid() {
    let s = seeds();
    assert!(parse_csv(std::str::from_utf8(&s.csv).unwrap(), "c").is_ok());
    assert!(parse_json(std::str::from_utf8(&s.json).unwrap(), "j").is_ok());
    let d = parse_idx(&s.images, &s.labels, "i", "l", false).unwrap();
    assert_eq!((d.m(), d.d()), (4, 784));
    for (f, b) in &s.params {
        parse_params_bytes(b, *f, "p").unwrap();
    }
}
