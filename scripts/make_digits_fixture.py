#!/usr/bin/env python3
"""Regenerate fixtures/datasets/digits_even_odd.csv from scikit-learn's bundled digits.

Source: ``sklearn.datasets.load_digits()`` -- 1797 samples x 64 pixels (8x8, values 0..16),
read from the file ``sklearn/datasets/data/digits.csv.gz`` shipped inside the scikit-learn
wheel (BSD-3-Clause package). The data are the test set of the UCI "Optical Recognition of
Handwritten Digits" data set (Alpaydin & Kaynak, 1998; CC BY 4.0).

Transformation (the even-vs-odd task of paper [M] section 6, on the small digits set):
  * label: digit even -> +1, digit odd -> -1;
  * pixels: divided by 16 -> [0, 1];
  * each row divided by its Euclidean (l2) norm (no row is all zero; asserted).
Output: a header line ``label,p0,...,p63`` then one sample per line, label first, features
written with ``repr(float)`` (shortest round-trip representation), all 1797 rows in the
original order.

Usage (from the repository root; scikit-learn is needed only here, not by the crate):
    pip install scikit-learn
    python3 scripts/make_digits_fixture.py [OUTPUT_CSV]
It prints the sha256 of the written CSV and of sklearn's source file.
"""

import hashlib
import math
import os
import sys

import sklearn
from sklearn.datasets import load_digits


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    repo_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    default_out = os.path.join(repo_root, "fixtures", "datasets", "digits_even_odd.csv")
    out = sys.argv[1] if len(sys.argv) > 1 else default_out

    digits = load_digits()
    data, target = digits.data, digits.target
    assert data.shape == (1797, 64), data.shape
    assert target.shape == (1797,), target.shape

    lines = ["label," + ",".join("p%d" % j for j in range(64))]
    n_pos = 0
    for row, digit in zip(data.tolist(), target.tolist()):
        digit = int(digit)
        assert 0 <= digit <= 9
        label = 1 if digit % 2 == 0 else -1
        n_pos += label == 1
        scaled = [float(v) / 16.0 for v in row]
        assert all(0.0 <= v <= 1.0 for v in scaled)
        norm = math.sqrt(math.fsum(v * v for v in scaled))
        assert norm > 0.0, "all-zero row in digits"
        feats = [v / norm for v in scaled]
        lines.append(str(label) + "," + ",".join(repr(v) for v in feats))

    with open(out, "w", newline="\n") as f:
        f.write("\n".join(lines) + "\n")

    source = os.path.join(os.path.dirname(sklearn.datasets.__file__), "data", "digits.csv.gz")
    print("scikit-learn version:", sklearn.__version__)
    print("source file: sklearn/datasets/data/digits.csv.gz (%s)" % source)
    print("source sha256:", sha256_of(source))
    print("rows: %d, features: %d, label +1 (even): %d, label -1 (odd): %d"
          % (data.shape[0], data.shape[1], n_pos, data.shape[0] - n_pos))
    print("output:", out)
    print("output sha256:", sha256_of(out))


if __name__ == "__main__":
    main()
