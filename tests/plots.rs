//! Tests of the SVG figure module: seed statistics, resampling, tick labels, and the
//! rendered documents (well-formed, labelled, deterministic, no NaN).

use approx::{abs_diff_eq, assert_abs_diff_eq};
use implicit_bias::error::Error;
use implicit_bias::plots::ticks::{format_linear, format_log10, linear_ticks, log10_ticks};
use implicit_bias::plots::{
    aggregate_series, interpolate, line_chart_svg, mean_ci95, project_directions, scatter_svg,
    student_t975, write_line_chart, write_scatter, LineChart, Projection, ScatterChart, Series,
    XAxis,
};
use proptest::prelude::*;
use quickcheck::quickcheck;

// ---------------------------------------------------------------- statistics

#[test]
fn mean_ci95_matches_hand_computation() {
    // [1, 2, 3]: mean 2, sample sd 1, t_{0.975,2} = 4.3027 → h = 4.3027 / √3.
    let (m, h) = mean_ci95(&[1.0, 2.0, 3.0]);
    assert_eq!(m, 2.0);
    assert!(
        abs_diff_eq!(h, 4.3027 / 3f64.sqrt(), epsilon = 1e-12),
        "h = {h}"
    );
    // [2, 4, 4, 4, 5, 5, 7, 9]: mean 5, Σ(x − 5)² = 32, s = √(32/7), t_{0.975,7} = 2.3646.
    let (m, h) = mean_ci95(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
    assert_eq!(m, 5.0);
    let expected = 2.3646 * (32.0f64 / 7.0).sqrt() / 8f64.sqrt();
    assert!(
        abs_diff_eq!(h, expected, epsilon = 1e-12),
        "h = {h}, expected {expected}"
    );
}

#[test]
fn mean_ci95_degenerate_sizes() {
    let (m, h) = mean_ci95(&[]);
    assert!(m.is_nan() && h.is_nan());
    let (m, h) = mean_ci95(&[3.5]);
    assert_eq!(m, 3.5);
    assert!(h.is_nan(), "one seed has no spread estimate");
    // Identical values: exact mean and exactly zero width (0.1 is not representable, so a
    // naive Σx/n would already be off by an ulp).
    let (m, h) = mean_ci95(&[0.1; 7]);
    assert_eq!(m, 0.1);
    assert_eq!(h, 0.0);
}

#[test]
fn student_t_quantiles() {
    assert_eq!(student_t975(1), 12.7062);
    assert_eq!(student_t975(29), 2.0452);
    // Beyond the table: Cornish–Fisher against table values (4 decimals), error < 1e-3.
    for (dof, t) in [(30, 2.0423), (40, 2.0211), (60, 2.0003), (120, 1.9799)] {
        assert!(
            abs_diff_eq!(student_t975(dof), t, epsilon = 1e-3),
            "dof {dof}"
        );
    }
    assert_abs_diff_eq!(student_t975(1_000_000), 1.96, epsilon = 1e-3);
    assert!(student_t975(0).is_nan());
    // Monotone decreasing in the degrees of freedom, across the table/expansion seam too.
    for dof in 1..200 {
        assert!(student_t975(dof + 1) < student_t975(dof), "dof {dof}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Linear data are reproduced exactly (up to rounding) inside the range, None outside.
    #[test]
    fn interpolate_is_exact_on_lines(
        a in -10.0f64..10.0,
        b in -10.0f64..10.0,
        mut xs in proptest::collection::vec(-100.0f64..100.0, 2..30),
        queries in proptest::collection::vec(-150.0f64..150.0, 1..20),
    ) {
        xs.sort_by(f64::total_cmp);
        xs.dedup();
        prop_assume!(xs.len() >= 2);
        let points: Vec<(f64, f64)> = xs.iter().map(|&x| (x, a * x + b)).collect();
        let got = interpolate(&points, &queries);
        let (lo, hi) = (xs[0], xs[xs.len() - 1]);
        // A few roundings of numbers of size |a|·|x| + |b| ≤ 10·150 + 10.
        let tol = 16.0 * f64::EPSILON * (10.0 * 150.0 + 10.0);
        for (q, y) in queries.iter().zip(&got) {
            if *q < lo || *q > hi {
                prop_assert!(y.is_none(), "query {} outside [{}, {}]", q, lo, hi);
            } else {
                let y = y.expect("inside the range");
                prop_assert!(abs_diff_eq!(y, a * q + b, epsilon = tol), "q {} y {}", q, y);
            }
        }
    }
}

quickcheck! {
    /// At the nodes of an increasing curve, interpolation returns the node values, whatever
    /// order the points are given in.
    fn interpolate_hits_nodes(ys: Vec<i16>, rotate: usize) -> bool {
        let points: Vec<(f64, f64)> =
            ys.iter().enumerate().map(|(i, &y)| (i as f64, f64::from(y))).collect();
        let mut shuffled = points.clone();
        if !shuffled.is_empty() {
            let r = rotate % shuffled.len();
            shuffled.rotate_left(r);
        }
        let xs: Vec<f64> = points.iter().map(|p| p.0).collect();
        let got = interpolate(&shuffled, &xs);
        got.iter().zip(&points).all(|(g, p)| *g == Some(p.1))
    }
}

#[test]
fn interpolate_edge_cases() {
    assert_eq!(interpolate(&[], &[0.0]), vec![None]);
    let pts = [(0.0, 1.0), (f64::NAN, 5.0), (2.0, 3.0)];
    assert_eq!(
        interpolate(&pts, &[1.0, f64::NAN, 2.5]),
        vec![Some(2.0), None, None]
    );
    // Decreasing x (log-loss along a run) is accepted.
    assert_eq!(
        interpolate(&[(0.0, 0.0), (-4.0, 8.0)], &[-1.0]),
        vec![Some(2.0)]
    );
}

#[test]
fn aggregate_identical_curves_has_zero_band() {
    let curve: Vec<(f64, f64)> = (0..50)
        .map(|i| (i as f64 * 0.3, (i as f64 * 0.1).sin()))
        .collect();
    let s = aggregate_series("ngd", &[curve.clone(), curve.clone(), curve.clone()], 25);
    assert_eq!(s.label, "ngd");
    assert_eq!(s.points.len(), 25);
    assert_eq!(s.points[0].0, 0.0);
    assert_eq!(s.points[24].0, 49.0 * 0.3);
    let band = s.band.expect("several seeds give a band");
    for ((x, y), (bx, lo, hi)) in s.points.iter().zip(&band) {
        assert_eq!(x, bx);
        assert_eq!(lo, y);
        assert_eq!(hi, y);
    }
    // The mean equals the interpolated curve itself.
    let xs: Vec<f64> = s.points.iter().map(|p| p.0).collect();
    for (p, y) in s.points.iter().zip(interpolate(&curve, &xs)) {
        assert_eq!(Some(p.1), y);
    }
}

#[test]
fn aggregate_uses_overlap_and_t_quantile() {
    // y = 0 on [0, 10] and y = 2 on [2, 8]: grid over [2, 8], mean 1, s = √2, n = 2
    // → h = t_{0.975,1} · √2 / √2 = 12.7062.
    let a = vec![(0.0, 0.0), (10.0, 0.0)];
    let b = vec![(2.0, 2.0), (8.0, 2.0)];
    let s = aggregate_series("x", &[a, b], 4);
    let xs: Vec<f64> = s.points.iter().map(|p| p.0).collect();
    assert_eq!(xs, vec![2.0, 4.0, 6.0, 8.0]);
    for (x, lo, hi) in s.band.unwrap() {
        assert!(
            abs_diff_eq!(hi - 1.0, 12.7062, epsilon = 1e-12)
                && abs_diff_eq!(1.0 - lo, 12.7062, epsilon = 1e-12),
            "x {x}"
        );
    }
    // Degenerate inputs give empty series, not panics.
    assert!(aggregate_series("e", &[], 10).points.is_empty());
    assert!(
        aggregate_series("e", &[vec![(0.0, 1.0)], vec![(2.0, 1.0)]], 10)
            .points
            .is_empty()
    );
    let single = aggregate_series("one", &[vec![(0.0, 1.0), (1.0, 3.0)]], 3);
    assert_eq!(single.points, vec![(0.0, 1.0), (0.5, 2.0), (1.0, 3.0)]);
    assert!(single.band.is_none());
}

// ---------------------------------------------------------------- ticks

#[test]
fn tick_labels() {
    let t = log10_ticks(-300.0, 0.0, 8);
    assert!(t.contains(&-100.0), "{t:?}");
    assert_eq!(format_log10(-100.0, 50.0), "1e-100");
    assert_eq!(format_log10(-2000.0, 500.0), "1e-2000");
    assert_eq!(format_log10(2e-3f64.log10(), 0.3), "2e-3");
    assert_eq!(format_log10(5.0f64.log10(), 0.3), "5e0");
    assert_eq!(format_linear(0.1 + 0.2, 0.1), "0.3");
    assert_eq!(format_linear(-1e-17, 0.1), "0");
    assert_eq!(format_linear(250.0, 50.0), "250");
    assert_eq!(format_linear(1.5e-5, 5e-6), "1.5e-5");
    assert_eq!(
        linear_ticks(0.0, 1.0, 5),
        vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
    );
}

/// Min gap between consecutive ticks (the step the labels are formatted with).
fn min_gap(t: &[f64]) -> f64 {
    t.windows(2)
        .map(|w| w[1] - w[0])
        .fold(f64::INFINITY, f64::min)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Ticks lie in the range, increase, are 2…max+1 in number and have distinct labels.
    #[test]
    fn ticks_are_in_range_with_distinct_labels(
        center in -3000.0f64..100.0,
        log_span in -4.0f64..3.5,
        max_ticks in 4usize..12,
    ) {
        let span = 10f64.powf(log_span);
        let (lo, hi) = (center - span / 2.0, center + span / 2.0);
        for (log, t) in [(false, linear_ticks(lo, hi, max_ticks)), (true, log10_ticks(lo, hi, max_ticks))] {
            prop_assert!(t.len() >= 2 && t.len() <= max_ticks + 1, "{} ticks {:?}", t.len(), t);
            // Tick positions may exceed the range by the 1e-9-step slack of the generator.
            let slack = 1e-8 * span;
            prop_assert!(t.iter().all(|v| *v >= lo - slack && *v <= hi + slack));
            prop_assert!(t.windows(2).all(|w| w[1] > w[0]));
            let step = min_gap(&t);
            let labels: Vec<String> = t
                .iter()
                .map(|&v| if log { format_log10(v, step) } else { format_linear(v, step) })
                .collect();
            let mut dedup = labels.clone();
            dedup.sort();
            dedup.dedup();
            prop_assert_eq!(dedup.len(), labels.len(), "labels {:?}", labels);
        }
    }
}

// ---------------------------------------------------------------- SVG documents

/// Checks that `svg` is one well-formed `<svg>` element: every tag closed in order, quotes
/// balanced, no text outside the root.
fn assert_well_formed(svg: &str) {
    let body = svg.trim();
    assert!(
        body.starts_with("<svg"),
        "starts with {:?}",
        &body[..body.len().min(40)]
    );
    assert!(body.ends_with("</svg>"));
    let mut stack: Vec<String> = vec![];
    let mut rest = body;
    while let Some(open) = rest.find('<') {
        let text = &rest[..open];
        assert!(!text.contains('>'), "stray '>' in text {text:?}");
        if stack.is_empty() {
            assert!(text.trim().is_empty(), "text outside the root: {text:?}");
        }
        let close = rest[open..].find('>').expect("unterminated tag") + open;
        let tag = &rest[open + 1..close];
        assert_eq!(
            tag.matches('"').count() % 2,
            0,
            "unbalanced quotes in <{tag}>"
        );
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(
                stack.pop().as_deref(),
                Some(name.trim()),
                "mismatched </{name}>"
            );
        } else if !tag.ends_with('/') && !tag.starts_with('?') && !tag.starts_with('!') {
            let name = tag.split_whitespace().next().unwrap_or("").to_string();
            stack.push(name);
        }
        rest = &rest[close + 1..];
    }
    assert!(stack.is_empty(), "unclosed {stack:?}");
    assert!(rest.trim().is_empty());
}

/// The trimmed text nodes of an SVG document (plotters puts a `<text>`'s content on its own line).
fn texts(svg: &str) -> Vec<String> {
    svg.split('>')
        .filter_map(|chunk| chunk.split('<').next())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

fn has_text(svg: &str, text: &str) -> bool {
    texts(svg).iter().any(|t| t == text)
}

fn assert_finite_text(svg: &str) {
    assert!(!svg.contains("NaN"), "NaN in the SVG");
    assert!(!svg.contains("inf"), "inf in the SVG");
}

/// Margin vs log10-loss with two optimizers over three seeds, x from −300 to 0.
fn margin_chart() -> LineChart {
    let curve = |gamma: f64, seed: f64| -> Vec<(f64, f64)> {
        (0..=60)
            .map(|i| {
                let x = -(i as f64) * 5.0; // log10 loss: 0 … −300
                (
                    x,
                    gamma * (1.0 - (x / 40.0).exp()) + 0.01 * seed * (i as f64 * 0.2).sin(),
                )
            })
            .collect()
    };
    let series = vec![
        aggregate_series(
            "NGD",
            &[curve(0.5, 1.0), curve(0.5, 2.0), curve(0.5, 3.0)],
            80,
        ),
        aggregate_series(
            "Signum",
            &[curve(0.3, 1.0), curve(0.3, 2.0), curve(0.3, 3.0)],
            80,
        ),
    ];
    LineChart {
        title: "l2 margin vs loss".into(),
        x_label: "training loss".into(),
        y_label: "normalized l2 margin".into(),
        x_axis: XAxis::Log10Values,
        y_log: false,
        series,
    }
}

#[test]
fn line_chart_is_labelled_and_well_formed() {
    let chart = margin_chart();
    let svg = line_chart_svg(&chart, 800, 500).unwrap();
    assert_well_formed(&svg);
    assert_finite_text(&svg);
    for text in [
        "l2 margin vs loss",
        "training loss",
        "normalized l2 margin",
        "NGD",
        "Signum",
    ] {
        assert!(has_text(&svg, text), "missing text {text}");
    }
    for tick in ["1e-300", "1e-200", "1e-100", "1e0"] {
        assert!(has_text(&svg, tick), "missing tick {tick}");
    }
    assert!(svg.contains("<polygon"), "CI bands are drawn");
    assert!(svg.contains("95% CI"), "the legend explains the bands");
    // Deterministic: the same chart renders to the same bytes.
    assert_eq!(svg, line_chart_svg(&chart, 800, 500).unwrap());
}

#[test]
fn line_chart_skips_non_finite_and_escapes_text() {
    let chart = LineChart {
        title: "cosine to last iterate <t/T>".into(),
        x_label: "t / T".into(),
        y_label: "cos(θ_t, θ_T)".into(),
        x_axis: XAxis::Linear,
        y_log: false,
        series: vec![Series {
            label: "Adam & co".into(),
            points: vec![
                (0.0, 0.1),
                (0.25, f64::NAN),
                (0.5, 0.9),
                (f64::INFINITY, 1.0),
                (0.75, 0.95),
                (1.0, 1.0),
            ],
            band: Some(vec![
                (0.0, 0.0, 0.2),
                (0.5, f64::NAN, 1.0),
                (1.0, 0.99, 1.01),
            ]),
        }],
    };
    let svg = line_chart_svg(&chart, 640, 400).unwrap();
    assert_well_formed(&svg);
    assert_finite_text(&svg);
    assert!(svg.contains("&lt;t/T&gt;") && svg.contains("Adam &amp; co"));
    assert!(has_text(&svg, "cos(θ_t, θ_T)"));
}

#[test]
fn log_y_axis_labels_powers_and_skips_non_positive() {
    let chart = LineChart {
        title: "loss".into(),
        x_label: "step".into(),
        y_label: "loss".into(),
        x_axis: XAxis::Linear,
        y_log: true,
        series: vec![Series {
            label: "gd".into(),
            points: (0..100)
                .map(|i| (i as f64, 10f64.powf(-(i as f64) / 10.0)))
                .chain([(100.0, 0.0), (101.0, -1.0)])
                .collect(),
            band: None,
        }],
    };
    let svg = line_chart_svg(&chart, 800, 500).unwrap();
    assert_well_formed(&svg);
    assert_finite_text(&svg);
    assert!(
        has_text(&svg, "1e-4") && has_text(&svg, "1e-8"),
        "decade ticks on the log y axis"
    );
}

#[test]
fn empty_charts_are_config_errors() {
    let mut chart = margin_chart();
    chart.series = vec![];
    assert!(matches!(
        line_chart_svg(&chart, 800, 500),
        Err(Error::Config(_))
    ));
    chart.series = vec![Series {
        label: "bad".into(),
        points: vec![(f64::NAN, 1.0), (1.0, f64::INFINITY)],
        band: None,
    }];
    assert!(matches!(
        line_chart_svg(&chart, 800, 500),
        Err(Error::Config(_))
    ));
    chart.y_log = true;
    chart.series[0].points = vec![(0.0, 0.0), (1.0, -2.0)];
    let err = line_chart_svg(&chart, 800, 500).unwrap_err();
    assert!(err.to_string().contains("non-positive"), "{err}");
    // A size the layout cannot fit.
    assert!(matches!(
        line_chart_svg(&margin_chart(), 10, 10),
        Err(Error::Config(_))
    ));
    let scatter = ScatterChart {
        title: "s".into(),
        x_label: "x".into(),
        y_label: "y".into(),
        groups: vec![("g".into(), vec![(f64::NAN, 0.0)])],
        unit_circle: true,
    };
    assert!(matches!(
        scatter_svg(&scatter, 800, 500),
        Err(Error::Config(_))
    ));
}

#[test]
fn writing_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("margin.svg");
    write_line_chart(&margin_chart(), &path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("<svg") && text.contains("width=\"800\""));
    let missing = dir.path().join("no/such/dir/margin.svg");
    assert!(matches!(
        write_line_chart(&margin_chart(), &missing),
        Err(Error::Io { .. })
    ));
    assert!(matches!(
        write_scatter(&direction_chart(), &missing),
        Err(Error::Io { .. })
    ));
}

/// Three seeds' directions in the plane, one group per optimizer, with the unit circle.
fn direction_chart() -> ScatterChart {
    let adagrad: Vec<Vec<f64>> = (0..12)
        .map(|s| {
            let a = 0.3 + 0.07 * s as f64;
            vec![a.cos(), a.sin(), 0.2 + 0.01 * s as f64]
        })
        .collect();
    let rmsprop: Vec<Vec<f64>> = (0..12)
        .map(|s| vec![1.0, 1.0, 1.0 + 1e-3 * s as f64])
        .collect();
    let all: Vec<Vec<f64>> = adagrad.iter().chain(&rmsprop).cloned().collect();
    let p = project_directions(&all, &Projection::Principal).unwrap();
    ScatterChart {
        title: "direction of h∞^(-1/2)".into(),
        x_label: "PC1".into(),
        y_label: "PC2".into(),
        groups: vec![
            ("AdaGrad".into(), p[..12].to_vec()),
            ("RMSProp".into(), p[12..].to_vec()),
        ],
        unit_circle: true,
    }
}

#[test]
fn scatter_with_unit_circle() {
    let chart = direction_chart();
    let svg = scatter_svg(&chart, 800, 500).unwrap();
    assert_well_formed(&svg);
    assert_finite_text(&svg);
    for text in ["direction of h∞^(-1/2)", "PC1", "PC2", "AdaGrad", "RMSProp"] {
        assert!(has_text(&svg, text), "missing text {text}");
    }
    assert_eq!(
        svg.matches("<circle").count(),
        24 + 2,
        "24 points and 2 legend dots"
    );
    // The unit circle is the grey polyline; equal axis scales make its pixel box square
    // (up to 2 px: one rounding per coordinate and per axis end).
    let circle = svg
        .split("<polyline")
        .skip(1)
        .find(|p| p.contains("#969696"))
        .expect("unit circle drawn");
    let pts = circle
        .split("points=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let (mut xs, mut ys) = (vec![], vec![]);
    for pair in pts.split_whitespace() {
        let (x, y) = pair.split_once(',').unwrap();
        xs.push(x.parse::<f64>().unwrap());
        ys.push(y.parse::<f64>().unwrap());
    }
    let extent = |v: &[f64]| {
        v.iter().cloned().fold(f64::MIN, f64::max) - v.iter().cloned().fold(f64::MAX, f64::min)
    };
    assert!(
        abs_diff_eq!(extent(&xs), extent(&ys), epsilon = 2.0),
        "{} vs {}",
        extent(&xs),
        extent(&ys)
    );
    assert_eq!(svg, scatter_svg(&chart, 800, 500).unwrap());
}

// ---------------------------------------------------------------- directions

#[test]
fn project_directions_coordinates_and_errors() {
    let v = vec![vec![3.0, 0.0, 4.0], vec![0.0, 2.0, 0.0]];
    let p = project_directions(&v, &Projection::Coordinates(0, 2)).unwrap();
    assert_eq!(p, vec![(0.6, 0.8), (0.0, 0.0)]);
    assert!(matches!(
        project_directions(&v, &Projection::Coordinates(0, 3)),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        project_directions(&[], &Projection::Principal),
        Err(Error::Config(_))
    ));
    let ragged = vec![vec![1.0, 2.0], vec![1.0]];
    assert!(matches!(
        project_directions(&ragged, &Projection::Principal),
        Err(Error::Config(_))
    ));
    let zero = vec![vec![1.0, 2.0], vec![0.0, 0.0]];
    assert!(matches!(
        project_directions(&zero, &Projection::Principal),
        Err(Error::Numerical(_))
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Directions spanning a plane (rotated into 5-D) project isometrically: on the unit
    /// circle and with their pairwise distances preserved.
    #[test]
    fn principal_projection_is_isometric_on_a_plane(
        angles in proptest::collection::vec(0.0f64..std::f64::consts::TAU, 2..12),
        scales in proptest::collection::vec(0.1f64..10.0, 12),
    ) {
        // Orthonormal pair e = (1,1,1,1,1)/√5 and f = (1,-1,0,0,0)/√2.
        let e = [1.0 / 5f64.sqrt(); 5];
        let f = [1.0 / 2f64.sqrt(), -1.0 / 2f64.sqrt(), 0.0, 0.0, 0.0];
        let units: Vec<Vec<f64>> = angles
            .iter()
            .map(|a| (0..5).map(|j| a.cos() * e[j] + a.sin() * f[j]).collect())
            .collect();
        let scaled: Vec<Vec<f64>> = units
            .iter()
            .zip(&scales)
            .map(|(u, s)| u.iter().map(|x| x * s).collect())
            .collect();
        let p = project_directions(&scaled, &Projection::Principal).unwrap();
        // Eigen-decomposition of a ≤ 12×12 Gram matrix: errors of a few hundred ulps.
        let tol = 1e-10;
        for (a, pa) in p.iter().enumerate() {
            prop_assert!(abs_diff_eq!((pa.0 * pa.0 + pa.1 * pa.1).sqrt(), 1.0, epsilon = tol));
            for (b, pb) in p.iter().enumerate() {
                let d_plane = ((pa.0 - pb.0).powi(2) + (pa.1 - pb.1).powi(2)).sqrt();
                let d_space: f64 = units[a].iter().zip(&units[b]).map(|(x, y)| (x - y).powi(2)).sum::<f64>().sqrt();
                prop_assert!(abs_diff_eq!(d_plane, d_space, epsilon = tol), "{} {}: {} vs {}", a, b, d_plane, d_space);

            }
        }
    }
}
